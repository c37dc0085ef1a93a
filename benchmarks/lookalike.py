"""Tuning material with look-alikes: a DAVIS train-split object passed by a mirrored copy of itself.

The yardstick's tuning parts have no look-alike crossing the target, the event behind the lite
trackers' failures on held-out OTB Human3 (a passer-by takes the DCF). This builds that event
from training material only (``shared/data/davis2016-train``): in each frame the object is cut
out with its mask, mirrored left-right (a look-alike walking the other way) and pasted beside
it, starting ``--start`` object widths to the right and crossing to as far on the left by the
last frame; the object itself is pasted back on top, so it stays whole and the copy passes
behind it. Ground truth: the object's own box. Written as VOT sequence folders (colour JPEGs,
``groundtruth.txt``) that ``benchmarks/reset_run.py --root`` reads.

``--passer-by`` builds the control (default ``.bench/passerby``): the one crossing the object is
another sequence's object (``PASSERS``, from the same eight: a different person, or the other
animal), scaled to the object's height, its bottom on the object's, at its own frame's pose.
It tells a look-alike that looks the same from one that only walks the same path.
``--passer-by --in-front`` (default ``.bench/passerby-front``) pastes the passer-by over the
object: an occlusion by someone else, as Human3's passer-by walks in front of its target.

    python benchmarks/lookalike.py [--out .bench/lookalike] [--frames 60] [--passer-by]
    python benchmarks/lookalike.py --sequences lucia --scale 0.5 --quality 70 --out tests/data/lookalike
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
#: ``--passer-by``: object -> the sequence whose object crosses it (none crosses itself).
PASSERS = {
    "hike": "tennis", "lucia": "rollerblade", "tennis": "lucia", "kite-walk": "hike",
    "stroller": "lucia", "rollerblade": "hike", "bear": "flamingo", "flamingo": "bear",
}


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


def with_passer(
    image: np.ndarray, mask: np.ndarray, other: np.ndarray, other_mask: np.ndarray, dx: int, in_front: bool = False,
) -> np.ndarray:
    """``image`` (H, W, 3) with the object of ``other_mask`` cut from ``other``, scaled to the
    height of the object of ``mask``, pasted with its bottom on that object's and its centre
    ``dx`` pixels to the side of it, behind the object itself (``in_front``: over it)."""
    x0, y0, x1, y1 = box_of(mask)
    a0, b0, a1, b1 = box_of(other_mask)
    k = (y1 - y0) / (b1 - b0)
    patch = cv2.resize(other[b0:b1, a0:a1], None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
    pmask = cv2.resize(other_mask[b0:b1, a0:a1].astype(np.uint8), patch.shape[1::-1], interpolation=cv2.INTER_NEAREST) > 0
    ys, xs = np.nonzero(pmask)
    ty, tx = ys + y1 - patch.shape[0], xs + int(round((x0 + x1) / 2 + dx - patch.shape[1] / 2))
    inside = (ty >= 0) & (ty < image.shape[0]) & (tx >= 0) & (tx < image.shape[1])
    out = image.copy()
    out[ty[inside], tx[inside]] = patch[ys[inside], xs[inside]]
    if not in_front:
        out[mask] = image[mask]  # the target in front
    return out


def read_sequence(sequence: str, frames: int) -> tuple[list[Path], list[np.ndarray]]:
    """The first ``frames`` frame paths of a DAVIS train-split sequence and their (H, W) bool masks."""
    images = sorted((DAVIS_TRAIN / "JPEGImages" / "480p" / sequence).glob("*.jpg"))[:frames]
    if not images:
        raise SystemExit(f"no frames for {sequence!r} under {DAVIS_TRAIN}")
    return images, [cv2.imread(str(DAVIS_TRAIN / "Annotations" / "480p" / sequence / f"{p.stem}.png"), 0) > 0 for p in images]


def build(
    sequence: str, out: Path, frames: int, start: float, passer_by: bool = False, scale: float = 1.0, quality: int = 90,
    in_front: bool = False,
) -> int:
    """Writes ``out/sequence``; ``in_front``: the passer-by occludes the object; ``scale``
    resizes the composed frames (and the boxes), ``quality`` is the JPEG quality
    (tests/data/lookalike: 0.5 and 70, to ship)."""
    images, masks = read_sequence(sequence, frames)
    if passer_by:
        passer_images, passer_masks = read_sequence(PASSERS[sequence], frames)
    folder = out / sequence
    (folder / "color").mkdir(parents=True, exist_ok=True)
    x0, _, x1, _ = box_of(masks[0])
    width, n = x1 - x0, len(images)
    lines = []
    for i, (path, mask) in enumerate(zip(images, masks)):
        dx = int(round(width * start * (1 - 2 * i / max(1, n - 1))))
        if passer_by:  # the passer-by at its own frame i (its last, if its sequence is shorter)
            j = min(i, len(passer_images) - 1)
            image = with_passer(cv2.imread(str(path)), mask, cv2.imread(str(passer_images[j])), passer_masks[j], dx, in_front)
        else:
            image = with_lookalike(cv2.imread(str(path)), mask, dx)
        if scale != 1.0:
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(folder / "color" / f"{i + 1:08d}.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        bx0, by0, bx1, by1 = box_of(mask)
        lines.append(",".join(f"{v * scale:g}" for v in (bx0, by0, bx1 - bx0, by1 - by0)))
    (folder / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    (folder / "sequence").write_text(f"channels.color=color/%08d.jpg\nformat=default\nfps=30\nname={sequence}\n")
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, help="default: .bench/lookalike (.bench/passerby with --passer-by)")
    parser.add_argument("--sequences", default=",".join(SEQUENCES))
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--start", type=float, default=1.5, help="the copy's first offset, in object widths")
    parser.add_argument("--passer-by", action="store_true", help="another sequence's object crosses (PASSERS), not a mirrored copy")
    parser.add_argument("--in-front", action="store_true", help="with --passer-by: the passer-by crosses in front, occluding the object")
    parser.add_argument("--scale", type=float, default=1.0, help="resize the composed frames and boxes (tests/data/lookalike: 0.5)")
    parser.add_argument("--quality", type=int, default=90, help="JPEG quality (tests/data/lookalike: 70)")
    args = parser.parse_args()
    if args.in_front and not args.passer_by:
        parser.error("--in-front needs --passer-by (a mirrored copy over the object would hide the only difference)")
    default = "passerby-front" if args.in_front else "passerby" if args.passer_by else "lookalike"
    out = args.out or ROOT / ".bench" / default
    for name in args.sequences.split(","):
        n = build(name, out, args.frames, args.start, args.passer_by, args.scale, args.quality, args.in_front)
        print(f"{name}: {n} frames", flush=True)


if __name__ == "__main__":
    main()
