"""Two ``rpvt track`` runs into one output folder: the result belongs to one run at a time.

The runs are real processes on a real sequence (six frames of the reference sequence). To have
the first run genuinely mid-sequence while the second starts, whatever the machine's load, one
frame of its copy of the sequence is a named pipe: the run blocks reading it, holding its claim
with three lines in its partial file, until the test writes the frame's bytes into the pipe.
The tracker runs with a fast parameter file (few DCF iterations, no augmentation); it is
deterministic on one thread, so a result must equal that of a single run byte for byte.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import D3S_REFERENCE

from rpvt_tracker.geometry.regions import Mask, Polygon, parse_region
from rpvt_tracker.tracking.run import OutputBusy, claim_output

FRAMES = 6
BLOCKED = 4  # the frame (1-based) that a blocked run waits for
FAST = {"preset": "lite-realtime", "dcf": {"init_cg_iter": 4, "init_gn_iter": 1, "relative_shifts": [], "blur_sigmas": [], "rotations_deg": []}}
KIND = {"polygon": Polygon, "mask": Mask}


def sequence(root: Path, *, blocked: bool = False) -> Path:
    """A copy of the reference sequence's first frames in ``root/seq1``; with ``blocked``, frame
    ``BLOCKED`` is a named pipe (its bytes: ``frame_bytes()``)."""
    seq = root / "seq1"
    (seq / "color").mkdir(parents=True)
    for i in range(1, FRAMES + 1):
        if blocked and i == BLOCKED:
            os.mkfifo(seq / "color" / f"{i:08d}.jpg")
        else:
            shutil.copy(D3S_REFERENCE / "seq1" / "color" / f"{i:08d}.jpg", seq / "color")
    lines = (D3S_REFERENCE / "seq1" / "groundtruth.txt").read_text().split()[:FRAMES]
    (seq / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    return seq


def frame_bytes() -> bytes:
    return (D3S_REFERENCE / "seq1" / "color" / f"{BLOCKED:08d}.jpg").read_bytes()


def start(seq: Path, out: Path, fmt: str, params: Path) -> subprocess.Popen:
    exe = shutil.which("rpvt")
    cmd = [exe] if exe else [sys.executable, "-m", "rpvt_tracker.cli"]
    args = ["track", seq, "--weights", "rpvt-lite.pth", "--params", params, "--output", out, "--format", fmt, "--quiet", "--threads", "1"]
    return subprocess.Popen([*cmd, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def wait_blocked(proc: subprocess.Popen, partial: Path, timeout: float = 300) -> None:
    """Until the run has written the frames before ``BLOCKED`` and waits on the pipe."""
    deadline = time.monotonic() + timeout
    while not (partial.is_file() and len(partial.read_text().splitlines()) == BLOCKED - 1):
        if proc.poll() is not None:
            pytest.fail(f"the blocked run ended early: {proc.communicate()}")
        assert time.monotonic() < deadline, "the run never reached the blocked frame"
        time.sleep(0.05)


def feed(fifo: Path, data: bytes, proc: subprocess.Popen) -> None:
    """Write ``data`` into the pipe the run is reading (never blocking on a reader that died)."""
    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as err:
            if err.errno != errno.ENXIO or proc.poll() is not None:
                raise
            time.sleep(0.05)
    os.set_blocking(fd, True)
    with os.fdopen(fd, "wb") as pipe:
        pipe.write(data)


@pytest.fixture(scope="module")
def params(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("params") / "fast.json"
    path.write_text(json.dumps(FAST))
    return path


@pytest.fixture(scope="module")
def single(tmp_path_factory, params) -> dict[str, str]:
    """Each format's result from a run alone (both run at once: separate folders)."""
    root = tmp_path_factory.mktemp("single")
    seq = sequence(root)
    procs = {fmt: start(seq, root / fmt, fmt, params) for fmt in KIND}
    for proc in procs.values():
        code, _, err = finish(proc)
        assert code == 0, err
    return {fmt: (root / fmt / "seq1.txt").read_text() for fmt in KIND}


def assert_result(text: str, fmt: str, expected: str) -> None:
    lines = text.splitlines()
    assert len(lines) == FRAMES
    assert all(isinstance(parse_region(line), KIND[fmt]) for line in lines[1:])  # every line parses, one kind
    assert text == expected


def test_a_second_run_into_a_busy_output_is_refused_and_both_results_match_single_runs(tmp_path, params, single):
    out = tmp_path / "out"
    first_seq = sequence(tmp_path / "a", blocked=True)
    first = start(first_seq, out, "polygon", params)
    second = None
    try:
        wait_blocked(first, out / "seq1.txt.partial")
        second = start(sequence(tmp_path / "b"), out, "mask", params)
        code, stdout, stderr = finish(second)
        assert code == 2 and "Traceback" not in stderr and "wrote" not in stdout
        (line,) = [x for x in stderr.splitlines() if "error" in x]
        assert line.startswith(f"rpvt track: error: {out / 'seq1.txt'}: being written by another run (pid={first.pid} ")
        assert f"lock {out / 'seq1.txt.lock'}" in line
        # The refused run touched nothing: the first's partial file still holds its three lines.
        assert len((out / "seq1.txt.partial").read_text().splitlines()) == BLOCKED - 1
        assert not (out / "seq1.txt").exists() and not (out / "seq1.json").exists()
        feed(first_seq / "color" / f"{BLOCKED:08d}.jpg", frame_bytes(), first)
        code, stdout, stderr = finish(first)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
    assert code == 0, stderr
    assert f"wrote {out / 'seq1.txt'}: {FRAMES - 1} frames" in stdout
    assert_result((out / "seq1.txt").read_text(), "polygon", single["polygon"])
    assert json.loads((out / "seq1.json").read_text())["frames"] == FRAMES - 1
    assert sorted(p.name for p in out.iterdir()) == ["seq1.json", "seq1.txt"]  # no lock or partial left
    # Once the first has finished, the second runs; its result replaces the first's whole.
    code, _, stderr = finish(start(sequence(tmp_path / "c"), out, "mask", params))
    assert code == 0, stderr
    assert_result((out / "seq1.txt").read_text(), "mask", single["mask"])


def test_the_lock_of_a_killed_run_is_taken_over(tmp_path, params, single):
    out = tmp_path / "out"
    killed = start(sequence(tmp_path / "a", blocked=True), out, "polygon", params)
    try:
        wait_blocked(killed, out / "seq1.txt.partial")
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=60)
    finally:
        if killed.poll() is None:
            killed.kill()
    assert (out / "seq1.txt.lock").read_text().startswith(f"pid={killed.pid} ")  # left behind, but no longer locked
    code, stdout, stderr = finish(start(sequence(tmp_path / "b"), out, "mask", params))
    assert code == 0, stderr
    assert f"{out / 'seq1.txt.lock'}: taking over from a run that ended without finishing (pid={killed.pid} " in stderr
    assert_result((out / "seq1.txt").read_text(), "mask", single["mask"])
    assert sorted(p.name for p in out.iterdir()) == ["seq1.json", "seq1.txt"]


def test_claims_are_per_result_and_released(tmp_path):
    with claim_output(tmp_path, "a") as claim:
        assert claim.result == tmp_path / "a.txt" and claim.stale is None
        assert claim.lock.read_text().startswith(f"pid={os.getpid()} ")
        with claim_output(tmp_path, "b"):  # another sequence in the same folder: free
            pass
        # A second claim on the same result, even from this process (another open file), is refused.
        with pytest.raises(OutputBusy, match=rf"a\.txt: being written by another run \(pid={os.getpid()} "):
            with claim_output(tmp_path, "a"):
                pass
        refused: list[BaseException] = []

        def other_thread() -> None:
            try:
                with claim_output(tmp_path, "a"):
                    pass
            except OutputBusy as err:
                refused.append(err)

        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert len(refused) == 1
    assert list(tmp_path.iterdir()) == []  # released: no lock files left
    with claim_output(tmp_path, "a") as claim:  # and free again
        assert claim.stale is None
