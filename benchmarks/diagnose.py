"""Where the embedded default loses quality: J of each lite variant with parts replaced by oracles.

On each held-out DAVIS 2016 sequence, initialised on its first mask, every lite variant runs:

* ``as is``: the tracker unchanged;
* ``oracle localisation``: the DCF's translation replaced by the one that puts the sample on the
  ground truth's centre (the mask, scale and gates still the tracker's own);
* ``oracle segmentation``: the network's logits replaced by the ground-truth mask cropped the
  way the tracker crops ([m - 0.5, 0.5 - m], as the parity tests inject them); the DCF, gates
  and scale logic still the tracker's own.

J is the mean mask IoU over frames 2..N. A big gain from oracle segmentation means the network's
masks are where quality is lost; a big gain from oracle localisation means the DCF is.

    python benchmarks/diagnose.py [--davis data/davis2016] [--threads 2] [--weights-dir weights]
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np
import torch
from quality import HELD_OUT, default_davis, load

from rpvt_tracker.geometry import sample_target
from rpvt_tracker.models import load_network
from rpvt_tracker.tracking import Tracker, tracker_params

ROOT = Path(__file__).resolve().parents[1]


class OracleTracker(Tracker):
    """A Tracker that can take the frame's ground-truth mask for its localisation or its logits."""

    def __init__(self, *args, oracle: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.oracle = oracle
        self.truth: np.ndarray | None = None  # (H, W) bool, the frame being tracked

    def segment_logits(self, crop, box, template):
        if self.oracle != "segmentation":
            return super().segment_logits(crop, box, template)
        size = self.params.segmentation
        m, _ = sample_target(self.truth.astype(np.float32), np.array(box), size.search_area_factor, size.output_size, pad_value=0)
        m = torch.from_numpy((m > 0.5).astype(np.float32))
        return torch.stack([m - 0.5, 0.5 - m])[None].to(self.device)

    def initialize(self, image, region):
        super().initialize(image, region)
        if self.oracle == "localisation":
            dcf = self._seq.dcf
            localize = dcf.localize

            def oracle_localize(im, pos, scale, size, **kwargs):
                loc = localize(im, pos, scale, size, **kwargs)
                ys, xs = np.nonzero(self.truth)
                if ys.size == 0:  # target hidden: nothing to be an oracle about
                    return loc
                centre = torch.tensor([(ys.min() + ys.max()) / 2, (xs.min() + xs.max()) / 2], dtype=torch.float32)
                return dataclasses.replace(loc, translation=centre - pos)

            dcf.localize = oracle_localize


def run(tracker: OracleTracker, images, masks) -> float:
    tracker.truth = masks[0]
    tracker.initialize(images[0], masks[0])
    scores = []
    for image, truth in zip(images[1:], masks[1:]):
        tracker.truth = truth
        pred = tracker.track(image).mask
        union = (pred | truth).sum()
        scores.append((pred & truth).sum() / union if union else 1.0)
    return float(np.mean(scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--davis", default=str(default_davis()))
    parser.add_argument("--weights-dir", default=str(ROOT / "weights"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--variants", default="d3s,d3s-ms,rpvt")
    parser.add_argument("--params", default="lite", help="tracker parameter set")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = {name: load(Path(args.davis), name) for name in HELD_OUT}
    modes = ("as is", "localisation", "segmentation")
    print(f"J on held-out DAVIS 2016 ({', '.join(HELD_OUT)}), CPU, {args.threads} threads, params {args.params}; weights from {args.weights_dir}")
    print("| variant | as is | oracle localisation | oracle segmentation |")
    print("|---|---|---|---|")
    for variant in args.variants.split(","):
        net = load_network(Path(args.weights_dir) / f"{variant}-lite.pth")
        row = []
        for mode in modes:
            tracker = OracleTracker(net, oracle=mode, params=tracker_params(args.params))
            js = [run(tracker, *data[name]) for name in HELD_OUT]
            row.append(f"{np.mean(js):.3f} ({' / '.join(f'{j:.2f}' for j in js)})")
        print(f"| {variant}-lite | {' | '.join(row)} |", flush=True)


if __name__ == "__main__":
    main()
