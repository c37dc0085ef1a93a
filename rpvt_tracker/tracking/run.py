"""Run a tracker over a VOT-format sequence folder and write the result file (``rpvt track``)."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
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
    With ``visualize``, overlays go to ``<output>/<name>_overlay/`` as JPEG frames. The result
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
            cv2.imwrite(str(overlay_dir / f"{i + 1:08d}.jpg"), overlay(image, pred.mask, pred.polygon))
    result = out / f"{sequence.name}.txt"
    tmp = result.with_name(result.name + ".partial")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(result)
    n = len(frames)
    return RunSummary(result, n, init_s, t_track / n if n else 0.0, segmented)
