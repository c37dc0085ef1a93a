"""Several targets of one sequence in one session (VOTS's "simultaneous" mode).

One tracker (one network, loaded once) serves every target; each target has its own state
(``Tracker.start``), so none of one target's DCF, template, scale or absence streaks reaches
another. Targets are answered in the order they were added, which is the order the VOT toolkit
expects them back in (the first frame's objects, then any added later).

Masks are made exclusive: a pixel two targets claim goes to the one whose segmentation gives it
the higher foreground probability. VOTS's ground truth gives each pixel to at most one object
(its annotations are segmentations of the scene), so a doubly claimed pixel is wrong for at
least one target; when targets touch or cross, the claim of the target whose own tracker is
less sure of the pixel (typically the occluded one, leaking onto its occluder) is the one to
drop. A mask that is a DCF box fallback (no accepted segmentation) claims its pixels with
probability ``floor`` (0.5: at or below every mask threshold), so it yields to any segmented
neighbour.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

import numpy as np

from .tracker import Prediction


class TargetTracker(Protocol):
    """What ``MultiTargetTracker`` needs: ``Tracker`` and ``StaticBoxTracker`` provide it."""

    def start(self, image: np.ndarray, region: Any) -> Any: ...

    def step(self, state: Any, image: np.ndarray) -> Prediction: ...


class MultiTargetTracker:
    """``add(image, region)`` per target (on the frame where it is given), ``track(image)`` per
    later frame -> one ``Prediction`` per target, in the order added; ``reset()`` starts over.

    Args:
        tracker: serves every target (its network is shared).
        exclusive: make the targets' masks disjoint (see the module docstring).
        floor: the foreground probability a box-fallback mask claims its pixels with.
    """

    def __init__(self, tracker: TargetTracker, *, exclusive: bool = True, floor: float = 0.5) -> None:
        self.tracker = tracker
        self.exclusive = exclusive
        self.floor = floor
        self._states: list[Any] = []

    def __len__(self) -> int:
        return len(self._states)

    def reset(self) -> None:
        self._states = []

    def add(self, image: np.ndarray, region: Any) -> int:
        """A new target on ``image`` (the current frame); returns its index."""
        self._states.append(self.tracker.start(image, region))
        return len(self._states) - 1

    def track(self, image: np.ndarray) -> list[Prediction]:
        """Every target into the next frame. A ``ValueError`` names the target it came from."""
        predictions = []
        for index, state in enumerate(self._states):
            try:
                predictions.append(self.tracker.step(state, image))
            except ValueError as err:
                raise ValueError(f"target {index + 1} of {len(self._states)}: {err}") from None
        return disjoint(predictions, self.floor) if self.exclusive and len(predictions) > 1 else predictions


def disjoint(predictions: list[Prediction], floor: float) -> list[Prediction]:
    """The predictions with every pixel left to at most one mask: the one of highest foreground
    probability (a mask without one counts ``floor``); ties go to the earlier target."""
    claimed = np.zeros(predictions[0].mask.shape, np.uint8)
    for p in predictions:
        claimed += p.mask
    if not (claimed > 1).any():
        return predictions
    # (N, H, W): each target's claim; argmax keeps the first of equal values.
    scores = np.stack(
        [np.where(p.mask, p.probability if p.probability is not None else np.float32(floor), np.float32(-1)) for p in predictions]
    )
    winner = np.argmax(scores, axis=0)
    return [replace(p, mask=p.mask & (winner == i)) for i, p in enumerate(predictions)]
