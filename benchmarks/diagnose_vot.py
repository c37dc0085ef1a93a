"""Where the embedded default loses quality on VOT-like video (box ground truth), frame by frame.

On each sequence of the yardstick's tuning part (``peer.py``: OTB's Human7, Jumping, Skiing; no
resets, initialised on the first box), RPVT-lite runs

* ``as is``;
* ``oracle localisation``: the DCF's translation replaced by the one onto the ground truth's
  centre (mask, gates and scale still the tracker's own);
* ``oracle segmentation``: the network's logits replaced by the ground-truth *box*, filled, as
  the mask (the best a segmentation can do when the truth is a box; DCF and gates its own);

and every frame of the ``as is`` run whose box overlaps the truth by less than 0.5 is given
the first cause that fits:

* ``DCF off target``: the DCF's own estimate (before the mask moves it) is outside the truth's box;
* ``box too large``: the DCF is on the target and the reported box is over 1.5x the truth's
  area (the mask spread onto what the target touches, or the scale grew);
* ``box too small``: under 0.5x the truth's area (a mask on a part, a collapsed scale);
* ``offset``: neither: the right size in the wrong place (the mask's centre pulled the box).

It also prints the median ratio of reported to true area and the share of frames whose
segmentation was trusted. IoU is the mean over frames 2..N of the axis-aligned boxes (the
tracker reports axis-aligned boxes after a rectangle, as D3S does).

``--held-object`` runs the same on real material with a true mask: the book held by a person of
``tests/test_held_object.py`` (a COCO photograph pasted, moving, onto real DAVIS frames), where
``oracle segmentation`` is the book's own mask, not its box.

    python benchmarks/diagnose_vot.py [--sequences Human7,Jumping,Skiing] [--params lite,lite-realtime] [--held-object]
"""

from __future__ import annotations

import argparse
import importlib.util
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from diagnose import OracleTracker
from peer import SHARED, TUNING

from rpvt_tracker.models import load_network
from rpvt_tracker.tracking import tracker_params
from rpvt_tracker.tracking.sequence import Sequence

ROOT = Path(__file__).resolve().parents[1]
CAUSES = ("DCF off target", "box too large", "box too small", "offset")


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Boxes (x, y, w, h)."""
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def boxes(seq: Sequence) -> np.ndarray:
    """(N, 4) x, y, w, h of the ground truth."""
    from rpvt_tracker.geometry.regions import region_bounds

    return np.array([region_bounds(r) for r in seq.groundtruth], dtype=np.float64)


class Video:
    """Frames and truth of the held book (``--held-object``), read like a ``Sequence``."""

    def __init__(self) -> None:
        spec = importlib.util.spec_from_file_location("held_object", ROOT / "tests" / "test_held_object.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.images, self.boxes, self.masks = module.held_book_video(masks=True)
        self.frames, self.name = self.images, "held book (COCO on DAVIS)"

    def read(self, i: int) -> np.ndarray:
        return self.images[i]


def run(tracker: OracleTracker, seq: Sequence | Video, truth: np.ndarray) -> dict:
    """One no-reset pass; per frame: reported box, the DCF's own centre (x, y), segmented."""
    shape = seq.read(0).shape[:2]

    def mask_of(b: np.ndarray, i: int) -> np.ndarray:
        if isinstance(seq, Video):
            return seq.masks[i]
        m = np.zeros(shape, bool)
        x0, y0 = int(round(b[0])), int(round(b[1]))
        m[max(0, y0) : y0 + int(round(b[3])), max(0, x0) : x0 + int(round(b[2]))] = True
        return m

    tracker.truth = mask_of(truth[0], 0)
    tracker.initialize(seq.read(0), tuple(truth[0]))
    dcf, seen = tracker._seq.dcf, []
    localize = dcf.localize

    def recording(*args, **kwargs):
        loc = localize(*args, **kwargs)
        pos = args[1] if len(args) > 1 else kwargs["pos"]
        seen.append((float(pos[1] + loc.translation[1]), float(pos[0] + loc.translation[0])))
        return loc

    dcf.localize = recording
    out = {"box": [], "dcf": [], "segmented": []}
    for i in range(1, len(seq.frames)):
        tracker.truth = mask_of(truth[i], i)
        pred = tracker.track(seq.read(i))
        out["box"].append(pred.box)
        out["dcf"].append(seen[-1])
        out["segmented"].append(pred.segmented)
    return {k: np.asarray(v) for k, v in out.items()}


def causes(result: dict, truth: np.ndarray) -> Counter:
    counts: Counter = Counter()
    for box, (cx, cy), t in zip(result["box"], result["dcf"], truth[1:]):
        if box_iou(box, t) >= 0.5:
            continue
        ratio = box[2] * box[3] / (t[2] * t[3])
        if not (t[0] <= cx <= t[0] + t[2] and t[1] <= cy <= t[1] + t[3]):
            counts["DCF off target"] += 1
        elif ratio > 1.5:
            counts["box too large"] += 1
        elif ratio < 0.5:
            counts["box too small"] += 1
        else:
            counts["offset"] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sequences", default=",".join(TUNING))
    parser.add_argument("--box-video", default=str(SHARED / "data" / "box-video"))
    parser.add_argument("--weights", default=str(ROOT / "weights" / "rpvt-lite.pth"))
    parser.add_argument("--params", default="lite,lite-realtime", help="tracker parameter sets (presets or .json)")
    parser.add_argument("--modes", default="as is,localisation,segmentation")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--held-object", action="store_true", help="the held book of tests/test_held_object.py instead of --sequences")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    net = load_network(args.weights)
    modes = args.modes.split(",")
    where = "the held book (tests/test_held_object.py)" if args.held_object else args.sequences
    print(f"no-reset IoU on {where} ({Path(args.weights).name}), CPU, {args.threads} threads")
    print("| params | sequence | frames | " + " | ".join(("oracle " + m if m != "as is" else m) for m in modes)
          + " | area ratio | segmented | frames < 0.5 IoU: " + " / ".join(CAUSES) + " |")
    print("|---" * (5 + len(modes)) + "|")
    for params in args.params.split(","):
        for name in ["held book"] if args.held_object else args.sequences.split(","):
            seq = Video() if args.held_object else Sequence.open(Path(args.box_video) / name)
            truth = seq.boxes if args.held_object else boxes(seq)
            row, detail = [], ""
            for mode in modes:
                tracker = OracleTracker(net, oracle=mode, params=tracker_params(params))
                result = run(tracker, seq, truth)
                row.append(np.mean([box_iou(b, t) for b, t in zip(result["box"], truth[1:])]))
                if mode == "as is":
                    ratio = np.median(result["box"][:, 2] * result["box"][:, 3] / (truth[1:, 2] * truth[1:, 3]))
                    counts = causes(result, truth)
                    detail = f"{ratio:.2f} | {result['segmented'].mean():.2f} | " + " / ".join(str(counts[c]) for c in CAUSES)
            print(f"| {params} | {name} | {len(seq.frames)} | " + " | ".join(f"{v:.3f}" for v in row) + f" | {detail} |", flush=True)


if __name__ == "__main__":
    main()
