"""Held and worn objects, started from a mask: does the mask stay on the object, not its holder?

Tuning material for masks that stay on a target that touches a larger object, from more than
the one photograph of ``benchmarks/held_start.py``. Each clip is a COCO photograph of
``../shared/data/coco-context`` (``train.datasets.HELD_OBJECT_IMAGES``, which training never
reads): a held or worn thing (a handbag, a tie, a racket, a phone, a cup, ...) cut out with the
person touching it, pasted onto the frames of a DAVIS sequence shipped with the repository, and
moved, shaken, turned and grown by 30% over ``--frames`` frames. The object's own mask is the
truth; the first frame's is the start (VOT2020, VOTS), or its box (``--starts rectangle``) or
minimum-area rectangle (``polygon``), as ``benchmarks/held_start.py`` starts the held book.

Per clip and in the mean (no resets): the mean IoU of the reported mask with the object's, the
frames whose box centre is off the object's box, and the mean area of the reported mask over the
object's (above 1: the mask took in the holder).

    python benchmarks/held_objects.py [--params lite,lite-realtime] [--starts mask,rectangle] [--weights ...]
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import cv2
import numpy as np
import torch
from held_start import frame_scores, mask_box, start_region
from peer import SHARED

from rpvt_tracker.models import load_network
from rpvt_tracker.tracking import Tracker, tracker_params
from rpvt_tracker.tracking.frames import read_frame
from rpvt_tracker.train.datasets import HELD_OBJECT_IMAGES, _polygons_mask
from rpvt_tracker.train.paste import _paste

ROOT = Path(__file__).resolve().parents[1]
BACKGROUNDS = ("blackswan", "car-shadow", "scooter-black")  # data/davis2016: shipped, never trained on
#: Things people hold or wear (COCO's names); the object of a clip is the one of these touching
#: a person most, relative to its own area.
HELD = frozenset((
    "handbag", "backpack", "tie", "cell phone", "book", "cup", "wine glass", "baseball glove", "baseball bat",
    "tennis racket", "umbrella", "frisbee", "teddy bear", "scissors", "spoon", "knife", "skateboard", "banana",
    "hot dog", "sandwich", "mouse", "remote", "bottle", "kite", "snowboard", "sports ball", "toothbrush", "donut",
    "apple", "orange", "suitcase",
))


def held_pair(coco: dict, image: dict) -> tuple[np.ndarray, np.ndarray, str] | None:
    """The image's (object mask, holder mask, object's category) at the image's size: the held
    thing whose box is >= 20 pixels a side and >= 0.4% of the image, that a person at least 2.5x
    its area touches most (within a tenth of its side), or None."""
    h, w = image["height"], image["width"]
    names = {c["id"]: c["name"] for c in coco["categories"]}
    anns = [a for a in coco["annotations"] if a["image_id"] == image["id"] and not a.get("iscrowd") and isinstance(a["segmentation"], list)]
    best = None
    for obj in anns:
        if names[obj["category_id"]] not in HELD or min(obj["bbox"][2:]) < 20 or obj["area"] < 0.004 * w * h:
            continue
        mask = _polygons_mask(obj["segmentation"], (h, w))
        k = max(3, int(0.1 * math.sqrt(obj["area"])))
        near = cv2.dilate(mask.astype(np.uint8), np.ones((k, k), np.uint8)) > 0
        for person in anns:
            if names[person["category_id"]] != "person" or obj["area"] > 0.4 * person["area"]:
                continue
            holder = _polygons_mask(person["segmentation"], (h, w))
            touch = np.count_nonzero(near & holder) / max(np.count_nonzero(mask), 1)
            if touch >= 0.1 and (best is None or touch > best[0]):
                best = (touch, mask, holder, names[obj["category_id"]])
    return None if best is None else best[1:]


def clip(photo: np.ndarray, obj: np.ndarray, holder: np.ndarray, backgrounds: list[Path], *, length: int, seed: int):
    """Frames (H, W, 3) uint8 and the object's (H, W) bool masks: the object and what of its
    holder lies within 3 object sides of it, pasted onto ``backgrounds`` (played back and forth),
    the object 50 pixels a side at first and 65 at the end."""
    rng = np.random.default_rng(seed)
    ys, xs = np.nonzero(obj)
    side = math.sqrt(ys.size)
    half = int(3 * side)
    cy, cx = int(ys.mean()), int(xs.mean())
    # Pad so that the cut is centred on the object even at the photograph's border.
    pad = lambda a: cv2.copyMakeBorder(a.astype(np.uint8), half, half, half, half, cv2.BORDER_CONSTANT, value=0)  # noqa: E731
    window = (slice(cy, cy + 2 * half + 1), slice(cx, cx + 2 * half + 1))
    patch, group, target = pad(photo)[window], (pad(obj | holder) > 0)[window], (pad(obj) > 0)[window]
    h, w = read_frame(backgrounds[0]).shape[:2]
    start = np.array([rng.uniform(0.3, 0.7) * w, rng.uniform(0.35, 0.65) * h])
    direction = rng.normal(0, 1, 2)
    velocity = 0.4 * min(w, h) * direction / max(np.linalg.norm(direction), 1e-6) / length
    frames, masks = [], []
    for t in range(length):
        k = t % (2 * len(backgrounds) - 2)
        background = read_frame(backgrounds[k if k < len(backgrounds) else 2 * len(backgrounds) - 2 - k])
        scale = 50 * (1 + 0.3 * t / max(length - 1, 1)) / side
        centre = start + velocity * t + rng.normal(0, 3, 2)  # a hand-held camera's shake
        angle = 10 * math.sin(t / 8)
        image, _ = _paste(background, patch, group, centre, scale, angle)
        _, mask = _paste(np.zeros_like(background), patch, target, centre, scale, angle)
        frames.append(image)
        masks.append(mask)
    return frames, masks


def material(coco_root: Path, length: int) -> list[tuple[str, list[np.ndarray], list[np.ndarray]]]:
    """(name, frames, masks) of every clip, in ``HELD_OBJECT_IMAGES``' order."""
    coco = json.loads((coco_root / "instances.json").read_text())
    images = {f"{im['id']:012d}": im for im in coco["images"]}
    clips = []
    for i, stem in enumerate(HELD_OBJECT_IMAGES):
        image = images[stem]
        pair = held_pair(coco, image)
        if pair is None:
            raise ValueError(f"{coco_root}: image {stem} has no held object touching a person")
        obj, holder, name = pair
        backgrounds = sorted((ROOT / "data" / "davis2016" / "JPEGImages" / "480p" / BACKGROUNDS[i % len(BACKGROUNDS)]).glob("*.jpg"))
        frames, masks = clip(read_frame(coco_root / "images" / image["file_name"]), obj, holder, backgrounds, length=length, seed=i)
        clips.append((f"{stem} {name}", frames, masks))
    return clips


def run(tracker: Tracker, start: str, frames: list[np.ndarray], masks: list[np.ndarray]) -> tuple[float, int, float]:
    """(mean mask IoU, frames with the box centre off the object's box, mean area over the object's)."""
    tracker.initialize(frames[0], start_region(start, mask_box(masks[0]), masks[0]))
    scores = [frame_scores(tracker.track(image), mask_box(truth), truth) for image, truth in zip(frames[1:], masks[1:])]
    off, _, iou, area = zip(*scores)
    return float(np.mean(iou)), sum(off), float(np.mean(area))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--params", default="lite,lite-realtime", help="tracker parameter sets (presets or .json)")
    parser.add_argument("--starts", default="mask", help="comma-separated, of mask, rectangle, polygon")
    parser.add_argument("--weights", default=str(ROOT / "weights" / "rpvt-lite.pth"))
    parser.add_argument("--coco-context", default=str(SHARED / "data" / "coco-context"))
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    clips = material(Path(args.coco_context), args.frames)
    network = load_network(args.weights)
    print(f"{len(clips)} held objects x {args.frames} frames, no resets, weights {args.weights}; IoU / frames off / area over the object's")
    for start in args.starts.split(","):
        for spec in args.params.split(","):
            tracker = Tracker(network, params=tracker_params(spec))
            results = []
            for name, frames, masks in clips:
                results.append(run(tracker, start, frames, masks))
                print(f"  {start:9} {spec:14} {name:34} {results[-1][0]:.3f} / {results[-1][1]:2d} / {results[-1][2]:.2f}", flush=True)
            iou, off, area = (np.mean([r[i] for r in results]) for i in range(3))
            print(f"{start:9} {spec:14} mean over {len(clips)}: IoU {iou:.3f}, frames off {off:.1f}, area {area:.2f}", flush=True)


if __name__ == "__main__":
    main()
