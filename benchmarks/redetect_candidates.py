"""Every re-detection that wins, on the yardstick's tuning parts: where the winner lies.

For each frame on which a neighbouring sample wins (``SearchParams``; by default the real-time
mode's rule, gain 1.2 and no floor, run in ``lite``), prints the winner's peak and the first
sample's peak as fractions of the recent mean, and whether each one's estimate lies on the
target (its centre within the truth's box). It tells a floor (``redetect_floor``) which wins it
would refuse: wrong ones (the winner off a target the first was on) and rescues (the winner on
a target the first had lost). Reset rules as ``reset_run.py``; the tuning parts at 1/1, 1/2 and
1/3 of their frame rates.

    python benchmarks/redetect_candidates.py [--floor 0] [--gain 1.2] [--threads 1]
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from diagnose_vot import boxes
from peer import SHARED, TUNING, UAV_TUNING
from reset_run import reset_run

from rpvt_tracker.models import load_network
from rpvt_tracker.tracking import PRESETS, Tracker
from rpvt_tracker.tracking.params import SearchParams
from rpvt_tracker.tracking.sequence import Sequence

ROOT = Path(__file__).resolve().parents[1]


def on_target(pos: torch.Tensor, truth: np.ndarray) -> bool:
    """``pos`` (y, x) within the truth's (x, y, w, h) box, a pixel of slack."""
    x, y, w, h = truth
    return abs(float(pos[1]) - (x + w / 2)) < w / 2 + 1 and abs(float(pos[0]) - (y + h / 2)) < h / 2 + 1


class Noted:
    """``reset_run``'s view of a sequence: reading frame ``k`` (which is read only to be tracked
    next) notes where the run is and the truth there, for the re-detection log."""

    def __init__(self, seq: Sequence, truth: np.ndarray, name: str, stride: int, now: dict) -> None:
        self.seq, self.truth, self.name, self.stride, self.now = seq, truth, name, stride, now

    def read(self, k: int) -> np.ndarray:
        self.now.update(where=(self.name, self.stride, k // self.stride), truth=self.truth[k])
        return self.seq.read(k)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--uav", default=str(ROOT / ".bench" / "uav123"))
    parser.add_argument("--gain", type=float, default=1.2)
    parser.add_argument("--floor", type=float, default=0.0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    search = SearchParams(redetect_below=0.5, redetect_gain=args.gain, redetect_floor=args.floor)
    tracker = Tracker(load_network(ROOT / "weights" / "rpvt-lite.pth"), params=replace(PRESETS["lite"], search=search))
    now: dict = {}
    wins: list[tuple] = []
    redetect = tracker._redetect

    def logged(seq, im, centre, scale, loc):
        found = redetect(seq, im, centre, scale, loc)
        if found is not None:
            mean = float(np.mean(seq.scores))
            winner = found[0] + found[1].translation
            first = centre + loc.translation
            wins.append((*now["where"], found[1].max_score / mean, loc.max_score / mean, on_target(winner, now["truth"]), on_target(first, now["truth"])))
        return found

    tracker._redetect = logged
    parts = ((SHARED / "data" / "box-video", TUNING), (Path(args.uav), UAV_TUNING))
    for root, names in parts:
        for name in names:
            seq = Sequence.open(root / name)
            truth = boxes(seq)
            for stride in (1, 2, 3):
                reset_run(tracker, Noted(seq, truth, name, stride, now), truth, stride)
    kinds = []
    for name, stride, i, won, first, won_on, first_on in wins:
        kind = "rescue" if won_on and not first_on else "WRONG" if first_on and not won_on else "on target" if won_on else "both off"
        kinds.append(kind)
        print(f"{name:>12} 1/{stride} frame {i:4d}: winner {won:.2f} of the recent mean, first {first:.2f}: {kind}")
    print(f"{len(wins)} wins: " + ", ".join(f"{kinds.count(k)} {k}" for k in ("WRONG", "rescue", "on target", "both off")))


if __name__ == "__main__":
    main()
