"""``rpvt evaluate``: ``vot evaluate``, one task per (tracker, experiment, sequence).

``vot evaluate`` (vot-toolkit 0.7.4, ``utilities/cli.py``) loads the workspace, resolves the
trackers in its registry against the results storage, and for each tracker and experiment of the
stack calls ``run_experiment`` (``experiment/__init__.py``) over the dataset: the experiment
transforms each sequence and its ``execute`` starts the tracker's runtime (the TraX process, as
the registry entry says), tracks and writes the trajectories into the results storage. Here the
driver does the first part and cuts the loops into tasks; each task loads the same workspace
(once per worker process) and calls the toolkit's own ``run_experiment`` with one sequence. Only
where the files go differs: the tracker's results storage points at a staging folder
(``staging.staged``), and the files move into ``results/<tracker>/<experiment>/<sequence>/``
when the sequence is done, region files last, so ``vot analysis``, ``vot report``, ``vot pack``
and ``rpvt tables`` read the same layout as after ``vot evaluate``.

Resuming is the toolkit's: a sequence whose results ``experiment.scan`` finds complete is not
submitted (``--force`` redoes it), and results already there for some repetitions are copied
into the staging folder so the experiment skips them as it would in place.
"""

from __future__ import annotations

import copy
import shutil
from dataclasses import dataclass
from pathlib import Path

from .engine import ClusterOptions, Session, Task, report_failures, run_inline
from .staging import clear_failed, publish_files, staged

_WORKSPACES: dict[str, object] = {}  # per process: a worker loads a workspace once, not once a task


def load_workspace(path: str):
    from vot.workspace import Workspace

    if path not in _WORKSPACES:
        _WORKSPACES[path] = Workspace.load(path)
    return _WORKSPACES[path]


def resolve_trackers(workspace, references: list[str]) -> list:
    """As ``vot evaluate`` resolves them: against the results storage, unknown names an error."""
    from vot import ToolkitException

    try:
        return workspace.registry.resolve(*references, storage=workspace.storage.substorage("results"), skip_unknown=False)
    except ToolkitException as err:
        known = ", ".join(workspace.registry.identifiers())
        raise ValueError(f"{err} (the workspace's registry has: {known})") from None


class _StagingStorage:
    """A tracker's results storage that files each sequence's results under ``root`` (the toolkit
    asks ``tracker.storage.results(tracker, experiment, sequence)`` first when it is set)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def results(self, tracker, experiment, sequence):
        from vot.tracker.results import Results
        from vot.workspace.storage import LocalStorage

        return Results(LocalStorage(str(self.root / sequence.name)))


def results_folder(workspace, tracker, experiment) -> Path:
    """``results/<tracker reference>/<experiment>``, where ``LocalStorage.results`` files them."""
    return Path(workspace.storage.base) / "results" / tracker.reference / experiment.identifier


def _is_region_file(path: Path) -> bool:
    """A trajectory exists for the toolkit when its region file does (``Trajectory.exists``)."""
    return path.suffix in (".bin", ".txt")


def execute(path: str, reference: str, experiment_id: str, sequence_name: str, force: bool) -> int:
    """In a worker: the toolkit's ``run_experiment`` on one sequence, results published when done.
    Returns the sequence's frame count."""
    from vot.experiment import run_experiment
    from vot.tracker import TrackerException

    workspace = load_workspace(path)
    tracker = resolve_trackers(workspace, [reference])[0]
    experiment = workspace.stack.experiments[experiment_id]
    sequence = workspace.dataset[sequence_name]
    final = results_folder(workspace, tracker, experiment)
    with staged(final, sequence.name) as staging:
        if not force:  # repetitions already in place: the experiment skips them as it would there
            for part in experiment.transform(sequence):
                if (final / part.name).is_dir():
                    shutil.copytree(final / part.name, staging / part.name)
        staged_tracker = copy.copy(tracker)  # the registry's object stays as it is for the next task
        staged_tracker._storage = _StagingStorage(staging)
        try:
            run_experiment(experiment, staged_tracker, [sequence], force=force, persist=False)
        except TrackerException as err:
            inner = err.args[1] if len(err.args) > 1 else err  # run_experiment wraps the tracker's error
            raise RuntimeError(f"tracker error: {inner} (its output is in {Path(path) / 'logs'})") from None
        for part in sorted(p for p in staging.iterdir() if p.is_dir()):
            publish_files(part, final / part.name, last=_is_region_file)
    return len(sequence)


@dataclass(frozen=True)
class Plan:
    tasks: list[Task]
    skipped: int
    places: dict[str, tuple[Path, str]]  # label -> (results folder, sequence) as ``staged`` claims it


def plan(path: str, references: list[str], experiments: list[str] | None = None, force: bool = False) -> Plan:
    """Every (tracker, experiment, sequence) of the workspace's stack whose results are not
    complete (all with ``force``), as tasks; labelled ``tracker/experiment/sequence``."""
    workspace = load_workspace(path)
    trackers = resolve_trackers(workspace, references)
    chosen = [e for e in workspace.stack]
    if experiments:
        unknown = sorted(set(experiments) - {e.identifier for e in chosen})
        if unknown:
            raise ValueError(f"no experiment {', '.join(unknown)} in the stack (it has {', '.join(e.identifier for e in chosen)})")
        chosen = [e for e in chosen if e.identifier in experiments]
    tasks, skipped, places = [], 0, {}
    for tracker in trackers:
        for experiment in chosen:
            for sequence in workspace.dataset:
                parts = experiment.transform(sequence)
                if not force and all(experiment.scan(tracker, part)[0] for part in parts):
                    skipped += 1
                    continue
                label = f"{tracker.reference}/{experiment.identifier}/{sequence.name}"
                tasks.append(Task(label, len(sequence), execute, (path, tracker.reference, experiment.identifier, sequence.name, force)))
                places[label] = (results_folder(workspace, tracker, experiment), sequence.name)
    return Plan(tasks, skipped, places)


def evaluate(workspace: str | Path, references: list[str], options: ClusterOptions | None, experiments: list[str] | None = None,
             force: bool = False, command: str = "evaluate") -> int:
    """``vot evaluate`` of ``references`` in ``workspace``: on Ray with ``options``, else in this
    process; returns the exit code (1 when a task failed, each named on stderr)."""
    path = str(Path(workspace).resolve())
    if not (Path(path) / "config.yaml").is_file():
        raise FileNotFoundError(f"{workspace}: not a VOT workspace (no config.yaml; make one with rpvt workspace)")
    work = plan(path, references, experiments, force)
    if options is None:
        outcome = run_inline(work.tasks)
    else:
        with Session(options) as session:
            outcome = session.run(work.tasks)
    clear_failed(outcome, work.places)
    return report_failures(command, outcome, work.skipped)
