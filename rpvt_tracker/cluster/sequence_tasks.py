"""``rpvt davis``, ``rpvt got10k`` and ``rpvt lasot`` with ``--ray``: one task per sequence.

These commands track in their own process, so a task runs the same per-sequence code the serial
command runs (``vos.track_sequence``; the got10k toolkit's ``Tracker.track`` and its
experiment's ``_record``), on a tracker the worker builds once and keeps for every later task
with the same settings (``cached_tracker``): the network is loaded once per worker process, not
once per sequence. Its torch threads follow the task's CPU share unless ``--threads`` is given,
so a Ray run is identical to a serial run with ``--threads`` equal to that share.

Each sequence's results are staged and moved into place when complete (``staging``), so
resuming (a sequence whose result is in place is not submitted) never trusts a half-written one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..tracking.build import TrackerSettings
from .engine import ClusterOptions, Session, Task
from .staging import clear_failed, publish_files, publish_folder, staged

__all__ = ["clear_failed", "box_tasks", "davis_tasks", "davis_seconds", "on_ray"]

TIMING = ".timing.json"  # beside a DAVIS sequence's masks: its tracking seconds, written with them

_TRACKERS: dict[TrackerSettings, Any] = {}  # per worker process


def cached_tracker(settings: TrackerSettings):
    """The tracker ``settings`` describe, built on the first task that needs it in this process.
    One is kept: a task with other settings replaces it (a worker holds one network in memory)."""
    from ..tracking.build import build_tracker

    if settings not in _TRACKERS:
        _TRACKERS.clear()
        _TRACKERS[settings] = build_tracker(settings)
    return _TRACKERS[settings]


def describe(settings: TrackerSettings) -> dict[str, Any]:
    """What the results are made with (``settings_metadata``), from a worker's tracker: its device
    and threads are the workers', and the driver needs no GPU and loads no network."""
    from ..tracking.build import settings_metadata

    return settings_metadata(settings, cached_tracker(settings))


def with_threads(settings: TrackerSettings, options: ClusterOptions) -> TrackerSettings:
    """``--threads`` when given, else the task's CPU share."""
    return dataclasses.replace(settings, threads=settings.threads or options.threads)


@contextlib.contextmanager
def on_ray(options: ClusterOptions, settings: TrackerSettings) -> Iterator[tuple[Session, TrackerSettings, dict[str, Any]]]:
    """A Ray session for one command: (session, the settings its tasks use, their metadata)."""
    settings = with_threads(settings, options)
    if settings.device.startswith("cuda") and options.gpus_per_task == 0:
        print(f"rpvt: warning: --device {settings.device} with --gpus-per-task 0: Ray gives the tasks no GPU of their own, so they "
              "share whichever GPUs they see; give --gpus-per-task", file=sys.stderr)
    with Session(options) as session:
        yield session, settings, session.call(describe, settings)


# DAVIS (the VOS protocol): a sequence is finished when its folder of masks holds TIMING.


def davis_sequence(settings: TrackerSettings, root: str, name: str, run_dir: str) -> float:
    """In a worker: one DAVIS sequence tracked into ``run_dir/<name>/``; returns its seconds."""
    from ..evaluation.vos import sequence_files, track_sequence

    files = sequence_files(Path(root), name)
    tracker = cached_tracker(settings)
    folder = Path(run_dir)
    with staged(folder, name) as staging:
        seconds = track_sequence(tracker, files, staging)
        (staging / TIMING).write_text(json.dumps({"seconds": seconds, "frames": len(files.frames)}) + "\n")
        publish_folder(staging, folder / name)
    return seconds


def davis_seconds(run_dir: Path, name: str) -> float | None:
    """The tracking seconds of a finished sequence, None when it is not finished."""
    timing = run_dir / name / TIMING
    return float(json.loads(timing.read_text())["seconds"]) if timing.is_file() else None


def davis_tasks(settings: TrackerSettings, root: Path, files: list, run_dir: Path) -> tuple[list[Task], int, dict[str, tuple[Path, str]]]:
    """(tasks for the unfinished sequences, how many are finished, where each task writes)."""
    todo = [f for f in files if davis_seconds(run_dir, f.name) is None]
    tasks = [Task(f"{run_dir.name}/{f.name}", len(f.frames), davis_sequence, (settings, str(root), f.name, str(run_dir))) for f in todo]
    return tasks, len(files) - len(todo), {t.label: (run_dir, f.name) for t, f in zip(tasks, todo)}


# GOT-10k and LaSOT: the got10k toolkit's tracking loop and result files, per sequence.


def box_sequence(settings: TrackerSettings, name: str, experiment: Any, index: int, record: str) -> float:
    """In a worker: sequence ``index`` of the toolkit ``experiment``'s dataset, tracked and
    recorded as ``experiment.run`` records it (``<result_dir>/<name>/<record>``, then its times);
    returns the tracking seconds."""
    from ..evaluation.box_benchmark import ToolkitTracker

    img_files, anno = experiment.dataset[index]
    sequence = experiment.dataset.seq_names[index]
    tracker = ToolkitTracker(cached_tracker(settings), name)
    folder = Path(experiment.result_dir) / name
    with staged(folder, sequence) as staging, contextlib.redirect_stdout(io.StringIO()):  # the toolkit prints a line a file
        boxes, times = tracker.track(img_files, anno[0, :])
        experiment._record(str(staging / record), boxes, times)
        publish_files(staging, folder, last=lambda p: p.name == Path(record).name)
    return float(sum(times))


def box_tasks(settings: TrackerSettings, name: str, experiment: Any, record: Callable[[str], str]) -> tuple[list[Task], int, dict[str, tuple[Path, str]]]:
    """Tasks for the sequences of ``experiment`` without a result file (``record(sequence)``, the
    path under ``<result_dir>/<name>`` that the toolkit's own run checks), how many have one, and
    where each task writes. Frame counts come from the image lists, so nothing is decoded."""
    folder = Path(experiment.result_dir) / name
    tasks, places, done = [], {}, 0
    for index, sequence in enumerate(experiment.dataset.seq_names):
        if (folder / record(sequence)).is_file():
            done += 1
            continue
        frames = len(experiment.dataset[index][0])
        task = Task(f"{name}/{sequence}", frames, box_sequence, (settings, name, experiment, index, record(sequence)))
        tasks.append(task)
        places[task.label] = (folder, sequence)
    return tasks, done, places
