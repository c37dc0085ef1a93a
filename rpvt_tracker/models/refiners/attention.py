"""How one stage's mask steers the next stage.

Both functions take a stage's logits (B, 2, H, W) (channel 0 = foreground) and return one
attention map (B, 1, h, w) per requested level size, to multiply into that level's features.
Neither detaches: the later stages' losses also train the earlier stage through its attention.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F


def clamp_attention(logits: torch.Tensor, sizes: Sequence[tuple[int, int]], *, minimum: float) -> list[torch.Tensor]:
    """MMS (Ocean+) attention: the foreground probability clamped to [minimum, 1].

    Resampled to each level by area averaging (exact for the integer factors 2..16 used here;
    bilinear would skip most pixels when going from 384 to 24).
    """
    probability = torch.softmax(logits, dim=1)[:, :1].clamp(min=minimum, max=1.0)
    return [F.adaptive_avg_pool2d(probability, size) for size in sizes]


def gaussian_attention(
    logits: torch.Tensor, sizes: Sequence[tuple[int, int]], *, floor: float, width: float, eps: float = 1e-6
) -> list[torch.Tensor]:
    """RPVT's Gaussian attention: a 2-D Gaussian fitted to the mask's spatial moments.

    The paper says only that the masks of stages 1 and 2 "act as a Gaussian attention" on stages 2
    and 3. We read that as a spatial Gaussian prior around the predicted object, consistent with
    the ellipse the tracker fits to the final mask:

    * p = softmax(logits)[:, 0], the soft mask; centre mu and covariance S are its first and second
      spatial moments in normalised [0, 1] coordinates (a small uniform prior ``eps`` per pixel
      keeps an empty mask well defined: it then yields a broad Gaussian at the crop centre, where
      the tracker puts the target);
    * G(x) = exp(-0.5 (x - mu)^T (width^2 S)^-1 (x - mu)). For a uniform elliptical mask the edge
      lies at 2 standard deviations, so ``width=2`` puts the edge at G = 0.61;
    * A = floor + (1 - floor) G, so background far from the object is damped to ``floor`` but
      never erased (a wrong earlier stage cannot blind the next one).

    The Gaussian is evaluated analytically at every level's own cell centres (no resampling).
    """
    b, _, h, w = logits.shape
    # softmax over (fg, bg) is sigmoid(fg - bg): the same value without softmax's passes (and
    # its copy of a channels-last tensor) over the full-resolution logits.
    p = torch.sigmoid(logits[:, 0] - logits[:, 1]) + eps  # (B, H, W)
    ys = (torch.arange(h, device=logits.device, dtype=logits.dtype) + 0.5) / h
    xs = (torch.arange(w, device=logits.device, dtype=logits.dtype) + 0.5) / w
    mass = p.sum(dim=(1, 2))  # (B,)
    py, px = p.sum(dim=2), p.sum(dim=1)  # marginals (B, H), (B, W)
    my = (py * ys).sum(1) / mass
    mx = (px * xs).sum(1) / mass
    dy, dx = ys[None] - my[:, None], xs[None] - mx[:, None]  # (B, H), (B, W)
    syy = (py * dy**2).sum(1) / mass
    sxx = (px * dx**2).sum(1) / mass
    sxy = torch.einsum("bhw,bh,bw->b", p, dy, dx) / mass
    # Scale by width^2 and regularise: a one-pixel mask must not give a singular covariance.
    reg = 1.0 / (h * w)
    syy, sxx, sxy = syy * width**2 + reg, sxx * width**2 + reg, sxy * width**2
    det = syy * sxx - sxy**2
    iyy, ixx, ixy = sxx / det, syy / det, -sxy / det
    maps = []
    for lh, lw in sizes:
        gy = (torch.arange(lh, device=logits.device, dtype=logits.dtype) + 0.5) / lh - my[:, None]  # (B, lh)
        gx = (torch.arange(lw, device=logits.device, dtype=logits.dtype) + 0.5) / lw - mx[:, None]  # (B, lw)
        mahal = (
            iyy[:, None, None] * gy[:, :, None] ** 2
            + 2.0 * ixy[:, None, None] * gy[:, :, None] * gx[:, None, :]
            + ixx[:, None, None] * gx[:, None, :] ** 2
        )
        maps.append((floor + (1.0 - floor) * torch.exp(-0.5 * mahal)).unsqueeze(1))
    return maps
