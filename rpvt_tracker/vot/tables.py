"""The paper's result tables from ``vot analysis`` output (``rpvt tables``).

Reads ``<workspace>/analysis/<name>.json`` (the newest, unless a name is given), takes the
``baseline`` experiment's EAO, accuracy and robustness per tracker, and lays them out as the
RPVT paper does -- Tables 1-3 (VOT2016, VOT2018, VOT2020: EAO, A, R) and the ablation Table 6
(VOT2016: D3S, D3S-MS, RPVT) -- with the paper's published numbers alongside, marked as such.

A workspace with the toolkit's ``realtime`` experiment (``vot2020/realtime-davis``) also gets
each tracker's real-time EAO, beside the baseline one: the same starts with frames fed at the
sequence's frame rate, a late answer standing in for the frames it overran.

Robustness is each paper's own measure, named in the column: for reset-based stacks (VOT2016/
2018) the paper's R, failures per 100 frames over the whole dataset (lower is better; computed
from the results, ``robustness.py``), with the toolkit's own figure, the length-weighted mean of
failures per sequence, in a column of its own that no published number sits in; for
anchor-based ones (VOT2020) the toolkit's and the paper's R, the fraction of frames tracked
before failure (higher is better). Numbers measured on generated ("offline")
sequences are pipeline checks, not comparable with the published ones.

The analysis file is read strictly: each result is paired with the tracker the file lists at its
place, and a count that differs, a file that is empty, truncated or binary, or one of another
shape is an error naming the file, never another tracker's scores under a name.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .published import ABLATION, PAPER
from .robustness import failure_counts, paper_robustness
from .workspace import missing_sequences, read_yaml

# The paper's (EAO, A, R) of the three variants per benchmark, from the one copy (published.py).
PUBLISHED = {
    bench: {t: (v[2], v[0], v[1]) for t, v in table.items() if t in ("D3S", "RPVT")} for bench, table in PAPER.items()
}
PUBLISHED["vot2016"]["D3S-MS"] = ABLATION["D3S-MS"]
TITLES = {
    "vot2016": "Table 1: VOT2016 (EAO, accuracy, robustness; reset-based)",
    "vot2018": "Table 2: VOT2018 (EAO, accuracy, robustness; reset-based)",
    "vot2020": "Table 3: VOT2020 (EAO, accuracy, robustness; anchor-based)",
}
ORDER = ("D3S", "D3S-MS", "RPVT")
RESET_BASED = ("vot2016", "vot2018")
# The names one set of the three variants goes by, in table order: the released entries, the
# embedded default's (EfficientNet-Lite0), and both as ``rpvt ablation`` trains them
# (train/ablation.entry_name writes the same suffixes; train may not import this module).
VARIANT_SETS = ("", "-lite", "-ablation", "-lite-ablation")


def variant_names(suffix: str) -> tuple[str, ...]:
    """The three variants' entry names in one set of ``VARIANT_SETS``."""
    return tuple(f"{name}{suffix}" for name in ORDER)


@dataclass(frozen=True)
class Scores:
    """``robustness``: the paper's measure (reset-based: failures per 100 frames; anchor-based:
    the toolkit's); ``toolkit_failures``: reset-based only, the toolkit's failures per sequence."""

    eao: float
    accuracy: float
    robustness: float
    realtime_eao: float | None = None  # the ``realtime`` experiment's EAO, where the stack has one
    toolkit_failures: float | None = None


@dataclass(frozen=True)
class BenchmarkResult:
    """One workspace's analysis: ``benchmark`` (vot2016/2018/2020), whether it ran on generated
    sequences, per-tracker scores, the analysis file and a stale-cache warning (or None)."""

    benchmark: str
    offline: bool
    scores: dict[str, Scores]
    source: Path
    warning: str | None
    sequences: str = "generated sequences"  # what an offline workspace ran on


def _sequences_of(workspace: Path) -> str:
    stack = str(read_yaml(workspace / "config.yaml").get("stack", ""))
    title = str(read_yaml(workspace / stack).get("title", "")) if stack.endswith(".yaml") else ""
    if "DAVIS" in title:
        return "DAVIS 2016 video"
    if "real VOT" in title:  # e.g. benchmarks/peer.py's workspace of the VOT2016 sequence bag
        return "real VOT video"
    return "generated sequences"


def _benchmark_of(workspace: Path) -> tuple[str, bool]:
    stack = str(read_yaml(workspace / "config.yaml").get("stack", ""))
    text = stack
    offline = stack.endswith(".yaml")
    if offline:
        text = str(read_yaml(workspace / stack).get("title", ""))
    for year in ("2016", "2018", "2020"):
        if f"vot{year}" in text.lower():  # not a bare year: "DAVIS 2016" is not VOT2016
            return f"vot{year}", offline
    raise ValueError(f"{workspace}: stack {stack!r} is not a VOT2016, VOT2018 or VOT2020 stack")


def _stale_cache(workspace: Path, analysis: Path) -> str | None:
    """The toolkit keys its analysis cache by names, not by results: results written after the
    cache was filled mean ``vot analysis`` may have returned old numbers."""
    cache = workspace / "cache"
    results = [p.stat().st_mtime for p in (workspace / "results").rglob("*") if p.is_file()]
    cached = [p.stat().st_mtime for p in cache.rglob("*") if p.is_file()] if cache.is_dir() else []
    if results and cached and max(results) > min(cached):
        return (
            f"{workspace}: results are newer than the toolkit's analysis cache, so {analysis.name} may hold old "
            f"numbers; delete {cache} (or set VOT_PERSISTENT_CACHE=0) and run vot analysis again"
        )
    return None


@dataclass(frozen=True)
class AnalysisFile:
    """The ``baseline`` experiment of a ``vot analysis`` JSON file: its trackers, and per analysis
    its class name (e.g. ``EAOScore``) with its results, one per tracker (``paired`` pairs them);
    the same for every other experiment in ``experiments`` (e.g. ``realtime``); plus a
    stale-cache warning."""

    path: Path
    trackers: list[str]
    analyses: list[tuple[str, list]]
    warning: str | None
    experiments: dict[str, list[tuple[str, list]]] | None = None

    def paired(self, experiment: str, kind: str, per_tracker: Any) -> list[tuple[str, Any]]:
        """(tracker, result) of one analysis, strictly: the file lists one result per tracker,
        in the order of its tracker list, and a count that differs leaves no way to tell whose
        result is whose."""
        if not isinstance(per_tracker, list) or len(per_tracker) != len(self.trackers):
            got = f"{len(per_tracker)} results" if isinstance(per_tracker, list) else f"a {type(per_tracker).__name__}"
            raise ValueError(
                f"{self.path}: the {experiment} experiment's {kind} has {got} for {len(self.trackers)} trackers "
                f"({', '.join(self.trackers)}), so whose result is whose is unknown; run vot analysis again"
            )
        return list(zip(self.trackers, per_tracker, strict=True))


def numbers(path: Path, where: str, result: Any, count: int, *, undefined: bool = False) -> list[float]:
    """The first ``count`` values of one tracker's result, as floats; ``undefined``: a null is
    NaN (a measure the toolkit left undefined) instead of an error."""
    values = result[:count] if isinstance(result, list) else []
    ok = len(values) == count and all(
        (isinstance(v, (int, float)) and not isinstance(v, bool)) or (undefined and v is None) for v in values
    )
    if not ok:
        raise ValueError(f"{path}: {where}: expected {count} number(s), got {json.dumps(result)[:80]}")
    return [math.nan if v is None else float(v) for v in values]


def load_analysis(workspace: str | Path, name: str | None = None) -> AnalysisFile:
    """``<workspace>/analysis/<name>.json``, or the newest analysis file when ``name`` is None.

    A file that cannot be read, is empty, truncated or binary, or is not shaped as the toolkit
    writes it is a ValueError (OSError when unreadable) naming the file and what is wrong.
    """
    workspace = Path(workspace)
    if not (workspace / "config.yaml").is_file():
        raise FileNotFoundError(f"{workspace}: not a VOT workspace (no config.yaml)")
    if name:
        path = workspace / "analysis" / f"{name}.json"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such analysis (run: vot analysis --workspace {workspace} --name {name} ...)")
    else:
        found = sorted((workspace / "analysis").glob("*.json"), key=lambda p: p.stat().st_mtime)
        if not found:
            raise FileNotFoundError(f"{workspace / 'analysis'}: no analysis JSON (run vot analysis first)")
        path = found[-1]
    data = _read_json(path)
    trackers = _trackers(path, data)
    results = data.get("results")
    if not isinstance(results, dict):
        raise ValueError(f"{path}: no 'results' object (not a file of vot analysis)")
    if "baseline" not in results:
        raise ValueError(f"{path}: has no 'baseline' experiment")
    experiments = {experiment: _experiment(path, experiment, content) for experiment, content in results.items()}
    return AnalysisFile(path, trackers, experiments["baseline"], _stale_cache(workspace, path), experiments)


def _read_json(path: Path) -> dict:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise OSError(f"{path}: cannot be read: {err.strerror or err}") from None
    if not raw.strip():
        raise ValueError(f"{path}: empty (an interrupted vot analysis?); run vot analysis again")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not a text file (byte {err.start} is not UTF-8), so not an analysis of vot analysis") from None
    except json.JSONDecodeError as err:
        raise ValueError(
            f"{path}: not valid JSON ({err.msg} at line {err.lineno}, column {err.colno}; truncated?); run vot analysis again"
        ) from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a JSON {type(data).__name__}, not the object vot analysis writes")
    return data


def _trackers(path: Path, data: dict) -> list[str]:
    """The file's tracker names in order (the toolkit writes an object keyed by them)."""
    trackers = data.get("trackers")
    names = list(trackers) if isinstance(trackers, (dict, list)) else None
    if not names or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
        raise ValueError(f"{path}: 'trackers' must name each tracker once, got {json.dumps(trackers)[:80]}")
    return names


def _experiment(path: Path, experiment: str, content: Any) -> list[tuple[str, list]]:
    """(analysis class name, its results) of one experiment, its analyses and results paired strictly."""
    parameters = content.get("parameters") if isinstance(content, dict) else None
    analyses = parameters.get("analyses") if isinstance(parameters, dict) else None
    results = content.get("results") if isinstance(content, dict) else None
    if not isinstance(analyses, list) or not isinstance(results, list):
        raise ValueError(f"{path}: the {experiment} experiment lacks its 'parameters' -> 'analyses' list or its 'results' list")
    kinds = []
    for spec in analyses:
        if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
            raise ValueError(f"{path}: the {experiment} experiment has an analysis without a type: {json.dumps(spec)[:80]}")
        kinds.append(spec["type"].rsplit(".", 1)[-1])
    if len(kinds) != len(results):
        raise ValueError(f"{path}: the {experiment} experiment has {len(kinds)} analyses but {len(results)} results")
    return list(zip(kinds, results, strict=True))


def read_analysis(workspace: str | Path, name: str | None = None) -> BenchmarkResult:
    workspace = Path(workspace)
    analysis = load_analysis(workspace, name)
    path = analysis.path
    benchmark, offline = _benchmark_of(workspace)
    values: dict[str, dict[str, float]] = {t: {} for t in analysis.trackers}
    for kind, per_tracker in analysis.analyses:
        if kind == "EAOScore":
            for tracker, result in analysis.paired("baseline", kind, per_tracker):
                (values[tracker]["eao"],) = numbers(path, f"baseline {kind} of {tracker}", result, 1)
        elif kind == "AverageAccuracyRobustness":
            for tracker, result in analysis.paired("baseline", kind, per_tracker):
                values[tracker]["accuracy"], values[tracker]["robustness"] = numbers(path, f"baseline {kind} of {tracker}", result, 2)
    for kind, per_tracker in (analysis.experiments or {}).get("realtime", []):
        if kind == "EAOScore":
            for tracker, result in analysis.paired("realtime", kind, per_tracker):
                (values[tracker]["realtime_eao"],) = numbers(path, f"realtime {kind} of {tracker}", result, 1)
    scores = {}
    warnings = [analysis.warning] if analysis.warning else []
    missing = benchmark in RESET_BASED and _missing_sequences(workspace, warnings)
    for tracker, v in values.items():
        if {"eao", "accuracy", "robustness"} - set(v):
            raise ValueError(f"{path}: tracker {tracker} lacks EAO or AR results in the baseline experiment")
        robustness, failures = v["robustness"], None
        if benchmark in RESET_BASED:  # the toolkit's figure is failures per sequence: not the paper's R
            robustness, failures = _paper_robustness(workspace, tracker, missing, warnings), v["robustness"]
        scores[tracker] = Scores(v["eao"], v["accuracy"], robustness, v.get("realtime_eao"), failures)
    return BenchmarkResult(benchmark, offline, scores, path, "; ".join(warnings) or None, _sequences_of(workspace))


def _missing_sequences(workspace: Path, warnings: list[str]) -> bool:
    """Whether the workspace's sequences are not where the toolkit looks (config.yaml's
    ``sequences:``, ``workspace.sequences_folder``), the reason added to ``warnings``."""
    try:
        missing = missing_sequences(workspace)
    except (ValueError, OSError) as err:
        missing = str(err)
    if missing:
        warnings.append(f"{workspace}: {missing}")
    return bool(missing)


def _paper_robustness(workspace: Path, tracker: str, missing: bool, warnings: list[str]) -> float:
    """Failures per 100 frames from the workspace's results; NaN and a warning without them.
    Without sequences (``missing``), nothing is loaded: the toolkit would try to download them."""
    if missing:
        warnings.append(f"{workspace}: no sequences, so the paper's robustness (failures per 100 frames) of {tracker} is not computed")
        return math.nan
    try:
        return paper_robustness(failure_counts(workspace, tracker))
    except (ValueError, KeyError, OSError) as err:  # no results, a tracker the registry lacks, unreadable files
        warnings.append(f"the paper's robustness (failures per 100 frames) of {tracker} is not computed: {err}")
        return math.nan


def tracker_order(name: str) -> tuple[int, int, str]:
    """Sort key: the paper's variants in its order, then their lite twins, then the same two
    groups as trained by ``rpvt ablation`` (``-ablation``), then the rest."""
    for group, suffix in enumerate(VARIANT_SETS):
        if name in variant_names(suffix):
            return (group, variant_names(suffix).index(name), name)
    return (len(VARIANT_SETS), 0, name)


def _realtime(result: BenchmarkResult) -> bool:
    return any(s.realtime_eao is not None for s in result.scores.values())


def _rows(result: BenchmarkResult, trackers: tuple[str, ...] | None = None, published: bool = True) -> list[tuple[str, str, list[str]]]:
    """(tracker, source label, [EAO, A, R(, real-time EAO)]) rows: measured, then (``published``) the paper's."""
    names = trackers or tuple(sorted(result.scores, key=tracker_order))
    measured_label = f"measured ({result.sequences})" if result.offline else "measured"
    realtime, reset = _realtime(result), result.benchmark in RESET_BASED
    rows = []
    for t in names:
        s = result.scores.get(t)
        values = [_fmt(s.eao), _fmt(s.accuracy), _fmt(s.robustness) if not (reset and math.isnan(s.robustness)) else "-"] if s else ["-"] * 3
        if reset:
            values.append(_fmt(s.toolkit_failures) if s and s.toolkit_failures is not None else "-")
        if realtime:
            values.append(_fmt(s.realtime_eao) if s and s.realtime_eao is not None else "-")
        rows.append((t, measured_label, values))
    for t in names if published else ():
        paper = PUBLISHED[result.benchmark].get(t)
        if paper:  # the paper has neither the toolkit's failure count nor real-time figures
            rows.append((t, "published (paper)", [f"{v:.3f}" for v in paper] + ["-"] * (reset + realtime)))
    return rows


def _columns(result: BenchmarkResult) -> list[tuple[str, str]]:
    """(markdown, LaTeX) headers of the value columns."""
    columns = [("EAO", "EAO $\\uparrow$"), ("A", "A $\\uparrow$")]
    if result.benchmark in RESET_BASED:
        columns += [("R (failures / 100 frames)", "R $\\downarrow$ (failures / 100 frames)"),
                    ("failures / sequence (toolkit)", "failures / seq. (toolkit)")]
    else:
        columns.append(("R", "R $\\uparrow$"))
    if _realtime(result):
        columns.append(("EAO real-time", "EAO real-time $\\uparrow$"))
    return columns


def _fmt(value: float) -> str:
    return f"{value:.3f}" if math.isfinite(value) else "nan"


def markdown(results: list[BenchmarkResult]) -> str:
    out = []
    for title, result, trackers, published in _tables(results):
        columns = [md for md, _ in _columns(result)]
        header = "| tracker | source | " + " | ".join(columns) + " |"
        out += [f"### {title}", "", header, "|---|---|" + "---|" * len(columns)]
        out += [f"| {t} | {label} | {' | '.join(v)} |" for t, label, v in _rows(result, trackers, published)]
        out.append("")
    return "\n".join(out)


def latex(results: list[BenchmarkResult]) -> str:
    out = []
    for title, result, trackers, published in _tables(results):
        out += [
            "\\begin{table}[t]",
            "\\centering",
            f"\\caption{{{title.replace('_', ' ')}}}",
            "\\begin{tabular}{ll" + "c" * len(_columns(result)) + "}",
            "\\hline",
            "Tracker & Source & " + " & ".join(tex for _, tex in _columns(result)) + " \\\\",
            "\\hline",
        ]
        out += [f"{t} & {label} & {' & '.join(v)} \\\\" for t, label, v in _rows(result, trackers, published)]
        out += ["\\hline", "\\end{tabular}", "\\end{table}", ""]
    return "\n".join(out)


def _tables(results: list[BenchmarkResult]):
    """(title, result, trackers or None for all, with published rows) of each table."""
    for result in sorted(results, key=lambda r: r.benchmark):
        yield TITLES[result.benchmark], result, None, True
    for result in results:
        if result.benchmark == "vot2016":
            # The released (or embedded) variants, else those rpvt ablation trained. Measured rows
            # only: the paper's rows of Table 6 are in its own layout (paper_tables), once.
            names = next((g for g in map(variant_names, VARIANT_SETS) if set(g) & set(result.scores)), ORDER)
            yield f"Table 6: ablation on VOT2016 ({', '.join(names)})", result, names, False
