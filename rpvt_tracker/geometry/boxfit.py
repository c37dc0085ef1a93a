"""Rotated boxes from masks: D3S's ellipse fit with a greedy shrink (RPVT's "ellipse fitting").

``fit_box_to_mask`` reproduces D3S's ``fit_bbox_to_mask`` to 1e-6 on its recorded cases:

1. threshold at 0.3, keep the largest external contour; none larger than 50 px -> None;
2. rotated: the ellipse fitted to that contour gives centre and angle (if an axis exceeds 0.6x
   the mask size the fit is deemed broken and the minimum-area rectangle's are used); the mask is
   rotated to axis-aligned, a box fitted there, and its corners rotated back;
3. the axis-aligned box starts at the contour's min/max box and greedily moves its edges inward
   one pixel at a time (top, left, bottom, right, repeated) while the score
   N_in / (0.25 (A - N_in) + N_in + (N_total - N_in)) strictly improves and the box keeps
   >= 90% of the mask's pixels. 0.25 weighs background inside the box a quarter as much as
   target outside it, so the box hugs the object without cutting it.
"""

from __future__ import annotations

import cv2
import numpy as np

#: Contours of at most this area (pixels) are not a target.
MIN_CONTOUR_AREA = 50.0
_SHRINK_BACKGROUND_WEIGHT = 0.25
_SHRINK_MIN_COVERAGE = 0.9
_ELLIPSE_MAX_AXIS = 0.6


def largest_contour(binary: np.ndarray) -> tuple[np.ndarray | None, float]:
    """binary (H, W) uint8 -> (largest external contour (N, 2) int32 in (x, y), its area)."""
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None, 0.0
    areas = [cv2.contourArea(c) for c in contours]
    best = int(np.argmax(areas))
    return contours[best].reshape(-1, 2), float(areas[best])


def _box_sum(integral: np.ndarray, y1: int, x1: int, y2: int, x2: int) -> float:
    return float(integral[y2 + 1, x2 + 1] - integral[y2 + 1, x1] - integral[y1, x2 + 1] + integral[y1, x1])


def _score(integral: np.ndarray, y1: int, x1: int, y2: int, x2: int, n_total: float) -> float:
    if not (y1 < integral.shape[0] and x1 < integral.shape[1] and y2 >= 0 and x2 >= 0):
        return -1.0
    n_in = _box_sum(integral, y1, x1, y2, x2)
    if n_in / n_total < _SHRINK_MIN_COVERAGE:
        return -1.0
    area = float((y2 - y1 + 1) * (x2 - x1 + 1))
    union = _SHRINK_BACKGROUND_WEIGHT * (area - n_in) + n_in + (n_total - n_in)
    return -1.0 if union < 1e-3 else n_in / union


def fit_axis_aligned(binary: np.ndarray, *, shrink: bool) -> list[int] | None:
    """[x1, y1, x2, y2] (inclusive) around the largest contour, shrunk greedily if ``shrink``;
    None for an empty mask."""
    polygon, _ = largest_contour(binary)
    if polygon is None:
        return None
    x1 = max(int(polygon[:, 0].min()), 0)
    y1 = max(int(polygon[:, 1].min()), 0)
    x2 = min(int(polygon[:, 0].max()), binary.shape[1] - 1)
    y2 = min(int(polygon[:, 1].max()), binary.shape[0] - 1)
    if not shrink:
        return [x1, y1, x2, y2]
    n_total = float(binary.sum())  # all mask pixels, not only the largest blob (as D3S)
    integral = cv2.integral(binary)
    best = -1.0
    while True:
        changed = False
        for dy1, dx1, dy2, dx2 in ((1, 0, 0, 0), (0, 1, 0, 0), (0, 0, -1, 0), (0, 0, 0, -1)):
            s = _score(integral, y1 + dy1, x1 + dx1, y2 + dy2, x2 + dx2, n_total)
            if s > best:
                y1, x1, y2, x2, best, changed = y1 + dy1, x1 + dx1, y2 + dy2, x2 + dx2, s, True
        if not changed:
            return [x1, y1, x2, y2]


def fit_box_to_mask(mask: np.ndarray, *, rotated: bool = True) -> np.ndarray | None:
    """mask (H, W) -> (4, 2) float64 corners (x, y), or None when there is no target.

    Corner order (x0, y0), (x1, y0), (x1, y1), (x0, y1) in the box's own (rotated) frame.
    """
    binary = (mask > 0.3).astype(np.uint8)
    polygon, area = largest_contour(binary)
    if polygon is None or area <= MIN_CONTOUR_AREA:
        return None
    if not rotated:
        x1, y1, x2, y2 = fit_axis_aligned(binary, shrink=False)  # type: ignore[misc]
        return np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]], dtype=np.float64)
    (cx, cy), axes, angle = cv2.fitEllipse(polygon)
    if axes[0] > binary.shape[0] * _ELLIPSE_MAX_AXIS or axes[1] > binary.shape[1] * _ELLIPSE_MAX_AXIS:
        (cx, cy), _, angle = cv2.minAreaRect(polygon)
    rotation = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    upright = cv2.warpAffine(binary, rotation, (binary.shape[1], binary.shape[0]))
    box = fit_axis_aligned(upright, shrink=True)
    if box is None:  # rotated wholly out of the mask's frame
        return None
    x1, y1, x2, y2 = box
    corners = np.array([[x1, y1, 1.0], [x2, y1, 1.0], [x2, y2, 1.0], [x1, y2, 1.0]])
    return corners @ cv2.invertAffineTransform(rotation).T


def min_area_box(contour: np.ndarray) -> np.ndarray:
    """(N, 2) contour -> (4, 2) float32 corners of its minimum-area rotated rectangle."""
    return cv2.boxPoints(cv2.minAreaRect(contour)).reshape(4, 2)
