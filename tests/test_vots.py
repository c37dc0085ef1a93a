"""VOTS through the real toolkit (0.7.4): a multi-object workspace evaluated in one session per
sequence, analysed, tabulated, and packed into the zip a participant submits; and the zip of a
VOT2020-style workspace.

The workspaces use the repository's own trackers.ini, unchanged, as a participant would: the
embedded lite weights need no path, so the manifest (which copies each entry's ``env_*`` keys)
must hold no path of this machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml

from rpvt_tracker.geometry.regions import parse_region
from rpvt_tracker.vot.scenes import SceneSpec, render, write_scene
from rpvt_tracker.vot.vots_tables import read_vots_analysis
from rpvt_tracker.vot.workspace import materialize

VOT = str(Path(sys.executable).with_name("vot"))
RPVT = str(Path(sys.executable).with_name("rpvt"))


def run(*args, cwd=None, timeout=900):
    env = {**os.environ, "VOT_RESULTS_BINARY": "0", "OMP_WAIT_POLICY": "PASSIVE"}  # text results, to read them back
    result = subprocess.run([*map(str, args)], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def newest_zip(ws: Path) -> zipfile.ZipFile:
    archives = sorted(ws.glob("*.zip"), key=lambda p: p.stat().st_mtime)
    assert archives, f"vot pack wrote no zip into {ws}"
    return zipfile.ZipFile(archives[-1])


def assert_no_machine_paths(manifest_text: str, ws: Path) -> None:
    machine = {str(ws), str(Path.home()), sys.prefix, str(Path(__file__).resolve().parents[1])}
    for value in _strings(yaml.safe_load(manifest_text)):
        assert not os.path.isabs(value), f"absolute path in manifest.yml: {value}"
        assert not any(m in value for m in machine), f"a path of this machine in manifest.yml: {value}"


def _strings(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def test_generated_scenes_are_deterministic_and_in_the_toolkit_format(tmp_path):
    spec = SceneSpec(length=12, roles=("leave", "cross", "cross"), seed=5)
    first = list(render(spec))
    again = list(render(spec))
    assert all(np.array_equal(a[0], b[0]) and all(np.array_equal(x, y) for x, y in zip(a[1], b[1])) for a, b in zip(first, again))
    # Every target is well visible where it is given (frame 1), and masks never overlap.
    for t, (_, visible, _) in enumerate(first):
        assert sum(np.count_nonzero(v) for v in visible) == np.count_nonzero(np.any(visible, axis=0)), f"frame {t}"
    assert all(np.count_nonzero(v) > 200 for v in first[0][1])
    path = write_scene(tmp_path, "s", spec)
    from vot.dataset import load_sequence

    sequence = load_sequence(str(path))
    assert sorted(sequence.objects()) == ["1", "2", "3"] and len(sequence) == 12
    for i, oid in enumerate(["1", "2", "3"]):
        region = sequence.frame(0).object(oid)
        assert np.array_equal(region.rasterize((0, 0, 319, 239)).astype(bool), first[0][1][i])
    with pytest.raises(ValueError, match="'cross' targets come in pairs"):
        SceneSpec(roles=("cross",))
    with pytest.raises(ValueError, match="roles must be"):
        SceneSpec(roles=("jump",))


@pytest.fixture(scope="module")
def vots_ws(tmp_path_factory) -> Path:
    ws = materialize("vots2025/main-offline", tmp_path_factory.mktemp("vots") / "w", count=2, length=24)
    run(VOT, "evaluate", "--workspace", ws, "RPVT-lite-VOTS", "Static", timeout=1200)
    run(VOT, "analysis", "--workspace", ws, "--name", "vots", "RPVT-lite-VOTS", "Static")
    return ws


def test_every_target_is_tracked_in_one_session(vots_ws):
    from vot.dataset import load_sequence

    for folder in sorted(p for p in (vots_ws / "sequences").iterdir() if p.is_dir()):
        sequence = load_sequence(str(folder))
        times = []
        for oid in sequence.objects():
            out = vots_ws / "results" / "RPVT-lite-VOTS" / "baseline" / folder.name
            lines = (out / f"{folder.name}_{oid}_001.txt").read_text().splitlines()
            assert len(lines) == len(sequence)
            regions = [parse_region(line) for line in lines[1:]]
            assert all(r.__class__.__name__ == "Mask" for r in regions), "VOTS answers are masks"
            times.append((out / f"{folder.name}_{oid}_001_time.value").read_text())
        # One session answers all targets of a frame at once: the toolkit records the same
        # time for each (separate runs per target would each have their own).
        assert len(sequence.objects()) >= 2 and len(set(times)) == 1


def test_vots_tables_rank_the_tracker_above_the_static_box(vots_ws, tmp_path):
    result = read_vots_analysis(vots_ws, "vots")
    q, a, r = result.scores["RPVT-lite-VOTS"][:3]
    assert q > result.scores["Static"][0] + 0.25 and a > 0.5 and r > 0.7
    out = run(RPVT, "tables", vots_ws, "--output", tmp_path).stdout
    assert "| RPVT-lite-VOTS |" in out and "NRE" in out and "ADQ" in out
    assert "\\begin{tabular}{lcccccc}" in (tmp_path / "tables.tex").read_text()


def test_vot_pack_writes_a_complete_submission(vots_ws):
    run(VOT, "pack", "--workspace", vots_ws, "RPVT-lite-VOTS")
    archive = newest_zip(vots_ws)
    names = set(archive.namelist())
    from vot.dataset import load_sequence

    for folder in sorted(p for p in (vots_ws / "sequences").iterdir() if p.is_dir()):
        sequence = load_sequence(str(folder))
        for oid in sequence.objects():
            member = f"baseline/{folder.name}/{folder.name}_{oid}_001.txt"
            assert member in names, f"{member} missing from the zip"
            assert len(archive.read(member).decode().splitlines()) == len(sequence)
    manifest = archive.read("manifest.yml").decode()
    assert yaml.safe_load(manifest)["identifier"] == "RPVT-lite-VOTS"
    assert_no_machine_paths(manifest, vots_ws)


def test_vot_pack_of_a_vot2020_style_workspace(tmp_path):
    ws = materialize("vot2020/shortterm-offline", tmp_path / "w", count=1, length=12)
    stack = ws / "stack.yaml"  # the baseline experiment only: what a VOT2020 submission packs here
    text = stack.read_text()
    stack.write_text(text[: text.index("  unsupervised:")])
    run(VOT, "evaluate", "--workspace", ws, "RPVT-lite", timeout=1200)
    run(VOT, "pack", "--workspace", ws, "RPVT-lite")
    archive = newest_zip(ws)
    results = [n for n in archive.namelist() if n.startswith("baseline/") and n.endswith(".txt") and "_time" not in n]
    anchors = (next(p for p in (ws / "sequences").iterdir() if p.is_dir()) / "anchor.value").read_text().split()
    assert len(results) == sum(1 for a in anchors if a.strip() not in ("0", "0.0"))  # one result per anchor
    manifest = archive.read("manifest.yml").decode()
    assert yaml.safe_load(manifest)["identifier"] == "RPVT-lite"
    assert_no_machine_paths(manifest, ws)


def test_a_trax_session_adds_targets_on_later_frames_and_names_a_bad_one(tmp_path):
    """The toolkit's own TraX client against the server: two targets given on the first frame, a
    third on frame 5 (VOTS lets objects appear later), then an object with an empty mask."""
    from vot.dataset import load_sequence
    from vot.region import Mask
    from vot.tracker import ObjectStatus
    from vot.tracker.trax import TrackerProcess

    sequence = load_sequence(str(write_scene(tmp_path, "s", SceneSpec(length=10, roles=("wander", "wander", "wander"), seed=1))))
    env = {"RPVT_WEIGHTS": "rpvt-lite.pth", "RPVT_VARIANT": "rpvt", "RPVT_PARAMS": "lite-vots", "RPVT_DEVICE": "cpu", "RPVT_THREADS": "2"}
    process = TrackerProcess(f"{sys.executable} -m rpvt_tracker.vot.server", env, timeout=120, log=True)
    try:
        assert process._multiobject, "the server does not advertise multi-object support"
        first = [ObjectStatus(sequence.frame(0).object(oid), {}) for oid in ("1", "2")]
        status, _ = process.initialize(sequence.frame(0), first)
        assert len(status) == 2
        for t in range(1, 8):
            new = [ObjectStatus(sequence.frame(t).object("3"), {})] if t == 5 else []
            status, _ = process.update(sequence.frame(t), new)
            assert len(status) == (2 if t < 5 else 3), f"frame {t}"
            masks = [s.region.rasterize((0, 0, 319, 239)).astype(bool) for s in status]
            for i, oid in enumerate(["1", "2", "3"][: len(status)]):
                truth = sequence.frame(t).object(oid).rasterize((0, 0, 319, 239)).astype(bool)
                assert (masks[i] & truth).sum() / (masks[i] | truth).sum() > 0.5, f"frame {t}, target {oid}"
            assert not any((a & b).any() for i, a in enumerate(masks) for b in masks[i + 1 :])
        with pytest.raises(Exception) as failure:
            process.update(sequence.frame(8), [ObjectStatus(Mask(np.zeros((4, 4), np.uint8), offset=(10, 10)), {})])
    finally:
        process.terminate()
    assert "object 4 given on frame 8" in str(failure.value)
