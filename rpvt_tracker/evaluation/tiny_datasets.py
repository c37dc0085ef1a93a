"""Tiny generated datasets in GOT-10k's and LaSOT's layouts, for offline tests of the commands.

Frames come from ``vot.synthetic.render`` (a photographed target moving over a panning
photograph, deterministic for a seed); the ground truth is the axis-aligned bounds of the
target's rotated rectangle, written 1-based as both benchmarks' annotations are. Frames listed in
``hidden`` are replaced by a flat grey image: the target is out of sight (GOT-10k: cover 0,
absence 1; LaSOT: out of view), while the ground-truth box stays where the target was.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import cv2
import numpy as np

from ..vot.synthetic import SequenceSpec, render

SIZE = (160, 120)  # (width, height)
TARGET = (40, 28)


def frames(seed: int, length: int, size: tuple[int, int] = SIZE, hidden: Iterable[int] = ()) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
    """Yield (RGB frame, 0-based (x, y, w, h) box, GOT-10k cover level 0..8) per frame.

    The cover level is the visible fraction of the target's box area in eighths, rounded up
    (GOT-10k: 0 fully occluded or absent, 8 fully visible).
    """
    hidden = set(hidden)
    spec = SequenceSpec(length=length, size=size, seed=seed, target_size=TARGET)
    for t, (frame, polygon, visible, _) in enumerate(render(spec)):
        (x0, y0), (x1, y1) = polygon.min(0), polygon.max(0)
        box = np.array([x0, y0, x1 - x0, y1 - y0])
        full = max(float(np.prod(box[2:])), 1.0)
        cover = int(np.clip(np.ceil(8 * visible.sum() / full), 0, 8))
        if t in hidden:
            frame, cover = np.full_like(frame, 128), 0
        yield frame, box, cover


def _write_jpeg(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])


def write_got10k(
    root: str | Path, subset: str, count: int = 2, length: int = 12, *, seed: int = 0, hidden: dict[int, Iterable[int]] | None = None
) -> list[str]:
    """``count`` sequences in GOT-10k's layout under ``root/subset``; returns their names.

    ``<subset>/list.txt``; per sequence ``00000001.jpg ...`` and ``groundtruth.txt`` (x,y,w,h,
    1-based): every frame's box for train/val, with ``meta_info.ini`` (the toolkit reads its
    ``resolution``), ``absence.label``, ``cover.label`` and ``cut_by_image.label``; for test only
    the first frame's box, as GOT-10k publishes its test set. ``hidden``: {sequence index:
    frame indices} out of sight.
    """
    hidden = hidden or {}
    names = [f"GOT-10k_{subset.capitalize()}_{i + 1:06d}" for i in range(count)]
    for i, name in enumerate(names):
        seq = Path(root) / subset / name
        boxes, covers = [], []
        for t, (frame, box, cover) in enumerate(frames(seed + i, length, hidden=hidden.get(i, ()))):
            _write_jpeg(seq / f"{t + 1:08d}.jpg", frame)
            boxes.append(box + [1, 1, 0, 0])
            covers.append(cover)
        lines = [",".join(f"{v:.4f}" for v in b) for b in boxes]
        (seq / "groundtruth.txt").write_text("\n".join(lines[:1] if subset == "test" else lines) + "\n")
        if subset != "test":
            _write_got10k_labels(seq, covers)
    (Path(root) / subset / "list.txt").write_text("\n".join(names) + "\n")
    return names


def _write_got10k_labels(seq: Path, covers: list[int]) -> None:
    """meta_info.ini (the toolkit skips its first line and splits the rest on ': ') and the labels."""
    width, height = SIZE
    meta = ["[METAINFO]", "url: generated", "object_class: synthetic target", "motion_class: moving", "major_class: synthetic",
            "root_class: object", "motion_adverb: smoothly", "anno_fps: 10Hz", f"resolution: ({width}, {height})"]
    (seq / "meta_info.ini").write_text("\n".join(meta) + "\n")
    (seq / "cover.label").write_text("".join(f"{c}\n" for c in covers))
    (seq / "absence.label").write_text("".join(f"{int(c == 0)}\n" for c in covers))
    (seq / "cut_by_image.label").write_text("".join("0\n" for _ in covers))


def write_lasot(root: str | Path, names: Iterable[str], length: int = 12, *, seed: int = 0, hidden: dict[str, Iterable[int]] | None = None) -> list[str]:
    """Sequences in LaSOT's layout, ``<root>/<class>/<class>-<n>/``: ``img/00000001.jpg ...``,
    ``groundtruth.txt`` (integer x,y,w,h, 1-based, a line a frame), ``full_occlusion.txt`` and
    ``out_of_view.txt`` (one comma-separated 0/1 line), ``nlp.txt``. Returns the names."""
    hidden = hidden or {}
    names = list(names)
    for i, name in enumerate(names):
        seq = Path(root) / name[: name.rfind("-")] / name
        boxes, gone = [], []
        for t, (frame, box, cover) in enumerate(frames(seed + i, length, hidden=hidden.get(name, ()))):
            _write_jpeg(seq / "img" / f"{t + 1:08d}.jpg", frame)
            boxes.append(np.round(box).astype(int) + [1, 1, 0, 0])
            gone.append(int(cover == 0))
        (seq / "groundtruth.txt").write_text("".join(",".join(str(v) for v in b) + "\n" for b in boxes))
        (seq / "full_occlusion.txt").write_text(",".join("0" for _ in gone) + "\n")
        (seq / "out_of_view.txt").write_text(",".join(str(g) for g in gone) + "\n")
        (seq / "nlp.txt").write_text("a generated target moving over a photograph\n")
    return names
