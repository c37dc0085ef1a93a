"""The RPVT paper's Tables 1-3 and 6 in the paper's own layout, measured columns beside published ones.

Tables 1-3 (VOT2016, VOT2018, VOT2020) have the trackers as columns and the measures as rows
(Acc, Rob, EAO, each with its arrow; VOT2020's robustness is higher-is-better); every tracker the
paper lists is a published column, and each tracker measured in the workspace is a column
headed "<name> (measured)". Table 6 (the ablation on VOT2016) has the three variants as rows.
The best and second best value of each measure are marked (the paper: red and blue; here bold
and underlined), among the published columns and, when the workspace ran the real benchmark,
the measured ones; numbers measured on generated sequences or other video check the pipeline
and are never ranked against the paper's.

Measured robustness is the paper's measure (``tables.Scores.robustness``: failures per 100
frames for VOT2016/2018), so it can stand in the same row as the published one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .published import ABLATION, PAPER
from .tables import VARIANT_SETS, BenchmarkResult, tracker_order, variant_names

TITLES = {
    "vot2016": "Table 1 (paper layout): VOT2016",
    "vot2018": "Table 2 (paper layout): VOT2018",
    "vot2020": "Table 3 (paper layout): VOT2020",
}


@dataclass(frozen=True)
class Measure:
    label: str
    higher_is_better: bool

    @property
    def arrow(self) -> str:
        return "↑" if self.higher_is_better else "↓"


def measures(benchmark: str) -> tuple[Measure, Measure, Measure]:
    """The paper's rows: Acc, Rob, EAO (VOT2020's Rob is the fraction tracked: higher is better)."""
    return Measure("Acc", True), Measure("Rob", benchmark == "vot2020"), Measure("EAO", True)


def ranks(values: list[float | None], higher: bool) -> list[int]:
    """1 for the best, 2 for the second best, 0 otherwise (None and NaN are not ranked)."""
    finite = sorted({v for v in values if v is not None and math.isfinite(v)}, reverse=higher)
    return [finite.index(v) + 1 if v is not None and v in finite[:2] else 0 for v in values]


def ranked_cells(values: list[float | None], ranked: list[bool], higher: bool, style: str) -> list[str]:
    """Each value formatted, the best and second best of the ``ranked`` ones marked (bold,
    underlined) in ``style`` ("md" or "tex")."""
    places = ranks([v if r else None for v, r in zip(values, ranked)], higher)
    return [mark("-" if value is None else f"{value:.3f}", rank, style) for value, rank in zip(values, places)]


def mark(text: str, rank: int, style: str) -> str:
    """A cell with its rank shown: 1 bold, 2 underlined, 0 as it is; ``style`` "md" or "tex"."""
    if rank == 1:
        return f"**{text}**" if style == "md" else f"\\textbf{{{text}}}"
    if rank == 2:
        return f"<u>{text}</u>" if style == "md" else f"\\underline{{{text}}}"
    return text


def _real(result: BenchmarkResult) -> bool:
    """Measured on the benchmark itself (not generated sequences or other video)."""
    return not result.offline


def _columns(result: BenchmarkResult) -> list[tuple[str, tuple[float | None, ...], bool]]:
    """(header, (Acc, Rob, EAO), ranked) per column: the paper's, then the measured ones."""
    columns = [(f"{name} (published)", values, True) for name, values in PAPER[result.benchmark].items()]
    for name, s in sorted(result.scores.items(), key=lambda item: tracker_order(item[0])):
        columns.append((f"{name} (measured)", (s.accuracy, s.robustness, s.eao), _real(result)))
    return columns


def _note(result: BenchmarkResult) -> str:
    where = "the benchmark" if _real(result) else result.sequences
    rob = "failures per 100 frames" if result.benchmark != "vot2020" else "fraction of frames tracked before failure"
    ranked = "" if _real(result) else "; measured columns not ranked against the paper's"
    return f"measured on {where} ({result.source.name}); Rob: {rob}; bold: best, underlined: second{ranked}"


def markdown(results: list[BenchmarkResult]) -> str:
    out = []
    for result in sorted(results, key=lambda r: r.benchmark):
        columns = _columns(result)
        out += [f"### {TITLES[result.benchmark]}", "", f"_{_note(result)}_", ""]
        out.append("| | " + " | ".join(h for h, _, _ in columns) + " |")
        out.append("|---|" + "---|" * len(columns))
        for i, m in enumerate(measures(result.benchmark)):
            cells = ranked_cells([c[1][i] for c in columns], [c[2] for c in columns], m.higher_is_better, "md")
            out.append(f"| {m.label} {m.arrow} | " + " | ".join(cells) + " |")
        out.append("")
    out += _ablation(results, "md")
    return "\n".join(out)


def latex(results: list[BenchmarkResult]) -> str:
    out = []
    for result in sorted(results, key=lambda r: r.benchmark):
        columns = _columns(result)
        out += ["\\begin{table}[t]", "\\centering", f"\\caption{{{TITLES[result.benchmark]}; {_note(result)}}}",
                "\\resizebox{\\linewidth}{!}{%", "\\begin{tabular}{l" + "c" * len(columns) + "}", "\\hline"]
        out.append(" & " + " & ".join(h.replace("_", "\\_") for h, _, _ in columns) + " \\\\")
        out.append("\\hline")
        for i, m in enumerate(measures(result.benchmark)):
            cells = ranked_cells([c[1][i] for c in columns], [c[2] for c in columns], m.higher_is_better, "tex")
            arrow = "$\\uparrow$" if m.higher_is_better else "$\\downarrow$"
            out.append(f"{m.label} {arrow} & " + " & ".join(cells) + " \\\\")
        out += ["\\hline", "\\end{tabular}}", "\\end{table}", ""]
    out += _ablation(results, "tex")
    return "\n".join(out)


def _ablation(results: list[BenchmarkResult], style: str) -> list[str]:
    """Table 6 as in the paper (variants as rows: EAO, Accuracy, Robustness), for each VOT2016
    workspace that measured the three variants: the released or embedded entries (full, -lite)
    or those ``rpvt ablation`` trained (-ablation, -lite-ablation)."""
    out = []
    for result in results:
        if result.benchmark != "vot2016":
            continue
        shown = False  # the paper's rows: once per workspace, in its first table of full-size variants
        for suffix in VARIANT_SETS:
            names = variant_names(suffix)
            if not set(names) <= set(result.scores):
                continue
            # The paper's variants are ResNet-50 ones: published rows beside the full-size entries only.
            published = "-lite" not in suffix and not shown
            shown = shown or published
            rows = [(f"{v} (published)", ABLATION[v], True) for v in ABLATION if published]
            rows += [(f"{n} (measured)", (result.scores[n].eao, result.scores[n].accuracy, result.scores[n].robustness), _real(result))
                     for n in names]
            higher = (True, True, False)
            cols = [ranked_cells([r[1][i] for r in rows], [r[2] for r in rows], higher[i], style) for i in range(3)]
            title = f"Table 6 (paper layout): ablation on VOT2016 ({', '.join(names)})"
            note = _note(result) + ("" if published or "-lite" in suffix else "; the paper's rows: in the first Table 6 above")
            if style == "md":
                out += [f"### {title}", "", f"_{note}_", "", "| | EAO ↑ | Accuracy ↑ | Robustness ↓ |", "|---|---|---|---|"]
                out += [f"| {r[0]} | {cols[0][k]} | {cols[1][k]} | {cols[2][k]} |" for k, r in enumerate(rows)]
                out.append("")
            else:
                out += ["\\begin{table}[t]", "\\centering", f"\\caption{{{title}; {note}}}", "\\begin{tabular}{lccc}", "\\hline",
                        " & EAO $\\uparrow$ & Accuracy $\\uparrow$ & Robustness $\\downarrow$ \\\\", "\\hline"]
                out += [f"{r[0]} & {cols[0][k]} & {cols[1][k]} & {cols[2][k]} \\\\" for k, r in enumerate(rows)]
                out += ["\\hline", "\\end{tabular}", "\\end{table}", ""]
    return out
