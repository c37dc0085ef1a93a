"""Small layers shared by every refinement pathway.

D3S builds its whole head from one block, a 3x3 convolution with bias followed by BatchNorm and
(usually) a ReLU, stored as ``nn.Sequential(conv, bn[, relu])`` so that its state-dict keys read
``<name>.0.weight`` (conv) and ``<name>.1.running_mean`` (BN). Keeping exactly that layout is what
lets the released D3S checkpoint load strictly into our ``d3s`` head.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv_block(in_channels: int, out_channels: int, *, kernel_size: int = 3, relu: bool = True) -> nn.Sequential:
    """Conv(k x k, 'same' padding, bias) -> BatchNorm2d -> ReLU (optional), initialised as D3S does."""
    conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=True)
    # D3S initialises every head conv with Kaiming-normal (fan_in) and zero bias.
    nn.init.kaiming_normal_(conv.weight, mode="fan_in")
    nn.init.zeros_(conv.bias)
    layers: list[nn.Module] = [conv, nn.BatchNorm2d(out_channels)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def upsample2(x: torch.Tensor) -> torch.Tensor:
    """2x nearest-neighbour upsampling, (B, C, H, W) -> (B, C, 2H, 2W).

    Nearest, not bilinear: D3S calls ``F.upsample(scale_factor=2)`` whose default mode is nearest,
    and the released weights were trained with it.
    """
    return F.interpolate(x, scale_factor=2.0, mode="nearest")


def up_conv(block: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``block(upsample2(x))``: a conv block applied to the 2x nearest-upsampled ``x``. An
    inference copy's block may do both in one step (``block.upsampled``, models/inference.py)."""
    upsampled = getattr(block, "upsampled", None)
    return upsampled(x) if upsampled is not None else block(upsample2(x))


def resize_nearest(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Nearest resampling to ``size`` (H, W); for a 384 -> 24 map it picks pixel 16*i as D3S does."""
    return F.interpolate(x, size=size, mode="nearest")
