"""Benchmarks outside the VOT toolkit, as the paper reports them: DAVIS 2016 (``vos``, Table 5),
GOT-10k (``got10k``, Table 4) and LaSOT (``lasot``, Figure 6). Each runs a tracker built by
``tracking.build`` under its benchmark's protocol, writes results in the layout the benchmark's
own tools read, scores them and prints the paper's layout beside the published numbers
(``vot/published.py``)."""

from __future__ import annotations

from pathlib import Path


def result_name(name: str | None, weights: str | Path) -> str:
    """The name a run's results are filed under: ``--name``, else the weights file's stem. It
    names folders, so it must be a plain name."""
    name = name or Path(weights).stem
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise ValueError(f"--name must be a plain name (it names the result folders), got {name!r}")
    return name
