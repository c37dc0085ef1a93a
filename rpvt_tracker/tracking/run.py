"""Run a tracker over a VOT-format sequence folder and write the result file (``rpvt track``)."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from ..geometry.regions import Special, format_region
from .sequence import Sequence, as_output_region, init_region_of, overlay
from .tracker import Tracker


@dataclass(frozen=True)
class RunSummary:
    """``result``: the written file; ``frames``: tracked frames; ``init_s`` / ``per_frame_s``:
    wall-clock seconds; ``segmented``: frames whose output came from an accepted mask."""

    result: Path
    frames: int
    init_s: float
    per_frame_s: float
    segmented: int


def _gif_frame(bgr: np.ndarray, width: int = 480):
    """A downscaled RGB PIL frame (a GIF of a few hundred such frames stays a few MB)."""
    from PIL import Image

    scale = min(1.0, width / bgr.shape[1])
    small = cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else bgr
    return Image.fromarray(cv2.cvtColor(small, cv2.COLOR_BGR2RGB)).quantize(colors=128)


class TrackingError(RuntimeError):
    """A frame failed mid-sequence; what was tracked before it is kept in ``partial``."""

    def __init__(self, message: str, partial: Path, frames_done: int):
        super().__init__(message)
        self.partial = partial
        self.frames_done = frames_done


def run_sequence(
    tracker: Tracker,
    sequence: Sequence,
    output_dir: str | Path,
    *,
    output_format: str = "polygon",
    visualize: bool = False,
    progress: bool = True,
) -> RunSummary:
    """Initialise on frame 1's ground truth, track the rest, write ``<output>/<name>.txt``.

    The file holds one region per frame in the toolkit's text format, the first line being the
    initialisation region; regions are polygons, or mask RLE with ``output_format="mask"``.
    With ``visualize``, overlays go to ``<output>/<name>_overlay/`` as JPEG frames and to
    ``<output>/<name>_overlay.gif`` (at most 480 pixels wide, for a quick look).

    Lines are written to ``<name>.txt.partial`` as frames are tracked (opened before any work,
    so an unwritable folder fails at once) and renamed to ``<name>.txt`` when the sequence is
    complete: an interrupted run never leaves a file that looks finished, and a frame that
    fails raises ``TrackingError`` naming it, with the frames before it kept in the partial file.
    """
    if output_format not in ("polygon", "mask"):
        raise ValueError(f"output format must be 'polygon' or 'mask', got {output_format!r}")
    out = Path(output_dir)
    result = out / f"{sequence.name}.txt"
    partial = result.with_name(result.name + ".partial")
    try:
        out.mkdir(parents=True, exist_ok=True)
        sink = partial.open("w")
    except OSError as err:
        raise OSError(f"output folder {out} is not writable: {err.strerror or err}") from None
    overlay_dir = out / f"{sequence.name}_overlay"
    with sink:
        region = init_region_of(sequence)
        t0 = time.perf_counter()
        tracker.initialize(_frame(sequence, 0, partial), region)
        init_s = time.perf_counter() - t0
        sink.write((format_region(region) if not isinstance(region, Special) else "1") + "\n")
        if visualize:
            overlay_dir.mkdir(exist_ok=True)
        segmented, t_track = 0, 0.0
        gif: list = []
        frames = range(1, len(sequence.frames))
        bar = tqdm(frames, desc=sequence.name, unit="frame", disable=not progress, file=sys.stderr)
        for i in bar:
            image = _frame(sequence, i, partial)
            t0 = time.perf_counter()
            try:
                pred = tracker.track(image)
            except Exception as err:
                raise _stopped(sequence, i, partial, f"tracking failed: {type(err).__name__}: {err}") from err
            t_track += time.perf_counter() - t0
            segmented += pred.segmented
            sink.write(format_region(as_output_region(output_format, pred.polygon, pred.mask)) + "\n")
            sink.flush()
            if visualize:
                drawn = overlay(image, pred.mask, pred.polygon)  # BGR
                cv2.imwrite(str(overlay_dir / f"{i + 1:08d}.jpg"), drawn)
                gif.append(_gif_frame(drawn))
    if visualize and gif:
        gif[0].save(out / f"{sequence.name}_overlay.gif", save_all=True, append_images=gif[1:], duration=80, loop=0)
    partial.replace(result)
    n = len(frames)
    return RunSummary(result, n, init_s, t_track / n if n else 0.0, segmented)


def _frame(sequence: Sequence, index: int, partial: Path) -> np.ndarray:
    try:
        return sequence.read(index)
    except (OSError, ValueError) as err:
        raise _stopped(sequence, index, partial, str(err)) from None


def _stopped(sequence: Sequence, index: int, partial: Path, why: str) -> TrackingError:
    frame = sequence.frames[index]
    kept = f"the {index} frames before it are in {partial}" if index else "nothing was tracked"
    return TrackingError(f"{sequence.name}: stopped at frame {index + 1} ({frame.name}): {why}; {kept}", partial, index)
