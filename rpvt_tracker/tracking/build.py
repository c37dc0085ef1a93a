"""The one place a tracker is built from its settings (``rpvt track`` and the TraX server)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .params import params_to_dict, tracker_params


@dataclass(frozen=True)
class TrackerSettings:
    """What a tracker is made of.

    * ``weights``: the segmentation checkpoint (a resolved path); ``variant``: what it must hold.
    * ``dcf_weights``: a ResNet-50 for the DCF, or None (the checkpoint's backbone).
    * ``device``: ``auto``, ``cpu``, ``cuda[:N]``; ``threads``: CPU threads (0: torch's choice).
    * ``params``: a preset name or a JSON file of overrides (``tracker_params``).
    """

    weights: Path
    variant: str | None = None
    dcf_weights: Path | None = None
    device: str = "auto"
    threads: int = 0
    params: str = "d3s"


def build_tracker(settings: TrackerSettings):
    """The network loaded once onto the device, the DCF's backbone, the parameters: a Tracker."""
    import torch

    from ..devices import resolve_device
    from ..models import load_network
    from ..models.checkpoint import load_backbone
    from .tracker import Tracker

    params = tracker_params(settings.params)  # a bad parameter set fails before any loading
    if settings.threads < 0:
        raise ValueError(f"threads must be >= 0 (0: torch's choice), got {settings.threads}")
    if settings.threads > 0:
        torch.set_num_threads(settings.threads)
    device = resolve_device(settings.device)
    network = load_network(settings.weights, variant=settings.variant, device=device)
    backbone = load_backbone(settings.dcf_weights, device=device) if settings.dcf_weights else None
    return Tracker(network, dcf_backbone=backbone, params=params, device=device)


def settings_metadata(settings: TrackerSettings, tracker: Any) -> dict[str, Any]:
    """What a result was made with (JSON-able), written beside ``rpvt track``'s results."""
    import torch

    network = tracker.network
    return {
        "weights": str(settings.weights),
        "variant": network.config.variant,
        "backbone": network.config.backbone,
        "dcf_weights": str(settings.dcf_weights) if settings.dcf_weights else None,
        "device": str(tracker.device),
        "threads": torch.get_num_threads(),
        "params_source": settings.params,
        "params": params_to_dict(tracker.params),
    }
