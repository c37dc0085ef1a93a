"""LaSOT's one-pass evaluation as its official MATLAB toolkit computes it, absent frames included.

The official code is ``HengLan/LaSOT_Evaluation_Toolkit`` (``utils/calc_seq_err_robust.m``,
``utils/eval_tracker.m``, ``utils/calc_rect_int.m``, ``utils/plot_draw_save.m``; the 2018 code,
unchanged since). This module follows it step by step; ``docs/benchmark-scoring.md`` says what
each step is and where it differs from the got10k package's OTB protocol, which ``rpvt lasot``
used before and which scores every frame against its box, arbitrary ones included.

Per sequence (N frames, ground truth ``truth``, tracker's boxes ``results``):

1. results longer than the ground truth are cut to N (the toolkit's monkey-17 case);
2. from frame 2 on, an answer that is no box (a nan, or width or height <= 0) becomes the
   previous answer, unless the ground-truth line holds a nan;
3. frame 1's answer is the ground truth itself;
4. frames flagged absent (``full_occlusion`` or ``out_of_view``) are removed;
5. on the frames left, the centre error (centres at x + (w - 1) / 2) and the overlap
   (``calc_rect_int``: pixels counted inclusively, which is the plain box IoU); where a ground-truth
   value is <= 0 (x, y, w or h) both become -1: the overlap then passes no threshold, while the
   error -1 passes every one;
6. success curve: the count of overlaps > t for t = 0, 0.05, ..., 1, over N + eps; precision
   curve: the count of errors <= t for t = 0, 1, ..., 50, over N + eps. N counts the removed
   absent frames: an absent frame is a failure at every threshold, whatever the tracker answers.

Over sequences (``plot_draw_save.m``): the mean curve of the sequences whose curve sums to more
than eps (one that is zero everywhere is left out); AUC is the mean of the success curve,
precision the precision curve at 20 pixels (the 21st threshold), success rate the success curve
at 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

SUCCESS_THRESHOLDS = np.linspace(0, 1, 21)  # MATLAB's 0:0.05:1
PRECISION_THRESHOLDS = np.arange(51, dtype=float)  # 0:50 pixels
EPS = np.finfo(float).eps  # MATLAB's eps, added to every denominator by eval_tracker.m


@dataclass(frozen=True)
class Truth:
    """One sequence's ground truth as the evaluation takes it: (N, 4) 1-based x,y,w,h boxes and
    the (N,) absent flags (``full_occlusion`` or ``out_of_view``)."""

    name: str
    boxes: np.ndarray
    absent: np.ndarray


def overlaps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``calc_rect_int``: IoU of (N, 4) boxes whose pixels run from x to x + w - 1 inclusive."""
    right = np.minimum(a[:, 0] + a[:, 2] - 1, b[:, 0] + b[:, 2] - 1)
    bottom = np.minimum(a[:, 1] + a[:, 3] - 1, b[:, 1] + b[:, 3] - 1)
    inter = np.maximum(0, right - np.maximum(a[:, 0], b[:, 0]) + 1) * np.maximum(0, bottom - np.maximum(a[:, 1], b[:, 1]) + 1)
    return inter / (a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter)


def centres(boxes: np.ndarray) -> np.ndarray:
    return boxes[:, :2] + (boxes[:, 2:] - 1) / 2


def sequence_errors(results: np.ndarray, truth: Truth) -> tuple[np.ndarray, np.ndarray]:
    """Steps 1-5: (overlap, centre error) of each frame that is not absent, -1 where the
    ground truth is no box."""
    boxes = truth.boxes
    n = len(boxes)
    if len(results) < n:  # the MATLAB code would index past the end
        raise ValueError(f"{truth.name}: {len(results)} result boxes for {n} frames")
    res = np.array(results[:n], dtype=float)
    for i in range(1, n):
        r = res[i]
        if (np.isnan(r).any() or r[2] <= 0 or r[3] <= 0) and not np.isnan(boxes[i]).any():
            res[i] = res[i - 1]  # sequential: a run of invalid answers takes the last valid one
    res[0] = boxes[0]
    keep = ~truth.absent.astype(bool)
    res, gt = res[keep], boxes[keep]
    error = np.linalg.norm(centres(res) - centres(gt), axis=1)
    scored = np.all(gt > 0, axis=1)  # MATLAB: sum(rect_anno > 0, 2) == 4, x and y included
    overlap = -np.ones(len(gt))
    overlap[scored] = overlaps(res[scored], gt[scored])
    error[~scored] = -1
    return overlap, error


def sequence_curves(results: np.ndarray, truth: Truth) -> tuple[np.ndarray, np.ndarray]:
    """Step 6: the (21,) success curve and the (51,) precision curve of one sequence."""
    overlap, error = sequence_errors(results, truth)
    frames = len(truth.boxes) + EPS  # every frame, the absent ones too
    success = (overlap[:, None] > SUCCESS_THRESHOLDS[None]).sum(0) / frames
    precision = (error[:, None] <= PRECISION_THRESHOLDS[None]).sum(0) / frames
    return success, precision


def mean_curve(curves: list[np.ndarray]) -> np.ndarray:
    """``plot_draw_save.m``: the mean over the sequences whose curve sums to more than eps."""
    kept = [c for c in curves if c.sum() > EPS]
    return np.mean(kept, axis=0) if kept else np.zeros_like(curves[0])


def sequence_speed(time_file: Path) -> float:
    """Frames a second on one sequence as the got10k package reports it (the official toolkit
    reports no speed): the mean of 1 / seconds over the frames timed above 0; 0 when none."""
    if not time_file.is_file():
        return 0.0
    times = np.atleast_1d(np.loadtxt(time_file))
    times = times[times > 0]
    return float(np.mean(1 / times)) if len(times) else 0.0


def read_results(path: Path, truth: Truth) -> np.ndarray:
    """A result file (x,y,w,h a line, as the got10k package records them)."""
    if not path.is_file():
        raise ValueError(f"{truth.name}: {path} is missing (no result for this sequence)")
    results = np.loadtxt(path, delimiter=",", ndmin=2)
    if results.shape[1] != 4 or len(results) < len(truth.boxes):
        raise ValueError(f"{truth.name}: {path} holds {results.shape[0]} boxes of {results.shape[1]} values; "
                         f"expected one x,y,w,h line for each of the {len(truth.boxes)} frames")
    return results


def score_tracker(result_dir: Path, truths: list[Truth]) -> dict[str, Any]:
    """One tracker's overall scores from ``<result_dir>/<seq>.txt`` (and ``times/<seq>_time.txt``),
    with the keys the got10k package's OTB report used: success and precision curves,
    ``success_score`` (AUC), ``precision_score`` (at 20 px), ``success_rate`` (at 0.5) and
    ``speed_fps`` (over the sequences with a speed; -1 when none)."""
    success, precision, speeds = [], [], []
    for truth in truths:
        s, p = sequence_curves(read_results(result_dir / f"{truth.name}.txt", truth), truth)
        success.append(s)
        precision.append(p)
        speeds.append(sequence_speed(result_dir / "times" / f"{truth.name}_time.txt"))
    success_curve, precision_curve = mean_curve(success), mean_curve(precision)
    timed = [v for v in speeds if v > 0]
    return {
        "success_curve": success_curve.tolist(),
        "precision_curve": precision_curve.tolist(),
        "success_score": float(np.mean(success_curve)),
        "precision_score": float(precision_curve[20]),
        "success_rate": float(success_curve[10]),
        "speed_fps": float(np.mean(timed)) if timed else -1.0,
    }
