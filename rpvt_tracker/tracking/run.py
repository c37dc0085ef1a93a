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
    ``<output>/<name>_overlay.gif`` (at most 480 pixels wide, for a quick look). The result
    is written to a temporary name and renamed when complete, so an interrupted run never
    leaves a partial file that looks finished.
    """
    if output_format not in ("polygon", "mask"):
        raise ValueError(f"output format must be 'polygon' or 'mask', got {output_format!r}")
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    overlay_dir = out / f"{sequence.name}_overlay"
    if visualize:
        overlay_dir.mkdir(exist_ok=True)
    region = init_region_of(sequence)
    first = sequence.read(0)
    t0 = time.perf_counter()
    tracker.initialize(first, region)
    init_s = time.perf_counter() - t0
    lines = [format_region(region) if not isinstance(region, Special) else "1"]
    segmented, t_track = 0, 0.0
    gif: list = []
    frames = range(1, len(sequence.frames))
    bar = tqdm(frames, desc=sequence.name, unit="frame", disable=not progress, file=sys.stderr)
    for i in bar:
        image = sequence.read(i)
        t0 = time.perf_counter()
        pred = tracker.track(image)
        t_track += time.perf_counter() - t0
        segmented += pred.segmented
        lines.append(format_region(as_output_region(output_format, pred.polygon, pred.mask)))
        if visualize:
            drawn = overlay(image, pred.mask, pred.polygon)  # BGR
            cv2.imwrite(str(overlay_dir / f"{i + 1:08d}.jpg"), drawn)
            gif.append(_gif_frame(drawn))
    if visualize and gif:
        gif[0].save(out / f"{sequence.name}_overlay.gif", save_all=True, append_images=gif[1:], duration=80, loop=0)
    result = out / f"{sequence.name}.txt"
    tmp = result.with_name(result.name + ".partial")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(result)
    n = len(frames)
    return RunSummary(result, n, init_s, t_track / n if n else 0.0, segmented)
