"""The one frame reader (``rpvt track``, the TraX server, the DAVIS converter's callers) and the
order of frame files in a folder."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
_JPEG_START, _JPEG_END = b"\xff\xd8", b"\xff\xd9"


def natural_key(path: Path) -> tuple:
    """Sort key that orders ``2.jpg`` before ``10.jpg`` (digit runs compare as numbers)."""
    return tuple(int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name))


def frame_files(folder: Path) -> tuple[Path, ...]:
    """The image files of ``folder`` in natural order."""
    return tuple(sorted((p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES), key=natural_key))


def read_frame(path: str | Path) -> np.ndarray:
    """Frame at ``path`` as H x W x 3 uint8 RGB; a clear error naming the file otherwise.

    OpenCV decodes a truncated JPEG without complaint (the missing rows come out grey), so a
    JPEG must end with its end-of-image marker; trailing padding after it is allowed.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ValueError(f"frame {path} cannot be read: {err.strerror or err}") from None
    if data.startswith(_JPEG_START) and _JPEG_END not in data[-1024:]:
        raise ValueError(f"frame {path} is a truncated JPEG (no end-of-image marker)")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if image is None:
        raise ValueError(f"frame {path} cannot be decoded as an image")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
