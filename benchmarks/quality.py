"""Quality of the embedded default on held-out real video: DAVIS region similarity J.

For each lite variant (weights/*-lite.pth) and the static-box baseline, initialise on the first
frame's mask of each held-out DAVIS 2016 sequence (not used in training; see weights/README.md)
and report J, the mean over the remaining frames of the mask IoU with the ground truth, plus the
tracker's speed on this machine.

    python benchmarks/quality.py [--davis data/davis2016] [--device cpu] [--threads 2]

The held-out sequences ship with the repository (data/davis2016, see its README).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from rpvt_tracker.models import load_network
from rpvt_tracker.tracking import Tracker, tracker_params
from rpvt_tracker.tracking.baseline import StaticBoxTracker

ROOT = Path(__file__).resolve().parents[1]
HELD_OUT = ("blackswan", "car-shadow", "scooter-black")


def default_davis() -> Path:
    """The held-out sequences shipped in the repository."""
    return ROOT / "data" / "davis2016"


def load(davis: Path, name: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    frames = sorted((davis / "JPEGImages" / "480p" / name).glob("*.jpg"))
    images = [cv2.cvtColor(cv2.imread(str(f)), cv2.COLOR_BGR2RGB) for f in frames]
    masks = [cv2.imread(str(davis / "Annotations" / "480p" / name / f"{f.stem}.png"), 0) > 0 for f in frames]
    return images, masks


def region_similarity(tracker, images, masks) -> tuple[float, float]:
    """(J, seconds per frame) of one run initialised on the first mask."""
    tracker.initialize(images[0], masks[0])
    scores, t0 = [], time.perf_counter()
    for image, truth in zip(images[1:], masks[1:]):
        pred = tracker.track(image).mask
        union = (pred | truth).sum()
        scores.append((pred & truth).sum() / union if union else 1.0)
    return float(np.mean(scores)), (time.perf_counter() - t0) / (len(images) - 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--davis", default=str(default_davis()))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sequences", default=",".join(HELD_OUT), help="comma-separated held-out sequences")
    parser.add_argument("--params", default="lite", help="tracker parameter set (trackers.ini's lite entries: lite)")
    parser.add_argument("--weights-dir", default=str(ROOT / "weights"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    davis = Path(args.davis)
    names = tuple(args.sequences.split(","))
    data = {name: load(davis, name) for name in names}
    def lite(v: str) -> Tracker:
        return Tracker(load_network(Path(args.weights_dir) / f"{v}-lite.pth"), params=tracker_params(args.params), device=args.device)

    trackers = {f"{v}-lite": lambda v=v: lite(v) for v in ("d3s", "d3s-ms", "rpvt")}
    trackers["static box"] = StaticBoxTracker
    print(f"J on held-out DAVIS 2016 sequences ({', '.join(names)}); device {args.device}, {args.threads} threads, params {args.params}")
    print(f"| tracker | {' | '.join(names)} | mean J | s/frame |")
    print("|---|" + "---|" * (len(names) + 2))
    for name, make in trackers.items():
        tracker = make()
        runs = [region_similarity(tracker, *data[seq]) for seq in names]
        js = [j for j, _ in runs]
        speed = np.mean([s for _, s in runs])
        print(f"| {name} | {' | '.join(f'{j:.3f}' for j in js)} | {np.mean(js):.3f} | {speed:.3f} |")


if __name__ == "__main__":
    main()
