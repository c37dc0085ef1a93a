"""The segmentation network: a frozen backbone plus a registered head. Weights only, no state.

Per-sequence data (the first frame's template, the distance map) belongs to the tracker, which
calls ``extract`` / ``make_template`` once at initialisation and ``segment`` every frame; the
training loop calls ``forward``, which does all three on a batch of pairs.

Module names follow D3S (``feature_extractor``, ``segm_predictor``) so that a D3S state dict maps
onto ours key for key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping

import torch
from torch import nn

from .backbone import BackboneFeatures, get_backbone
from .matching import Template
from .refiners import HeadOutput, get_refiner

#: ImageNet statistics the backbone expects; inputs are RGB in [0, 1], then normalised.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class NetworkConfig:
    """Everything needed to rebuild a network before loading its weights.

    * ``variant``: refiner name in ``REFINERS`` (``d3s``, ``d3s-ms``, ``rpvt``).
    * ``backbone``: backbone name in ``BACKBONES``.
    * ``topk_pos`` / ``topk_neg``: top-k of the foreground / background matching (D3S: 3 / 3).
    * ``use_distance_map``: the mixer reads the distance map as a third channel (D3S release: yes).
    * ``refiner_params``: the variant's frozen parameter dataclass; ``None`` means its defaults.
    """

    variant: str = "d3s"
    backbone: str = "resnet50"
    topk_pos: int = 3
    topk_neg: int = 3
    use_distance_map: bool = True
    refiner_params: Any = field(default=None, compare=True)

    def __post_init__(self) -> None:
        spec = get_refiner(self.variant)
        get_backbone(self.backbone)
        if self.refiner_params is None:
            object.__setattr__(self, "refiner_params", spec.params())
        elif not isinstance(self.refiner_params, spec.params):
            raise TypeError(
                f"variant {self.variant!r} takes {spec.params.__name__}, got {type(self.refiner_params).__name__}"
            )
        if self.topk_pos < 1 or self.topk_neg < 1:
            raise ValueError(f"top-k must be >= 1, got topk_pos={self.topk_pos}, topk_neg={self.topk_neg}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (tuples become lists), as stored in checkpoints."""
        return _jsonable(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "NetworkConfig":
        """Inverse of ``to_dict``; unknown keys are an error, missing keys take their defaults."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown network config keys: {sorted(unknown)}")
        values = dict(data)
        raw = values.pop("refiner_params", None)
        spec = get_refiner(values.get("variant", cls.variant))
        params = None if raw is None else _dataclass_from_dict(spec.params, raw)
        return cls(**values, refiner_params=params)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _dataclass_from_dict(cls: type, data: Mapping[str, Any]) -> Any:
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown {cls.__name__} keys: {sorted(unknown)}")

    def as_tuple(v: Any) -> Any:
        return tuple(as_tuple(x) for x in v) if isinstance(v, list) else v

    return cls(**{k: as_tuple(v) for k, v in data.items()})


class SegmentationNetwork(nn.Module):
    """Backbone (frozen) + segmentation head.

    Images are (B, 3, H, W) ImageNet-normalised RGB with H, W multiples of 16 (384 in D3S).
    """

    def __init__(self, config: NetworkConfig) -> None:
        super().__init__()
        self.config = config
        backbone = get_backbone(config.backbone)
        self.feature_extractor = backbone.build()
        # The paper's recipe (and D3S's) never trains the backbone; only a backbone's adapters
        # to the head's widths (``BackboneSpec.trainable``) learn with the head.
        self.feature_extractor.requires_grad_(False)
        for name in backbone.trainable:
            getattr(self.feature_extractor, name).requires_grad_(True)
        spec = get_refiner(config.variant)
        self.segm_predictor = spec.head(
            config.refiner_params,
            backbone_channels=backbone.channels,
            topk_pos=config.topk_pos,
            topk_neg=config.topk_neg,
            use_distance_map=config.use_distance_map,
        )

    def extract(self, images: torch.Tensor) -> BackboneFeatures:
        """images (B, 3, H, W) normalised -> the four backbone levels."""
        if images.dim() != 4 or images.shape[1] != 3:
            raise ValueError(f"images must be (B, 3, H, W), got {tuple(images.shape)}")
        if images.shape[-2] % 16 or images.shape[-1] % 16:
            raise ValueError(f"image height and width must be multiples of 16, got {tuple(images.shape[-2:])}")
        return self.feature_extractor(images)

    def make_template(self, train_feats: BackboneFeatures, train_mask: torch.Tensor) -> Template:
        """train_mask (B, 1, H, W) in [0, 1] at image resolution."""
        return self.segm_predictor.make_template(train_feats.layer3, train_mask)

    def segment(
        self, test_feats: BackboneFeatures, template: Template, distance_map: torch.Tensor | None
    ) -> HeadOutput:
        """One test crop against a template; distance_map (B, 1, H, W) in pixels."""
        return self.segm_predictor(test_feats, template, distance_map)

    def packaged_keys(self) -> set[str]:
        """State-dict keys whose values come from an installed package (not stored in checkpoints)."""
        prefix = get_backbone(self.config.backbone).packaged
        if prefix is None:
            return set()
        return {k for k in self.state_dict() if k.startswith("feature_extractor." + prefix)}

    def parameter_counts(self) -> dict[str, int]:
        """Parameters per part: ``backbone``, ``head`` (embedding, mixer, stage 1) and
        ``stage2``, ``stage3``, ... for multi-stage refiners; BN running statistics excluded."""
        counts = {"backbone": sum(p.numel() for p in self.feature_extractor.parameters()), "head": 0}
        for name, p in self.segm_predictor.named_parameters():
            if name.startswith("stages."):
                key = f"stage{int(name.split('.')[1]) + 2}"
                counts[key] = counts.get(key, 0) + p.numel()
            else:
                counts["head"] += p.numel()
        return counts

    def forward(
        self,
        train_images: torch.Tensor,
        test_images: torch.Tensor,
        train_masks: torch.Tensor,
        test_distance: torch.Tensor | None = None,
    ) -> HeadOutput:
        """Training-style call on a batch of pairs.

        train_images, test_images (B, 3, H, W); train_masks (B, 1, H, W); test_distance
        (B, 1, H, W) or None -> ``HeadOutput`` with (B, 2, H, W) logits.
        """
        template = self.make_template(self.extract(train_images), train_masks)
        return self.segment(self.extract(test_images), template, test_distance)


def build_network(variant: str = "d3s", **config: Any) -> SegmentationNetwork:
    """A randomly initialised network of a registered variant (for training or tests)."""
    return SegmentationNetwork(NetworkConfig(variant=variant, **config))
