"""DAVIS's video object segmentation measures: region similarity J, contour accuracy F, and
their per-sequence statistics (mean, recall, decay), as the DAVIS benchmark defines them
(Perazzi et al., CVPR 2016; Pont-Tuset et al., arXiv:1704.00675).

DAVIS's own measure code cannot be used here, so the definitions are implemented in this module:

* PyPI's ``davisinteractive`` (1.0.4, the package that carries DAVIS's J and boundary-F code)
  pins ``scikit-learn==0.20.3``, which has no wheel for Python 3.11 and whose sdist does not build
  on it (its pre-generated Cython C includes ``longintrepr.h``, which Python 3.11 moved); its own
  sdist needs Cython and a C compiler to build at all (``setup.py`` imports ``Cython.Build`` and
  compiles a C mask API).
* Its measures (``davisinteractive/metrics/jaccard.py``) use ``np.bool``, ``np.int`` and
  ``np.float``, removed in NumPy 1.24; this project runs NumPy 2.x, so the module loads but every
  call of its measures fails with ``AttributeError``.

Definitions (masks are (H, W) bool arrays, the ground truth first):

* J = |A ∩ B| / |A ∪ B|, 1 when both masks are empty.
* F: each mask's boundary is a 1-pixel-wide map (``boundary_map``); each map is dilated by a disk
  of radius ``boundary_tolerance`` (0.8 % of the image diagonal, rounded up); precision is the
  fraction of predicted boundary pixels inside the dilated ground-truth boundary, recall the
  fraction of ground-truth boundary pixels inside the dilated predicted one; F = 2PR / (P + R).
* Per sequence (``statistics``): mean, recall (fraction of values above 0.5) and decay (mean of
  the first quarter of the frames minus mean of the last quarter).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np
from skimage.morphology import disk

BOUNDARY_FRACTION = 0.008  # of the image diagonal: DAVIS's boundary tolerance
RECALL_THRESHOLD = 0.5
DECAY_BINS = 4


def _check_pair(truth: np.ndarray, pred: np.ndarray) -> None:
    if truth.ndim != 2 or truth.shape != pred.shape:
        raise ValueError(f"masks must be two (H, W) arrays of one size, got {truth.shape} and {pred.shape}")


def region_similarity(truth: np.ndarray, pred: np.ndarray) -> float:
    """J of two (H, W) masks (nonzero = object): intersection over union, 1 when both are empty."""
    _check_pair(truth, pred)
    truth, pred = truth.astype(bool), pred.astype(bool)
    union = int(np.count_nonzero(truth | pred))
    return 1.0 if union == 0 else int(np.count_nonzero(truth & pred)) / union


def boundary_map(mask: np.ndarray) -> np.ndarray:
    """(H, W) bool: the pixels where the (H, W) mask differs from its right, lower or lower-right
    neighbour. Pixels of the last column or row compare only with the neighbours that exist, so
    the bottom-right pixel is never boundary; the map is one pixel wide, on one side of the edge."""
    m = mask.astype(bool)
    edge = np.zeros_like(m)
    edge[:, :-1] |= m[:, :-1] != m[:, 1:]
    edge[:-1, :] |= m[:-1, :] != m[1:, :]
    edge[:-1, :-1] |= m[:-1, :-1] != m[1:, 1:]
    return edge


def boundary_tolerance(shape: tuple[int, ...]) -> int:
    """Radius in pixels within which boundaries match: ceil(0.008 * sqrt(H² + W²))."""
    height, width = shape[:2]
    return math.ceil(BOUNDARY_FRACTION * math.hypot(height, width))


def _dilate(edge: np.ndarray, radius: int) -> np.ndarray:
    """(H, W) bool map grown by a disk of ``radius`` (pixels at distance <= radius)."""
    return cv2.dilate(edge.astype(np.uint8), disk(radius).astype(np.uint8)) > 0


def boundary_precision_recall(truth: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    """(precision, recall) of the predicted boundary against the ground truth's (both (H, W)).

    An empty boundary matches nothing, but cannot be wrong either: both empty gives (1, 1), an
    empty prediction (1, 0), an empty ground truth (0, 1)."""
    _check_pair(truth, pred)
    gt_edge, pred_edge = boundary_map(truth), boundary_map(pred)
    n_gt, n_pred = int(np.count_nonzero(gt_edge)), int(np.count_nonzero(pred_edge))
    if n_gt == 0 or n_pred == 0:
        return (1.0 if n_pred == 0 else 0.0), (1.0 if n_gt == 0 else 0.0)
    radius = boundary_tolerance(truth.shape)
    precision = np.count_nonzero(pred_edge & _dilate(gt_edge, radius)) / n_pred
    recall = np.count_nonzero(gt_edge & _dilate(pred_edge, radius)) / n_gt
    return float(precision), float(recall)


def contour_accuracy(truth: np.ndarray, pred: np.ndarray) -> float:
    """F of two (H, W) masks: the F-measure of boundary precision and recall, 0 when both are 0."""
    precision, recall = boundary_precision_recall(truth, pred)
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class Statistics:
    """A sequence's values of one measure summarised as DAVIS does (fractions, not percent)."""

    mean: float
    recall: float
    decay: float


def decay_bins(count: int) -> list[slice]:
    """The four index ranges whose first and last give the decay, for ``count`` values.

    As DAVIS: bin edges round(linspace(1, N, 5)) - 1, each bin from its edge to the next one
    included, so adjacent bins share a value. The edges stay integers here: DAVIS's code casts
    them to uint8, which wraps past 255 values and empties the last bin of a long sequence; that
    is an overflow, not part of the definition, and is not reproduced."""
    if count < 1:
        raise ValueError("decay needs at least one value")
    # The 1e-10 makes halves round up (numpy rounds them to even), as DAVIS's code does.
    edges = (np.round(np.linspace(1, count, DECAY_BINS + 1) + 1e-10) - 1).astype(np.int64)
    return [slice(int(edges[i]), int(edges[i + 1]) + 1) for i in range(DECAY_BINS)]


def statistics(values: Sequence[float] | np.ndarray) -> Statistics:
    """Mean, recall (fraction > 0.5) and decay of one sequence's per-frame values (N,), in frame
    order. NaN values are left out of every mean (J and F here are never NaN)."""
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or x.size == 0 or np.isnan(x).all():
        raise ValueError(f"statistics need a non-empty 1-d sequence of values, got shape {x.shape}")
    above = np.where(np.isnan(x), np.nan, x > RECALL_THRESHOLD)
    bins = decay_bins(x.size)
    decay = _nanmean(x[bins[0]]) - _nanmean(x[bins[-1]])
    return Statistics(mean=_nanmean(x), recall=_nanmean(above), decay=decay)


def _nanmean(x: np.ndarray) -> float:
    """Mean of the values that are not NaN; NaN when none is (no RuntimeWarning)."""
    kept = x[~np.isnan(x)]
    return float(kept.mean()) if kept.size else math.nan


def dataset_statistics(per_sequence: Sequence[Statistics]) -> Statistics:
    """Each statistic averaged over sequences (every sequence weighs the same, as in DAVIS)."""
    if not per_sequence:
        raise ValueError("no sequences to average")
    fields = np.array([(s.mean, s.recall, s.decay) for s in per_sequence], dtype=np.float64)
    return Statistics(*(_nanmean(fields[:, k]) for k in range(3)))
