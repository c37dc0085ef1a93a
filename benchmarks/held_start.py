"""The held book from each start the toolkits use: does the mask stay on a held target?

The material is the book held by a person of ``tests/test_held_object.py``: one COCO
photograph, cut out with the person and pasted, moving, turning and growing, onto real DAVIS
frames, 100 frames with the book's true mask on each. The tracker is started the three ways a
toolkit starts it, because the tracker guards a leaking mask differently after each:

* ``rectangle``: the book's box (OTB, UAV123, this project's box yardstick);
* ``polygon``: the minimum-area rectangle of the book's first mask (VOT2016-2018 start every
  tracker from a polygon; the target is then a rotated one);
* ``mask``: the book's first mask (VOT2020, VOTS; also a rotated target).

Per start and preset, over frames 2..100 (no resets): frames whose reported box has its centre
off the book's box, the largest side of the reported box over the book's, the mean IoU of the
reported mask with the book's mask, and the largest reported mask area over the book's.

    python benchmarks/held_start.py [--params lite,lite-vots,lite-realtime] [--starts rectangle,polygon,mask]
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import cv2
import numpy as np
import torch

from rpvt_tracker.models import load_network
from rpvt_tracker.tracking import Prediction, Tracker, tracker_params

ROOT = Path(__file__).resolve().parents[1]
STARTS = ("rectangle", "polygon", "mask")


def held_book() -> tuple[list[np.ndarray], np.ndarray, list[np.ndarray]]:
    """Frames (H, W, 3) uint8, the book's (N, 4) boxes (x, y, w, h) and (H, W) bool masks:
    the test's own material, so the figures here and the test's assertions share it."""
    spec = importlib.util.spec_from_file_location("held_object", ROOT / "tests" / "test_held_object.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.held_book_video(masks=True)


def start_region(kind: str, box: np.ndarray, mask: np.ndarray):
    """The first frame's region as the toolkit of ``kind`` would send it."""
    if kind == "rectangle":
        return tuple(box)
    if kind == "polygon":
        ys, xs = np.nonzero(mask)
        return cv2.boxPoints(cv2.minAreaRect(np.stack([xs, ys], 1).astype(np.float32)))
    if kind == "mask":
        return mask
    raise ValueError(f"unknown start {kind!r}; known: {', '.join(STARTS)}")


def mask_box(mask: np.ndarray) -> np.ndarray:
    """(H, W) bool -> its bounds (x, y, w, h), whole pixels."""
    ys, xs = np.nonzero(mask)
    return np.array([xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1], np.float64)


def frame_scores(prediction: Prediction, box: np.ndarray, mask: np.ndarray) -> tuple[bool, float, float, float]:
    """One frame against the target's box (x, y, w, h) and (H, W) mask: (the reported box's
    centre off the target's box, its larger side over the target's, mask IoU, reported mask
    area over the target's)."""
    x, y, w, h = prediction.box
    bx, by, bw, bh = box
    off = not (bx <= x + w / 2 <= bx + bw and by <= y + h / 2 <= by + bh)
    union = np.count_nonzero(prediction.mask | mask)
    iou = np.count_nonzero(prediction.mask & mask) / union if union else 1.0
    return off, max(w / bw, h / bh), iou, np.count_nonzero(prediction.mask) / max(np.count_nonzero(mask), 1)


def run(tracker: Tracker, kind: str, frames, boxes: np.ndarray, masks) -> dict[str, float]:
    tracker.initialize(frames[0], start_region(kind, boxes[0], masks[0]))
    scores = [frame_scores(tracker.track(frames[t]), boxes[t], masks[t]) for t in range(1, len(frames))]
    off, side, iou, area = zip(*scores)
    return {"off": sum(off), "side": max(side), "iou": float(np.mean(iou)), "area": max(area)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--params", default="lite,lite-vots,lite-realtime", help="tracker parameter sets (presets or .json)")
    parser.add_argument("--starts", default=",".join(STARTS))
    parser.add_argument("--weights", default=str(ROOT / "weights" / "rpvt-lite.pth"))
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    frames, boxes, masks = held_book()
    network = load_network(args.weights)
    print(f"The held book ({len(frames)} frames), no resets; {args.threads} thread(s)")
    print("| start | params | box centre off the book (frames) | largest box side / book's | mean mask IoU | largest mask area / book's |")
    print("|---|---|---|---|---|---|")
    for kind in args.starts.split(","):
        for spec in args.params.split(","):
            r = run(Tracker(network, params=tracker_params(spec)), kind, frames, boxes, masks)
            print(f"| {kind} | {spec} | {r['off']} / {len(frames) - 1} | {r['side']:.2f}x | {r['iou']:.3f} | {r['area']:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
