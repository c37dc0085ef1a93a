"""The import arrows of the package docstring, checked: each part imported alone, in a fresh
interpreter, loads only the parts it may import (training never reaches the tracking path)."""

from __future__ import annotations

import subprocess
import sys

import pytest

ALLOWED = {
    "geometry": {"geometry"},
    "dcf": {"dcf", "geometry", "models", "devices"},
    "models": {"models", "geometry", "devices"},
    "tracking": {"tracking", "models", "dcf", "geometry", "devices"},
    "resources": {"resources"},
    "vot.server": {"vot", "tracking", "models", "dcf", "geometry", "devices", "resources"},
    "vot.workspace": {"vot", "tracking", "models", "dcf", "geometry", "devices", "resources"},
    "train": {"train", "tracking", "models", "dcf", "geometry", "devices"},
    "train.ablation": {"train"},
    "evaluation.vos": {"evaluation", "vot", "tracking", "models", "dcf", "geometry", "devices", "resources"},
    "evaluation.got10k": {"evaluation", "vot", "tracking", "models", "dcf", "geometry", "devices", "resources"},
    "evaluation.lasot": {"evaluation", "vot", "tracking", "models", "dcf", "geometry", "devices", "resources"},
    # --ray (docs/cluster.md): the options alone, then the task code on top of the tracking path.
    "cluster": {"cluster"},
    "cluster.vot_tasks": {"cluster", "tracking", "models", "dcf", "geometry", "devices"},
    "cluster.sequence_tasks": {"cluster", "tracking", "models", "dcf", "geometry", "devices"},
}


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_imports_flow_one_way(part):
    code = (
        "import sys\n"
        f"import rpvt_tracker.{part}\n"
        "print(' '.join(sorted({m.split('.')[1] for m in sys.modules if m.startswith('rpvt_tracker.')})))\n"
    )
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120).stdout.split())
    assert loaded <= ALLOWED[part], f"rpvt_tracker.{part} loads {sorted(loaded - ALLOWED[part])}"
