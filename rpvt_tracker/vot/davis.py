"""DAVIS-layout video (``JPEGImages/480p/<seq>/*.jpg``, ``Annotations/480p/<seq>/*.png``) to
VOT-format sequences, so real video can fill an offline workspace.

* ``region="mask"`` (VOT2020-style stacks): each frame's ground truth is the object's mask (RLE).
* ``region="polygon"`` (VOT2016/2018-style): the minimum-area rotated rectangle around the
  mask's pixels, as the VOT2016 ground truth was made from segmentations.

A frame whose mask is empty (the object fully hidden) is tagged ``occlusion`` and gets an empty
mask, or for polygons the previous frame's rectangle (a polygon ground truth has no "not
visible" value).
Frames are copied as they are (no re-encoding), renamed ``color/00000001.jpg`` ...
"""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ..geometry.regions import Mask, Polygon, format_region
from ..tracking.sequence import write_annotations


def read_mask(path: Path) -> np.ndarray:
    """A DAVIS 2016 annotation (or a result in its layout) as an (H, W) bool mask: nonzero ids
    (palette indices, grey values, or any channel of an RGB file) are the object."""
    values = np.asarray(Image.open(path))
    return (values.any(axis=-1) if values.ndim == 3 else values) > 0


def rotated_box(mask: np.ndarray) -> np.ndarray:
    """(4, 2) corners (x, y) of the minimum-area rectangle around the mask's pixel squares."""
    ys, xs = np.nonzero(mask)
    # Pixel (x, y) covers [x, x+1) x [y, y+1): use its four corners so a 1-pixel mask has area 1.
    pts = np.concatenate([np.stack([xs + dx, ys + dy], 1) for dx in (0, 1) for dy in (0, 1)]).astype(np.float32)
    return cv2.boxPoints(cv2.minAreaRect(pts)).astype(np.float64)


def convert_sequence(root: str | Path, name: str, out: str | Path, *, region: str = "mask", anchor_spacing: int = 10, resolution: str = "480p") -> Path:
    """Write ``out/<name>`` from DAVIS sequence ``name`` under ``root``; returns its folder."""
    if region not in ("mask", "polygon"):
        raise ValueError(f"region must be 'mask' or 'polygon', got {region!r}")
    root = Path(root)
    images = root / "JPEGImages" / resolution / name
    annotations = root / "Annotations" / resolution / name
    frames = sorted(images.glob("*.jpg"))
    if not frames:
        raise FileNotFoundError(f"{images}: no DAVIS frames (expected <root>/JPEGImages/{resolution}/<sequence>/*.jpg)")
    seq = Path(out) / name
    (seq / "color").mkdir(parents=True, exist_ok=True)
    lines, occlusion, previous = [], [], None
    for t, frame in enumerate(frames, 1):
        mask_file = annotations / f"{frame.stem}.png"
        if not mask_file.is_file():
            raise FileNotFoundError(f"{mask_file}: missing (every DAVIS 2016 frame has a mask)")
        mask = read_mask(mask_file)
        if t == 1 and not mask.any():  # nothing to initialise on
            raise ValueError(f"{mask_file}: the object is not visible in the first frame")
        height, width = mask.shape
        shutil.copyfile(frame, seq / "color" / f"{t:08d}.jpg")
        visible = bool(mask.any())
        occlusion.append(int(not visible))
        if region == "mask":
            lines.append(format_region(Mask(mask)))
        else:
            if visible:
                previous = rotated_box(mask)
            lines.append(format_region(Polygon(previous)))
    write_annotations(seq, lines, {"occlusion": occlusion}, (width, height), anchor_spacing, fps=24)
    return seq


def convert_davis(root: str | Path, out: str | Path, sequences: list[str] | None = None, **kwargs) -> list[str]:
    """Convert ``sequences`` (default: every one under ``root``) into ``out``; writes ``list.txt``."""
    root = Path(root)
    base = root / "JPEGImages" / kwargs.get("resolution", "480p")
    if not base.is_dir():
        raise FileNotFoundError(f"{base}: missing (not a DAVIS folder)")
    names = sequences or sorted(p.name for p in base.iterdir() if p.is_dir())
    for name in names:
        convert_sequence(root, name, out, **kwargs)
    Path(out, "list.txt").write_text("\n".join(names) + "\n")
    return names
