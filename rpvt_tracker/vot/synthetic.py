"""Generated VOT sequences for offline workspaces and tests, deterministic for a seed.

Each sequence is a real photograph (from the images the scikit-image wheel ships; nothing is
downloaded) seen through a slowly panning camera, with a target cut from another photograph
(elliptical or rounded-rectangle shape) that moves along a smooth random path, rotates, changes
scale and is crossed by an occluding bar part of the time. Written in the toolkit's format:

    <name>/color/00000001.jpg ...   frames
    <name>/groundtruth.txt          rotated rectangles (polygons), or the visible masks (RLE)
    <name>/sequence                 metadata (name, fps, size, length, channel pattern)
    <name>/occlusion.tag, camera_motion.tag, size_change.tag   per-frame 0/1
    <name>/anchor.value             multistart anchors: forward in the first half, backward in
                                    the second, last frame backward (VOT2020 style)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..geometry.regions import Mask, Polygon, format_region
from ..tracking.sequence import write_annotations

BACKGROUNDS = ("coffee", "chelsea", "astronaut", "rocket", "brick", "grass", "gravel", "camera", "hubble_deep_field")
TARGETS = ("astronaut", "chelsea", "coffee", "rocket", "retina", "immunohistochemistry", "colorwheel")


@dataclass(frozen=True)
class SequenceSpec:
    """One generated sequence.

    * ``length``: frames; ``size``: (width, height) of the frames.
    * ``region``: ``polygon`` (the target's rotated rectangle) or ``mask`` (its visible pixels).
    * ``seed``: everything random follows from it.
    * ``target_size``: the target's nominal (width, height) in pixels.
    * ``speed``: peak target speed in pixels per frame.
    * ``anchor_spacing``: frames between multistart anchors.
    """

    length: int = 60
    size: tuple[int, int] = (320, 240)
    region: str = "polygon"
    seed: int = 0
    target_size: tuple[int, int] = (64, 44)
    speed: float = 3.0
    anchor_spacing: int = 20


def _photo(name: str) -> np.ndarray:
    """An RGB uint8 photograph from the scikit-image wheel (grayscale ones get a colour cast)."""
    import skimage.data

    image = getattr(skimage.data, name)()
    if image.ndim == 2:
        tint = np.array([1.0, 0.92, 0.8])
        image = np.clip(image[..., None] * tint, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(image[..., :3])


def _target(rng: np.random.Generator, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A textured target (h, w, 3) and its soft alpha (h, w) in [0, 1]."""
    w, h = size
    photo = _photo(TARGETS[rng.integers(len(TARGETS))])
    ph, pw = photo.shape[:2]
    side = int(min(ph, pw) * rng.uniform(0.25, 0.5))
    y0, x0 = rng.integers(0, ph - side), rng.integers(0, pw - side)
    texture = cv2.resize(photo[y0 : y0 + side, x0 : x0 + side], (w, h), interpolation=cv2.INTER_AREA)
    alpha = np.zeros((h, w), np.float32)
    if rng.random() < 0.5:
        cv2.ellipse(alpha, (w // 2, h // 2), (w // 2 - 1, h // 2 - 1), 0, 0, 360, 1.0, -1)
    else:
        r = min(w, h) // 5
        cv2.rectangle(alpha, (r, 0), (w - 1 - r, h - 1), 1.0, -1)
        cv2.rectangle(alpha, (0, r), (w - 1, h - 1 - r), 1.0, -1)
        for cx, cy in ((r, r), (w - 1 - r, r), (r, h - 1 - r), (w - 1 - r, h - 1 - r)):
            cv2.circle(alpha, (cx, cy), r, 1.0, -1)
    # A dark rim makes the target's outline visible on any background.
    edge = cv2.morphologyEx(alpha, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    texture = (texture * (1 - 0.6 * edge[..., None])).astype(np.uint8)
    return texture, alpha


def _path(rng: np.random.Generator, n: int, lo: np.ndarray, hi: np.ndarray, speed: float) -> np.ndarray:
    """(n, 2) smooth positions inside [lo, hi]: a sum of random sinusoids, scaled to ``speed``."""
    t = np.arange(n, dtype=np.float64)
    pos = np.zeros((n, 2))
    for axis in range(2):
        for k in range(3):
            period = rng.uniform(40, 160)
            pos[:, axis] += rng.uniform(0.3, 1.0) / (k + 1) * np.sin(2 * math.pi * t / period + rng.uniform(0, 2 * math.pi))
    pos -= pos.min(0)
    span = np.maximum(pos.max(0), 1e-6)
    pos = lo + pos / span * (hi - lo)
    step = np.linalg.norm(np.diff(pos, axis=0), axis=1).max() if n > 1 else 0.0
    if step > speed:  # slow down around the path's centre
        centre = (lo + hi) / 2
        pos = centre + (pos - centre) * speed / step
    return pos


def _background(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """A photograph drawn by ``rng``, scaled to 1.5x the (width, height) frame: room to pan."""
    width, height = size
    background = _photo(BACKGROUNDS[rng.integers(len(BACKGROUNDS))])
    zoom = max(1.5 * width / background.shape[1], 1.5 * height / background.shape[0])
    return cv2.resize(background, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_LINEAR)


def _composite(
    frame: np.ndarray, texture: np.ndarray, alpha: np.ndarray, centre: np.ndarray, angle_deg: float, scale: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Blend a target (texture (h, w, 3), alpha (h, w)) into ``frame`` (H, W, 3) uint8, centred at
    ``centre`` (x, y), rotated and scaled. Returns (new frame, its weight (H, W) float32, the 2 x 2
    rotation-scale matrix)."""
    height, width = frame.shape[:2]
    th, tw = alpha.shape
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]]) * scale
    affine = np.hstack([rot, (centre - rot @ np.array([tw / 2, th / 2]))[:, None]])
    warped = cv2.warpAffine(texture, affine, (width, height), flags=cv2.INTER_LINEAR)
    weight = cv2.warpAffine(alpha, affine, (width, height), flags=cv2.INTER_LINEAR)[..., None]
    return (frame * (1 - weight) + warped * weight).astype(np.uint8), weight[..., 0], rot


def render(spec: SequenceSpec):
    """Yield (frame RGB, polygon (4, 2), visible mask (H, W), tags dict) per frame."""
    rng = np.random.default_rng(spec.seed)
    width, height = spec.size
    background = _background(rng, spec.size)
    texture, alpha = _target(rng, spec.target_size)
    tw, th = spec.target_size
    n = spec.length
    margin = np.array([0.6 * tw, 0.6 * th])
    centres = _path(rng, n, margin, np.array([width, height]) - margin, spec.speed)
    pan = _path(rng, n, np.zeros(2), np.array(background.shape[1::-1]) - [width, height], 1.0)
    angles = 25 * np.sin(2 * math.pi * np.arange(n) / rng.uniform(60, 120) + rng.uniform(0, 6.3))
    scales = 1.0 + 0.2 * np.sin(2 * math.pi * np.arange(n) / rng.uniform(50, 100) + rng.uniform(0, 6.3))
    occ_start = int(rng.integers(n // 3, max(n // 3 + 1, 2 * n // 3)))
    occ_len = max(3, n // 8)
    corners = np.array([[0, 0], [tw, 0], [tw, th], [0, th]], dtype=np.float64) - [tw / 2, th / 2]
    for t in range(n):
        x0, y0 = pan[t].astype(int)
        frame = background[y0 : y0 + height, x0 : x0 + width].copy()
        s = scales[t]
        frame, weight, rot = _composite(frame, texture, alpha, centres[t], angles[t], s)
        visible = weight > 0.5
        occluded = occ_start <= t < occ_start + occ_len
        if occluded:  # a grey bar sweeping across the target
            bx = int(centres[t][0] - tw * s / 2 + (t - occ_start + 1) / occ_len * tw * s)
            cv2.rectangle(frame, (bx - tw // 4, 0), (bx + tw // 4, height - 1), (128, 128, 120), -1)
            visible[:, max(bx - tw // 4, 0) : max(bx + tw // 4 + 1, 0)] = False
        polygon = corners @ rot.T + centres[t]
        tags = {
            "occlusion": int(occluded),
            "camera_motion": int(t > 0 and np.abs(pan[t] - pan[t - 1]).max() > 0.5),
            "size_change": int(t > 0 and abs(scales[t] - scales[t - 1]) > 0.004),
        }
        yield frame, polygon, visible, tags


def write_sequence(root: str | Path, name: str, spec: SequenceSpec) -> Path:
    """Write one sequence folder under ``root``; returns its path."""
    if spec.region not in ("polygon", "mask"):
        raise ValueError(f"region must be 'polygon' or 'mask', got {spec.region!r}")
    path = Path(root) / name
    (path / "color").mkdir(parents=True, exist_ok=True)
    lines, tags = [], {"occlusion": [], "camera_motion": [], "size_change": []}
    for t, (frame, polygon, visible, frame_tags) in enumerate(render(spec)):
        cv2.imwrite(str(path / "color" / f"{t + 1:08d}.jpg"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])
        if spec.region == "mask":
            lines.append(format_region(Mask(visible if visible.any() else np.zeros_like(visible))))
        else:
            lines.append(format_region(Polygon(polygon)))
        for key, value in frame_tags.items():
            tags[key].append(value)
    write_annotations(path, lines, tags, spec.size, spec.anchor_spacing, fps=30)
    return path


def write_dataset(root: str | Path, count: int, spec: SequenceSpec, *, prefix: str = "synth") -> list[str]:
    """``count`` sequences (seeds spec.seed, spec.seed + 1, ...) plus ``list.txt``."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(count):
        name = f"{prefix}{i + 1:02d}"
        write_sequence(root, name, SequenceSpec(**{**spec.__dict__, "seed": spec.seed + i}))
        names.append(name)
    (root / "list.txt").write_text("\n".join(names) + "\n")
    return names
