"""Target regions as the VOT toolkit writes them: rectangles, polygons, masks (with RLE).

Coordinates are the toolkit's: 0-based pixel indices, x to the right, y down; a ``Mask`` is a
boolean array placed at an (x, y) offset in the image. Text forms:

* rectangle ``x,y,w,h``; polygon ``x1,y1,x2,y2,...`` (at least 3 points);
* mask ``m<x0>,<y0>,<w>,<h>,<runs...>``: run lengths of the w x h crop at (x0, y0), row-major,
  alternating and starting with a run of zeros;
* a single number is a special code (results: 1 = initialisation, 2 = failure, 0 = skipped).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Union

import cv2
import numpy as np


@dataclass(frozen=True)
class Rectangle:
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Polygon:
    """points: (N, 2) float64 (x, y), N >= 3."""

    points: np.ndarray = field(compare=False)

    def __post_init__(self) -> None:
        pts = np.asarray(self.points, dtype=np.float64).reshape(-1, 2)
        object.__setattr__(self, "points", pts)
        if pts.shape[0] < 3:
            raise ValueError(f"a polygon needs at least 3 points, got {pts.shape[0]}")


@dataclass(frozen=True)
class Mask:
    """mask: (h, w) bool placed with its top-left pixel at ``offset`` = (x, y) in the image."""

    mask: np.ndarray = field(compare=False)
    offset: tuple[int, int] = (0, 0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mask", np.asarray(self.mask).astype(bool))
        if self.mask.ndim != 2:
            raise ValueError(f"a mask must be 2-D, got shape {self.mask.shape}")

    def full(self, image_shape: tuple[int, int]) -> np.ndarray:
        """The (H, W) boolean image mask; parts outside the image are cut off."""
        h, w = image_shape
        out = np.zeros((h, w), dtype=bool)
        x0, y0 = self.offset
        mh, mw = self.mask.shape
        ys, xs = max(y0, 0), max(x0, 0)
        ye, xe = min(y0 + mh, h), min(x0 + mw, w)
        if ys < ye and xs < xe:
            out[ys:ye, xs:xe] = self.mask[ys - y0 : ye - y0, xs - x0 : xe - x0]
        return out


@dataclass(frozen=True)
class Special:
    code: int


Region = Union[Rectangle, Polygon, Mask]


def encode_rle(mask: np.ndarray) -> list[int]:
    """(h, w) bool -> run lengths, row-major, starting with zeros."""
    flat = np.asarray(mask, dtype=bool).ravel()
    if flat.size == 0:
        return []
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    runs = np.diff(bounds).tolist()
    return [0] + runs if flat[0] else runs


#: No video frame this project reads has more pixels (16k x 6k); a mask region claiming more is
#: refused before anything is allocated.
MAX_MASK_PIXELS = 100_000_000


def decode_rle(runs: list[int], width: int, height: int) -> np.ndarray:
    if width < 0 or height < 0 or width * height > MAX_MASK_PIXELS:
        raise ValueError(f"a {width}x{height} mask is larger than any frame ({MAX_MASK_PIXELS // 1_000_000} million pixels at most)")
    total = sum(runs)
    if total != width * height or any(r < 0 for r in runs):
        raise ValueError(f"mask runs cover {total} pixels, but the mask is {width}x{height} = {width * height}")
    values = np.zeros(len(runs), dtype=bool)
    values[1::2] = True
    return np.repeat(values, runs).reshape(height, width)


def parse_region(text: str, frame_size: tuple[int, int] | None = None) -> Region | Special:
    """One line of a VOT region file. ``frame_size`` (width, height): a mask region must lie
    within it (checked before the mask is decoded)."""
    text = text.strip()
    if not text:
        raise ValueError("empty region line")
    if text[0] == "m":
        try:
            values = [int(v) for v in text[1:].split(",")]
        except ValueError:
            raise ValueError(f"malformed mask region {text[:40]!r}") from None
        if len(values) < 4:
            raise ValueError(f"mask region needs an offset and a size, got {text[:40]!r}")
        x0, y0, w, h = values[:4]
        if frame_size is not None and (x0 < 0 or y0 < 0 or x0 + w > frame_size[0] or y0 + h > frame_size[1]):
            raise ValueError(f"mask region of {w}x{h} at ({x0}, {y0}) does not fit the {frame_size[0]}x{frame_size[1]} frame")
        return Mask(decode_rle(values[4:], w, h), (x0, y0))
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise ValueError(f"malformed region {text[:40]!r}") from None
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"region {text[:40]!r} has non-finite coordinates")
    if len(values) == 1:
        return Special(int(values[0]))
    if len(values) == 4:
        return Rectangle(*values)
    if len(values) >= 6 and len(values) % 2 == 0:
        return Polygon(np.array(values).reshape(-1, 2))
    raise ValueError(f"a region has 1, 4 or an even number >= 6 of values, got {len(values)}: {text[:40]!r}")


def format_region(region: Region | Special) -> str:
    if isinstance(region, Special):
        return str(region.code)
    if isinstance(region, Rectangle):
        return ",".join(f"{v:.4f}" for v in (region.x, region.y, region.w, region.h))
    if isinstance(region, Polygon):
        return ",".join(f"{v:.4f}" for v in region.points.ravel())
    ys, xs = np.nonzero(region.mask)
    if ys.size == 0:
        # An empty mask: the toolkit's own writer emits a 1x1 mask with no foreground.
        return f"m{region.offset[0]},{region.offset[1]},1,1,1"
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    runs = encode_rle(region.mask[y0:y1, x0:x1])
    return f"m{region.offset[0] + x0},{region.offset[1] + y0},{x1 - x0},{y1 - y0}," + ",".join(map(str, runs))


def region_bounds(region: Region) -> tuple[float, float, float, float]:
    """Axis-aligned (x, y, w, h) of a region (for a mask: of its pixels, +1 extent)."""
    if isinstance(region, Rectangle):
        return region.x, region.y, region.w, region.h
    if isinstance(region, Polygon):
        lo, hi = region.points.min(0), region.points.max(0)
        return float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1])
    ys, xs = np.nonzero(region.mask)
    if ys.size == 0:
        return 0.0, 0.0, 0.0, 0.0
    return float(xs.min() + region.offset[0]), float(ys.min() + region.offset[1]), float(xs.max() - xs.min() + 1), float(ys.max() - ys.min() + 1)


def rectangle_corners(x: float, y: float, w: float, h: float) -> np.ndarray:
    """(4, 2) corner pixels of an (x, y, w, h) rectangle, inclusive: the last column is
    ``x + w - 1`` (a w-pixel-wide box covers columns x .. x + w - 1, as D3S fills it). The one
    definition for every rectangle turned into pixels (the tracker's first mask, training masks)."""
    return np.array([[x, y], [x + w - 1, y], [x + w - 1, y + h - 1], [x, y + h - 1]], dtype=np.float64)


def _edges(points: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The polygon's closed edges (p, q), zero-length ones left out."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    pairs = zip(pts, np.roll(pts, -1, axis=0))
    return [(p, q) for p, q in pairs if not np.array_equal(p, q)]


def _crossing(e: tuple[np.ndarray, np.ndarray], f: tuple[np.ndarray, np.ndarray]) -> np.ndarray | None:
    """Where segments e and f cross at a point inside both (not at an end of either), or None."""
    (p, q), (r, s) = e, f
    d, g = q - p, s - r
    den = d[0] * g[1] - d[1] * g[0]
    if den == 0:  # parallel (collinear overlaps cover no area)
        return None
    t = ((r[0] - p[0]) * g[1] - (r[1] - p[1]) * g[0]) / den
    u = ((r[0] - p[0]) * d[1] - (r[1] - p[1]) * d[0]) / den
    return p + t * d if 0 < t < 1 and 0 < u < 1 else None


def self_crossings(points: np.ndarray) -> list[tuple[float, float]]:
    """The (x, y) points where a polygon's edges cross each other (none for a simple polygon)."""
    edges = _edges(points)
    found = []
    for i in range(len(edges)):
        for j in range(i + 1, len(edges)):
            at = _crossing(edges[i], edges[j])
            if at is not None:
                found.append((float(at[0]), float(at[1])))
    return found


def polygon_area(points: np.ndarray) -> float:
    """The area a polygon covers, in square pixels, filled by the even-odd rule as the VOT
    toolkit's rasteriser fills it (pixels between pairs of edge crossings along each row).

    The shoelace formula gives a signed area, and the lobes of a self-intersecting polygon are
    wound in opposite directions: a symmetric bow-tie's two triangles cancel to zero although
    they cover half their box. Here the plane is cut into vertical slabs at every vertex and
    every crossing of two edges; inside a slab no two edges cross, so the covered height (the
    gaps between the 1st and 2nd, 3rd and 4th, ... edges above each other) is linear in x and
    its value at the slab's middle times the slab's width is exact. A polygon whose points are
    collinear covers 0.
    """
    edges = _edges(points)
    xs = {float(p[0]) for p, _ in edges} | {x for x, _ in self_crossings(points)}
    cuts = sorted(xs)
    area = 0.0
    for a, b in zip(cuts[:-1], cuts[1:]):
        middle = (a + b) / 2
        ys = sorted(
            float(p[1] + (middle - p[0]) * (q[1] - p[1]) / (q[0] - p[0]))
            for p, q in edges
            if min(p[0], q[0]) < middle < max(p[0], q[0])
        )
        area += (b - a) * (sum(ys[1::2]) - sum(ys[0::2]))
    return area


def rasterize(region: Region, image_shape: tuple[int, int]) -> np.ndarray:
    """Region -> (H, W) bool mask of the image (polygons filled with integer corners, as D3S;
    rectangles through ``rectangle_corners``)."""
    if isinstance(region, Mask):
        return region.full(image_shape)
    if isinstance(region, Rectangle):
        pts = rectangle_corners(region.x, region.y, region.w, region.h)
    else:
        pts = region.points
    out = np.zeros(image_shape, dtype=np.uint8)
    cv2.fillPoly(out, [pts.astype(np.int32)], 1)
    return out.astype(bool)
