"""Checking what the caller hands the tracker, and the first frame's geometry.

Every rejection is a ``ValueError`` that says what is wrong with which argument.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from ..geometry.regions import Mask, Polygon, Rectangle, Region, polygon_area, rectangle_corners, region_bounds, self_crossings
from .segmentation import poly_to_box


def check_frame(image: object, expected_shape: tuple[int, int] | None) -> None:
    """An H x W x 3 uint8 RGB array, of the first frame's size once tracking started."""
    if not isinstance(image, np.ndarray):
        raise ValueError(f"image must be a numpy array (H x W x 3 uint8 RGB), got {type(image).__name__}")
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"image must be H x W x 3 (RGB), got shape {image.shape}")
    if image.dtype != np.uint8:
        raise ValueError(f"image must be uint8, got {image.dtype}")
    if image.shape[0] < 16 or image.shape[1] < 16:
        raise ValueError(f"image is too small to track in: {image.shape[1]}x{image.shape[0]} pixels")
    if expected_shape is not None and image.shape[:2] != tuple(expected_shape):
        raise ValueError(
            f"frame is {image.shape[1]}x{image.shape[0]}, but the sequence started at {expected_shape[1]}x{expected_shape[0]}"
        )


@dataclass(frozen=True)
class InitGeometry:
    """The first frame's target.

    * ``pos_yx``, ``size_hw``: centre and size for the DCF.
    * ``box``: (4,) [x, y, w, h] the segmentation crop is built around.
    * ``mask``: (H, W) float32 target mask (the polygon or rectangle filled, or the given mask).
    * ``from_mask``: a mask was given (it is used as is, not refined).
    * ``rotated``: output rotated boxes (axis-aligned after a rectangle, as D3S).
    """

    pos_yx: tuple[float, float]
    size_hw: tuple[float, float]
    box: np.ndarray
    mask: np.ndarray
    from_mask: bool
    rotated: bool


def as_region(region: object, image_shape: tuple[int, int]) -> Region:
    """Accept Region objects, (H, W) boolean masks, 4 numbers, or polygon points."""
    if isinstance(region, (Rectangle, Polygon)):
        values = np.asarray([region.x, region.y, region.w, region.h] if isinstance(region, Rectangle) else region.points, np.float64)
        if not np.all(np.isfinite(values)):
            raise ValueError(f"region has non-finite coordinates (NaN or infinity): {region}")
        return region
    if isinstance(region, Mask):
        return region
    arr = np.asarray(region)
    if arr.ndim == 2 and arr.shape == tuple(image_shape) and arr.dtype in (np.bool_, np.uint8):
        return Mask(arr.astype(bool))
    try:
        values = arr.astype(np.float64).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"region must be a rectangle, polygon or mask, got {type(region).__name__}") from None
    if arr.ndim == 2 and arr.shape[1] != 2:
        raise ValueError(f"a mask region must have the image's shape {tuple(image_shape)}, got {arr.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"region has non-finite coordinates: {values.tolist()}")
    if values.size == 4:
        return Rectangle(*values)
    if values.size >= 6 and values.size % 2 == 0:
        return Polygon(values.reshape(-1, 2))
    raise ValueError(f"region must have 4 values (x, y, w, h) or >= 3 (x, y) points, got {values.size} values")


def init_geometry(region: object, image_shape: tuple[int, int]) -> InitGeometry:
    reg = as_region(region, image_shape)
    h, w = image_shape
    x, y, bw, bh = region_bounds(reg)
    if isinstance(reg, Mask):
        full = reg.full(image_shape)
        if not full.any():
            raise ValueError("the initialisation mask is empty (no target pixel inside the image)")
        ys, xs = np.nonzero(full)
        x, y = float(xs.min()), float(ys.min())
        bw, bh = float(xs.max() - xs.min() + 1), float(ys.max() - ys.min() + 1)
        return InitGeometry((y + bh / 2, x + bw / 2), (bh, bw), np.array([x, y, bw, bh]), full.astype(np.float32), True, True)
    if not all(math.isfinite(v) for v in (x, y, bw, bh)):
        raise ValueError(f"region has non-finite bounds (NaN or infinity): {reg}")
    if not (bw > 0 and bh > 0):
        raise ValueError(f"region has zero area: {reg}")
    if x + bw < 0 or y + bh < 0 or x >= w or y >= h:
        raise ValueError(f"region ({x:.1f}, {y:.1f}, {bw:.1f}, {bh:.1f}) lies wholly outside the {w}x{h} image")
    canvas = np.zeros(image_shape, dtype=np.int32)
    if isinstance(reg, Rectangle):
        corners = rectangle_corners(x, y, bw, bh)
        cv2.fillConvexPoly(canvas, corners.astype(np.int32), 1)
        box = np.array([x, y, bw, bh])
        return InitGeometry((y + bh / 2, x + bw / 2), (bh, bw), box, canvas.astype(np.float32), False, False)
    pts = reg.points
    # The area it covers, not the shoelace's signed sum, whose opposite-wound lobes of a
    # self-intersecting polygon (a bow-tie) cancel; the tolerance absorbs rounding only.
    if polygon_area(pts) <= 1e-9 * bw * bh:
        raise ValueError(f"polygon covers no area (its points are collinear or coincide): {pts.tolist()}")
    if len(pts) != 4 or self_crossings(pts):
        # D3S's geometry assumes the 4 corners of a simple quadrilateral in order: otherwise
        # (more or fewer points, or edges that cross) use the enclosing rotated rectangle.
        pts = cv2.boxPoints(cv2.minAreaRect(pts.astype(np.float32))).astype(np.float64)
    box = poly_to_box(pts[:, 0], pts[:, 1])
    cv2.fillConvexPoly(canvas, pts.astype(np.int32), 1)
    return InitGeometry((float(np.mean(pts[:, 1])), float(np.mean(pts[:, 0]))), (box[3], box[2]), box, canvas.astype(np.float32), False, True)
