"""The VOTS analysis of a multi-object workspace, as a table (``rpvt tables`` on a VOTS workspace).

Reads ``<workspace>/analysis/<name>.json`` written by ``vot analysis`` with the analyses of the
offline twin's stack (those of the toolkit's VOTS validation stack):

* ``Q``: quality, the toolkit's ``average_accuracy`` on multi-object results: the mean over
  targets and frames of the mask overlap, where a frame with an empty ground truth counts 1 if
  the answer is empty too and 0 otherwise (higher is better);
* ``A``, ``R``: ``longterm_ar``: accuracy over the frames where the target is visible, and
  robustness, the share of those frames where the answer overlaps it (higher is better);
* ``NRE``, ``DRE``, ``ADQ``: ``average_quality_auxiliary``: the shares of visible frames
  answered with an empty mask (not reported) and with a mask that misses (drift), both lower is
  better, and the share of frames with an absent target that were answered empty (absence
  detection, higher is better; undefined when a sequence has too few such frames).

The stock ``vots2023`` / ``vots2024/*`` / ``vots2025/*`` stacks have no analyses (their ground
truth beyond the first frame is withheld): their results are scored by the challenge's server
from the zip ``vot pack`` writes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from .tables import load_analysis, numbers
from .workspace import read_yaml

COLUMNS = ("Q", "A", "R", "NRE", "DRE", "ADQ")
# The columns each analysis of the stack gives, from the first values of its per-tracker result.
MEASURES = {"AverageAccuracy": ("Q",), "AccuracyRobustness": ("A", "R"), "AverageQualityAuxiliary": ("NRE", "DRE", "ADQ")}
ARROWS = {"Q": "up", "A": "up", "R": "up", "NRE": "down", "DRE": "down", "ADQ": "up"}


@dataclass(frozen=True)
class VotsResult:
    """One VOTS workspace's analysis: per tracker, its values in ``COLUMNS`` order (NaN where
    the toolkit left a measure undefined), and a stale-cache warning or None."""

    title: str
    scores: dict[str, tuple[float, ...]]
    source: Path
    warning: str | None = None  # results newer than the toolkit's analysis cache (tables.py)


def is_vots_workspace(workspace: str | Path) -> bool:
    """Whether the workspace's stack is multi-object (a VOTS stack or a twin of one)."""
    workspace = Path(workspace)
    if not (workspace / "config.yaml").is_file():
        return False  # not a workspace at all: the VOT tables' reader says so
    stack = str(read_yaml(workspace / "config.yaml").get("stack", ""))
    if stack.endswith(".yaml"):
        experiments = read_yaml(workspace / stack).get("experiments", {})
        return isinstance(experiments, dict) and any(bool(e.get("multiobject")) for e in experiments.values() if isinstance(e, dict))
    return stack.startswith(("vots", "votst"))


def read_vots_analysis(workspace: str | Path, name: str | None = None) -> VotsResult:
    workspace = Path(workspace)
    stack = str(read_yaml(workspace / "config.yaml").get("stack", ""))
    if not stack.endswith(".yaml"):
        raise ValueError(
            f"{workspace}: the stock stack {stack} has no analyses (VOTS withholds its ground truth); "
            f"pack the results (vot pack --workspace {workspace} TRACKER) and submit the zip to the challenge"
        )
    title = str(read_yaml(workspace / stack).get("title", stack))
    analysis = load_analysis(workspace, name)
    values: dict[str, dict[str, float]] = {t: {} for t in analysis.trackers}
    for kind, per_tracker in analysis.analyses:
        if kind in MEASURES:
            for tracker, result in analysis.paired("baseline", kind, per_tracker):
                # A null is a measure the toolkit left undefined (e.g. ADQ without absent frames).
                found = numbers(analysis.path, f"baseline {kind} of {tracker}", result, len(MEASURES[kind]), undefined=True)
                values[tracker].update(zip(MEASURES[kind], found, strict=True))
    scores = {}
    for tracker, v in values.items():
        missing = [c for c in COLUMNS if c not in v]
        if missing:
            raise ValueError(f"{analysis.path}: tracker {tracker} lacks {', '.join(missing)} (the stack's analyses are not VOTS's)")
        scores[tracker] = tuple(v[c] for c in COLUMNS)
    return VotsResult(title, scores, analysis.path, analysis.warning)


def _fmt(value: float) -> str:
    return f"{value:.3f}" if math.isfinite(value) else "-"


def markdown(result: VotsResult) -> str:
    arrows = {"up": "↑", "down": "↓"}
    head = " | ".join(f"{c} {arrows[ARROWS[c]]}" for c in COLUMNS)
    out = [f"### VOTS: {result.title}", "", f"| tracker | {head} |", "|---" * (len(COLUMNS) + 1) + "|"]
    out += [f"| {t} | {' | '.join(_fmt(v) for v in s)} |" for t, s in result.scores.items()]
    out += ["", "Measured on the workspace's sequences (a dash: undefined, e.g. too few frames with an absent target).", ""]
    return "\n".join(out)


def latex(result: VotsResult) -> str:
    arrows = {"up": "$\\uparrow$", "down": "$\\downarrow$"}
    out = [
        "\\begin{table}[t]",
        "\\centering",
        f"\\caption{{VOTS: {result.title.replace('_', ' ')}}}",
        "\\begin{tabular}{l" + "c" * len(COLUMNS) + "}",
        "\\hline",
        "Tracker & " + " & ".join(f"{c} {arrows[ARROWS[c]]}" for c in COLUMNS) + " \\\\",
        "\\hline",
    ]
    out += [f"{t} & {' & '.join(_fmt(v) for v in s)} \\\\" for t, s in result.scores.items()]
    out += ["\\hline", "\\end{tabular}", "\\end{table}", ""]
    return "\n".join(out)
