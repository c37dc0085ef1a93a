"""VOT-format sequences on disk: reading frames and ground truth, writing results, overlays."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from ..geometry.regions import Mask, Polygon, Region, Special, parse_region

_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


@dataclass(frozen=True)
class Sequence:
    """A VOT sequence folder: ``color/`` frames (sorted by name) and ``groundtruth.txt``."""

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
        frames = tuple(sorted(p for p in folder.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES))
        if not frames:
            raise ValueError(f"{folder}: no frames (.jpg/.png) found")
        gt_file = path / "groundtruth.txt"
        if not gt_file.is_file():
            raise FileNotFoundError(f"{gt_file}: missing (the first line initialises the tracker)")
        lines = [line for line in gt_file.read_text().splitlines() if line.strip()]
        if not lines:
            raise ValueError(f"{gt_file}: empty")
        groundtruth = []
        for number, line in enumerate(lines, 1):
            try:
                groundtruth.append(parse_region(line))
            except ValueError as err:
                raise ValueError(f"{gt_file}, line {number}: {err}") from None
        return cls(path, frames, tuple(groundtruth))

    def read(self, index: int) -> np.ndarray:
        """Frame ``index`` (0-based) as H x W x 3 uint8 RGB."""
        image = cv2.imread(str(self.frames[index]), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f"{self.frames[index]}: cannot be read as an image")
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)

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
