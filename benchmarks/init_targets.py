"""Where a target's initialisation goes, for 1 and N targets given on one frame (VOTS).

The TraX server answers a VOTS sequence's first request only after it has started every target
the request carries, and the toolkit's per-request ``timeout`` (trackers.ini) covers that whole
request. This script starts N targets on one real frame (DAVIS blackswan's first, 854x480, the
targets ellipses of 64 x 48 pixels on a grid over it) in one ``MultiTargetTracker`` session, as
the server does, and splits each target's time into stages by timing the functions that do them:

* ``frame``: the frame as a tensor, once per target (``Tracker._to_tensor``);
* ``dcf samples``: the first frame's 27 augmented DCF samples (``augmented_samples``);
* ``dcf backbone``: their features (``DCFFeatures.forward``);
* ``dcf pca``: the projection's initial value (``torch.linalg.eigh`` of the feature covariance);
* ``dcf gauss-newton``: the joint filter/projection optimisation (``JointProblem`` and its
  ``conjugate_gradient`` runs): ``init_gn_iter`` x ``init_cg_iter / init_gn_iter`` iterations;
* ``mask``: the segmentation crop's features and the template (``extract``, ``make_template``);
* ``other``: the rest (geometry, crops, the state).

    python benchmarks/init_targets.py [--targets 1 30] [--threads 2] [--weights rpvt-lite.pth] [--params lite-vots]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from network import device_name  # noqa: E402

import rpvt_tracker.dcf.filter as dcf_filter  # noqa: E402
from rpvt_tracker.resources import davis_dir, resolve_weights  # noqa: E402
from rpvt_tracker.tracking.build import TrackerSettings, build_tracker  # noqa: E402
from rpvt_tracker.tracking.frames import read_frame  # noqa: E402
from rpvt_tracker.tracking.multi import MultiTargetTracker  # noqa: E402
from rpvt_tracker.tracking.tracker import Tracker  # noqa: E402

STAGES = ("frame", "dcf samples", "dcf backbone", "dcf pca", "dcf gauss-newton", "mask", "other")


class Stopwatch:
    """Seconds spent inside wrapped callables, by stage (the outermost wrapped call counts)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._depth = 0

    def wrap(self, stage: str, fn):
        def timed(*args, **kwargs):
            self._depth += 1
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self.seconds[stage] += time.perf_counter() - t0

        return timed


def instrument(tracker: Tracker, watch: Stopwatch) -> None:
    """Time the stages without touching the library: module attributes and the tracker's own
    bound methods are replaced by timed wrappers of themselves (this process only)."""
    dcf_filter.augmented_samples = watch.wrap("dcf samples", dcf_filter.augmented_samples)
    dcf_filter.JointProblem = watch.wrap("dcf gauss-newton", dcf_filter.JointProblem)
    dcf_filter.conjugate_gradient = watch.wrap("dcf gauss-newton", dcf_filter.conjugate_gradient)
    torch.linalg.eigh = watch.wrap("dcf pca", torch.linalg.eigh)
    forward = dcf_filter.DCFFeatures.forward
    dcf_filter.DCFFeatures.forward = lambda self, x: watch.wrap("dcf backbone", forward)(self, x)
    tracker._to_tensor = watch.wrap("frame", tracker._to_tensor)
    tracker.network.extract = watch.wrap("mask", tracker.network.extract)
    tracker.network.make_template = watch.wrap("mask", tracker.network.make_template)


def target_masks(shape: tuple[int, int], count: int) -> list[np.ndarray]:
    """``count`` disjoint 64 x 48 ellipses on a grid over a frame of ``shape`` (H, W)."""
    h, w = shape
    cols = int(np.ceil(np.sqrt(count * w / h)))
    rows = int(np.ceil(count / cols))
    masks = []
    for i in range(count):
        cy, cx = int((i // cols + 0.5) * h / rows), int((i % cols + 0.5) * w / cols)
        mask = np.zeros(shape, np.uint8)
        cv2.ellipse(mask, (cx, cy), (32, 24), 0, 0, 360, 1, -1)
        masks.append(mask.astype(bool))
    return masks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, nargs="+", default=[1, 30])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--weights", default="rpvt-lite.pth")
    parser.add_argument("--variant", default="rpvt")
    parser.add_argument("--params", default="lite-vots")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    settings = TrackerSettings(resolve_weights(args.weights, {}), args.variant, None, "cpu", args.threads, args.params)
    tracker = build_tracker(settings)
    image = read_frame(davis_dir() / "JPEGImages" / "480p" / "blackswan" / "00000.jpg")
    MultiTargetTracker(tracker).add(image, target_masks(image.shape[:2], 1)[0])  # warm-up: kernel selection
    watch = Stopwatch()
    instrument(tracker, watch)
    print(f"{args.weights} ({args.params}), {device_name(torch.device('cpu'))}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}, load {os.getloadavg()[0]:.2f} at start")
    print("| targets | total s | s / target | " + " | ".join(STAGES) + " |")
    print("|---" * (len(STAGES) + 3) + "|")
    for n in args.targets:
        masks = target_masks(image.shape[:2], n)
        watch.seconds.clear()
        session = MultiTargetTracker(tracker)
        t0 = time.perf_counter()
        for mask in masks:
            session.add(image, mask)
        total = time.perf_counter() - t0
        watch.seconds["other"] = total - sum(watch.seconds.values())
        stages = " | ".join(f"{watch.seconds[s] / n:.3f}" for s in STAGES)
        print(f"| {n} | {total:.1f} | {total / n:.2f} | {stages} |", flush=True)
    print(f"load {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
