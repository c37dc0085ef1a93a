"""The paper's robustness (failures per 100 frames over the dataset) beside the toolkit's
(length-weighted failures per sequence), from a reset-based workspace with known failures; the
toolkit's own analysis of the same results agrees with the toolkit's number."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rpvt_tracker.vot.robustness import failure_counts, paper_robustness, toolkit_robustness
from rpvt_tracker.vot.synthetic import SequenceSpec, write_dataset
from rpvt_tracker.vot.tables import load_analysis, markdown, read_analysis
from rpvt_tracker.vot.workspace import materialize

BOX = "10.0000,10.0000,20.0000,20.0000"


def run_with_failures(frames: int, failures: int) -> list[str]:
    """A reset-based trajectory of ``frames`` lines with ``failures`` failures: init, tracked
    frames, a failure, four skipped frames (``skip_initialize: 5``), init again, ..."""
    lines, failed = ["1"], 0
    while len(lines) < frames:
        if failed < failures and len(lines) % 8 == 4:
            lines += ["2", "0", "0", "0", "0", "1"]
            failed += 1
        else:
            lines.append(BOX)
    assert failed == failures, "sequence too short for that many failures"
    return lines[:frames]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    ws = materialize("vot2018/shortterm-offline", tmp_path_factory.mktemp("rob") / "ws", count=1, length=30)
    # A second, longer sequence, so the two measures differ (they coincide for equal lengths).
    write_dataset(ws / "sequences", 1, SequenceSpec(length=60, region="polygon", seed=7), prefix="long")
    (ws / "sequences" / "list.txt").write_text("vot2018-01\nlong01\n")
    runs = {"vot2018-01": (30, [3, 3]), "long01": (60, [0, 2])}  # (frames, failures per repetition)
    for sequence, (frames, failures) in runs.items():
        folder = ws / "results" / "RPVT-lite" / "baseline" / sequence
        folder.mkdir(parents=True)
        for rep, count in enumerate(failures, 1):
            (folder / f"{sequence}_{rep:03d}.txt").write_text("\n".join(run_with_failures(frames, count)) + "\n")
        unsupervised = ws / "results" / "RPVT-lite" / "unsupervised" / sequence  # the stack's other experiment
        unsupervised.mkdir(parents=True)
        (unsupervised / f"{sequence}_001.txt").write_text("\n".join(["1"] + [BOX] * (frames - 1)) + "\n")
    return ws


def test_both_robustness_measures_by_hand(workspace):
    counts = {c.sequence: c for c in failure_counts(workspace, "RPVT-lite")}
    assert (counts["vot2018-01"].failures, counts["vot2018-01"].frames, counts["vot2018-01"].repetitions) == (3.0, 30, 2)
    assert (counts["long01"].failures, counts["long01"].frames) == (1.0, 60)
    # The paper: 100 x (3 + 1) failures / (30 + 60) frames. The toolkit: (3 x 30 + 1 x 60) / 90.
    assert paper_robustness(list(counts.values())) == pytest.approx(100 * 4 / 90)
    assert toolkit_robustness(list(counts.values())) == pytest.approx(150 / 90)
    # SiamRPN++ on VOT2018, the example: 50 failures over 21,356 frames.
    from rpvt_tracker.vot.robustness import SequenceFailures

    assert paper_robustness([SequenceFailures("all", 50, 21356, 1)]) == pytest.approx(0.234, abs=5e-4)


def test_the_toolkit_agrees_and_tables_name_each_measure(workspace):
    vot = str(Path(sys.executable).with_name("vot"))
    result = subprocess.run(
        [vot, "analysis", "--workspace", str(workspace), "--name", "rob", "RPVT-lite"], capture_output=True, text=True, timeout=600,
        env={**os.environ},
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    (per_tracker,) = [r for kind, r in load_analysis(workspace, "rob").analyses if kind == "AverageAccuracyRobustness"]
    assert per_tracker[0][1] == pytest.approx(150 / 90)  # vot-toolkit's robustness: our toolkit_robustness
    scores = read_analysis(workspace, "rob").scores["RPVT-lite"]
    assert scores.robustness == pytest.approx(100 * 4 / 90) and scores.toolkit_failures == pytest.approx(150 / 90)
    table = markdown([read_analysis(workspace, "rob")])
    assert "R (failures / 100 frames)" in table and "failures / sequence (toolkit)" in table
    assert f"| {100 * 4 / 90:.3f} | {150 / 90:.3f} |" in table
