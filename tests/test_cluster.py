"""Evaluation on Ray (``--ray``): real Ray workers on this machine, real commands, real results.

One local Ray instance serves the whole module (2 CPUs: two tasks at once); the commands run in
this process and find it, except one that joins it by address from a subprocess, as a command
joins a cluster. Identity is checked against the serial commands run with ``--threads 1``, the
thread count of a 1-CPU task. Times differ between any two runs (the toolkit's
``*_time.value``, GOT-10k's and LaSOT's ``_time.txt``, FPS in tables): everything else is
compared byte for byte. Inputs are tiny so the module adds little to the suite.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from rpvt_tracker.cli import main  # noqa: E402
from rpvt_tracker.cluster import engine  # noqa: E402
from rpvt_tracker.evaluation.tiny_datasets import write_got10k, write_lasot  # noqa: E402
from rpvt_tracker.vot.workspace import materialize  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DAVIS = REPO / "data" / "davis2016"
VOT = str(Path(sys.executable).with_name("vot"))
TRACKER = ["--weights", "d3s-lite.pth", "--params", "lite", "--quiet"]
GOT = [f"GOT-10k_Val_{i:06d}" for i in (1, 2)]


@pytest.fixture(scope="module")
def ray_session():
    context = ray.init(num_cpus=2, include_dashboard=False, object_store_memory=engine.LOCAL_OBJECT_STORE, logging_level="WARNING")
    yield context.address_info["address"]
    ray.shutdown()


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """Real DAVIS video cut short (two shipped sequences, 4 and 3 frames), generated GOT-10k val
    (two sequences, 16 frames: long enough to kill a task mid-sequence) and LaSOT layouts."""
    root = tmp_path_factory.mktemp("data")
    for name, frames in (("blackswan", 4), ("car-shadow", 3)):
        for kind, ext in (("JPEGImages", "jpg"), ("Annotations", "png")):
            folder = root / "davis" / kind / "480p" / name
            folder.mkdir(parents=True)
            for t in range(frames):
                shutil.copy(DAVIS / kind / "480p" / name / f"{t:05d}.{ext}", folder / f"{t:05d}.{ext}")
    assert write_got10k(root / "got", "val", count=2, length=16) == GOT
    write_lasot(root / "lasot", ["airplane-1", "basketball-1"], length=6, hidden={"basketball-1": [4]})
    return root


def run(*argv) -> tuple[int, str]:
    """``rpvt ARGV`` in this process: (exit code, what it wrote to stderr)."""
    from contextlib import redirect_stderr
    from io import StringIO

    err = StringIO()
    with redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, err.getvalue()


@pytest.fixture(scope="module")
def serial(data, tmp_path_factory) -> Path:
    import torch

    out, threads = tmp_path_factory.mktemp("serial"), torch.get_num_threads()
    try:
        for command, source in (("davis", "davis"), ("got10k", "got"), ("lasot", "lasot")):
            assert run(command, data / source, *TRACKER, "--threads", "1", "--output", out / command)[0] == 0
    finally:
        torch.set_num_threads(threads)  # --threads sets this process's; later tests expect the default
    return out


def is_time(path: Path) -> bool:
    return path.name.endswith(("_time.value", "_time.txt", ".timing.json"))


def files(root: Path, *, skip=is_time) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not skip(p)}


def test_longest_first_on_one_slot(ray_session):
    options = engine.ClusterOptions(workers=1)
    tasks = [engine.Task(f"t{n}", n, time.time) for n in (3, 10, 1, 7)]
    with engine.Session(options, log=lambda line: None) as session:
        outcome = session.run(tasks)
    started = sorted(outcome.values, key=outcome.values.get)
    assert started == ["t10", "t7", "t3", "t1"]
    assert not outcome.failures


def test_box_and_davis_commands_on_ray_match_serial_and_resume(ray_session, data, serial, tmp_path):
    out = tmp_path / "ray"
    for command, source in (("davis", "davis"), ("got10k", "got"), ("lasot", "lasot")):
        code, err = run(command, data / source, *TRACKER, "--output", out / command, "--ray")
        assert code == 0, err
    assert (out / "davis" / "d3s-lite" / "blackswan" / ".timing.json").is_file()
    # Masks, boxes, J and F (per_sequence.csv without its seconds column) and tracker settings;
    # the reports hold FPS and the GOT-10k report and LaSOT summary the times: left out.
    reports = ("table5.md", "table5.tex", "table4.md", "table4.tex", "performance.json", "success_plot.png", "lasot.json", "per_sequence.csv")
    expected = files(serial, skip=lambda p: is_time(p) or p.name in reports)
    assert files(out, skip=lambda p: is_time(p) or p.name in reports) == expected
    assert len([k for k in expected if k.startswith("davis/") and k.endswith(".png")]) == 7 and len([k for k in expected if k.endswith("_001.txt")]) == 2

    def without_seconds(path: Path) -> list[list[str]]:
        return [line.split(",")[:-1] for line in path.read_text().splitlines()]

    csv = Path("davis") / "d3s-lite" / "per_sequence.csv"
    assert without_seconds(out / csv) == without_seconds(serial / csv)
    # Threads followed the 1-CPU share: the recorded settings say so (and equal the serial run's).
    assert '"threads": 1' in (out / "got10k" / "reports" / "GOT-10k" / "d3s-lite" / "tracker.json").read_text()
    # A re-run finds everything finished: nothing is submitted, nothing rewritten.
    before = {p: p.stat().st_mtime_ns for p in (out / "got10k" / "results").rglob("*.txt")}
    code, err = run("got10k", data / "got", *TRACKER, "--output", out / "got10k", "--ray")
    assert code == 0 and "0 task(s) done" in err and "2 already complete" in err
    assert {p: p.stat().st_mtime_ns for p in (out / "got10k" / "results").rglob("*.txt")} == before


def kill_twice(lock: Path, stop: threading.Event, killed: list[int]) -> None:
    """SIGKILL the worker that holds ``lock`` (the sequence's claim names its pid), then the one
    holding it after Ray's retry."""
    while len(killed) < 2 and not stop.is_set():
        try:
            pid = int(lock.read_text().split()[0].removeprefix("pid="))
        except (OSError, ValueError, IndexError):
            pid = None
        if pid and pid not in killed and pid != os.getpid():
            time.sleep(0.3)  # into the sequence
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        time.sleep(0.05)


def test_killed_worker_is_retried_then_named_and_the_rest_kept(ray_session, data, serial, tmp_path):
    out = tmp_path / "got10k"
    folder = out / "results" / "GOT-10k" / "d3s-lite"
    stop, killed = threading.Event(), []
    killer = threading.Thread(target=kill_twice, args=(folder / f"{GOT[1]}.txt.lock", stop, killed))
    killer.start()
    try:
        code, err = run("got10k", data / "got", *TRACKER, "--output", out, "--ray", "--retries", "1")
    finally:
        stop.set()
        killer.join()
    assert len(killed) == 2, err  # the first attempt and Ray's retry, each on its own worker
    assert code == 1
    assert f"failed: d3s-lite/{GOT[1]}:" in err and "1 task(s) done" in err
    assert not (folder / GOT[1]).exists() and not (folder / f".{GOT[1]}.partial").exists()  # absent, not half there
    expected = files(serial / "got10k" / "results")
    kept = files(out / "results")
    assert kept == {k: v for k, v in expected.items() if GOT[1] not in k}
    # The re-run does the failed sequence only, and the results are the serial run's.
    code, err = run("got10k", data / "got", *TRACKER, "--output", out, "--ray")
    assert code == 0, err
    assert "1 task(s) done" in err and "1 already complete" in err
    assert files(out / "results") == expected


def test_vot_evaluate_on_ray_matches_vot_evaluate(ray_session, tmp_path):
    """``rpvt evaluate --ray ADDRESS`` (joining this module's Ray from another process) against the
    toolkit's own ``vot evaluate``; then ``vot analysis`` and ``rpvt tables`` on its results."""
    spaces = []
    for name in ("serial", "ray"):
        ws = materialize("vot2016/rgb-offline", tmp_path / name, count=2, length=10)
        stack = (ws / "stack.yaml").read_text().replace("repetitions: 15", "repetitions: 1")
        (ws / "stack.yaml").write_text(stack[: stack.index("  unsupervised:")])  # the baseline experiment alone
        spaces.append(ws)
    env = {**os.environ, "RPVT_THREADS": "1", "PYTHONPATH": engine.package_path()}
    done = subprocess.run([VOT, "evaluate", "--workspace", spaces[0], "D3S-lite"], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    cmd = [sys.executable, "-m", "rpvt_tracker.cli", "evaluate", spaces[1], "D3S-lite", "--ray", ray_session]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 task(s) done" in done.stderr
    expected = files(spaces[0] / "results")
    assert len(expected) == 4 and files(spaces[1] / "results") == expected  # regions and confidences, byte for byte
    assert not list((spaces[1] / "results").rglob("*.partial")) and not list((spaces[1] / "results").rglob("*.lock"))
    done = subprocess.run([VOT, "analysis", "--workspace", spaces[1], "--name", "t", "D3S-lite"], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    code, err = run("tables", spaces[1], "--name", "t")
    assert code == 0, err


def test_without_ray_the_error_says_how_to_install(monkeypatch, data, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # what an environment without the extra gives: ImportError
    code, err = run("davis", data / "davis", *TRACKER, "--output", tmp_path / "o", "--ray")
    assert code == 2
    assert err.strip().splitlines()[-1] == "rpvt davis: error: --ray needs Ray, which is not installed: pip install rpvt-tracker[cluster]"


def test_tracking_never_imports_ray():
    code = ("import sys; from rpvt_tracker.cli import build_parser; build_parser().parse_args(['davis', 'd', '--weights', 'w', '--output', 'o']); "
            "import rpvt_tracker.vot.server, rpvt_tracker.evaluation.vos, rpvt_tracker.evaluation.got10k, rpvt_tracker.evaluation.lasot, "
            "rpvt_tracker.cluster.vot_tasks, rpvt_tracker.cluster.sequence_tasks; print('ray' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": engine.package_path()})
    assert done.stdout.strip() == "False", done.stderr[-2000:]
