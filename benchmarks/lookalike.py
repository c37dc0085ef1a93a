"""Tuning material with look-alikes: a DAVIS train-split object passed by a mirrored copy of itself.

The yardstick's tuning parts have no look-alike crossing the target, the event behind the lite
trackers' failures on held-out OTB Human3 (a passer-by takes the DCF). This builds that event
from training material only (``shared/data/davis2016-train``): in each frame the object is cut
out with its mask, mirrored left-right (a look-alike walking the other way) and pasted beside
it, starting ``--start`` object widths to the right and crossing to as far on the left by the
last frame; the object itself is pasted back on top, so it stays whole and the copy passes
behind it. Ground truth: the object's own box. Written as VOT sequence folders (colour JPEGs,
``groundtruth.txt``) that ``benchmarks/reset_run.py --root`` reads.

    python benchmarks/lookalike.py [--out .bench/lookalike] [--frames 60]
    python benchmarks/reset_run.py --root .bench/lookalike --sequences hike,lucia,... --params lite,...
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DAVIS_TRAIN = ROOT.parent / "shared" / "data" / "davis2016-train"
#: People and animals: targets whose look-alikes are what VOT video has (pedestrians, a herd).
SEQUENCES = ("hike", "lucia", "tennis", "kite-walk", "stroller", "rollerblade", "bear", "flamingo")


def box_of(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1), exclusive ends, of a non-empty boolean mask."""
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def with_lookalike(image: np.ndarray, mask: np.ndarray, dx: int) -> np.ndarray:
    """``image`` (H, W, 3) with the object of ``mask`` (H, W) bool mirrored and pasted ``dx``
    pixels to the side, behind the object itself."""
    x0, y0, x1, y1 = box_of(mask)
    patch, pmask = image[y0:y1, x0:x1][:, ::-1], mask[y0:y1, x0:x1][:, ::-1]
    out = image.copy()
    w = image.shape[1]
    a, b = max(0, x0 + dx), min(w, x1 + dx)  # the copy's columns inside the frame
    if a < b:
        region = out[y0:y1, a:b]
        sub_patch, sub_mask = patch[:, a - x0 - dx : b - x0 - dx], pmask[:, a - x0 - dx : b - x0 - dx]
        region[sub_mask] = sub_patch[sub_mask]
    out[mask] = image[mask]  # the target in front
    return out


def build(sequence: str, out: Path, frames: int, start: float) -> int:
    images = sorted((DAVIS_TRAIN / "JPEGImages" / "480p" / sequence).glob("*.jpg"))[:frames]
    if not images:
        raise SystemExit(f"no frames for {sequence!r} under {DAVIS_TRAIN}")
    folder = out / sequence
    (folder / "color").mkdir(parents=True, exist_ok=True)
    masks = [cv2.imread(str(DAVIS_TRAIN / "Annotations" / "480p" / sequence / f"{p.stem}.png"), 0) > 0 for p in images]
    x0, _, x1, _ = box_of(masks[0])
    width, n = x1 - x0, len(images)
    lines = []
    for i, (path, mask) in enumerate(zip(images, masks)):
        dx = int(round(width * start * (1 - 2 * i / max(1, n - 1))))
        image = with_lookalike(cv2.imread(str(path)), mask, dx)
        cv2.imwrite(str(folder / "color" / f"{i + 1:08d}.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, 90])
        bx0, by0, bx1, by1 = box_of(mask)
        lines.append(f"{bx0},{by0},{bx1 - bx0},{by1 - by0}")
    (folder / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    (folder / "sequence").write_text(f"channels.color=color/%08d.jpg\nformat=default\nfps=30\nname={sequence}\n")
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / ".bench" / "lookalike")
    parser.add_argument("--sequences", default=",".join(SEQUENCES))
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--start", type=float, default=1.5, help="the copy's first offset, in object widths")
    args = parser.parse_args()
    for name in args.sequences.split(","):
        print(f"{name}: {build(name, args.out, args.frames, args.start)} frames", flush=True)


if __name__ == "__main__":
    main()
