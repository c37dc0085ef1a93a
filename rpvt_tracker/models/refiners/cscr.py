"""``rpvt``: the CSCR (cross-stage, cross-resolution) refiner of the RPVT paper, section 3.

Notation: X[r, s] is the decoder feature at level r (coarse to fine: strides 16, 8, 4, 2, widths
64, 32, 16, 4) of stage s. Stage 0 is the backbone, represented by D3S's learnt projections of it
(the mixer output at stride 16, f2(layer2), f1(layer1), f0(conv1)). Stage 1 is D3S's pathway
unchanged, which already has the form of equation (3) with stage 0 as its predecessor, and which
is what lets stage 1 start from a D3S checkpoint. Stages 2..N are ``CSCRStage`` modules:

* Eq. (1), cross-stage fusion, F[N, a] = sum_{i<a} F[N, i]: a stage's input at a level is the sum
  of the features of *all* earlier stages at that level (skip connections across stages, as in
  U-Net++'s dense skip pathways). At stride 16 stages 0 and 1 coincide (D3S has no decoder there),
  so that feature is counted once.
* Eq. (2), cross-resolution fusion, F[b, N+1] = F[b-1, N+1] + F[b-1, N]: a stage's feature at a
  level also adds the upsampled lower-resolution feature of its own stage and of the previous
  stage.
* Eq. (3) = both: X[r, s] = C(sum_{i<s} X[r, i]) + U(up(X[r-1, s])) + V(up(X[r-1, s-1])).
  C, U, V are the D3S block (3x3 conv + BN + ReLU); U and V also change the width to level r's.
* Attention (section 3.3): stage s reads the features of earlier stages multiplied by a Gaussian
  attention map derived from stage s-1's mask (``gaussian_attention``: a 2-D Gaussian fitted to
  the mask's spatial moments, floored at ``attention_floor``).
* Output (section 3.3): each stage ends in a 2-channel head at input resolution; the final logits
  are the weighted sum of the stage logits with ``stage_weights``. The rotated box is fitted to
  the resulting mask by the tracker (ellipse fitting), not here.

Choices the paper leaves open, all parameters below: the form and widths of the Gaussian, the
weights of the sum (equal, as MMS, so the ablation against ``d3s-ms`` changes only the pathway),
and the decoder widths (D3S's at every stage, which equation (1)'s sums require).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from torch import nn

from ..backbone import BackboneFeatures
from ..blocks import conv_block, up_conv
from .attention import gaussian_attention
from .base import D3S_WIDTHS, D3SHead, StageOutput, fuse_stages


@dataclass(frozen=True)
class CSCRParams:
    """Parameters of the ``rpvt`` (CSCR) refiner.

    * ``stage_weights``: weight of each stage's logits in the output, stage 1 first; its length
      is the number of stages (the paper: three).
    * ``attention_floor``: attention value far from the target, in [0, 1].
    * ``attention_width``: the Gaussian's standard deviation as a multiple of the mask's own
      spatial standard deviation.
    """

    stage_weights: tuple[float, ...] = (1 / 3, 1 / 3, 1 / 3)
    attention_floor: float = 0.5
    attention_width: float = 2.0

    def __post_init__(self) -> None:
        if len(self.stage_weights) < 1:
            raise ValueError("rpvt: at least one stage weight is needed")
        if not 0.0 <= self.attention_floor <= 1.0:
            raise ValueError(f"rpvt: attention_floor must lie in [0, 1], got {self.attention_floor}")
        if self.attention_width <= 0.0:
            raise ValueError(f"rpvt: attention_width must be positive, got {self.attention_width}")


class CSCRStage(nn.Module):
    """One stage s >= 2 of equation (3); widths per level, coarse to fine."""

    def __init__(self, widths: Sequence[int] = D3S_WIDTHS) -> None:
        super().__init__()
        self.cross_stage = nn.ModuleList(conv_block(w, w) for w in widths)  # C: eq. (1) input
        self.same_stage = nn.ModuleList(conv_block(widths[r - 1], widths[r]) for r in range(1, len(widths)))  # U
        self.prev_stage = nn.ModuleList(conv_block(widths[r - 1], widths[r]) for r in range(1, len(widths)))  # V
        self.head = conv_block(widths[-1], 2, relu=False)

    def forward(self, dense: Sequence[torch.Tensor], previous: Sequence[torch.Tensor]) -> StageOutput:
        """dense[r] = attention * sum_{i<s} X[r, i]; previous[r] = attention * X[r, s-1]."""
        x = self.cross_stage[0](dense[0])  # coarsest level: nothing lower to fuse
        levels = [x]
        for r in range(1, len(dense)):
            x = (
                self.cross_stage[r](dense[r])  # eq. (1): all earlier stages at this level
                + up_conv(self.same_stage[r - 1], x)  # eq. (2): F[b-1, N+1], own stage, lower res
                + up_conv(self.prev_stage[r - 1], previous[r - 1])  # eq. (2): F[b-1, N], previous stage
            )
            levels.append(x)
        return StageOutput(tuple(levels), tuple(dense), up_conv(self.head, x))


class CSCRHead(D3SHead):
    """D3S head whose pathway continues with CSCR stages 2..N."""

    params: CSCRParams

    def __init__(self, params: CSCRParams, **kwargs) -> None:
        super().__init__(params, **kwargs)
        self.stages = nn.ModuleList(CSCRStage() for _ in range(len(params.stage_weights) - 1))

    def refine(self, feats: BackboneFeatures, first: StageOutput) -> tuple[torch.Tensor, ...]:
        # Running eq. (1) sums: stage 0 (skips) + stage 1 (levels); at stride 16 they coincide.
        dense = [first.skips[0]] + [s + x for s, x in zip(first.skips[1:], first.levels[1:])]
        previous, logits = first.levels, [first.logits]
        sizes = [tuple(x.shape[-2:]) for x in dense]
        for stage in self.stages:
            attention = gaussian_attention(
                logits[-1], sizes, floor=self.params.attention_floor, width=self.params.attention_width
            )
            out = stage([a * d for a, d in zip(attention, dense)], [a * p for a, p in zip(attention, previous)])
            dense = [d + x for d, x in zip(dense, out.levels)]
            previous = out.levels
            logits.append(out.logits)
        return tuple(logits)

    def fuse(self, stage_logits: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return fuse_stages(stage_logits, self.params.stage_weights)
