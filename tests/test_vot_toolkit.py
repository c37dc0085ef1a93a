"""The real VOT toolkit (0.7.4) running our TraX server: evaluate, analysis, tables, test,
a broken frame, and an interrupted evaluation that resumes.

Slow by nature (every tracker process loads torch and a network, every (re)initialisation
optimises the DCF), so the workspaces are tiny: generated sequences of 12 frames.
"""

from __future__ import annotations

import configparser
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import torchvision
from conftest import D3S_CHECKPOINT

from rpvt_tracker.geometry.regions import Mask, Polygon, Special, parse_region
from rpvt_tracker.models import load_network, save_checkpoint
from rpvt_tracker.vot.tables import read_analysis
from rpvt_tracker.vot.workspace import TRACKERS_INI, materialize

VOT = str(Path(sys.executable).with_name("vot"))
TRACKERS = ["D3S", "D3S-MS", "RPVT"]
LENGTH = 12


def vot(*args, timeout=900, check=True, cwd=None):
    env = {**os.environ, "VOT_RESULTS_BINARY": "0"}  # text results, to read them back
    result = subprocess.run([VOT, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)
    if check:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Path:
    """The repository's trackers.ini with test weights: the D3S-format reference checkpoint, and
    from it the multi-stage variants (stages 2-3 seeded, so runs are reproducible)."""
    folder = tmp_path_factory.mktemp("weights")
    shutil.copy(D3S_CHECKPOINT, folder / "SegmNet.pth.tar")
    for variant in ("d3s-ms", "rpvt"):
        torch.manual_seed(0)
        save_checkpoint(load_network(D3S_CHECKPOINT, variant=variant), folder / f"{variant}.pth")
    # The ResNet-50 entries' DCF reads torchvision's ImageNet weights from torch's hub cache
    # (env_RPVT_DCF_WEIGHTS = torchvision): offline, a file of the right shapes stands in for them.
    torch_home = folder / "torch"
    cached = torch_home / "hub" / "checkpoints" / "resnet50-0676ba61.pth"
    cached.parent.mkdir(parents=True)
    torch.manual_seed(0)
    torch.save(torchvision.models.resnet50().state_dict(), cached)
    ini = configparser.ConfigParser()
    ini.optionxform = str  # keep the keys' case
    ini.read(TRACKERS_INI)
    assert ini.sections()[:3] == TRACKERS
    assert all(ini[name]["env_RPVT_DCF_WEIGHTS"] == "torchvision" for name in TRACKERS)
    for name in ini.sections():
        ini[name]["env_TORCH_HOME"] = str(torch_home)
        ini[name]["env_RPVT_WEIGHTS_DIR"] = str(folder)
        ini[name]["env_RPVT_DEVICE"] = "cpu"
        ini[name]["env_RPVT_THREADS"] = "2"
    path = folder / "trackers.ini"
    with path.open("w") as f:
        ini.write(f)
    return path


def workspace(tmp_path_factory, registry, stack, count):
    ws = materialize(stack, tmp_path_factory.mktemp("ws") / "w", trackers_ini=registry, count=count, length=LENGTH)
    stack_file = ws / "stack.yaml"
    # One repetition: the tracker is deterministic (the toolkit would stop after 3 equal runs).
    stack_file.write_text(stack_file.read_text().replace("repetitions: 15", "repetitions: 1"))
    return ws


@pytest.fixture(scope="module")
def ws2016(tmp_path_factory, registry):
    ws = workspace(tmp_path_factory, registry, "vot2016/rgb-offline", count=2)
    vot("evaluate", "--workspace", ws, *TRACKERS)
    vot("analysis", "--workspace", ws, "--name", "paper", *TRACKERS)
    return ws


@pytest.fixture(scope="module")
def ws2020(tmp_path_factory, registry):
    ws = workspace(tmp_path_factory, registry, "vot2020/shortterm-offline", count=1)
    vot("evaluate", "--workspace", ws, *TRACKERS)
    vot("analysis", "--workspace", ws, "--name", "paper", *TRACKERS)
    return ws


def result_regions(ws, tracker, experiment):
    files = sorted((ws / "results" / tracker / experiment).rglob("*.txt"))
    files = [f for f in files if not f.name.endswith((".value", "_time.txt"))]
    assert files, f"no results for {tracker}/{experiment}"
    return [parse_region(line) for f in files for line in f.read_text().splitlines() if line.strip()]


def test_vot2016_style_workspace_reports_polygons(ws2016):
    for tracker in TRACKERS:
        regions = result_regions(ws2016, tracker, "baseline")
        assert any(isinstance(r, Polygon) for r in regions)
        assert all(isinstance(r, (Polygon, Special)) for r in regions)


def test_vot2020_style_workspace_reports_masks_and_confidence(ws2020):
    for tracker in TRACKERS:
        regions = result_regions(ws2020, tracker, "baseline")
        assert all(isinstance(r, (Mask, Special)) for r in regions) and any(isinstance(r, Mask) for r in regions)
        confidences = list((ws2020 / "results" / tracker / "baseline").rglob("*_confidence.value"))
        assert confidences and all(0 <= float(v) <= 1 for f in confidences for v in f.read_text().split() if v)


def test_tables_are_complete_and_finite(ws2016, ws2020, tmp_path):
    out = tmp_path / "tables"
    result = subprocess.run(
        [str(Path(sys.executable).with_name("rpvt")), "tables", str(ws2016), str(ws2020), "--output", str(out)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for ws, benchmark in ((ws2016, "vot2016"), (ws2020, "vot2020")):
        analysis = read_analysis(ws)
        assert analysis.benchmark == benchmark and analysis.offline and analysis.warning is None
        assert sorted(analysis.scores) == sorted(TRACKERS)
        for s in analysis.scores.values():
            assert all(v == v and abs(v) != float("inf") for v in (s.eao, s.accuracy, s.robustness))
            assert 0 <= s.eao <= 1 and 0 <= s.accuracy <= 1
    text = (out / "tables.md").read_text()
    for title in ("Table 1: VOT2016", "Table 3: VOT2020", "Table 6: ablation"):
        assert title in text
    assert text.count("measured (generated sequences)") == 9 and "nan" not in text
    assert "\\begin{tabular}" in (out / "tables.tex").read_text()


def test_vot_test_passes(registry, tmp_path):
    # From an empty folder: the toolkit also reads ./trackers.ini, and the repository's would
    # shadow the test registry's entries (the first definition of a name wins).
    result = vot("--registry", registry, "test", "RPVT", timeout=600, cwd=tmp_path)
    assert "Test concluded successfuly" in result.stdout + result.stderr


def test_unreadable_frame_ends_the_session_with_a_reason(tmp_path_factory, registry):
    ws = workspace(tmp_path_factory, registry, "vot2016/rgb-offline", count=1)
    seq = next(p for p in (ws / "sequences").iterdir() if p.is_dir())
    (seq / "color" / "00000006.jpg").write_bytes(b"this is not a jpeg")
    t0 = time.perf_counter()
    result = vot("evaluate", "--workspace", ws, "--experiments", "baseline", "RPVT", check=False, timeout=300)
    assert time.perf_counter() - t0 < 300
    output = result.stdout + result.stderr
    assert "cannot be decoded as an image" in output
    logs = list((ws / "logs").glob("*.log"))
    assert logs and any("00000006.jpg cannot be decoded as an image" in log.read_text() for log in logs)


def test_interrupted_evaluation_resumes(tmp_path_factory, registry):
    # Sequences long enough (about 10 s of tracking each) that the interruption lands while the
    # second one is being tracked, past its tracker's start-up, with a wide margin either side.
    ws = materialize("vot2016/rgb-offline", tmp_path_factory.mktemp("ws") / "w", trackers_ini=registry, count=2, length=50)
    stack_file = ws / "stack.yaml"
    stack_file.write_text(stack_file.read_text().replace("repetitions: 15", "repetitions: 1"))
    env = {**os.environ, "VOT_RESULTS_BINARY": "0"}
    proc = subprocess.Popen(
        [VOT, "evaluate", "--workspace", str(ws), "--experiments", "baseline", "D3S"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True,
        # An ignored SIGINT is inherited across exec, and Python then installs no Ctrl-C handler:
        # earlier tests in the same pytest process can leave SIGINT ignored, so restore it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    results = ws / "results" / "D3S" / "baseline"
    try:
        deadline = time.time() + 300
        while time.time() < deadline and not list(results.glob("*/*_001.txt")):
            time.sleep(0.5)
        assert list(results.glob("*/*_001.txt")), "no sequence finished in time"
        time.sleep(6)  # the second sequence's tracker starts (about 3 s) and initialises
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C on the whole evaluation
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    done = {f: f.stat().st_mtime for f in results.glob("*/*_001.txt")}
    assert len(done) == 1, "the interruption came too late to test resuming"
    vot("evaluate", "--workspace", ws, "--experiments", "baseline", "D3S", timeout=600)
    after = {f: f.stat().st_mtime for f in results.glob("*/*_001.txt")}
    assert len(after) == 2
    assert all(after[f] == mtime for f, mtime in done.items())  # the finished sequence was not redone


DAVIS = Path(__file__).resolve().parents[1] / "data" / "davis2016"  # shipped held-out sequences


def test_davis_workspace_with_the_embedded_default(tmp_path_factory, registry):
    """The README's main job in small: real held-out video, the shipped RPVT-lite against the
    static box, through vot evaluate / analysis and rpvt tables."""
    ws = materialize("vot2020/shortterm-davis", tmp_path_factory.mktemp("ws") / "w", trackers_ini=registry, davis=DAVIS)
    assert sorted(p.name for p in (ws / "sequences").iterdir() if p.is_dir()) == ["blackswan", "car-shadow", "scooter-black"]
    # One sequence of the three keeps CI short (the demo runs all three): car-shadow, 40 frames,
    # 5 anchors.
    (ws / "sequences" / "list.txt").write_text("car-shadow\n")
    trackers = ["RPVT-lite", "Static"]
    vot("evaluate", "--workspace", ws, *trackers)
    vot("analysis", "--workspace", ws, "--name", "lite", *trackers)
    scores = read_analysis(ws, "lite").scores
    assert read_analysis(ws, "lite").sequences == "DAVIS 2016 video" and read_analysis(ws, "lite").benchmark == "vot2020"
    # Measured with the shipped weights (car-shadow, 2026-12-02): EAO 0.821 vs 0.573, accuracy 0.794 vs 0.468.
    assert scores["RPVT-lite"].eao > scores["Static"].eao + 0.1, scores
    assert scores["RPVT-lite"].accuracy > scores["Static"].accuracy + 0.1, scores
