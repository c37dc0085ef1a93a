"""Tables 1-3 and 6 in the paper's layout: the paper's trackers as published columns, measured
ones beside them, best and second best marked by hand-checked rules."""

from __future__ import annotations

from pathlib import Path

from rpvt_tracker.vot.paper_tables import latex, markdown
from rpvt_tracker.vot.tables import BenchmarkResult, Scores


def result(benchmark: str, offline: bool, **scores: Scores) -> BenchmarkResult:
    return BenchmarkResult(benchmark, offline, dict(scores), Path("ws/analysis/a.json"), None, "generated sequences" if offline else "real")


def row(table: str, label: str) -> list[str]:
    (line,) = [x for x in table.splitlines() if x.startswith(f"| {label} ")]
    return [c.strip() for c in line.strip("|").split("|")][1:]


def test_vot2018_in_the_papers_layout_with_a_measured_column_ranked():
    table = markdown([result("vot2018", False, RPVT=Scores(eao=0.480, accuracy=0.700, robustness=0.200))])
    header = [x for x in table.splitlines() if x.startswith("| | ")][0]
    published = ["SiamMask", "ATOM", "D3S", "SiamRPN", "DiMP", "Ocean", "SiamRPN++", "RPVT"]  # the paper's order
    assert header == "| | " + " | ".join(f"{n} (published)" for n in published) + " | RPVT (measured) |"
    # Acc: the measured 0.700 is best, the paper's RPVT 0.652 second.
    assert row(table, "Acc ↑") == ["0.602", "0.590", "0.640", "0.490", "0.597", "0.598", "0.600", "<u>0.652</u>", "**0.700**"]
    # Rob (failures per 100 frames) is lower-is-better on VOT2018: D3S 0.150, then DiMP 0.153.
    assert row(table, "Rob ↓")[2] == "**0.150**" and row(table, "Rob ↓")[4] == "<u>0.153</u>" and row(table, "Rob ↓")[8] == "0.200"
    # EAO: D3S 0.489 best, the measured 0.480 second (above the paper's RPVT 0.475).
    assert row(table, "EAO ↑")[2] == "**0.489**" and row(table, "EAO ↑")[8] == "<u>0.480</u>"


def test_offline_measurements_are_never_ranked_against_the_paper_and_vot2020_robustness_is_higher_is_better():
    table = markdown([result("vot2020", True, RPVT=Scores(eao=0.9, accuracy=0.9, robustness=0.99))])
    assert "measured columns not ranked" in table and "measured on generated sequences" in table
    assert row(table, "Rob ↑")[-1] == "0.990"  # not marked, though highest
    assert row(table, "Rob ↑")[6] == "**0.869**" and row(table, "Rob ↑")[2] == "<u>0.769</u>"  # RPT, then D3S
    assert row(table, "Acc ↑")[7] == "**0.707**" and row(table, "Acc ↑")[6] == "<u>0.700</u>"


def test_table_6_has_the_variants_as_rows_and_latex_marks_the_same_cells():
    scores = {n: Scores(eao=e, accuracy=0.6, robustness=r) for n, e, r in (("D3S", 0.40, 0.30), ("D3S-MS", 0.45, 0.20), ("RPVT", 0.50, 0.25))}
    res = result("vot2016", False, **scores)
    table = markdown([res])
    assert "### Table 6 (paper layout): ablation on VOT2016 (D3S, D3S-MS, RPVT)" in table
    assert row(table, "RPVT (published)") == ["**0.514**", "<u>0.670</u>", "**0.126**"]  # robustness: lower is better
    assert row(table, "D3S-MS (published)") == ["<u>0.500</u>", "**0.677**", "0.142"]
    assert row(table, "D3S (published)")[2] == "<u>0.131</u>"
    assert row(table, "RPVT (measured)")[0] == "<u>0.500</u>"  # ties share a rank
    assert row(table, "D3S-MS (measured)")[2] == "0.200"  # third and worse: not marked
    tex = latex([res])
    assert "\\textbf{0.514}" in tex and "\\underline{0.670}" in tex and "Robustness $\\downarrow$" in tex and "\\textbf{0.126}" in tex


def test_measured_columns_follow_the_papers_order():
    scores = {n: Scores(eao=0.5, accuracy=0.6, robustness=0.9) for n in ("Static", "RPVT-lite", "D3S-MS-lite", "D3S-lite", "RPVT")}
    header = [x for x in markdown([result("vot2020", True, **scores)]).splitlines() if x.startswith("| | ")][0]
    measured = [c.strip() for c in header.strip("|").split("|") if "(measured)" in c]
    assert measured == ["RPVT (measured)", "D3S-lite (measured)", "D3S-MS-lite (measured)", "RPVT-lite (measured)", "Static (measured)"]


def test_table_6_prints_each_published_row_once(tmp_path, capsys):
    """``rpvt tables`` on a VOT2016 workspace that measured the released variants and those
    ``rpvt ablation`` trained: Table 6 in both layouts, each of the paper's rows in it once."""
    import json

    from rpvt_tracker.cli import main
    from rpvt_tracker.vot.published import ABLATION
    from rpvt_tracker.vot.tables import variant_names
    from rpvt_tracker.vot.workspace import materialize

    ws = materialize("vot2016/rgb", tmp_path / "ws")
    trackers = [*variant_names(""), *variant_names("-ablation")]
    analyses = [{"type": "vot.analysis.supervised.AverageAccuracyRobustness"}, {"type": "vot.analysis.supervised.EAOScore"}]
    results = [[[0.6, 0.5]] * len(trackers), [[0.3 + 0.01 * i] for i in range(len(trackers))]]
    doc = {"trackers": {t: {} for t in trackers}, "results": {"baseline": {"parameters": {"analyses": analyses}, "results": results}}}
    (ws / "analysis").mkdir()
    (ws / "analysis" / "paper.json").write_text(json.dumps(doc))
    assert main(["tables", str(ws)]) == 0
    sections = capsys.readouterr().out.split("### ")
    table6 = [line for s in sections if s.startswith("Table 6") for line in s.splitlines()]
    assert len([s for s in sections if s.startswith("Table 6 (paper layout)")]) == 2  # the released set, the ablation's
    for variant in ABLATION:
        published = [line for line in table6 if line.startswith((f"| {variant} (published) |", f"| {variant} | published (paper) |"))]
        assert len(published) == 1, published
        # Every measured row is still there: both sets in the paper's layout.
        for name in (variant, f"{variant}-ablation"):
            assert sum(line.startswith(f"| {name} (measured) |") for line in table6) == 1
