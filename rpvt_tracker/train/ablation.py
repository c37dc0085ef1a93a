"""The paper's ablation, like for like: D3S, D3S-MS and RPVT trained by one recipe.

The paper (section 5) trained the three "using the same method and dataset" with unchanged
hyperparameters. ``train_variants`` does exactly that: one ``TrainConfig`` whose only varying
field is ``variant``, the same data specs, the same seed, and the same initialisation -- an
ImageNet backbone and freshly initialised heads (``init`` unset), or, to continue an earlier
stage, each variant from its own file of that stage (``init_dir``). ``rpvt ablation`` then
evaluates the three checkpoints in the given workspaces and prints Table 6.

The embedded default's weights are this same procedure with the EfficientNet-Lite0 backbone
(``scripts/train_lite.sh``, three stages).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from .config import TrainConfig

VARIANTS = ("d3s", "d3s-ms", "rpvt")
LITE = "efficientnet-lite0"
# The paper's names of the variants, as Table 6 and trackers.ini spell them.
NAMES = {"d3s": "D3S", "d3s-ms": "D3S-MS", "rpvt": "RPVT"}


def checkpoint_name(variant: str, backbone: str) -> str:
    """``rpvt.pth`` for the paper's ResNet-50, ``rpvt-lite.pth`` for the lite backbone (the
    names the tracker registry and the embedded weights use)."""
    return f"{variant}-lite.pth" if backbone == LITE else f"{variant}.pth"


def entry_name(variant: str, backbone: str) -> str:
    """The toolkit identifier of a variant trained here: ``RPVT-ablation`` / ``RPVT-lite-ablation``
    (never the name of a released-weights entry, whose results it must not mix with)."""
    return f"{NAMES[variant]}{'-lite' if backbone == LITE else ''}-ablation"


def train_variants(
    config: TrainConfig, datasets: list[str], output_dir: str | Path, *, init_dir: str | Path | None = None,
    resume: bool = False, progress: bool = True,
) -> dict[str, Path]:
    """Train the three variants with ``config`` (its ``variant`` is ignored): returns
    {variant: checkpoint}. ``init_dir``: continue each variant from ``<init_dir>/<its file>``."""
    if config.init is not None:
        raise ValueError("an ablation starts every variant from the same place: give init_dir (each variant's own file), not init")
    if init_dir is None and config.backbone == "resnet50" and not config.backbone_weights:
        # A random ResNet-50 would make every variant's result meaningless; the paper's is ImageNet's.
        raise ValueError("the ResNet-50 backbone needs its ImageNet weights: backbone_weights (rpvt ablation --backbone-weights torchvision)")
    import torch.distributed as dist

    from .trainer import setup_process, train  # heavy (data loading, DDP); only when training

    output_dir = Path(output_dir)
    plans = {}
    for variant in VARIANTS:
        init = None
        if init_dir is not None:
            init = Path(init_dir) / checkpoint_name(variant, config.backbone)
            if not init.is_file():
                raise FileNotFoundError(f"{init}: missing (init_dir must hold {', '.join(checkpoint_name(v, config.backbone) for v in VARIANTS)})")
        plans[variant] = dataclasses.replace(config, variant=variant, init=str(init) if init else None)
    # Under torchrun the group is formed once for the three trainings (train() keeps a group it
    # did not form) and released after the last.
    owns_group = not (dist.is_available() and dist.is_initialized())
    proc = setup_process(config.device)
    done = {}
    try:
        for variant, variant_config in plans.items():
            if proc.main:
                print(f"rpvt ablation: training {variant} -> {output_dir / checkpoint_name(variant, config.backbone)}", flush=True)
            done[variant] = train(variant_config, datasets, output_dir / checkpoint_name(variant, config.backbone), resume=resume, progress=progress)
    finally:
        if owns_group and dist.is_initialized():
            dist.destroy_process_group()
    return done
