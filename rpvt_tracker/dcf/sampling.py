"""Image samples for the DCF: scaled patches and the augmented first-frame set.

Images here are torch tensors (1, 3, H, W), float, values 0..255, RGB.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import torch
import torch.nn.functional as F


def sample_patch(image: torch.Tensor, pos: torch.Tensor, sample_size: float, output_size: int) -> torch.Tensor:
    """The (1, 3, out, out) patch of side ``sample_size`` pixels centred at ``pos`` = (y, x).

    As ATOM/D3S sample it: integer pre-downsampling by strided slicing when shrinking by 2x or
    more (cheap anti-aliasing-free decimation), replicate padding, bilinear resize. ``pos`` is
    truncated to integers first, which is why the DCF works on whole pixels.
    """
    posl = pos.long()
    # float32 arithmetic throughout, as the reference computes these sizes.
    sz32 = torch.tensor(sample_size, dtype=torch.float32)
    df = max(int(float(sz32 / output_size) - 0.1), 1)
    size = sz32 / df
    if df > 1:
        offset = posl % df
        posl = (posl - offset) // df
        image = image[..., int(offset[0]) :: df, int(offset[1]) :: df]
    szl = int(size.round().clamp(min=2))  # round half to even
    tl = posl - (szl - 1) // 2
    br = posl + szl // 2
    h, w = image.shape[-2:]
    pads = (-int(tl[1]), int(br[1]) - w + 1, -int(tl[0]), int(br[0]) - h + 1)
    patch = F.pad(image, pads, mode="replicate")
    if patch.shape[-2:] != (output_size, output_size):
        patch = F.interpolate(patch, size=(output_size, output_size), mode="bilinear", align_corners=False)
    return patch


def _crop_to(image: torch.Tensor, output_size: int, shift: tuple[int, int]) -> torch.Tensor:
    """Centre crop (or replicate-pad) to output_size^2, moved by ``shift`` = (dy, dx)."""
    pad_h = (output_size - image.shape[-2]) / 2
    pad_w = (output_size - image.shape[-1]) / 2
    pads = (
        math.floor(pad_w) + shift[1],
        math.ceil(pad_w) - shift[1],
        math.floor(pad_h) + shift[0],
        math.ceil(pad_h) - shift[0],
    )
    return F.pad(image, pads, mode="replicate")


def _blur(image: torch.Tensor, sigma: tuple[float, float]) -> torch.Tensor:
    """Separable Gaussian blur, zero padding, kernel radius ceil(2 sigma) per axis."""
    radius = [math.ceil(2 * s) for s in sigma]
    kernels = []
    for r, s in zip(radius, sigma):
        k = torch.exp(-(torch.arange(-r, r + 1, dtype=torch.float32) ** 2) / (2 * s**2))
        kernels.append(k / k.sum())
    h, w = image.shape[-2:]
    x = image.reshape(-1, 1, h, w)
    x = F.conv2d(x, kernels[0].view(1, 1, -1, 1).to(image), padding=(radius[0], 0))
    x = F.conv2d(x, kernels[1].view(1, 1, 1, -1).to(image), padding=(0, radius[1]))
    return x.view(1, -1, h, w)


def _rotate(image: torch.Tensor, angle_deg: float) -> torch.Tensor:
    """Rotation about the patch centre, bilinear, replicate border (OpenCV, on the CPU)."""
    arr = image[0].permute(1, 2, 0).cpu().numpy()
    a = math.pi * angle_deg / 180
    c = (np.array(arr.shape[:2], dtype=np.float64)[:, None] - 1) / 2
    rot = np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])
    affine = np.concatenate([rot, c - rot @ c], 1)
    out = cv2.warpAffine(arr, affine, arr.shape[1::-1], borderMode=cv2.BORDER_REPLICATE)
    return torch.from_numpy(out).permute(2, 0, 1)[None].to(image.device)


def augmented_samples(
    patch: torch.Tensor,
    output_size: int,
    shifts: list[tuple[int, int]],
    blur_sigmas,
    rotations_deg,
) -> tuple[torch.Tensor, list[tuple[int, int]]]:
    """The first frame's training set from one expanded patch (1, 3, E, E).

    Order (the labels depend on it): identity, translations by ``shifts`` (dy, dx) in pixels,
    horizontal flip, blurs, rotations. Returns the (N, 3, out, out) batch and each sample's shift.
    """
    out = [_crop_to(patch, output_size, (0, 0))]
    out += [_crop_to(patch, output_size, s) for s in shifts]
    out.append(_crop_to(patch.flip(3), output_size, (0, 0)))
    out += [_crop_to(_blur(patch, s), output_size, (0, 0)) for s in blur_sigmas]
    out += [_crop_to(_rotate(patch, a), output_size, (0, 0)) for a in rotations_deg]
    sample_shifts = [(0, 0)] + list(shifts) + [(0, 0)] * (1 + len(blur_sigmas) + len(rotations_deg))
    return torch.cat(out), sample_shifts
