"""The ``rpvt`` command, run as a user runs it: a separate process through the installed script."""

import json
import shutil
import subprocess
import sys

import pytest
import torch
from conftest import D3S_CHECKPOINT


def rpvt(*args, check=True):
    exe = shutil.which("rpvt")
    cmd = [exe] if exe else [sys.executable, "-m", "rpvt_tracker.cli"]
    result = subprocess.run([*cmd, *map(str, args)], capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_variants_lists_the_registry():
    out = rpvt("variants").stdout.split("\n")
    assert [line.split()[0] for line in out if line] == ["d3s", "d3s-ms", "rpvt"]


def test_info_on_the_d3s_file():
    info = json.loads(rpvt("info", D3S_CHECKPOINT).stdout)
    assert info["format"].startswith("original D3S")
    assert info["config"]["variant"] == "d3s"
    assert info["parameters"]["head"] == 327154
    assert info["metadata"]["d3s_epoch"] == 40


def test_convert_d3s_to_rpvt_then_info(tmp_path):
    out = tmp_path / "rpvt_init.pth"
    assert "variant rpvt" in rpvt("convert", D3S_CHECKPOINT, out, "--variant", "rpvt").stdout
    raw = torch.load(out, weights_only=True)
    assert raw["config"]["variant"] == "rpvt" and raw["metadata"]["source_format"] == "d3s"
    info = json.loads(rpvt("info", out).stdout)
    assert set(info["parameters"]) == {"backbone", "head", "stage2", "stage3"}


@pytest.mark.parametrize("args", [("info", "/nonexistent/x.pth"), ("convert", "/nonexistent/x.pth", "/tmp/y.pth")])
def test_errors_name_the_file_and_exit_2(args):
    result = rpvt(*args, check=False)
    assert result.returncode == 2
    assert "/nonexistent/x.pth: no such file" in result.stderr
    assert "Traceback" not in result.stderr
