"""The paper's robustness needs the workspace's sequences, found where vot-toolkit 0.7.4 finds
them: config.yaml's ``sequences:``, relative to the workspace (not the current directory) or
absolute, default ``sequences``; the stack's dataset is only what the toolkit would download
there, which ``rpvt tables`` never lets it do."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from test_robustness import run_with_failures

from rpvt_tracker.cli import main
from rpvt_tracker.vot.synthetic import SequenceSpec, write_dataset
from rpvt_tracker.vot.tables import read_analysis
from rpvt_tracker.vot.workspace import materialize, missing_sequences, sequences_folder

FRAMES = 30
FAILURES = {"shared01": [3, 3], "shared02": [0, 2]}  # per repetition: 3 and 1 on average
PAPER_R = 100 * (3 + 1) / (2 * FRAMES)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    """A shared dataset folder outside any workspace: two generated sequences and list.txt."""
    root = tmp_path_factory.mktemp("data") / "vot-shared"
    write_dataset(root, 2, SequenceSpec(length=FRAMES, region="polygon", seed=11), prefix="shared")
    return root


def workspace(root: Path, stack: str, sequences: str | None) -> Path:
    """A workspace of ``stack`` with RPVT's reset-based results of known failures on the shared
    sequences, its analysis file, and ``sequences:`` set in config.yaml (unless None)."""
    ws = materialize(stack, root / "ws", count=1, length=10) if stack.endswith("offline") else materialize(stack, root / "ws")
    if stack.endswith("offline"):
        shutil.rmtree(ws / "sequences")  # its own generated ones: the shared ones are meant
    if sequences is not None:
        with (ws / "config.yaml").open("a") as config:
            config.write(f"sequences: {sequences}\n")
    for name, counts in FAILURES.items():
        folder = ws / "results" / "RPVT" / "baseline" / name
        folder.mkdir(parents=True)
        for rep, count in enumerate(counts, 1):
            (folder / f"{name}_{rep:03d}.txt").write_text("\n".join(run_with_failures(FRAMES, count)) + "\n")
    analyses = [{"type": "vot.analysis.supervised.AverageAccuracyRobustness"}, {"type": "vot.analysis.supervised.EAOScore"}]
    doc = {"trackers": {"RPVT": {}}, "results": {"baseline": {"parameters": {"analyses": analyses}, "results": [[[0.6, 1.5]], [[0.4]]]}}}
    (ws / "analysis").mkdir()
    (ws / "analysis" / "paper.json").write_text(json.dumps(doc))
    return ws


@pytest.mark.parametrize("stack", ["vot2016/rgb", "vot2018/shortterm-offline"])
@pytest.mark.parametrize("where", ["relative", "absolute"])
def test_sequences_outside_the_workspace_are_found(tmp_path, monkeypatch, dataset, stack, where):
    if where == "relative":  # the workspace in bench/ws, the dataset in datasets/: ../../datasets/vot-shared
        expected = tmp_path / "datasets" / "vot-shared"
        shutil.copytree(dataset, expected)
        ws = workspace(tmp_path / "bench", stack, "../../datasets/vot-shared")
    else:
        expected = dataset
        ws = workspace(tmp_path / "bench", stack, str(dataset))
    # Relative to the workspace, never to the current directory.
    elsewhere = tmp_path / "a" / "b"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    assert sequences_folder(ws) == expected and missing_sequences(ws) is None
    result = read_analysis(ws)
    assert result.warning is None
    assert result.scores["RPVT"].robustness == pytest.approx(PAPER_R) and result.scores["RPVT"].toolkit_failures == 1.5
    # The toolkit itself reads the same folder.
    from vot.workspace import Workspace

    assert [s.name for s in Workspace.load(str(ws)).dataset] == ["shared01", "shared02"]


def test_the_default_folder_and_a_missing_one(tmp_path, capsys, dataset):
    ws = workspace(tmp_path / "default", "vot2016/rgb", None)
    assert sequences_folder(ws) == ws / "sequences" and "would download" in missing_sequences(ws)
    shutil.copytree(dataset, ws / "sequences", dirs_exist_ok=True)
    assert read_analysis(ws).scores["RPVT"].robustness == pytest.approx(PAPER_R)
    # Pointed at a folder with nothing in it, the stock stack's dataset would be downloaded
    # there: the robustness is not computed, the warning says where the sequences were sought.
    ws = workspace(tmp_path / "missing", "vot2016/rgb", "../nowhere")
    result = read_analysis(ws)
    assert math.isnan(result.scores["RPVT"].robustness)
    assert f"no {tmp_path / 'missing' / 'nowhere' / 'list.txt'}: the toolkit would download https://" in result.warning
    assert "no sequences, so the paper's robustness (failures per 100 frames) of RPVT is not computed" in result.warning
    assert main(["tables", str(ws)]) == 0
    assert "| RPVT | measured | 0.400 | 0.600 | - | 1.500 |" in capsys.readouterr().out
