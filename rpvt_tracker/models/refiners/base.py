"""The D3S head, which every variant shares: embedding, matching, mixer and the stage-1 pathway.

Stage 1 is exactly D3S's single-stage refinement pathway (D3S_REFERENCE section 2.3), with D3S's
module names (``segment0``, ``mixer``, ``s3``, ``f2``, ``post0``, ...) as direct attributes, so the
released checkpoint's ``segm_predictor.*`` keys load strictly into the ``d3s`` variant and into
stage 1 of the multi-stage variants. Subclasses add later stages by overriding ``refine`` and
register under a name in ``rpvt_tracker.models.refiners.REFINERS``.

Levels are listed coarse to fine: index 0 is stride 16 (24x24 for a 384 crop), then 48, 96, 192.
Decoder widths at those levels are (64, 32, 16, 4); logits come at the input resolution.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..backbone import BackboneFeatures
from ..blocks import conv_block, up_conv
from ..matching import MatchResult, Template, make_template, match

#: Decoder widths of the D3S pathway per level, coarse to fine.
D3S_WIDTHS = (64, 32, 16, 4)


@dataclass(frozen=True)
class StageOutput:
    """One refinement stage.

    * ``levels``: decoder features per level, coarse to fine, e.g. (64@24, 32@48, 16@96, 4@192).
    * ``skips``: the backbone-derived features the stage fused in at each level, same shapes.
    * ``logits``: (B, 2, H, W) at input resolution, channel 0 = foreground.
    """

    levels: tuple[torch.Tensor, ...]
    skips: tuple[torch.Tensor, ...]
    logits: torch.Tensor


@dataclass(frozen=True)
class HeadOutput:
    """What a head returns.

    * ``logits``: (B, 2, H, W), the final (for multi-stage heads: weighted-sum) logits, channel 0
      = foreground, channel 1 = background. ``softmax(logits, 1)[:, 0]`` is the mask probability.
    * ``stage_logits``: one (B, 2, H, W) tensor per stage, for deep supervision and inspection.
    * ``match``: the foreground/background matching maps at feature resolution.
    """

    logits: torch.Tensor
    stage_logits: tuple[torch.Tensor, ...]
    match: MatchResult


@dataclass(frozen=True)
class SingleStageParams:
    """The D3S pathway has no tunable parameters: its structure is fixed by the checkpoint."""


def fuse_stages(stage_logits: tuple[torch.Tensor, ...], weights: tuple[float, ...]) -> torch.Tensor:
    """Weighted sum of stage logits, each (B, 2, H, W)."""
    fused = stage_logits[0] * weights[0]
    for logits, weight in zip(stage_logits[1:], weights[1:]):
        fused = fused + logits * weight
    return fused


class D3SHead(nn.Module):
    """D3S's segmentation head (also stage 1 of the multi-stage heads).

    Args:
        params: the variant's parameters (``SingleStageParams`` here; subclasses have their own).
        layer3_channels..conv1_channels: backbone widths (ResNet-50: 1024, 512, 256, 64).
        topk_pos, topk_neg: top-k of the foreground / background matching (D3S: 3 and 3).
        use_distance_map: whether the mixer reads the distance-map channel (D3S release: yes,
            ``mixer_channels=3``).
    """

    def __init__(
        self,
        params: object,
        *,
        backbone_channels: tuple[int, int, int, int] = (64, 256, 512, 1024),
        topk_pos: int = 3,
        topk_neg: int = 3,
        use_distance_map: bool = True,
    ) -> None:
        super().__init__()
        self.params = params
        self.topk_pos, self.topk_neg, self.use_distance_map = topk_pos, topk_neg, use_distance_map
        c_conv1, c_layer1, c_layer2, c_layer3 = backbone_channels
        w24, w48, w96, w192 = D3S_WIDTHS
        # Embedding of layer3 for the matching: 1x1 conv+BN+ReLU, then 3x3 conv+BN (no ReLU).
        self.segment0 = conv_block(c_layer3, 64, kernel_size=1)
        self.segment1 = conv_block(64, 64, relu=False)
        self.mixer = conv_block(3 if use_distance_map else 2, w24)
        # Stage-1 pathway, D3S names: f* project backbone skips, s*/post* carry the decoder upward.
        self.s3, self.s2, self.f2 = conv_block(w24, w48), conv_block(w48, w48), conv_block(c_layer2, w48)
        self.post2, self.s1, self.f1 = conv_block(w48, w96), conv_block(w96, w96), conv_block(c_layer1, w96)
        self.post1, self.s0, self.f0 = conv_block(w96, w192), conv_block(w192, w192), conv_block(c_conv1, w192)
        self.post0 = conv_block(w192, 2, relu=False)

    # -- matching ---------------------------------------------------------------------------------
    def embed(self, layer3: torch.Tensor) -> torch.Tensor:
        """layer3 (B, 1024, h, w) -> embedding (B, 64, h, w), not normalised."""
        return self.segment1(self.segment0(layer3))

    def make_template(self, train_layer3: torch.Tensor, train_mask: torch.Tensor) -> Template:
        """First-frame template: train_layer3 (B, 1024, h, w), train_mask (B, 1, H, W) in [0, 1]."""
        return make_template(self.embed(train_layer3), train_mask)

    def match(self, test_layer3: torch.Tensor, template: Template, distance_map: torch.Tensor | None) -> MatchResult:
        """distance_map: (B, 1, H, W) in pixels, required iff ``use_distance_map``."""
        if self.use_distance_map and distance_map is None:
            raise ValueError("this head's mixer reads a distance map (use_distance_map=True), but none was given")
        return match(
            self.embed(test_layer3),
            template,
            topk_pos=self.topk_pos,
            topk_neg=self.topk_neg,
            distance_map=distance_map if self.use_distance_map else None,
        )

    # -- refinement -------------------------------------------------------------------------------
    def stage1(self, feats: BackboneFeatures, mixer_input: torch.Tensor) -> StageOutput:
        """D3S's pathway. mixer_input (B, 2|3, h, w) -> 2-channel logits at 16x its resolution."""
        x24 = self.mixer(mixer_input)
        p48 = self.f2(feats.layer2)
        x48 = p48 + self.s2(up_conv(self.s3, x24))
        p96 = self.f1(feats.layer1)
        x96 = p96 + self.s1(up_conv(self.post2, x48))
        p192 = self.f0(feats.conv1)
        x192 = p192 + self.s0(up_conv(self.post1, x96))
        logits = up_conv(self.post0, x192)
        # At the coarsest level the mixer output is both the "backbone" input and stage 1's feature.
        return StageOutput((x24, x48, x96, x192), (x24, p48, p96, p192), logits)

    def refine(self, feats: BackboneFeatures, first: StageOutput) -> tuple[torch.Tensor, ...]:
        """Later stages; returns the logits of every stage, first included. D3S has one stage."""
        return (first.logits,)

    def fuse(self, stage_logits: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return stage_logits[0]

    def forward(
        self, test_feats: BackboneFeatures, template: Template, distance_map: torch.Tensor | None
    ) -> HeadOutput:
        matched = self.match(test_feats.layer3, template, distance_map)
        stages = self.refine(test_feats, self.stage1(test_feats, matched.mixer_input))
        return HeadOutput(self.fuse(stages), stages, matched)
