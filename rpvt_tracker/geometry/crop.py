"""Square crops around a box, and pasting a crop's mask back into the full image.

``sample_target`` reproduces D3S's crop exactly (checked against its recorded outputs), quirks
included, because the released weights were trained and tuned on such crops:

* crop size ``ceil(sqrt(w h) * factor)``; top-left ``round(centre - size / 2)`` with Python's
  round-half-to-even;
* padding replicates the border -- with D3S's off-by-one: when the crop reaches past the right
  (bottom) edge, the last column (row) is dropped and the one before it repeated;
* ``cv2.resize`` bilinear (no antialiasing when shrinking).

D3S built the crop with slicing plus ``cv2.copyMakeBorder``, which fails when the box lies
wholly outside the image; gathering with clipped indices is the same operation where D3S works
and degrades to the nearest border pixels where it would have crashed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class CropWindow:
    """Where a crop came from: ``x1``, ``y1`` top-left in the image, ``size`` the square side in
    image pixels, ``scale`` = output size / ``size`` (D3S's ``resize_factor``)."""

    x1: int
    y1: int
    size: int
    scale: float


def crop_window(box_xywh: tuple[float, float, float, float], factor: float, output_size: int) -> CropWindow:
    x, y, w, h = (float(v) for v in box_xywh)
    if not all(math.isfinite(v) for v in (x, y, w, h)):
        raise ValueError(f"crop box must be finite, got {box_xywh}")
    if w <= 0 or h <= 0:
        raise ValueError(f"crop box must have positive width and height, got {box_xywh}")
    size = math.ceil(math.sqrt(w * h) * factor)
    if size < 1:
        raise ValueError(f"crop box {box_xywh} gives an empty crop")
    return CropWindow(round(x + 0.5 * w - size * 0.5), round(y + 0.5 * h - size * 0.5), size, output_size / size)


def _indices(start: int, size: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Source indices along one axis and which of them are real pixels (not padding)."""
    idx = np.arange(start, start + size)
    # D3S's off-by-one: with padding at the far end, the real crop ends at length - 1 (exclusive).
    end = start + size if start + size < length else length - 1
    valid = (idx >= 0) & (idx < end)
    return np.clip(idx, 0, max(min(end, length) - 1, 0)), valid


def sample_target(
    image: np.ndarray, box_xywh, factor: float, output_size: int, pad_value: float | None = None
) -> tuple[np.ndarray, float]:
    """Crop ``factor`` x the box's size around its centre, resized to output_size^2.

    image: (H, W, C) or (H, W). ``pad_value`` None replicates the border; a number fills with it
    (used for masks). Returns (crop, scale) with scale = output_size / crop side in pixels.
    """
    win = crop_window(box_xywh, factor, output_size)
    rows, cols = _span(win.y1, win.size, image.shape[0]), _span(win.x1, win.size, image.shape[1])
    if rows is not None and cols is not None:
        # The real pixels as a view, the padding added around them: the gather's exact pixels
        # (below) without gathering, which on a large crop costs more than the resize.
        (r0, r1, top, bottom), (c0, c1, left, right) = rows, cols
        crop = image[r0:r1, c0:c1]
        if top or bottom or left or right:
            if pad_value is None:
                crop = cv2.copyMakeBorder(crop, top, bottom, left, right, cv2.BORDER_REPLICATE)
            else:
                crop = cv2.copyMakeBorder(crop, top, bottom, left, right, cv2.BORDER_CONSTANT, value=pad_value)
        return cv2.resize(crop, (output_size, output_size)), win.scale
    # Wholly outside the image (no real pixel on some axis): gather with clipped indices.
    rows_i, row_ok = _indices(win.y1, win.size, image.shape[0])
    cols_i, col_ok = _indices(win.x1, win.size, image.shape[1])
    crop = np.take(np.take(image, rows_i, axis=0), cols_i, axis=1)  # = image[rows_i[:, None], cols_i[None, :]]
    if pad_value is not None:
        crop = crop.copy()
        crop[~(row_ok[:, None] & col_ok[None, :])] = pad_value
    return cv2.resize(crop, (output_size, output_size)), win.scale


def _span(start: int, size: int, length: int) -> tuple[int, int, int, int] | None:
    """``_indices`` as (first, end) of the real pixels and the padding before and after them (each
    a copy of the nearest real pixel), or None when the window holds no real pixel."""
    end = start + size if start + size < length else length - 1  # D3S's off-by-one, as in _indices
    first, last = max(start, 0), min(start + size, end)
    if first >= last:
        return None
    return first, last, first - start, start + size - last


def paste_probability(crop_probability: np.ndarray, window: CropWindow, image_shape: tuple[int, int]) -> np.ndarray:
    """Map a crop's foreground probability (S, S) back to the full image: (H, W) float32.

    The map is resized to the crop's size in image pixels (bilinear, as D3S's mask writer does)
    and pasted at the crop's place; parts outside the image are dropped, the rest of the image
    is 0.
    """
    h, w = image_shape
    out = np.zeros((h, w), dtype=np.float32)
    x0, y0 = max(window.x1, 0), max(window.y1, 0)
    x1, y1 = min(window.x1 + window.size, w), min(window.y1 + window.size, h)
    if x0 >= x1 or y0 >= y1:
        return out
    full = cv2.resize(crop_probability.astype(np.float32), (window.size, window.size))
    out[y0:y1, x0:x1] = full[y0 - window.y1 : y1 - window.y1, x0 - window.x1 : x1 - window.x1]
    return out


def paste_mask(crop_probability: np.ndarray, window: CropWindow, image_shape: tuple[int, int], threshold: float) -> np.ndarray:
    """``paste_probability`` thresholded: a full-image boolean mask (H, W); ``threshold`` >= 0."""
    return paste_probability(crop_probability, window, image_shape) > threshold
