"""``rpvt tables`` is strict about the analysis files it reads: each result belongs to the tracker
the file says, and a file it cannot use is named in a one-line error (exit 2), never a
traceback or another tracker's scores."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rpvt_tracker.cli import main
from rpvt_tracker.vot.workspace import materialize

AR = "vot.analysis.supervised.AverageAccuracyRobustness"
EAO = "vot.analysis.supervised.EAOScore"


def analysis(trackers: list[str], eao: list, ar: list | None = None) -> dict:
    """A ``vot analysis`` file as toolkit 0.7.4 writes it (baseline: AR, then EAO)."""
    ar = ar if ar is not None else [[0.6, 0.5, [0.4, 0.6], 20.0] for _ in eao]
    baseline = {"parameters": {"analyses": [{"type": AR}, {"type": EAO}]}, "type": "vot.experiment.multirun.SupervisedExperiment", "results": [ar, eao]}
    return {"toolkit": "0.7.4", "trackers": {t: {} for t in trackers}, "results": {"baseline": baseline}}


def workspace(root: Path, content: str | bytes | dict, stack: str = "vot2018/shortterm") -> Path:
    ws = materialize(stack, root / "ws")
    (ws / "analysis").mkdir()
    path = ws / "analysis" / "paper.json"
    if isinstance(content, dict):
        content = json.dumps(content)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return ws


def tables(ws: Path, capsys, *more: str) -> tuple[int, str, str]:
    code = main(["tables", str(ws), "--output", str(ws / "tables"), *more])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, out: str, err: str, path: Path, why: str) -> None:
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()  # one line, so no traceback
    assert line.startswith(f"rpvt tables: error: {path}: "), line
    assert why in line, line


GOOD = analysis(["D3S", "RPVT"], [[0.40], [0.45]])
TRUNCATED = json.dumps(GOOD, indent=2)
BROKEN = {
    "truncated": (TRUNCATED[: len(TRUNCATED) // 2], "not valid JSON (Expecting"),
    "empty": ("\n", "empty (an interrupted vot analysis?)"),
    "binary": (bytes(range(256)) * 4, "not a text file"),
    "a list": ("[1, 2]", "a JSON list, not the object vot analysis writes"),
    "no trackers": ({**GOOD, "trackers": {}}, "'trackers' must name each tracker once"),
    "results a list": ({**GOOD, "results": []}, "no 'results' object"),
    "no baseline": ({**GOOD, "results": {"realtime": GOOD["results"]["baseline"]}}, "has no 'baseline' experiment"),
    "experiment a string": ({**GOOD, "results": {"baseline": "done"}}, "the baseline experiment lacks its 'parameters'"),
    "no parameters": ({**GOOD, "results": {"baseline": {"results": [[], []]}}}, "the baseline experiment lacks its 'parameters'"),
    "untyped analysis": (
        {**GOOD, "results": {"baseline": {"parameters": {"analyses": [{"name": "AR"}, {"type": EAO}]}, "results": [[], []]}}},
        "an analysis without a type",
    ),
    "fewer results than analyses": (
        {**GOOD, "results": {"baseline": {**GOOD["results"]["baseline"], "results": [[[0.6, 0.5]] * 2]}}},
        "has 2 analyses but 1 results",
    ),
    "a word for a score": (analysis(["D3S", "RPVT"], [[0.40], ["high"]]), 'baseline EAOScore of RPVT: expected 1 number(s), got ["high"]'),
    "a null for a result": (analysis(["D3S", "RPVT"], [[0.40], None]), "baseline EAOScore of RPVT: expected 1 number(s), got null"),
    "a short AR result": (analysis(["D3S"], [[0.4]], ar=[[0.6]]), "AverageAccuracyRobustness of D3S: expected 2 number(s)"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_an_unreadable_or_misshapen_analysis_file_is_named_in_one_line(tmp_path, capsys, case):
    content, why = BROKEN[case]
    ws = workspace(tmp_path, content)
    assert_one_line_error(*tables(ws, capsys), ws / "analysis" / "paper.json", why)
    assert not (ws / "tables").exists()


@pytest.mark.parametrize("trackers", [["D3S"], ["D3S", "D3S-MS", "RPVT"]], ids=["shorter", "longer"])
def test_trackers_and_results_are_paired_strictly(tmp_path, capsys, trackers):
    # Two results (0.40 is D3S's, 0.45 RPVT's): a tracker list of another length leaves no way
    # to tell whose is whose; a non-strict pairing printed RPVT's scores under another name.
    ws = workspace(tmp_path, analysis(trackers, [[0.40], [0.45]]))
    why = f"the baseline experiment's AverageAccuracyRobustness has 2 results for {len(trackers)} trackers ({', '.join(trackers)})"
    assert_one_line_error(*tables(ws, capsys), ws / "analysis" / "paper.json", why)


def test_a_vots_analysis_is_paired_strictly(tmp_path, capsys):
    quality = {"type": "vot.analysis.accuracy.AverageAccuracy"}
    ar = {"type": "vot.analysis.longterm.AccuracyRobustness"}
    aux = {"type": "vot.analysis.longterm.AverageQualityAuxiliary"}
    per_tracker = [[[0.7]] * 2, [[0.8, 0.9, 0.1]] * 2, [[0.05, 0.1, None]] * 2]
    doc = {"trackers": {"RPVT-lite-VOTS": {}}, "results": {"baseline": {"parameters": {"analyses": [quality, ar, aux]}, "results": per_tracker}}}
    ws = materialize("vots2025/main-offline", tmp_path / "ws", count=1, length=10)
    (ws / "analysis").mkdir()
    (ws / "analysis" / "vots.json").write_text(json.dumps(doc))
    code, out, err = tables(ws, capsys)
    assert_one_line_error(code, out, err, ws / "analysis" / "vots.json", "AverageAccuracy has 2 results for 1 trackers (RPVT-lite-VOTS)")
    # The same file with its second tracker named reads, the undefined ADQ as a dash.
    doc["trackers"]["Static"] = {}
    (ws / "analysis" / "vots.json").write_text(json.dumps(doc))
    code, out, err = tables(ws, capsys)
    assert code == 0, err
    assert "| Static | 0.700 | 0.800 | 0.900 | 0.050 | 0.100 | - |" in out


def test_a_broken_config_yaml_is_named_in_one_line(tmp_path, capsys):
    ws = workspace(tmp_path, GOOD)
    (ws / "config.yaml").write_text("stack: [vot2018/shortterm\nregistry: x\n")
    code, out, err = tables(ws, capsys)
    assert_one_line_error(code, out, err, ws / "config.yaml", "not valid YAML (line")


def test_the_command_itself_exits_2_without_a_traceback(tmp_path):
    ws = workspace(tmp_path, analysis(["D3S"], [[0.40], [0.45]]))
    result = subprocess.run([sys.executable, "-m", "rpvt_tracker.cli", "tables", str(ws)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"rpvt tables: error: {ws / 'analysis' / 'paper.json'}: the baseline experiment's AverageAccuracyRobustness has 2 results "
        "for 1 trackers (D3S), so whose result is whose is unknown; run vot analysis again"
    ]
