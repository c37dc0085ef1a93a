"""``d3s-ms``: D3S with a multi-stage refiner in the manner of Ocean+'s MMS.

Stage 1 is D3S's pathway. Each later stage k re-runs a lighter decoder of D3S's topology on the
previous stage's skip features, each multiplied by the previous stage's foreground probability
clamped to [``attention_min``, 1] (the MMS attention):

    skip_k[r] = project_k[r](a_{k-1}[r] * skip_{k-1}[r])          for every level r
    x_k[0]    = skip_k[0];   x_k[r] = skip_k[r] + upconv_k[r](up(x_k[r-1]))
    m_k       = head_k(up(x_k[finest]))

stage 1's skips being D3S's backbone projections (mixer output, f2(layer2), f1(layer1), f0(conv1)).
The output is the weighted sum of the stage logits (MMS: 1/3 each). Unlike CSCR, a stage sees only
its predecessor's skips: no dense cross-stage sums and no cross-resolution links between stages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from torch import nn

from ..backbone import BackboneFeatures
from ..blocks import conv_block, up_conv
from .attention import clamp_attention
from .base import D3S_WIDTHS, D3SHead, StageOutput, fuse_stages


@dataclass(frozen=True)
class MultiStageParams:
    """Parameters of the ``d3s-ms`` refiner.

    * ``stage_weights``: weight of each stage's logits in the output, stage 1 first (MMS: 1/3 each).
    * ``attention_min``: floor of the clamped foreground probability (MMS: 0.7), so background
      features are damped by at most 30%.
    * ``stage_widths``: decoder widths per level (coarse to fine) of stages 2, 3, ...; lighter than
      D3S's (64, 32, 16, 4), as in MMS.
    """

    stage_weights: tuple[float, ...] = (1 / 3, 1 / 3, 1 / 3)
    attention_min: float = 0.7
    stage_widths: tuple[tuple[int, int, int, int], ...] = ((32, 32, 16, 4), (16, 16, 8, 4))

    def __post_init__(self) -> None:
        if len(self.stage_weights) != 1 + len(self.stage_widths):
            raise ValueError(
                f"d3s-ms: {len(self.stage_weights)} stage weights for {1 + len(self.stage_widths)} stages"
            )
        if not 0.0 <= self.attention_min <= 1.0:
            raise ValueError(f"d3s-ms: attention_min must lie in [0, 1], got {self.attention_min}")
        for widths in self.stage_widths:
            if len(widths) != 4 or min(widths) < 1:
                raise ValueError(f"d3s-ms: stage widths must be 4 positive ints, got {widths}")


class MMSStage(nn.Module):
    """One later stage: ``in_widths`` -> ``widths`` per level, coarse to fine."""

    def __init__(self, in_widths: Sequence[int], widths: Sequence[int]) -> None:
        super().__init__()
        self.project = nn.ModuleList(conv_block(i, o) for i, o in zip(in_widths, widths))
        self.upconv = nn.ModuleList(conv_block(widths[r - 1], widths[r]) for r in range(1, len(widths)))
        self.head = conv_block(widths[-1], 2, relu=False)

    def forward(self, skips: Sequence[torch.Tensor], attention: Sequence[torch.Tensor]) -> StageOutput:
        """skips / attention: per level, coarse to fine; attention maps are (B, 1, h_r, w_r)."""
        projected = tuple(p(a * s) for p, a, s in zip(self.project, attention, skips))
        x = projected[0]
        levels = [x]
        for upconv, skip in zip(self.upconv, projected[1:]):
            x = skip + up_conv(upconv, x)
            levels.append(x)
        return StageOutput(tuple(levels), projected, up_conv(self.head, x))


class MultiStageHead(D3SHead):
    """D3S head + MMS-style stages 2..N."""

    params: MultiStageParams

    def __init__(self, params: MultiStageParams, **kwargs) -> None:
        super().__init__(params, **kwargs)
        in_widths = [D3S_WIDTHS, *params.stage_widths[:-1]]
        self.stages = nn.ModuleList(MMSStage(i, o) for i, o in zip(in_widths, params.stage_widths))

    def refine(self, feats: BackboneFeatures, first: StageOutput) -> tuple[torch.Tensor, ...]:
        logits, skips = [first.logits], first.skips
        sizes = [tuple(s.shape[-2:]) for s in skips]
        for stage in self.stages:
            attention = clamp_attention(logits[-1], sizes, minimum=self.params.attention_min)
            out = stage(skips, attention)
            logits.append(out.logits)
            skips = out.skips
        return tuple(logits)

    def fuse(self, stage_logits: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return fuse_stages(stage_logits, self.params.stage_weights)
