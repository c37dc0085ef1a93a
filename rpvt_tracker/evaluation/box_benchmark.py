"""What the GOT-10k and LaSOT commands share: our tracker under the got10k toolkit's interface.

The official toolkit (``got10k`` on PyPI, 0.1.3) runs a tracker through its ``Tracker`` class:
``init(PIL image, box)`` on the first frame, ``update(PIL image) -> box`` on each next one, and
times both. ``ToolkitTracker`` is that class around our ``Tracker``.

Box conventions: GOT-10k's and LaSOT's ground truth are (x, y, w, h) with 1-based pixel
coordinates (the maintainers of both say so: got-10k/toolkit issue 6, LaSOT_Evaluation_Toolkit
issue 14), and the toolkit hands the first ground-truth box to ``init`` and scores the boxes
``update`` returns against the ground truth as they are. Our tracker works in 0-based pixels, so
the adapter moves the first box by -1 and each answer by +1: results are written in the
benchmark's own convention, as its server and tools expect.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from got10k.trackers import Tracker as PackageTracker

from ..tracking.build import TrackerSettings, build_tracker, settings_metadata
from ..vot.tables import tracker_order

ONE_BASED = 1.0  # GOT-10k and LaSOT ground truth: (x, y) of the top-left pixel counted from 1

# What makes two runs' results interchangeable: a result folder made with other values is stale.
_SAME_RUN_KEYS = ("weights", "variant", "backbone", "dcf_weights", "params")


class ToolkitTracker(PackageTracker):
    """Our ``Tracker`` as the got10k toolkit's ``Tracker``.

    Deterministic (``is_deterministic=True``, so the toolkit runs each sequence once instead of
    three times): the tracker draws no random numbers, and on the CPU the same frames give the
    same boxes bit for bit. A lost target does not stop the run: the tracker keeps answering with
    its last estimate, and an answer that is no box (non-finite, or without area) is replaced by
    the previous one, so every frame of every sequence gets a box.

    Args:
        tracker: a built ``rpvt_tracker.tracking.tracker.Tracker`` (anything with
            ``initialize(rgb, (x, y, w, h))`` and ``track(rgb) -> prediction with .box``).
        name: the tracker's name in the toolkit's result and report folders.
        origin: the benchmark's pixel origin (``ONE_BASED`` for GOT-10k and LaSOT).
    """

    def __init__(self, tracker: Any, name: str, origin: float = ONE_BASED) -> None:
        super().__init__(name=name, is_deterministic=True)
        self.tracker = tracker
        self.origin = origin
        self._last = np.zeros(4)

    def init(self, image: Any, box: np.ndarray) -> None:
        """Start on ``image`` (PIL) with the benchmark's first box (x, y, w, h)."""
        x, y, w, h = (float(v) for v in box)
        self.tracker.initialize(rgb_array(image), (x - self.origin, y - self.origin, w, h))
        self._last = np.array([x, y, w, h])

    def update(self, image: Any) -> np.ndarray:
        """The target's box (x, y, w, h) in ``image`` (PIL), in the benchmark's convention."""
        x, y, w, h = (float(v) for v in self.tracker.track(rgb_array(image)).box)
        box = np.array([x + self.origin, y + self.origin, w, h])
        if np.all(np.isfinite(box)) and w > 0 and h > 0:
            self._last = box
        return self._last.copy()


def rgb_array(image: Any) -> np.ndarray:
    """A PIL image (the toolkit's frames) as the (H, W, 3) uint8 RGB array our tracker takes."""
    if getattr(image, "mode", "RGB") != "RGB":
        image = image.convert("RGB")
    return np.array(image, dtype=np.uint8)  # a writable copy: torch warns on read-only arrays (PIL's)


def build_toolkit_tracker(settings: TrackerSettings, name: str) -> tuple[ToolkitTracker, dict[str, Any]]:
    """The tracker ``settings`` describe, wrapped for the toolkit, and what it was made with."""
    tracker = build_tracker(settings)
    return ToolkitTracker(tracker, name), settings_metadata(settings, tracker)


def record_settings(path: Path, metadata: dict[str, Any]) -> None:
    """Write what the results under one name are made with; refuse to mix runs.

    The toolkit skips sequences whose result file exists (an interrupted run resumes), so a
    second run under the same name with another checkpoint or parameter set would silently
    keep the first run's boxes; that is an error here.
    """
    if path.is_file():
        before = json.loads(path.read_text())
        changed = [k for k in _SAME_RUN_KEYS if before.get(k) != metadata.get(k)]
        if changed:
            raise ValueError(
                f"the results beside {path} were made with another {', '.join(changed)}: "
                "give another --name or --output (or delete them) to run these settings"
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(metadata, indent=1) + "\n")


def completed_runs(report_dir: Path, complete: Callable[[str, dict[str, Any]], bool]) -> dict[str, dict[str, Any]]:
    """The trackers with results under one output, in the tables' order, each with its recorded
    settings: every ``<name>`` whose ``<report_dir>/<name>/tracker.json`` (``record_settings``)
    exists and for which ``complete(name, its settings)`` holds (same subset or sequences, every
    result file there), so several trackers run under one ``--output`` share one table or figure."""
    found = {}
    for meta in report_dir.glob("*/tracker.json"):
        settings = json.loads(meta.read_text())
        if complete(meta.parent.name, settings):
            found[meta.parent.name] = settings
    return {name: found[name] for name in sorted(found, key=tracker_order)}


@contextlib.contextmanager
def toolkit_output(quiet: bool) -> Iterator[None]:
    """The toolkit prints a few lines per sequence: kept, unless ``--quiet`` asked for silence.

    Its figures (pyplot, never shown) are closed afterwards so repeated runs in one process do
    not accumulate them.
    """
    sink = io.StringIO() if quiet else sys.stdout
    try:
        with contextlib.redirect_stdout(sink):
            yield
    finally:
        import matplotlib.pyplot as plt

        plt.close("all")


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` (parents created); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
