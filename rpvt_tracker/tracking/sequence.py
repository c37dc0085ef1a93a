"""VOT-format sequences on disk: the one reader (frames and ground truth) and the one writer of
a sequence folder's annotation files, result regions, overlays."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from ..geometry.regions import Mask, Polygon, Region, Special, parse_region
from .frames import frame_files, read_frame


@dataclass(frozen=True)
class Sequence:
    """A VOT sequence folder: ``color/`` frames (in natural order: 2.jpg before 10.jpg) and
    ``groundtruth.txt``, one line per frame, or only the first line (the initialisation)."""

    path: Path
    frames: tuple[Path, ...]
    groundtruth: tuple[Region | Special, ...]

    @property
    def name(self) -> str:
        return self.path.name

    @classmethod
    def open(cls, path: str | Path) -> "Sequence":
        path = Path(path)
        if not path.is_dir():
            raise FileNotFoundError(f"{path}: no such sequence folder")
        color = path / "color"
        folder = color if color.is_dir() else path
        frames = frame_files(folder)
        if not frames:
            raise ValueError(f"{folder}: no frames (.jpg/.png) found")
        gt_file = path / "groundtruth.txt"
        if not gt_file.is_file():
            if any(path.glob("groundtruth_*.txt")):
                raise ValueError(
                    f"{path}: a multi-object (VOTS) sequence (groundtruth_<id>.txt per target); track it with the toolkit "
                    "(vot evaluate on a VOTS workspace, README 'Taking part in VOTS'), whose session serves every target"
                )
            raise FileNotFoundError(f"{gt_file}: missing (the first line initialises the tracker)")
        lines = [line for line in gt_file.read_text().splitlines() if line.strip()]
        if not lines:
            raise ValueError(f"{gt_file}: empty")
        height, width = read_frame(frames[0]).shape[:2]
        groundtruth = []
        for number, line in enumerate(lines, 1):
            try:
                groundtruth.append(parse_region(line, (width, height)))
            except ValueError as err:
                raise ValueError(f"{gt_file}, line {number}: {err}") from None
        if len(groundtruth) > 1 and len(groundtruth) != len(frames):
            # A missing or extra frame would shift every later result against the ground truth.
            raise ValueError(
                f"{path}: {len(frames)} frames in {folder} but {len(groundtruth)} ground-truth lines in "
                f"{gt_file} (first frame {frames[0].name}, last {frames[-1].name}); a missing frame would "
                "shift every later result"
            )
        return cls(path, frames, tuple(groundtruth))

    def read(self, index: int) -> np.ndarray:
        """Frame ``index`` (0-based) as H x W x 3 uint8 RGB."""
        return read_frame(self.frames[index])

    def __iter__(self) -> Iterator[np.ndarray]:
        return (self.read(i) for i in range(len(self.frames)))


def overlay(image: np.ndarray, mask: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """RGB frame with the mask tinted and the rotated box drawn (BGR out, for cv2.imwrite)."""
    out = image.copy()
    tint = np.array([255, 64, 64], np.float32)
    out[mask] = (0.5 * out[mask] + 0.5 * tint).astype(np.uint8)
    cv2.polylines(out, [np.round(polygon).astype(np.int32)], True, (255, 255, 0), 2)
    return cv2.cvtColor(out, cv2.COLOR_RGB2BGR)


def init_region_of(sequence: Sequence) -> Region:
    first = sequence.groundtruth[0]
    if isinstance(first, Special):
        raise ValueError(f"{sequence.path / 'groundtruth.txt'}: line 1 is {first.code}, not a region")
    return first


def as_output_region(kind: str, polygon: np.ndarray, mask: np.ndarray) -> Region:
    if kind == "mask":
        return Mask(mask)
    return Polygon(polygon)


def write_annotations(
    path: Path, lines: list[str], tags: dict[str, list[int]], size: tuple[int, int], anchor_spacing: int, *, fps: int
) -> None:
    """Everything of a VOT sequence folder but its frames (``color/%08d.jpg``, written by the
    caller): ``groundtruth.txt`` (one region line a frame), ``<tag>.tag`` files, the multistart
    ``anchor.value`` (forward from every ``anchor_spacing``-th frame of the first half, backward
    from those of the second half and from the last frame, as in VOT2020) and ``sequence``."""
    n = len(lines)
    (path / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    for key, values in tags.items():
        (path / f"{key}.tag").write_text("\n".join(map(str, values)) + "\n")
    anchors = np.zeros(n, dtype=int)
    anchors[0 : n // 2 : anchor_spacing] = 1
    anchors[n // 2 : n - 1 : anchor_spacing] = -1
    anchors[-1] = -1
    (path / "anchor.value").write_text("\n".join(map(str, anchors)) + "\n")
    width, height = size
    (path / "sequence").write_text(
        f"channels.color=color/%08d.jpg\nfps={fps}\nformat=default\nname={path.name}\n"
        f"width={width}\nheight={height}\nlength={n}\n"
    )
