"""Two DCFs on one backbone pass: the layer3 one decides, the layer2 one localises while a
look-alike is near (``LookalikeParams`` says why and when).

Scores cross these functions as the layer3 DCF's (n, n) windowed map, zero displacement at the
centre (``Localization.scores``); sizes are (h, w) image pixels, positions (y, x).
"""

from __future__ import annotations

import math
from dataclasses import replace

import torch

from .filter import DCFFeatures, Localization, OnlineDCF, first_frame_samples
from .params import DCFParams, LookalikeParams


class LookalikeSwitch:
    """Per-sequence state of the rule: is a second peak beside the target, steadily?"""

    def __init__(self, params: LookalikeParams) -> None:
        self.p = params
        self.streak = 0  # frames in a row with a steady second peak
        self.previous: torch.Tensor | None = None  # its (dy, dx) from the first peak, image pixels
        self.hold = 0  # frames the fine DCF still localises

    def observe(self, scores: torch.Tensor, target_sz: torch.Tensor, target_scale: float) -> bool:
        """One frame's layer3 ``scores`` (n, n); True when the fine DCF localises this frame."""
        p = self.p
        n = scores.shape[-1]
        first, i1 = scores.flatten().max(0)
        r1, c1 = i1 // n, i1 % n
        semi = p.exclusion * target_sz.to(scores.device, scores.dtype) / target_scale  # sample pixels
        grid = torch.arange(n, device=scores.device, dtype=scores.dtype)
        near = ((grid[:, None] - r1) / semi[0]) ** 2 + ((grid[None, :] - c1) / semi[1]) ** 2 <= 1
        second, i2 = scores.masked_fill(near, -math.inf).flatten().max(0)
        first, second, i1, i2 = torch.stack([first, second, i1.to(scores.dtype), i2.to(scores.dtype)]).tolist()
        (r1, c1), (r2, c2) = divmod(int(i1), n), divmod(int(i2), n)
        if first > 0 and second > p.second_peak * first:
            offset = torch.tensor([r2 - r1, c2 - c1], dtype=torch.float32) * target_scale
            # A look-alike walks beside the target; the peaks of a blurred response jump about.
            steady = self.previous is not None and float(((offset - self.previous) / target_sz).norm()) <= p.max_drift
            self.streak = self.streak + 1 if steady or self.streak == 0 else 1
            self.previous = offset
        else:
            self.streak, self.previous = 0, None
        if self.streak >= p.persist:
            self.hold = p.hold
        fine = self.hold > 0
        self.hold = max(0, self.hold - 1)
        return fine


class TwoLevelDCF:
    """A layer3 DCF (``coarse``: the peak, the flags, the learnt sample, the scale check) and a
    layer2 one (``fine``) learning the same frames from the same backbone pass; ``localize``
    takes the fine one's translation while ``LookalikeSwitch`` says so. The tracker drives it
    as an ``OnlineDCF``.

    ``features`` reads the coarse level, ``fine_features`` layer2 of the same trunk.
    """

    def __init__(
        self,
        features: DCFFeatures,
        fine_features: DCFFeatures,
        params: DCFParams,
        lookalike: LookalikeParams,
        image: torch.Tensor,
        pos: torch.Tensor,
        target_scale: float,
        base_target_sz: torch.Tensor,
    ) -> None:
        """As ``OnlineDCF``: image (1, 3, H, W) float 0..255; pos (2,) float32 (y, x)."""
        fine_params = lookalike.fine(params)
        self.features, self.levels = features, (params.feature_level, fine_params.feature_level)
        batch, shifts = first_frame_samples(params, image, pos, target_scale)
        coarse_x, fine_x = features.levels(batch, self.levels)
        self.coarse = OnlineDCF(features, params, image, pos, target_scale, base_target_sz, first_frame=(coarse_x, shifts))
        self.fine = OnlineDCF(fine_features, fine_params, image, pos, target_scale, base_target_sz, first_frame=(fine_x, shifts))
        self.switch = LookalikeSwitch(lookalike)
        self.fine_frames = 0  # frames localised by the fine DCF (for benchmarks)
        self._fine_sample: torch.Tensor | None = None  # this frame's, for ``update``

    def localize(
        self, image: torch.Tensor | None, pos: torch.Tensor, target_scale: float, target_sz: torch.Tensor,
        *, features: torch.Tensor | None = None,
    ) -> Localization:
        """``OnlineDCF.localize`` on ``image``; ``features`` of one level cannot serve two DCFs."""
        if features is not None or image is None:
            raise ValueError("the look-alike DCF pair samples the frame itself (not with shared_backbone)")
        coarse_x, fine_x = self.features.levels(self.coarse.patch(image, pos, target_scale), self.levels)
        loc = self.coarse.localize(None, pos, target_scale, target_sz, features=coarse_x)
        fine = self.fine.localize(None, pos, target_scale, target_sz, features=fine_x)
        self._fine_sample = fine.sample
        if self.switch.observe(loc.scores, target_sz, target_scale):
            self.fine_frames += 1
            return replace(loc, translation=fine.translation)
        return loc

    def localize_around(
        self, image: torch.Tensor, centres: list[torch.Tensor], target_scale: float, target_sz: torch.Tensor
    ) -> list[Localization]:
        """The coarse DCF's re-detection; the fine one skips learning this frame (its sample is
        the abandoned one's)."""
        self._fine_sample = None
        return self.coarse.localize_around(image, centres, target_scale, target_sz)

    def peaks(self, image: torch.Tensor, pos: torch.Tensor, scales: list[float]) -> list[float]:
        return self.coarse.peaks(image, pos, scales)

    def update(self, sample: torch.Tensor, target_offset: torch.Tensor, sample_scale: float, *, hard_negative: bool) -> None:
        """``sample``: the coarse one's (``Localization.sample``); the fine one stores its own."""
        self.coarse.update(sample, target_offset, sample_scale, hard_negative=hard_negative)
        if self._fine_sample is not None:
            self.fine.update(self._fine_sample, target_offset, sample_scale, hard_negative=hard_negative)
            self._fine_sample = None

    def optimize(self, cg_iter: int) -> None:
        self.coarse.optimize(cg_iter)
        self.fine.optimize(cg_iter)
