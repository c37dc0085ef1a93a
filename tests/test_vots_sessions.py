"""The TraX server against the toolkit's own client, in real subprocesses, on what VOTS at scale
brings: one object given twice, an interrupt, a workspace under a non-ASCII path.

The static-box baseline (``RPVT_BASELINE=static-box``) serves where the network is beside the
point: it starts in a second and answers every target with its first box, so a duplicate's
fate is decided by the multi-target bookkeeping alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from rpvt_tracker.vot.scenes import SceneSpec, write_scene

SERVER = f"{sys.executable} -m rpvt_tracker.vot.server"
STATIC = {"RPVT_BASELINE": "static-box"}


def session(env: dict, log: list[str]):
    from vot.tracker.trax import TrackerProcess

    return TrackerProcess(SERVER, env, timeout=60, log=log.append)


def test_an_object_given_twice_is_tracked_twice_with_a_warning(tmp_path):
    from vot.dataset import load_sequence
    from vot.tracker import ObjectStatus

    sequence = load_sequence(str(write_scene(tmp_path, "s", SceneSpec(length=10, roles=("wander", "wander"), seed=1))))
    bounds = (0, 0, 319, 239)
    log: list[str] = []
    process = session(STATIC, log)
    try:
        given = [sequence.frame(0).object(oid) for oid in ("1", "2", "1")]  # object 3 is object 1 again
        process.initialize(sequence.frame(0), [ObjectStatus(region, {}) for region in given])
        for t in range(1, 4):
            status, _ = process.update(sequence.frame(t), [])
            first, other, twice = (s.region.rasterize(bounds).astype(bool) for s in status)
            assert first.any() and np.array_equal(first, twice), f"frame {t}: the duplicate is not answered as its twin"
            assert not (other & first).any(), f"frame {t}: a distinct target shares pixels with the duplicates"
    finally:
        process.terminate()
    warnings = [line for line in "".join(log).splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: objects 1 and 3 cover nearly the same pixels on frame 0 (IoU 1.00), where object 3 was given: "
        "one object given twice? Both are tracked, and their masks may overlap each other"
    ]


def test_sigint_ends_the_session_with_a_reason_and_no_traceback(tmp_path):
    from vot.dataset import load_sequence
    from vot.tracker import ObjectStatus

    sequence = load_sequence(str(write_scene(tmp_path, "s", SceneSpec(length=10, roles=("wander",), seed=1))))
    log: list[str] = []
    process = session(STATIC, log)
    server = process._process  # the tracker's subprocess.Popen
    try:
        process.initialize(sequence.frame(0), [ObjectStatus(sequence.frame(0).object("1"), {})])
        server.send_signal(signal.SIGINT)  # it is waiting for the next request inside libtrax
        time.sleep(0.5)
        with pytest.raises(Exception, match="Server terminated the session: interrupted: the tracker received SIGINT"):
            process.update(sequence.frame(1), [])
        assert server.wait(10) == 130
    finally:
        process.terminate()
    assert "Traceback" not in "".join(log)


def test_sigint_while_the_network_loads_is_answered_too():
    """Interrupted before the first request (the session is open, the tracker still loading):
    the quit with its reason is the answer to that request."""
    env = {"RPVT_WEIGHTS": "rpvt-lite.pth", "RPVT_VARIANT": "rpvt", "RPVT_DEVICE": "cpu", "RPVT_THREADS": "1"}
    proc = subprocess.Popen(
        SERVER.split(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **env}
    )
    try:
        hello = proc.stdout.readline().decode()  # the handshake comes before the network is loaded
        assert hello.startswith("@@TRAX:hello")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err.decode()[-3000:]
    assert '@@TRAX:quit "trax.reason=interrupted: the tracker received SIGINT"' in out.decode()
    assert "Traceback" not in err.decode() and "interrupted: the tracker received SIGINT" in err.decode()


def test_libtrax_cuts_a_frame_path_at_a_non_ascii_character(tmp_path):
    """Why ``rpvt workspace`` refuses a non-ASCII path: with vot-trax 4.0.2 a session whose frames
    lie under one fails on its first request (the initialisation names the first frame). If a later vot-trax carries such
    paths, this test fails and the refusal (``check_trax_path``) can go."""
    from vot.dataset import load_sequence
    from vot.tracker import ObjectStatus

    sequence = load_sequence(str(write_scene(tmp_path / "vidéo", "s", SceneSpec(length=10, roles=("wander",), seed=1))))
    log: list[str] = []
    process = session(STATIC, log)
    try:
        with pytest.raises(Exception, match=r"Protocol error.*non-ASCII character in the workspace's path"):
            process.initialize(sequence.frame(0), [ObjectStatus(sequence.frame(0).object("1"), {})])
    finally:
        process.terminate()


def test_rpvt_workspace_refuses_a_non_ascii_path_in_one_line(tmp_path):
    target = tmp_path / "ws-ü"
    result = subprocess.run(
        [sys.executable, "-m", "rpvt_tracker.cli", "workspace", "vot2020/shortterm-offline", str(target), "--sequences", "1"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2 and not target.exists()
    assert result.stderr.splitlines() == [
        f"rpvt workspace: error: {target}: the path has non-ASCII characters ('ü'), which the VOT toolkit's TraX protocol "
        "(libtrax) cannot carry in frame paths: every tracker session would fail; choose a folder whose full path is ASCII"
    ]


def test_vots_entries_wait_for_every_target_of_the_first_request(tmp_path):
    """A VOTS sequence's first request starts all its targets (2-9 s each on a 2-core CPU): the
    VOTS entries, shipped or written by ``Entry``, wait ``VOTS_TIMEOUT_S`` for a reply, the others
    ``TIMEOUT_S`` (the static box apart)."""
    import configparser

    from rpvt_tracker.resources import trackers_ini
    from rpvt_tracker.vot.evaluate import TIMEOUT_S, VOTS_TIMEOUT_S, Entry

    registry = configparser.ConfigParser()
    registry.read(trackers_ini())
    waits = {name: int(section["timeout"]) for name, section in registry.items() if "timeout" in section}
    vots = {name for name, section in registry.items() if section.get("env_RPVT_PARAMS", "").endswith("-vots")}
    assert vots == {"RPVT-lite-VOTS", "RPVT-VOTS"}
    assert {waits[name] for name in vots} == {VOTS_TIMEOUT_S} and VOTS_TIMEOUT_S >= 600
    assert {waits[name] for name in waits if name not in vots | {"Static"}} == {TIMEOUT_S}
    assert f"timeout = {VOTS_TIMEOUT_S}\n" in Entry("E", tmp_path / "e.pth", "rpvt", "lite-vots").section()
    assert f"timeout = {TIMEOUT_S}\n" in Entry("E", tmp_path / "e.pth", "rpvt", "lite").section()
