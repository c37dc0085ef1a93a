"""Installed like a user installs it: a wheel built from this tree, installed (not editable) into
a throwaway environment with no source tree on its path, used from an empty folder.

The throwaway environment reuses this environment's installed dependencies (torch, the toolkit)
through a ``.pth`` line, so nothing is downloaded; the package itself comes only from the wheel.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from rpvt_tracker import resources

REPO = Path(__file__).resolve().parents[1]


def run(args, *, cwd, timeout=600, env=None):
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert result.returncode == 0, f"{args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """Build the wheel, make a venv that sees only the dependencies, install the wheel into it."""
    base = tmp_path_factory.mktemp("install")
    run([sys.executable, "-m", "pip", "wheel", REPO, "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", base / "dist"], cwd=base)
    (wheel,) = (base / "dist").glob("rpvt_tracker-*.whl")
    venv = base / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=base)
    python = venv / "bin" / "python"
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=base).strip())
    # The dependencies, as plain path entries: the editable install's own .pth hooks in that
    # folder are not processed, so the checkout stays invisible to the new environment.
    (site / "_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    # --ignore-installed: the editable rpvt-tracker visible through that path is neither
    # uninstalled nor taken for this one.
    run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", "-q", wheel], cwd=base)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "RPVT_WEIGHTS_DIR", "RPVT_DAVIS")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VOT_RESULTS_BINARY"] = "0"
    empty = base / "empty"
    empty.mkdir()
    return {"wheel": wheel, "python": python, "bin": venv / "bin", "env": env, "cwd": empty, "site": site}


def test_wheel_carries_the_data_files(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for required in ("trackers.ini", "weights/rpvt-lite.pth", "weights/d3s-lite.pth", "weights/d3s-ms-lite.pth",
                     "workspace_template/vot2020/shortterm-offline/config.yaml", "workspace_template/vots2025/main-offline/stack.yaml",
                     "data/davis2016/JPEGImages/480p/blackswan/00000.jpg"):
        assert f"rpvt_tracker/_data/{required}" in names, required
    # Everything resources.PACKAGED names travels (setup.py reads that list).
    for name in resources.PACKAGED:
        assert any(n.startswith(f"rpvt_tracker/_data/{name}") for n in names), name
    assert not any("__pycache__" in n for n in names)


def test_installed_package_finds_its_data_without_the_source_tree(installed):
    out = run([installed["python"], "-c", "import rpvt_tracker, rpvt_tracker.resources as r; print(rpvt_tracker.__file__); print(r.data_root())"],
              cwd=installed["cwd"], env=installed["env"])
    module, root = out.split()
    assert Path(module).is_relative_to(installed["site"]) and not Path(module).is_relative_to(REPO)
    assert Path(root) == installed["site"] / "rpvt_tracker" / "_data"


def test_workspace_track_and_vot_evaluate_from_an_empty_folder(installed):
    cwd, env, bin_ = installed["cwd"], installed["env"], installed["bin"]
    run([bin_ / "rpvt", "workspace", "vot2020/shortterm-offline", "ws", "--sequences", "1", "--length", "10"], cwd=cwd, env=env)
    run([bin_ / "rpvt", "workspace", "vot2018/shortterm-davis", "davis"], cwd=cwd, env=env)
    assert sorted(p.name for p in (cwd / "davis" / "sequences").iterdir() if p.is_dir()) == ["blackswan", "car-shadow", "scooter-black"]
    sequence = cwd / "ws" / "sequences" / "vot2020-01"
    out = run([bin_ / "rpvt", "track", sequence, "--weights", "rpvt-lite.pth", "--params", "lite", "--output", "out", "--threads", "2", "--quiet"],
              cwd=cwd, env=env)
    assert "9 frames" in out, out  # tracked after the initialisation
    assert len((cwd / "out" / "vot2020-01.txt").read_text().splitlines()) == 10
    # The toolkit starts the tracker with this environment's interpreter, in a temporary folder.
    run([installed["python"], "-m", "vot", "evaluate", "--workspace", cwd / "ws", "RPVT-lite"], cwd=cwd, env=env, timeout=900)
    results = cwd / "ws" / "results" / "RPVT-lite" / "baseline" / "vot2020-01"
    first = results / "vot2020-01_00000000.txt"  # the anchor run from frame 1, forward to the end
    assert first.is_file(), f"no result in {results}: {sorted(p.name for p in results.glob('*'))}"
    lines = first.read_text().splitlines()
    assert len(lines) == 10 and lines[0] == "1"  # initialised, then a region every frame
    assert all(line.startswith("m") for line in lines[1:])  # masks, as the VOT2020 stack asks


def test_a_vots_submission_from_an_empty_folder(installed):
    """The VOTS path of README "Taking part in VOTS", on the offline twin, with the wheel: one
    multi-object session a sequence, then the zip a participant submits."""
    cwd, env, bin_ = installed["cwd"], installed["env"], installed["bin"]
    run([bin_ / "rpvt", "workspace", "vots2025/main-offline", "vots", "--sequences", "1", "--length", "12"], cwd=cwd, env=env)
    run([installed["python"], "-m", "vot", "evaluate", "--workspace", cwd / "vots", "RPVT-lite-VOTS"], cwd=cwd, env=env, timeout=900)
    run([installed["python"], "-m", "vot", "pack", "--workspace", cwd / "vots", "RPVT-lite-VOTS"], cwd=cwd, env=env)
    (archive,) = (cwd / "vots").glob("RPVT-lite-VOTS_*.zip")
    names = zipfile.ZipFile(archive).namelist()
    targets = sorted((cwd / "vots" / "sequences" / "vots2025-01").glob("groundtruth_*.txt"))
    assert len(targets) >= 2
    for gt in targets:
        assert f"baseline/vots2025-01/vots2025-01_{gt.stem.split('_')[1]}_001.txt" in names
    manifest = zipfile.ZipFile(archive).read("manifest.yml").decode()
    assert "identifier: RPVT-lite-VOTS" in manifest and str(installed["site"]) not in manifest and str(cwd) not in manifest
