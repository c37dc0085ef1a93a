"""The segmentation network (weights only): backbone, matching, refiner registry, checkpoints.

Typical use::

    from rpvt_tracker.models import load_network
    net = load_network("SegmNet.pth.tar", variant="d3s", device="cpu")
"""

from .backbone import BACKBONES, BackboneFeatures
from .checkpoint import Checkpoint, CheckpointError, load_network, read_checkpoint, save_checkpoint
from .matching import MatchResult, Template
from .network import IMAGENET_MEAN, IMAGENET_STD, NetworkConfig, SegmentationNetwork, build_network
from .refiners import REFINERS, HeadOutput

__all__ = [
    "BACKBONES",
    "BackboneFeatures",
    "Checkpoint",
    "CheckpointError",
    "HeadOutput",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "MatchResult",
    "NetworkConfig",
    "REFINERS",
    "SegmentationNetwork",
    "Template",
    "build_network",
    "load_network",
    "read_checkpoint",
    "save_checkpoint",
]
