"""A reference point for the tables: the static-box baseline.

It answers every frame with the bounding box of the initialisation region (as a polygon, and as
a filled mask for mask-initialised stacks): what a tracker that never moves scores. Any real
tracker must beat it clearly on sequences where the target moves. Same interface as ``Tracker``.
"""

from __future__ import annotations

import numpy as np

from .inputs import check_frame, init_geometry
from .tracker import Prediction


class StaticBoxTracker:
    """``initialize(image, region)``, then ``track(image)`` -> the first frame's box, always."""

    def __init__(self) -> None:
        self._answer: Prediction | None = None
        self._shape: tuple[int, int] | None = None

    def initialize(self, image: np.ndarray, region) -> None:
        check_frame(image, None)
        self._shape = image.shape[:2]
        x, y, w, h = (float(v) for v in init_geometry(region, self._shape).box)
        polygon = np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], dtype=np.float64)
        mask = np.zeros(self._shape, dtype=bool)
        mask[max(int(round(y)), 0) : max(int(round(y + h)), 0), max(int(round(x)), 0) : max(int(round(x + w)), 0)] = True
        self._answer = Prediction(mask, polygon, (x, y, w, h), 1.0, False)

    def track(self, image: np.ndarray) -> Prediction:
        if self._answer is None:
            raise RuntimeError("track() before initialize()")
        check_frame(image, self._shape)
        return self._answer
