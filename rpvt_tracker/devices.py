"""Device selection: CPU is a first-class path, CUDA is used when asked for and present."""

from __future__ import annotations

import torch


def resolve_device(name: str | torch.device | None = "auto") -> torch.device:
    """Turn ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:1"`` (or a device) into a ``torch.device``.

    ``"auto"`` (and ``None``) picks CUDA when available, else CPU. Asking for CUDA on a machine
    without it is an error rather than a silent fall-back, so a benchmark or a VOT run never
    reports CPU figures as GPU ones.
    """
    if name is None or name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as err:
        raise ValueError(f"unknown device {name!r}: expected 'auto', 'cpu' or 'cuda[:N]'") from err
    if device.type not in ("cpu", "cuda"):
        # meta tensors hold no data, and mps (and the rest) is neither built for nor tested here:
        # refused by name, rather than by torch's raw errors deep inside a frame.
        raise ValueError(f"device {name!r} is not supported: expected 'auto', 'cpu' or 'cuda[:N]'")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} was asked for, but torch sees no CUDA device on this machine")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise ValueError(f"device {name!r} was asked for, but torch sees {torch.cuda.device_count()} CUDA device(s)")
    return device
