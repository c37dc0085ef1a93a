"""Robustness of a reset-based (VOT2016/2018) run, as the RPVT paper reports it and as the toolkit does.

The two are different measures of the same failures:

* **the paper's** (Tables 1, 2 and 6, the VOT2016-2018 challenges' R): failures per 100 frames
  over the whole dataset, 100 x (total failures) / (total frames), each sequence's failures
  averaged over its repetitions; SiamRPN++'s 50 failures over VOT2018's 21,356 frames give its
  published 0.234;
* **vot-toolkit 0.7.4's** ``supervised_average_ar``: the mean number of failures per sequence,
  weighted by sequence length, sum(f_s n_s) / sum(n_s).

Both are computed here from the per-sequence failure counts of the workspace's results (the
toolkit's own reader and failure count), so a table can print each under its own name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SequenceFailures:
    """One sequence of a reset-based run: ``failures`` averaged over the repetitions found,
    ``frames`` its length, ``repetitions`` how many runs were read."""

    sequence: str
    failures: float
    frames: int
    repetitions: int


def failure_counts(workspace: str | Path, tracker: str, experiment: str = "baseline") -> list[SequenceFailures]:
    """Per-sequence failures of ``tracker`` in a workspace's reset-based ``experiment``, read
    from the sequences the toolkit finds (``workspace.sequences_folder``); a ValueError, never
    a download, when they are not there."""
    from vot import ToolkitException

    from .workspace import missing_sequences

    missing = missing_sequences(workspace)
    if missing:
        raise ValueError(f"{workspace}: {missing}")
    try:
        return _failure_counts(workspace, tracker, experiment)
    except ToolkitException as err:  # e.g. no sequences where config.yaml says they are, a bad result file
        raise ValueError(f"{workspace}: the toolkit cannot load it: {err}") from None


def _failure_counts(workspace: str | Path, tracker: str, experiment: str) -> list[SequenceFailures]:
    from vot.analysis.supervised import count_failures
    from vot.workspace import Workspace

    ws = Workspace.load(str(workspace))
    if experiment not in ws.stack.experiments:
        raise ValueError(f"{workspace}: the stack has no {experiment!r} experiment")
    exp = ws.stack.experiments[experiment]
    runner = ws.registry[tracker]
    counts = []
    for sequence in ws.dataset:
        trajectories = exp.gather(runner, sequence)
        if not trajectories:
            raise ValueError(f"{workspace}: no {experiment} results of {tracker} on {sequence.name} (run vot evaluate)")
        failures = [count_failures(t.regions())[0] for t in trajectories]
        counts.append(SequenceFailures(sequence.name, sum(failures) / len(failures), len(sequence), len(failures)))
    return counts


def paper_robustness(counts: list[SequenceFailures]) -> float:
    """Failures per 100 frames over all sequences: 100 x total failures / total frames."""
    frames = sum(c.frames for c in counts)
    if frames == 0:
        raise ValueError("no frames: cannot compute robustness")
    return 100.0 * sum(c.failures for c in counts) / frames


def toolkit_robustness(counts: list[SequenceFailures]) -> float:
    """vot-toolkit 0.7.4's ``supervised_average_ar`` robustness: failures per sequence, weighted
    by sequence length."""
    frames = sum(c.frames for c in counts)
    if frames == 0:
        raise ValueError("no frames: cannot compute robustness")
    return sum(c.failures * c.frames for c in counts) / frames
