"""Shared fixtures. Everything runs on the CPU with 2 threads, like the reference and CI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

DATA = Path(__file__).parent / "data"
D3S_REFERENCE = DATA / "d3s_reference"
D3S_CHECKPOINT = D3S_REFERENCE / "SegmNet_random.pth.tar"

torch.set_num_threads(2)


@pytest.fixture(scope="session")
def head_cases() -> dict[str, np.ndarray]:
    with np.load(D3S_REFERENCE / "head_cases.npz", allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


@pytest.fixture(scope="session")
def d3s_reference_net():
    from rpvt_tracker.models import load_network

    return load_network(D3S_CHECKPOINT, variant="d3s")


def random_pair(batch: int = 2, size: int = 384, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """A deterministic (train image, test image, train mask, distance map) batch."""
    from rpvt_tracker.geometry import distance_map

    g = torch.Generator().manual_seed(seed)
    train = torch.randn(batch, 3, size, size, generator=g)
    test = torch.randn(batch, 3, size, size, generator=g)
    mask = torch.zeros(batch, 1, size, size)
    mask[:, :, size // 3 : 2 * size // 3, size // 4 : 3 * size // 4] = 1.0
    dist = torch.from_numpy(distance_map((size, size), (size / 2 - 1, size / 2 - 1)))
    return train, test, mask, dist.expand(batch, 1, size, size).contiguous()


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of (N, 4) x, y, w, h boxes (continuous extents), written out here (not the toolkit's)."""
    w = np.clip(np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None)
    h = np.clip(np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None)
    inter = w * h
    return inter / (a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter)
