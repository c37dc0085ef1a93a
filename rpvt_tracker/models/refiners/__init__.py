"""The refiner registry: one name per ablation variant, one class and one parameter type each.

=========  ======================  =========================================================
name       head class              what it is
=========  ======================  =========================================================
d3s        ``D3SHead``              D3S's single-stage pathway (loads ``SegmNet.pth.tar``)
d3s-ms     ``MultiStageHead``       D3S + MMS-style stages 2, 3 (clamped-probability attention)
rpvt       ``CSCRHead``             D3S + CSCR stages 2, 3 (the RPVT paper, Gaussian attention)
=========  ======================  =========================================================
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import D3SHead, HeadOutput, SingleStageParams, StageOutput
from .cscr import CSCRHead, CSCRParams
from .multistage import MultiStageHead, MultiStageParams


@dataclass(frozen=True)
class RefinerSpec:
    """A registered variant: its head class and the frozen dataclass of its parameters."""

    name: str
    head: type[D3SHead]
    params: type
    summary: str


REFINERS: dict[str, RefinerSpec] = {
    spec.name: spec
    for spec in (
        RefinerSpec("d3s", D3SHead, SingleStageParams, "D3S single-stage refinement pathway"),
        RefinerSpec("d3s-ms", MultiStageHead, MultiStageParams, "D3S with a multi-stage (MMS) refiner"),
        RefinerSpec("rpvt", CSCRHead, CSCRParams, "RPVT: cross-stage, cross-resolution (CSCR) refiner"),
    )
}


def get_refiner(name: str) -> RefinerSpec:
    try:
        return REFINERS[name]
    except KeyError:
        raise ValueError(f"unknown variant {name!r}; known: {', '.join(REFINERS)}") from None


__all__ = ["REFINERS", "RefinerSpec", "get_refiner", "HeadOutput", "StageOutput", "D3SHead"]
