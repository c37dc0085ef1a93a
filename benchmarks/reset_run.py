"""A quick, in-process reset-based run (VOT2018's rules) for comparing tracker parameter sets.

``peer.py`` gives the figures that count (the toolkit's own ``vot evaluate``, beside the peers);
this gives a parameter set's failures and accuracy on a part of the yardstick in a few minutes,
without the toolkit or TraX, so that candidate changes can be compared on the tuning parts only.
The rules follow the toolkit's supervised experiment: a frame whose reported box does not
overlap the truth is a failure; the tracker is re-initialised on the truth 5 frames later;
accuracy is the mean overlap over tracked frames, the first 10 after each initialisation left
out (burn-in). Boxes are axis-aligned (the tracker reports those after a rectangle).
``--stride K`` plays every K-th frame only: the same targets moving K times as far a frame,
which is how the tuning parts were made to test fast motion (BENCHMARKS.md, "Re-detection").
``--polygons`` starts the tracker from polygon ground truth, as VOT2016-2018's rotated boxes do
(the tracker then answers rotated boxes), and measures overlap between the polygons, rasterised
inside the image. Tuning material for it: DAVIS train-split sequences written as VOT sequences
with rotated boxes (``rpvt_tracker.vot.davis.convert_davis(..., region="polygon")``;
BENCHMARKS.md, "Where the default still loses").

    python benchmarks/reset_run.py --root .bench/uav123 --sequences boat1,person12 --params lite,my.json [--stride 3]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from diagnose_vot import box_iou, boxes
from peer import SHARED, TUNING

from rpvt_tracker.geometry.regions import Polygon, Region, rasterize
from rpvt_tracker.models import load_network
from rpvt_tracker.tracking import Tracker, tracker_params
from rpvt_tracker.tracking.sequence import Sequence

ROOT = Path(__file__).resolve().parents[1]
SKIP, BURN_IN = 5, 10


def region_iou(answer: np.ndarray, truth: Region, shape: tuple[int, int]) -> float:
    """The answer's polygon (N, 2) (x, y) against a ground-truth region, both rasterised inside
    an image of ``shape`` (H, W) as the tracker fills regions (``geometry.rasterize``)."""
    a, b = rasterize(Polygon(answer), shape), rasterize(truth, shape)
    union = np.count_nonzero(a | b)
    return np.count_nonzero(a & b) / union if union else 0.0


def reset_run(
    tracker: Tracker, seq: Sequence, truth: np.ndarray | list[Region], stride: int = 1, polygons: bool = False
) -> tuple[int, list[float], list[int]]:
    """Failures, the accuracy's overlaps, and the frames that failed (indices into the played
    frames, every ``stride``-th of the sequence's). ``truth``: (N, 4) boxes, or with
    ``polygons`` the sequence's own regions (``Sequence.groundtruth``)."""
    truth = truth[::stride]
    n, overlaps, failed = len(truth), [], []
    i = 0
    while i < n:
        tracker.initialize(seq.read(i * stride), truth[i] if polygons else tuple(truth[i]))
        start = i
        i += 1
        while i < n:
            image = seq.read(i * stride)
            answer = tracker.track(image)
            if polygons:
                o = region_iou(answer.polygon, truth[i], image.shape[:2])
            else:
                o = box_iou(np.asarray(answer.box), truth[i])
            if o <= 0:
                failed.append(i)
                i += SKIP
                break
            if i - start > BURN_IN:
                overlaps.append(o)
            i += 1
    return len(failed), overlaps, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=str(SHARED / "data" / "box-video"))
    parser.add_argument("--sequences", default=",".join(TUNING))
    parser.add_argument("--weights", default=str(ROOT / "weights" / "rpvt-lite.pth"))
    parser.add_argument("--params", default="lite", help="comma-separated presets or .json override files")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--stride", type=int, default=1, help="play every K-th frame only (fast motion)")
    parser.add_argument("--polygons", action="store_true", help="start from polygon ground truth, score polygon overlap")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    network = load_network(args.weights)
    for spec in args.params.split(","):
        tracker = Tracker(network, params=tracker_params(spec))
        total_f, total_o, t0 = 0, [], time.perf_counter()
        for name in args.sequences.split(","):
            seq = Sequence.open(Path(args.root) / name)
            truth = list(seq.groundtruth) if args.polygons else boxes(seq)
            f, o, frames = reset_run(tracker, seq, truth, args.stride, args.polygons)
            total_f += f
            total_o += o
            print(f"{spec:>24} {name:>12}: failures {f:2d}  accuracy {np.mean(o) if o else 0:.3f}  at {frames}", flush=True)
        print(f"{spec:>24} {'ALL':>12}: failures {total_f:2d}  accuracy {np.mean(total_o):.3f}  ({time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
