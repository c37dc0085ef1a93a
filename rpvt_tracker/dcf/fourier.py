"""Score interpolation, windows and labels of the DCF.

The filter's 16x16 response is upsampled to the 256x256 sample grid by trigonometric (Fourier
series) interpolation, as ATOM does: its one-sided spectrum is re-centred with the Nyquist
row duplicated at both ends, shifted so that zero displacement is at index 0 (ATOM's
``pi * (1 - (kernel % 2) / s)`` phase), zero-padded and inverse-transformed. The result has
zero displacement at index [0, 0] (FFT order).
"""

from __future__ import annotations

import math

import torch


def interpolate_scores(scores: torch.Tensor, output_size: int, kernel_size: int) -> torch.Tensor:
    """scores (N, 1, s, s) on the feature grid -> (N, 1, out, out), zero displacement at [0, 0]."""
    n, _, sh, sw = scores.shape
    spec = torch.fft.rfft2(scores) / (sh * sw)  # (N, 1, sh, sw // 2 + 1)
    ky = torch.arange(-(sh // 2), sh // 2 + 1, device=scores.device)  # Nyquist row at both ends
    kx = torch.arange(0, sw // 2 + 1, device=scores.device)
    rows = spec[:, :, ky % sh]  # (N, 1, 2*(sh//2)+1, sw//2+1)
    # Move the zero displacement from the grid's middle (where the labels put it: cell s/2 for
    # an even kernel, whose 'same' correlation is centred half a cell early, and the point
    # (s-1)/2 between cells for an odd one) to index 0: a shift of s/2 cells, or (s-1)/2.
    # The phase per frequency k is exp(i * pi * (1 - (kernel % 2) / s) * k); for the even
    # kernel that is (-1)^k, kept as an exact sign (D3S's scores, to the last bit).
    if kernel_size % 2 == 0:
        sign = 1.0 - 2.0 * ((ky[:, None] + kx[None, :]) % 2).to(scores.dtype)
        rows = rows * sign
    else:
        fy, fx = math.pi * (1 - 1 / sh), math.pi * (1 - 1 / sw)
        phase = fy * ky[:, None].to(torch.float64) + fx * kx[None, :].to(torch.float64)
        rows = rows * torch.polar(torch.ones_like(phase), phase).to(rows.dtype)
    full = torch.zeros(n, 1, output_size, output_size // 2 + 1, dtype=spec.dtype, device=scores.device)
    full[:, :, ky % output_size, : kx.numel()] = rows
    return torch.fft.irfft2(full, s=(output_size, output_size)) * (output_size * output_size)


def hann_window(size: int) -> torch.Tensor:
    """(size, size) cosine window peaking at [0, 0] (FFT order), D3S's (size + 2) denominator."""
    k = torch.arange(0, size // 2 + 1, dtype=torch.float32)
    half = 0.5 * (1 + torch.cos((2 * math.pi / (size + 2)) * k))
    w = torch.cat([half, half[1 : size - size // 2].flip(0)])
    return w[:, None] * w[None, :]


def gaussian_labels(size: int, sigma: float, centers: torch.Tensor) -> torch.Tensor:
    """centers (N, 2) (y, x) in cells, origin at the grid's middle -> (N, 1, size, size)."""
    k = torch.arange(-(size - 1) / 2, (size + 1) / 2, dtype=torch.float32)
    gy = torch.exp(-1.0 / (2 * sigma**2) * (k[None, :] - centers[:, :1]) ** 2)
    gx = torch.exp(-1.0 / (2 * sigma**2) * (k[None, :] - centers[:, 1:]) ** 2)
    return (gy[:, :, None] * gx[:, None, :]).unsqueeze(1)
