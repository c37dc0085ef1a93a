"""Run a tracker over a VOT-format sequence folder and write the result file (``rpvt track``).

One process at a time writes a result: ``<output>/<name>.txt`` is claimed (``claim_output``)
before anything is written for it, through an advisory ``flock`` on ``<name>.txt.lock``. A second
run into the same output is refused, naming the file and the process that holds it, instead of
splicing its lines into the first's file. The kernel drops the lock when its process ends, however
it ends, so the lock file a killed run leaves behind holds nothing: the next run takes it over.
"""

from __future__ import annotations

import datetime
import fcntl
import os
import socket
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

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


class OutputBusy(RuntimeError):
    """Another process holds the claim on the result file this run would write."""


@dataclass(frozen=True)
class OutputClaim:
    """This process's ownership of ``result`` while it writes it (and its ``.partial``, ``.json``
    and overlays): ``lock`` is the lock file; ``stale`` the holder line a dead process left in
    it (``pid=... host=... since=...``), or None when the lock was free."""

    result: Path
    lock: Path
    stale: str | None


def result_path(output_dir: str | Path, name: str) -> Path:
    """Where the result of sequence ``name`` goes in ``output_dir``."""
    return Path(output_dir) / f"{name}.txt"


@contextmanager
def claim_output(output_dir: str | Path, name: str) -> Iterator[OutputClaim]:
    """Own ``<output_dir>/<name>.txt`` for the duration of the block, or raise ``OutputBusy``.

    The lock is ``flock`` on ``<name>.txt.lock`` (never blocking: a busy output is refused at
    once). The file's one line says who holds it, for the refusal message; it is removed on
    release, while still locked, so a later run finds no leftover. A run that dies leaves the
    file but no lock (the kernel releases it with the process): the next claim takes it over and
    reports the dead holder in ``OutputClaim.stale``.
    """
    out = Path(output_dir)
    result = result_path(out, name)
    lock = result.with_name(result.name + ".lock")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OSError(f"output folder {out} is not writable: {err.strerror or err}") from None
    fd = _lock(lock, result)
    try:
        stale = _holder(fd) or None
        line = f"pid={os.getpid()} host={socket.gethostname()} since={datetime.datetime.now().isoformat(timespec='seconds')}\n"
        os.ftruncate(fd, 0)
        os.pwrite(fd, line.encode(), 0)
        yield OutputClaim(result, lock, stale)
    finally:
        try:
            os.unlink(lock)  # before unlocking: whoever opened this file meanwhile then sees it gone (``_lock``)
        except OSError:
            pass  # removed by hand, or the folder made read-only: an unlocked leftover is taken over
        os.close(fd)


def _lock(lock: Path, result: Path) -> int:
    """An open descriptor of ``lock`` holding its exclusive flock."""
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            if lock.exists():  # e.g. left by another user's run
                raise OSError(f"{lock}: cannot be opened to claim {result.name}: {err.strerror or err}") from None
            raise OSError(f"output folder {lock.parent} is not writable: {err.strerror or err}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd) or "a process that has not yet written its pid"
            os.close(fd)
            raise OutputBusy(
                f"{result}: being written by another run ({holder}; lock {lock}); wait for it to end or give another --output"
            ) from None
        # A holder that finished between our open and our flock has removed the file: a lock on
        # that orphan would exclude no one, so start again on whatever the path holds now.
        try:
            if os.path.samestat(os.fstat(fd), os.stat(lock)):
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


def _holder(fd: int) -> str:
    return os.pread(fd, 512, 0).decode(errors="replace").strip()


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
    claim: OutputClaim | None = None,
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

    All of it happens under ``claim``, this process's claim on the result (``claim_output``),
    taken here when the caller holds none: another process writing the same result makes this
    one fail with ``OutputBusy`` before anything is written.
    """
    if output_format not in ("polygon", "mask"):
        raise ValueError(f"output format must be 'polygon' or 'mask', got {output_format!r}")
    if claim is None:
        with claim_output(output_dir, sequence.name) as claim:
            return run_sequence(
                tracker, sequence, output_dir, output_format=output_format, visualize=visualize, progress=progress, claim=claim
            )
    out = Path(output_dir)
    result = result_path(out, sequence.name)
    if claim.result != result:
        raise ValueError(f"the claim is on {claim.result}, not on {result}")
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
