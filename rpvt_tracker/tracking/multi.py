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

Duplicates: an object given with the same (or nearly the same) mask as another target on that
frame is one object given twice (an annotation or a client's mistake; distinct VOTS objects share no pixel). The
exclusive rule would settle every pixel for the earlier one, each frame, and the later one would
be answered with an empty mask to the end: silently, and scored as lost. Instead ``add`` warns on
stderr, naming both objects and their overlap, and the two stay exclusive towards every other
target but not towards each other: both are tracked, each by its own state, and both are
answered (with the same mask while their trackers agree). Either of them is then scored as it
would be alone, which is what whoever gave the object twice can make sense of.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any, Callable, Protocol

import numpy as np

from ..geometry.regions import rasterize
from .inputs import as_region
from .tracker import Prediction

#: A new target whose mask overlaps another target's on its frame by at least this IoU is that
#: object given twice. Distinct VOTS objects overlap by 0; at 0.8 the two share four fifths of
#: their pixels, which the exclusive rule would hand almost all to one of them, while two
#: annotations of one object differ by a few boundary pixels.
DUPLICATE_IOU = 0.8


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)


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
        warn: where the duplicate warning goes (default: a line on stderr).
    """

    def __init__(
        self, tracker: TargetTracker, *, exclusive: bool = True, floor: float = 0.5, warn: Callable[[str], None] = _warn
    ) -> None:
        self.tracker = tracker
        self.exclusive = exclusive
        self.floor = floor
        self.warn = warn
        self._states: list[Any] = []
        # Each target's mask on the current frame (its first mask on the frame it was given,
        # else its latest answer before the exclusive rule): a target added later is compared
        # with what the others cover on its frame.
        self._latest: list[np.ndarray] = []
        self._group: list[int] = []  # the index of the first target of each target's duplicates
        self._frame = 0

    def __len__(self) -> int:
        return len(self._states)

    def reset(self) -> None:
        self._states, self._latest, self._group, self._frame = [], [], [], 0

    def add(self, image: np.ndarray, region: Any) -> int:
        """A new target on ``image`` (the current frame); returns its index. A target whose first
        mask duplicates another target's mask on that frame (IoU >= ``DUPLICATE_IOU``) is
        tracked too, with a warning (see the module docstring)."""
        state = self.tracker.start(image, region)  # a bad region fails here, before any bookkeeping
        index = len(self._states)
        mask = rasterize(as_region(region, image.shape[:2]), image.shape[:2])
        group = index
        for other, other_mask in enumerate(self._latest):
            iou = _iou(mask, other_mask)
            if iou >= DUPLICATE_IOU:
                self.warn(
                    f"objects {other + 1} and {index + 1} cover nearly the same pixels on frame {self._frame} "
                    f"(IoU {iou:.2f}), where object {index + 1} was given: one object given twice? "
                    "Both are tracked, and their masks may overlap each other"
                )
                group = self._group[other]
                break
        self._states.append(state)
        self._latest.append(mask)
        self._group.append(group)
        return index

    def track(self, image: np.ndarray) -> list[Prediction]:
        """Every target into the next frame. A ``ValueError`` names the target it came from."""
        predictions = []
        for index, state in enumerate(self._states):
            try:
                predictions.append(self.tracker.step(state, image))
            except ValueError as err:
                raise ValueError(f"target {index + 1} of {len(self._states)}: {err}") from None
        self._frame += 1
        self._latest = [p.mask for p in predictions]
        if not self.exclusive or len(predictions) < 2:
            return predictions
        return disjoint(predictions, self.floor, self._group)


def _iou(mask: np.ndarray, other: np.ndarray) -> float:
    """IoU of two (H, W) bool masks, counted inside ``mask``'s bounding box (where their
    intersection lies) rather than over the whole frame."""
    ys, xs = np.nonzero(mask.any(1))[0], np.nonzero(mask.any(0))[0]
    if ys.size == 0:
        return 0.0
    window = (slice(ys[0], ys[-1] + 1), slice(xs[0], xs[-1] + 1))
    inter = int(np.count_nonzero(mask[window] & other[window]))
    union = int(np.count_nonzero(mask)) + int(np.count_nonzero(other)) - inter
    return inter / union if union else 0.0


def disjoint(predictions: list[Prediction], floor: float, groups: list[int] | None = None) -> list[Prediction]:
    """The predictions with every pixel left to at most one mask: the one of highest foreground
    probability (a mask without one counts ``floor``); ties go to the earlier target.

    ``groups``: targets with the same group number (duplicates) do not take pixels from each
    other: a pixel won by one member stays in every member's mask that claims it.
    """
    groups = list(range(len(predictions))) if groups is None else groups
    claimed = np.zeros(predictions[0].mask.shape, np.uint8)
    for p in predictions:
        claimed += p.mask
    if not (claimed > 1).any():
        return predictions
    # (N, H, W): each target's claim; argmax keeps the first of equal values.
    scores = np.stack(
        [np.where(p.mask, p.probability if p.probability is not None else np.float32(floor), np.float32(-1)) for p in predictions]
    )
    winner = np.asarray(groups)[np.argmax(scores, axis=0)]
    return [replace(p, mask=p.mask & (winner == groups[i])) for i, p in enumerate(predictions)]
