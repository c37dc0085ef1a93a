"""The online DCF: per-sequence localisation state (ATOM's classifier, as D3S configures it).

One ``OnlineDCF`` per sequence. It owns the learnt projection P (compressed_dim x C), the filter
(1 x compressed_dim x k x k), and the sample memory; the tracker owns position and scale and
passes them in. Feature maps cross these functions as (N, C, s, s) with s = sample / stride
(16 for D3S's 256-pixel sample on ResNet-50 layer3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from ..models.network import IMAGENET_MEAN, IMAGENET_STD
from .fourier import gaussian_labels, hann_window, interpolate_scores
from .optimizer import FilterProblem, JointProblem, conjugate_gradient, conv_same, project
from .params import DCFParams
from .sampling import augmented_samples, sample_patch

FLAG_NORMAL, FLAG_HARD_NEGATIVE, FLAG_UNCERTAIN, FLAG_NOT_FOUND = "normal", "hard_negative", "uncertain", "not_found"


class DCFFeatures(nn.Module):
    """ImageNet normalisation -> a backbone's ``level`` (layer3, or layer2) -> power-2
    normalisation per sample.

    ``trunk`` is any module returning ``BackboneFeatures`` (its weights may be ImageNet's, as in
    the D3S release, or the segmentation checkpoint's backbone). Input (N, 3, S, S), RGB 0..255.
    """

    def __init__(self, trunk: nn.Module, *, max_batch: int = 3, channels_last: bool = False, level: str = "layer3") -> None:
        """``max_batch``: images per backbone call. On a 2-core CPU, 27 patches in chunks of 3-9
        run 1.7x faster than in one batch of 27 (cache-bound); on a GPU use one batch.
        ``channels_last``: feed the trunk channels-last tensors (faster on CPUs).
        ``level``: the ``BackboneFeatures`` field read (``DCFParams.feature_level``)."""
        super().__init__()
        self.trunk = trunk.eval().requires_grad_(False)
        self.max_batch = max_batch
        self.level = level
        self.layout = torch.channels_last if channels_last else torch.contiguous_format
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, patches: torch.Tensor) -> torch.Tensor:
        return self.levels(patches, (self.level,))[0]

    def levels(self, patches: torch.Tensor, names: tuple[str, ...]) -> list[torch.Tensor]:
        """Several levels of one backbone pass over ``patches`` (N, 3, S, S), each normalised:
        (N, C, S / stride, S / stride) per name."""
        x = ((patches / 255 - self.mean) / self.std).contiguous(memory_format=self.layout)
        # Only the asked levels are kept from each chunk (the others, conv1's above all, are large).
        chunks = [[getattr(out, name) for name in names] for out in map(self.trunk, x.split(self.max_batch))]
        return [self.normalize(torch.cat(level)) for level in zip(*chunks)]

    @staticmethod
    def normalize(level: torch.Tensor) -> torch.Tensor:
        """(N, C, s, s) trunk features -> the DCF's: mean square activation 1 per sample, so the
        filter sees contrast-normalised features. (The shared-backbone tracker calls this on the
        segmentation crop's own features.)"""
        norm = (level.reshape(level.shape[0], -1) ** 2).sum(1) / level[0].numel() + 1e-10
        return level / norm.sqrt().view(-1, 1, 1, 1)


def first_frame_samples(
    params: DCFParams, image: torch.Tensor, pos: torch.Tensor, target_scale: float
) -> tuple[torch.Tensor, list[tuple[int, int]]]:
    """The first frame's training set: an expanded patch about ``pos`` augmented into
    (27, 3, S, S) samples, and each one's shift (dy, dx) in sample pixels."""
    p = params
    expanded = p.sample_size * p.augmentation_expansion
    patch = sample_patch(image, pos.round(), target_scale * expanded, expanded)
    half = p.sample_size / 2
    shifts = [(int(dy * half), int(dx * half)) for dy, dx in p.relative_shifts]
    return augmented_samples(patch, p.sample_size, shifts, p.blur_sigmas, p.rotations_deg)


@dataclass(frozen=True)
class Localization:
    """One frame's DCF answer.

    * ``translation``: (2,) float32 (dy, dx) in image pixels from the sample centre.
    * ``flag``: ``normal``, ``hard_negative``, ``uncertain`` or ``not_found``.
    * ``max_score``: peak of the windowed score map.
    * ``sample``: (1, D, s, s) the projected test sample (memory candidate).
    * ``scores``: (out, out) windowed scores, zero displacement at the centre (for display).
    """

    translation: torch.Tensor
    flag: str
    max_score: float
    sample: torch.Tensor
    scores: torch.Tensor


class OnlineDCF:
    """Initialise on the first frame; then ``localize`` and ``update`` every frame."""

    def __init__(
        self,
        features: DCFFeatures,
        params: DCFParams,
        image: torch.Tensor,
        pos: torch.Tensor,
        target_scale: float,
        base_target_sz: torch.Tensor,
        *,
        first_frame: tuple[torch.Tensor, list[tuple[int, int]]] | None = None,
    ) -> None:
        """image (1, 3, H, W) float 0..255 on the features' device; pos (2,) float32 (y, x).
        ``first_frame``: the features (27, C, s, s) of ``first_frame_samples``' batch and its
        shifts, when the caller has run them (several DCFs on one backbone pass)."""
        self.features, self.p = features, params
        p = params
        device = image.device
        s, n_out = p.feature_size, p.sample_size
        self.window = hann_window(n_out).to(device)
        self.sigma = float(torch.sqrt(torch.prod(s / n_out * base_target_sz)) * p.output_sigma_factor)

        if first_frame is None:
            batch, sample_shifts = first_frame_samples(p, image, pos, target_scale)
            x = features(batch)  # (27, C, s, s)
        else:
            x, sample_shifts = first_frame
        if x.shape[1] < p.compressed_dim:  # the PCA cannot give more directions than channels
            raise ValueError(f"dcf.compressed_dim {p.compressed_dim} exceeds the {x.shape[1]} channels of the backbone's {features.level}")
        self.num_init_samples = x.shape[0]

        # PCA of the initial features initialises the projection (rows: top principal directions).
        flat = x.permute(1, 0, 2, 3).reshape(x.shape[1], -1)
        flat = flat - flat.mean(dim=1, keepdim=True)
        _, vecs = torch.linalg.eigh(flat @ flat.t())
        projection = vecs.flip(1)[:, : p.compressed_dim].t().contiguous().view(p.compressed_dim, -1, 1, 1)

        centre = s * (pos - pos.round()) / (target_scale * n_out) + 0.5 * ((p.kernel_size + 1) % 2)
        offsets = torch.tensor(sample_shifts, dtype=torch.float32) / n_out * s
        labels = gaussian_labels(s, self.sigma, (centre[None] + offsets).to(torch.float32)).to(device)

        # Joint Gauss-Newton on filter and projection, initial samples weighted equally.
        weight = 1.0 / x.shape[0]
        filt = torch.zeros(1, p.compressed_dim, p.kernel_size, p.kernel_size, device=device)
        sqrt_w = torch.full((1, 1, 1, 1), math.sqrt(weight), device=device)
        for _ in range(p.init_gn_iter):
            problem = JointProblem(
                x, labels, sqrt_w, filt, projection,
                reg_filter=p.filter_reg, reg_proj=p.projection_reg, activation=p.response_activation,
            )
            df, dp = conjugate_gradient(
                problem,
                p.init_cg_iter // p.init_gn_iter,
                precondition=lambda r: [r[0] / p.filter_reg, r[1] / p.projection_reg],
            )
            filt, projection = filt + df, projection + dp
        self.filter, self.projection = filt, projection

        # Memory, filled with the initial samples projected by the learnt P.
        m = p.sample_memory_size
        self.samples = torch.zeros(m, p.compressed_dim, s, s, device=device)
        self.labels = torch.zeros(m, 1, s, s, device=device)
        self.weights = torch.zeros(m)  # on the CPU: the replacement argmin needs no device sync
        n0 = min(self.num_init_samples, m)
        self.samples[:n0] = project(x, self.projection)[:n0]
        self.labels[:n0] = labels[:n0]
        self.weights[:n0] = weight
        self.num_stored = n0
        self.previous_index: int | None = None

    # -- per frame ----------------------------------------------------------------------------
    def patch(self, image: torch.Tensor, pos: torch.Tensor, target_scale: float) -> torch.Tensor:
        """The (1, 3, S, S) sample about ``pos`` at ``target_scale`` that ``localize`` reads."""
        n_out = self.p.sample_size
        return sample_patch(image, pos, float(torch.tensor(target_scale, dtype=torch.float32)) * n_out, n_out)

    def localize(
        self, image: torch.Tensor | None, pos: torch.Tensor, target_scale: float, target_sz: torch.Tensor,
        *, features: torch.Tensor | None = None,
    ) -> Localization:
        """The target's displacement from ``pos`` in ``image`` (1, 3, H, W), sampled at
        ``target_scale``; or, with ``features`` (1, C, s, s) (``DCFFeatures.normalize``d), in the
        sample those features came from, already cut around ``pos`` at that scale."""
        p = self.p
        n_out = p.sample_size
        if features is None:
            features = self.features(self.patch(image, pos, target_scale))
        elif features.shape[-2:] != (p.feature_size, p.feature_size):
            raise ValueError(f"DCF features must be {p.feature_size}x{p.feature_size} cells (sample {n_out} px), got {tuple(features.shape)}")
        sample = project(features, self.projection)
        raw = conv_same(sample, self.filter)
        scores = interpolate_scores(raw, n_out, p.kernel_size)[0, 0] * self.window
        scores = torch.roll(scores, shifts=(n_out // 2, n_out // 2), dims=(0, 1))  # zero shift at centre

        # Peak, then the peak outside the target's neighbourhood, computed on the device and
        # fetched in one transfer (the flag logic below needs them as numbers).
        score1, idx1 = scores.flatten().max(0)
        row1, col1 = idx1 // n_out, idx1 % n_out
        half = p.target_neighborhood_scale * target_sz.to(scores.device) / target_scale / 2
        top, bottom = torch.round(row1 - half[0]).clamp(min=0), torch.round(row1 + half[0] + 1).clamp(max=n_out)
        left, right = torch.round(col1 - half[1]).clamp(min=0), torch.round(col1 + half[1] + 1).clamp(max=n_out)
        grid = torch.arange(n_out, device=scores.device)
        inside = ((grid >= top) & (grid < bottom))[:, None] & ((grid >= left) & (grid < right))[None, :]
        score2, idx2 = scores.masked_fill(inside, 0).flatten().max(0)
        score1, idx1, score2, idx2 = torch.stack([score1, idx1.to(scores.dtype), score2, idx2.to(scores.dtype)]).tolist()
        idx1, idx2 = int(idx1), int(idx2)
        disp1 = torch.tensor(divmod(idx1, n_out), dtype=torch.float32) - n_out // 2
        disp2 = torch.tensor(divmod(idx2, n_out), dtype=torch.float32) - n_out // 2
        translation1 = disp1 * target_scale
        if score1 < p.target_not_found_threshold:
            return Localization(translation1, FLAG_NOT_FOUND, score1, sample, scores)

        if score2 > p.distractor_threshold * score1:
            near = p.displacement_scale * n_out / 2
            d1, d2 = float(disp1.norm()), float(disp2.norm())
            if d2 > near and d1 < near:
                return Localization(translation1, FLAG_HARD_NEGATIVE, score1, sample, scores)
            if d2 < near and d1 > near:
                return Localization(disp2 * target_scale, FLAG_HARD_NEGATIVE, score1, sample, scores)
            return Localization(translation1, FLAG_UNCERTAIN, score1, sample, scores)
        if score2 > p.hard_negative_threshold * score1 and score2 > p.target_not_found_threshold:
            return Localization(translation1, FLAG_HARD_NEGATIVE, score1, sample, scores)
        return Localization(translation1, FLAG_NORMAL, score1, sample, scores)

    def localize_around(
        self, image: torch.Tensor, centres: list[torch.Tensor], target_scale: float, target_sz: torch.Tensor
    ) -> list[Localization]:
        """``localize`` in several samples of one scale, centred on ``centres`` ((2,) (y, x)
        each), their features in one batched pass; translations are from each sample's centre."""
        features = self.features(torch.cat([self.patch(image, c, target_scale) for c in centres]))
        return [self.localize(None, c, target_scale, target_sz, features=f[None]) for c, f in zip(centres, features)]

    def peaks(self, image: torch.Tensor, pos: torch.Tensor, scales: list[float]) -> list[float]:
        """The windowed response's peak at ``pos`` for each sample scale (one batched feature
        pass): how well the filter, learnt at the target's size, matches each scale's view."""
        n_out = self.p.sample_size
        patches = torch.cat([sample_patch(image, pos, float(torch.tensor(s, dtype=torch.float32)) * n_out, n_out) for s in scales])
        raw = conv_same(project(self.features(patches), self.projection), self.filter)
        scores = interpolate_scores(raw, n_out, self.p.kernel_size)[:, 0] * self.window
        return scores.flatten(1).max(1).values.tolist()

    def update(self, sample: torch.Tensor, target_offset: torch.Tensor, sample_scale: float, *, hard_negative: bool) -> None:
        """Store a sample whose target lies ``target_offset`` (dy, dx) pixels from its centre."""
        p = self.p
        lr = p.hard_negative_learning_rate if hard_negative else p.learning_rate
        w = self.weights
        index = int(torch.argmin(w))
        if self.previous_index is None:
            w /= 1 - lr
            w[index] = lr
        else:
            w[index] = w[self.previous_index] / (1 - lr)
        w /= w.sum()
        s = p.feature_size
        centre = s * target_offset / (sample_scale * p.sample_size) + 0.5 * ((p.kernel_size + 1) % 2)
        self.samples[index] = sample[0]
        self.labels[index] = gaussian_labels(s, self.sigma, centre[None].to(torch.float32))[0].to(self.labels.device)
        self.previous_index = index
        self.num_stored += 1

    def optimize(self, cg_iter: int) -> None:
        """Filter-only CG on the memory (projection fixed after initialisation)."""
        p = self.p
        n = min(self.num_stored, p.sample_memory_size)  # the rest of the memory has weight 0
        problem = FilterProblem(
            self.samples[:n], self.labels[:n], self.weights[:n].sqrt().view(-1, 1, 1, 1).to(self.filter.device), self.filter,
            reg=p.filter_reg, activation=p.response_activation,
        )
        (delta,) = conjugate_gradient(problem, cg_iter)
        self.filter = self.filter + delta
