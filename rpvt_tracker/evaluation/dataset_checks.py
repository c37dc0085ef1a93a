"""Checks every benchmark command runs on its whole dataset before the tracker is built.

A bad dataset used to be found late: the got10k package asserts frame and box counts with a bare
``AssertionError`` (GOT-10k: when it reaches the sequence; LaSOT: after tracking it), indexes an
empty frame list (``IndexError``), and scores a ``nan`` ground-truth line as if it were a box.
Everything here raises ``ValueError`` with one line naming the sequence, the frame (by the number
in its file name: from 1 in GOT-10k and LaSOT, where line n of a box file is frame n; from 0 in
DAVIS) and the file, which ``rpvt``'s ``main`` prints as
``rpvt <command>: error: <message>`` (exit status 2).

What is read here is read the way the scorers read it: box files as ``np.loadtxt(...,
delimiter=',')`` does (GOT-10k through the package, LaSOT through ``lasot_scoring``), so a file
that passes is one they pair frame by frame with the images.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np


def numbered_frames(folder: Path, sequence: str, *, first: int, suffix: str = ".jpg") -> list[Path]:
    """A sequence's frames: every ``<number><suffix>`` in ``folder``, numbered ``first``,
    ``first + 1``, ... with no gap, in that order.

    The scorers pair the n-th sorted file with the n-th ground-truth line, so a missing file in
    the middle would shift every later box onto the wrong image; a gap is refused, naming the
    first missing frame. Names must be numbers of one width (as GOT-10k's, LaSOT's and DAVIS's
    are), or sorting them by name would not be frame order.
    """
    if not folder.is_dir():
        raise ValueError(f"{sequence}: {folder} is missing (expected the frames {first:08d}{suffix}, ... there)")
    files = sorted(folder.glob(f"*{suffix}"))
    if not files:
        raise ValueError(f"{sequence}: no frames in {folder} (expected {first:08d}{suffix}, {first + 1:08d}{suffix}, ...)")
    width = len(files[0].stem)
    for f in files:
        if not f.stem.isdigit() or len(f.stem) != width:
            raise ValueError(f"{sequence}: {f} is not a frame name of this layout (expected {width}-digit numbers like {files[0].name})")
    numbers = [int(f.stem) for f in files]
    if numbers != list(range(first, first + len(files))):
        present = set(numbers)
        missing = next(n for n in range(first, first + len(files) + 1) if n not in present)
        raise ValueError(f"{sequence}, frame {missing}: {folder / f'{missing:0{width}d}{suffix}'} is missing "
                         f"(the frames run {files[0].name} to {files[-1].name})")
    return files


def read_boxes(path: Path, sequence: str, *, allow_nan: bool) -> np.ndarray:
    """The (N, 4) x,y,w,h boxes of a ground-truth file, one comma-separated line a frame.

    ``np.loadtxt`` skips blank lines, so a blank line inside the file would pair every later box
    with the frame before its own: refused. ``nan`` values are refused unless ``allow_nan``
    (GOT-10k val, where ``got10k.py`` leaves such frames out with a warning); infinities always.
    """
    if not path.is_file():
        raise ValueError(f"{sequence}: {path} is missing (one x,y,w,h line a frame)")
    lines = path.read_text().splitlines()
    while lines and not lines[-1].strip():
        lines.pop()  # a final newline, or several, is not a frame
    if not lines:
        raise ValueError(f"{sequence}: {path} is empty (one x,y,w,h line a frame)")
    boxes = np.zeros((len(lines), 4))
    for i, line in enumerate(lines):
        where = f"{sequence}, frame {i + 1}: {path} line {i + 1}"
        try:
            values = [float(v) for v in line.split(",")]
        except ValueError:
            values = []
        if len(values) != 4:
            raise ValueError(f"{where}: expected x,y,w,h (4 comma-separated numbers), got {line.strip()!r}")
        if any(math.isinf(v) for v in values) or (not allow_nan and any(math.isnan(v) for v in values)):
            raise ValueError(f"{where}: {line.strip()!r} is not a box (no nan or inf here)")
        boxes[i] = values
    return boxes


def check_first_box(boxes: np.ndarray, path: Path, sequence: str) -> None:
    """The tracker starts from the first line: it must be a box with an area."""
    x, y, w, h = boxes[0]
    if not np.all(np.isfinite(boxes[0])) or w <= 0 or h <= 0:
        raise ValueError(f"{sequence}, frame 1: {path} line 1 is {x:g},{y:g},{w:g},{h:g}: the tracker starts from it, "
                         "so it must be a box with positive width and height")


def check_count(sequence: str, lines: int, what: Path, frames: list[Path]) -> None:
    """One line (or value) of ``what`` per frame, naming the first frame or line left unpaired."""
    if lines > len(frames):
        raise ValueError(f"{sequence}, frame {len(frames) + 1}: {what} has {lines} entries but {frames[0].parent} has {len(frames)} "
                         f"frames ({frames[0].name} to {frames[-1].name}): entry {len(frames) + 1} has no frame")
    if lines < len(frames):
        raise ValueError(f"{sequence}, frame {lines + 1}: {frames[lines]} has no entry in {what} ({lines} entries for {len(frames)} frames)")


def read_flags(path: Path, sequence: str, frames: list[Path], *, one_line: bool, top: int = 1) -> np.ndarray:
    """Per-frame integer labels in 0..``top``: LaSOT's ``full_occlusion.txt`` / ``out_of_view.txt``
    (``one_line``: one comma-separated line) or GOT-10k's ``*.label`` files (one value a line)."""
    if not path.is_file():
        raise ValueError(f"{sequence}: {path} is missing (one label a frame, {len(frames)} frames)")
    text = path.read_text().strip()
    values = [v.strip() for v in (text.split(",") if one_line else text.splitlines())] if text else []
    labels = np.zeros(len(values), dtype=int)
    for i, v in enumerate(values):
        try:
            number = float(v)
        except ValueError:
            number = math.nan
        if not (number.is_integer() and 0 <= number <= top):
            raise ValueError(f"{sequence}, frame {i + 1}: {path} entry {i + 1} is {v!r}; expected an integer from 0 to {top}")
        labels[i] = int(number)
    check_count(sequence, len(labels), path, frames)
    return labels


def read_resolution(path: Path, sequence: str) -> tuple[float, float]:
    """GOT-10k's ``meta_info.ini`` as the got10k package reads it: every line after the first is
    ``key: value``, and ``resolution`` is ``(width, height)``; the package clips boxes to it."""
    if not path.is_file():
        raise ValueError(f"{sequence}: {path} is missing (the got10k package reads the image size from its resolution line)")
    lines = path.read_text().strip().split("\n")[1:]
    meta = {}
    for number, line in enumerate(lines, 2):
        if ": " not in line:
            raise ValueError(f"{sequence}: {path} line {number} is {line!r}; the got10k package expects 'key: value'")
        key, value = line.split(": ", 1)
        meta[key] = value
    try:
        width, height = ast.literal_eval(meta["resolution"])
        if not (float(width) > 0 and float(height) > 0):
            raise ValueError
    except (KeyError, ValueError, TypeError, SyntaxError):
        raise ValueError(f"{sequence}: {path} has no 'resolution: (width, height)' line") from None
    return float(width), float(height)
