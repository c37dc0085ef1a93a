"""The distance map the segmentation head's mixer reads as its third channel."""

from __future__ import annotations

import numpy as np


def distance_map(size: tuple[int, int], center_xy: tuple[float, float]) -> np.ndarray:
    """Euclidean distance in pixels from ``center_xy`` = (x, y), 0-based pixel centres.

    Returns (H, W) float32 for ``size`` = (H, W). Unnormalised, as D3S trained it. D3S's tracker
    uses centre (191, 191) on a 384 crop -- its 1-based grid puts the centre one pixel off the
    0-based training convention (192 - 1), and the released weights expect that at run time.
    """
    h, w = size
    if h < 1 or w < 1:
        raise ValueError(f"distance map size must be positive, got {size}")
    cx, cy = center_xy
    if not (np.isfinite(cx) and np.isfinite(cy)):
        raise ValueError(f"distance map centre must be finite, got {center_xy}")
    ys = np.arange(h, dtype=np.float64)[:, None] - cy
    xs = np.arange(w, dtype=np.float64)[None, :] - cx
    return np.sqrt(xs**2 + ys**2).astype(np.float32)
