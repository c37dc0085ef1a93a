"""Materialising VOT toolkit workspaces from ``workspace_template/`` (``rpvt workspace``).

Each template folder is a stack name: ``vot2016/rgb``, ``vot2018/shortterm``, ``vot2020/shortterm``
(the real benchmarks; the toolkit downloads their data) and their ``-offline`` twins, which hold
a ``stack.yaml`` pattern and a ``sequences.json`` generator spec:

    {"count": 8, "length": 100, "region": "polygon" | "mask", "seed": 2016,
     "size": [320, 240], "eao": [0.1, 0.9]}

``eao`` gives the EAO interval as fractions of the sequence length (written into the stack).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .synthetic import SequenceSpec, write_dataset

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "workspace_template"
TRACKERS_INI = REPO / "trackers.ini"


def available_stacks() -> list[str]:
    if not TEMPLATES.is_dir():
        return []
    return sorted(str(p.parent.relative_to(TEMPLATES)) for p in TEMPLATES.glob("*/*/config.yaml"))


def materialize(
    stack: str,
    directory: str | Path,
    *,
    trackers_ini: str | Path | None = None,
    count: int | None = None,
    length: int | None = None,
) -> Path:
    """Create a workspace for ``stack`` in ``directory`` (new or empty); returns its path.

    ``trackers_ini``: the registry to copy in (default: the repository's ``trackers.ini``).
    ``count`` / ``length``: override an offline twin's number and length of sequences.
    """
    source = TEMPLATES / stack
    if not (source / "config.yaml").is_file():
        known = ", ".join(available_stacks()) or f"none ({TEMPLATES} is missing)"
        raise ValueError(f"unknown workspace template {stack!r}; available: {known}")
    target = Path(directory)
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target}: exists and is not empty (a workspace is never overwritten)")
    registry = Path(trackers_ini) if trackers_ini else TRACKERS_INI
    if not registry.is_file():
        raise FileNotFoundError(f"{registry}: no such trackers.ini")
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "config.yaml", target / "config.yaml")
    shutil.copy(registry, target / "trackers.ini")
    spec_file = source / "sequences.json"
    if spec_file.is_file():
        settings = json.loads(spec_file.read_text())
        n = count if count is not None else int(settings["count"])
        frames = length if length is not None else int(settings["length"])
        if n < 1 or frames < 10:
            raise ValueError(f"an offline workspace needs >= 1 sequence of >= 10 frames, got {n} x {frames}")
        low, high = (max(1, round(f * frames)) for f in settings["eao"])
        pattern = (source / "stack.yaml").read_text()
        (target / "stack.yaml").write_text(pattern.format(eao_low=low, eao_high=high, length=frames))
        spec = SequenceSpec(
            length=frames,
            size=tuple(settings["size"]),
            region=settings["region"],
            seed=int(settings["seed"]),
            anchor_spacing=max(5, frames // 5),
        )
        write_dataset(target / "sequences", n, spec, prefix=stack.split("/")[0] + "-")
    return target
