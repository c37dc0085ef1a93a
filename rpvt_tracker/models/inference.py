"""An inference copy of a network: every BatchNorm folded into the convolution before it, and
a backbone's 1x1 adapters folded into the head's convolutions that read them.

In eval mode a BatchNorm after a convolution is an affine map per channel, so it can be
multiplied into the convolution's weights and bias: the same function (float32 rounding aside:
logits within about 1e-6 of their magnitude), one pass over each feature map fewer. On a 2-core
CPU the head's many thin, high-resolution maps (4 and 16 channels at 128-384 pixels) make
those passes a large part of its time (BENCHMARKS.md, "Real time").

A backbone with ``adapters`` (EfficientNet-Lite: 1x1 convolutions from its 16/24/40 channels to
ResNet-50's 64/256/512, only so that the D3S head fits) feeds them to the head's ``f0``, ``f1``,
``f2``, 3x3 convolutions to 4/16/32 channels. Two linear maps in a row are one: the copy's
trunk returns those three levels unadapted and each ``f`` convolution reads them directly
(``ComposedConv``), 10x fewer multiply-adds there and three wide maps never written. ``layer3``
stays adapted: the DCF and the matching embedding read its 1024 channels.

Every 3x3 block of the head is also given ``upsampled(x)``, its output on the 2x nearest-upsampled
``x`` computed from ``x`` itself (``UpsamplingBlock``; the head calls it through
``blocks.up_conv``): no upsampled map is written, which on a CPU costs as much as the
convolution on thin maps.

The copy never trains (``train()`` refuses) and shares nothing with the original, which stays
as it was: a network being trained, or shared with other code, is never changed under it.
Frozen packaged bodies that fold themselves (``FoldedBody`` in ``lite.py``) are left alone.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn


def fold_conv_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> None:
    """Multiply ``bn`` (eval statistics) into ``conv`` in place; ``bn`` must then be dropped."""
    with torch.no_grad():
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
        conv.weight.copy_(conv.weight * scale.view(-1, 1, 1, 1))
        conv.bias = nn.Parameter((bias - bn.running_mean) * scale + bn.bias, requires_grad=False)


def _fold_children(module: nn.Module) -> int:
    """Fold the Conv-then-BN pairs directly inside ``module``: consecutive entries of an
    ``nn.Sequential`` (the head's ``conv_block``s, torchvision's ``downsample``), and attribute
    pairs ``conv<k>`` / ``bn<k>`` (torchvision's ResNet stem and bottlenecks)."""
    folded = 0
    if isinstance(module, nn.Sequential):
        for i in range(len(module) - 1):
            if isinstance(module[i], nn.Conv2d) and isinstance(module[i + 1], nn.BatchNorm2d):
                fold_conv_bn(module[i], module[i + 1])
                module[i + 1] = nn.Identity()
                folded += 1
    for name, child in list(module.named_children()):
        if name.startswith("conv") and isinstance(child, nn.Conv2d):
            bn = getattr(module, "bn" + name[len("conv") :], None)
            if isinstance(bn, nn.BatchNorm2d):
                fold_conv_bn(child, bn)
                setattr(module, "bn" + name[len("conv") :], nn.Identity())
                folded += 1
    return folded


class _InferenceOnly:
    """Mixed into the copy's class: it must never be put back into training mode."""

    def train(self, mode: bool = True):
        if mode:
            raise RuntimeError("this is an inference copy with BatchNorm folded into its convolutions; train the original network")
        return super().train(False)


class ComposedConv(nn.Module):
    """``conv(zero_pad(adapter(x)))`` as one convolution on ``x``: a k x k, stride-1 convolution
    (M -> O channels, "same" zero padding) after a 1x1 one (C -> M, bias a).

    The composed weight is W A; the adapter's bias adds sum_m W[o, m, i, j] a[m] through every
    tap (i, j) that reads the image, and nothing through taps that read the padding (the
    original pads the adapted map with zeros, not with a). So the interior gets the sum over all
    taps, and the border a per-size correction, computed once for each input size.
    Input (B, C, H, W) -> (B, O, H, W).
    """

    def __init__(self, adapter: nn.Conv2d, conv: nn.Conv2d) -> None:
        super().__init__()
        if adapter.kernel_size != (1, 1) or adapter.stride != (1, 1) or conv.stride != (1, 1) or conv.groups != 1:
            raise ValueError("ComposedConv: a 1x1 adapter followed by a stride-1, ungrouped convolution")
        with torch.no_grad():
            a = adapter.bias if adapter.bias is not None else torch.zeros(adapter.out_channels)
            w = conv.weight  # (O, M, k, k)
            self.register_buffer("weight", torch.einsum("omij,mc->ocij", w, adapter.weight[:, :, 0, 0]).contiguous())
            self.register_buffer("tap_bias", torch.einsum("omij,m->oij", w, a).contiguous())  # (O, k, k)
            conv_bias = conv.bias if conv.bias is not None else torch.zeros(conv.out_channels)
            self.register_buffer("bias", conv_bias + self.tap_bias.sum((1, 2)))
        self.padding = conv.padding
        self._corrections: dict[tuple, torch.Tensor] = {}

    def _apply(self, fn, recurse=True):  # .to() and friends: the cached corrections are stale
        self._corrections = {}
        return super()._apply(fn, recurse)

    def correction(self, size: tuple[int, int]) -> torch.Tensor:
        """(1, O, H, W): minus the adapter bias that the padding's taps wrongly added."""
        key = (size, self.weight.device, self.weight.dtype)
        if key not in self._corrections:
            ones = torch.ones(1, 1, *size, device=self.weight.device, dtype=self.weight.dtype)
            reached = F.conv2d(ones, self.tap_bias[:, None], padding=self.padding)  # the taps that read the image
            self._corrections[key] = reached - self.tap_bias.sum((1, 2)).view(1, -1, 1, 1)
        return self._corrections[key]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight, self.bias, padding=self.padding) + self.correction(tuple(x.shape[-2:]))


def subpixel_weights(weight: torch.Tensor, bias: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """A 3x3 convolution (O, C, 3, 3) on the 2x nearest upsampling of x, as a 3x3 convolution on
    x with 4 O outputs followed by ``pixel_shuffle(., 2)``.

    Output pixel (2i + a, 2j + b) reads upsampled rows 2i + a + dy, dy in {-1, 0, 1}, which are
    rows i + (a + dy) // 2 of x: tap dy lands on x's offset (a + dy) // 2, so phase a sums the
    taps that share an offset. Zero padding maps to zero padding (upsampled row -1 is x's row
    -1). Channel o * 4 + a * 2 + b holds phase (a, b) of output o, as ``pixel_shuffle`` wants.
    """
    out, cin = weight.shape[:2]
    phases = weight.new_zeros(out, 2, 2, cin, 3, 3)
    for a in range(2):
        for b in range(2):
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    phases[:, a, b, :, (a + dy) // 2 + 1, (b + dx) // 2 + 1] += weight[:, :, dy + 1, dx + 1]
    return phases.reshape(out * 4, cin, 3, 3).contiguous(), bias.repeat_interleave(4)


class UpsamplingBlock(nn.Sequential):
    """A folded conv block (3x3 conv, folded BN, optional ReLU) that can also take its input at
    half resolution: ``upsampled(x)`` == ``self(upsample2(x))`` (float rounding aside)."""

    def __init__(self, block: nn.Sequential) -> None:
        super().__init__(*block)
        conv = block[0]
        weight, bias = subpixel_weights(conv.weight.detach(), conv.bias.detach())
        self.register_buffer("phase_weight", weight)
        self.register_buffer("phase_bias", bias)

    def upsampled(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, C, H, W) -> (B, O, 2H, 2W)."""
        y = F.pixel_shuffle(F.conv2d(x, self.phase_weight, self.phase_bias, padding=1), 2)
        for layer in list(self)[1:]:  # the folded BN's Identity, the ReLU
            y = layer(y)
        return y


def _upsampling_blocks(root: nn.Module) -> None:
    """Make every folded 3x3 conv block under ``root`` an ``UpsamplingBlock``."""
    for parent in list(root.modules()):
        for name, child in list(parent.named_children()):
            if (
                type(child) is nn.Sequential and len(child) >= 2 and type(child[0]) is nn.Conv2d and isinstance(child[1], nn.Identity)
                and child[0].kernel_size == (3, 3) and child[0].stride == (1, 1) and child[0].padding == (1, 1)
                and child[0].groups == 1 and child[0].bias is not None
            ):
                setattr(parent, name, UpsamplingBlock(child))


#: Head blocks that read backbone levels conv1, layer1, layer2 (index in ``BackboneFeatures``).
_ADAPTED_READERS = (("f0", 0), ("f1", 1), ("f2", 2))


def _fold_adapters(network: nn.Module) -> None:
    trunk, head = network.feature_extractor, network.segm_predictor
    adapters = getattr(trunk, "adapters", None)
    if adapters is None:
        return
    for name, level in _ADAPTED_READERS:
        block = getattr(head, name)  # Sequential(conv, Identity (folded BN), ReLU)
        block[0] = ComposedConv(adapters[level], block[0])
    trunk.raw_levels = tuple(level for _, level in _ADAPTED_READERS)


def fold_batchnorm(network: nn.Module) -> nn.Module:
    """An eval-mode copy of ``network`` with every Conv -> BatchNorm pair folded and, for a
    ``SegmentationNetwork`` on an adapted backbone, the adapters folded into the head (see the
    module docstring); the original is untouched. An inference copy is returned as it is (it
    holds weights only, so trackers may share it)."""
    if isinstance(network, _InferenceOnly):
        return network
    folded = copy.deepcopy(network).eval()
    for module in folded.modules():
        _fold_children(module)
    if hasattr(folded, "feature_extractor") and hasattr(folded, "segm_predictor"):
        _fold_adapters(folded)
        _upsampling_blocks(folded.segm_predictor)
    folded.requires_grad_(False)
    folded.__class__ = type(f"Folded{type(network).__name__}", (_InferenceOnly, type(network)), {})
    return folded
