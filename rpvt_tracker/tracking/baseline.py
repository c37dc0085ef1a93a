"""A reference point for the tables: the static-box baseline.

It answers every frame with the bounding box of the initialisation region (as a polygon, and as
a filled mask for mask-initialised stacks): what a tracker that never moves scores. Any real
tracker must beat it clearly on sequences where the target moves. Same interface as ``Tracker``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .inputs import check_frame, init_geometry
from .tracker import Prediction


@dataclass(frozen=True)
class StaticState:
    """One target's (fixed) answer and the sequence's frame size."""

    answer: Prediction
    shape: tuple[int, int]


class StaticBoxTracker:
    """``initialize(image, region)``, then ``track(image)`` -> the first frame's box, always.
    ``start`` / ``step`` serve several targets, as ``Tracker``'s do."""

    def __init__(self) -> None:
        self._state: StaticState | None = None

    def initialize(self, image: np.ndarray, region) -> None:
        self._state = self.start(image, region)

    def track(self, image: np.ndarray) -> Prediction:
        if self._state is None:
            raise RuntimeError("track() before initialize()")
        return self.step(self._state, image)

    def start(self, image: np.ndarray, region) -> StaticState:
        check_frame(image, None)
        shape = image.shape[:2]
        x, y, w, h = (float(v) for v in init_geometry(region, shape).box)
        polygon = np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], dtype=np.float64)
        mask = np.zeros(shape, dtype=bool)
        mask[max(int(round(y)), 0) : max(int(round(y + h)), 0), max(int(round(x)), 0) : max(int(round(x + w)), 0)] = True
        return StaticState(Prediction(mask, polygon, (x, y, w, h), 1.0, False), shape)

    def step(self, state: StaticState, image: np.ndarray) -> Prediction:
        check_frame(image, state.shape)
        return state.answer
