"""Loss and metric. Logits (B, 2, S, S) with channel 0 = foreground; masks (B, 1, S, S) in [0, 1]
(D3S trains on the cropped mask as resized, fractional at its edges; ``TrainConfig.soft_test_mask``)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..models import HeadOutput


def bce(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """D3S's loss: BCE-with-logits against [mask, 1 - mask], averaged over pixels and channels."""
    return F.binary_cross_entropy_with_logits(logits.float(), torch.cat([mask, 1 - mask], dim=1))


def segmentation_loss(out: HeadOutput, mask: torch.Tensor, stage_weight: float) -> tuple[torch.Tensor, dict[str, float]]:
    """Loss of the fused output, plus ``stage_weight`` x each stage's own loss when there are
    several stages (deep supervision). Single-stage (d3s): just the output's loss, as D3S."""
    fused = bce(out.logits, mask)
    parts = {"loss_output": float(fused.detach())}
    if len(out.stage_logits) == 1:
        return fused, parts
    total = fused
    for k, logits in enumerate(out.stage_logits, 1):
        stage = bce(logits, mask)
        parts[f"loss_stage{k}"] = float(stage.detach())
        total = total + stage_weight * stage
    return total, parts


@torch.no_grad()
def iou(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per-sample IoU of (foreground probability > 0.5) with the mask; 1 when both are empty."""
    pred = torch.softmax(logits.float(), dim=1)[:, :1] > 0.5
    truth = mask > 0.5
    inter = (pred & truth).flatten(1).sum(1).float()
    union = (pred | truth).flatten(1).sum(1).float()
    return torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(union))
