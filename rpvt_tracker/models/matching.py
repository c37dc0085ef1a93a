"""Foreground/background feature matching (D3S's "GIM", after VideoMatch).

Every test-crop feature cell is compared, by cosine similarity, with every cell of the first
frame's features; foreground and background evidence are the mean of the top-k similarities to
target and to background cells. This module holds the pure functions; the learnt embedding
layers (``segment0``/``segment1``) and the mixer live in the head so their state-dict names stay
D3S's.

Parity details that matter (checked against the original implementation's outputs):

* the train mask is brought to feature resolution with *nearest* sampling (pixel 16*i);
* masking *multiplies* similarities by 0/1 rather than setting them to -inf, so the foreground
  map is never below 0 and a cell far from the target still gets a (small) positive score;
* the posterior is a plain softmax over (foreground, background) with no temperature.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .blocks import resize_nearest


@dataclass(frozen=True)
class Template:
    """What the head keeps from the first frame; computed once per sequence.

    * ``embedding``: (B, C, h, w) L2-normalised train embedding (C = 64 for D3S, h = w = 24 at 384).
    * ``fg_mask``:   (B, 1, h, w) train mask at feature resolution, values in [0, 1].
    """

    embedding: torch.Tensor
    fg_mask: torch.Tensor


@dataclass(frozen=True)
class MatchResult:
    """Matching outputs, all at feature resolution (h, w):

    * ``pos_map``, ``neg_map``: (B, h, w) mean top-k similarity to target / background cells.
    * ``fg_posterior``: (B, h, w) softmax(pos, neg)[0].
    * ``mixer_input``: (B, 2 or 3, h, w) = [fg_posterior, pos_map(, distance map)], in D3S's order.
    """

    pos_map: torch.Tensor
    neg_map: torch.Tensor
    fg_posterior: torch.Tensor
    mixer_input: torch.Tensor


def make_template(train_embedding: torch.Tensor, train_mask: torch.Tensor) -> Template:
    """train_embedding (B, C, h, w) unnormalised; train_mask (B, 1, H, W) at image resolution."""
    if train_mask.dim() != 4 or train_mask.shape[1] != 1:
        raise ValueError(f"train mask must be (B, 1, H, W), got {tuple(train_mask.shape)}")
    mask = resize_nearest(train_mask.to(train_embedding.dtype), train_embedding.shape[-2:])
    return Template(F.normalize(train_embedding, p=2, dim=1), mask)


def topk_mean(similarity: torch.Tensor, k: int) -> torch.Tensor:
    """(B, N, M) -> (B, N): mean of the k largest values along the last axis."""
    return similarity.topk(k, dim=-1, sorted=False).values.mean(dim=-1)


def match(
    test_embedding: torch.Tensor,
    template: Template,
    *,
    topk_pos: int,
    topk_neg: int,
    distance_map: torch.Tensor | None,
) -> MatchResult:
    """Match a test embedding against the template.

    test_embedding (B, C, h, w), unnormalised; distance_map (B, 1, H, W) in pixels at image
    resolution, or None for the two-channel mixer.
    """
    b, c, h, w = test_embedding.shape
    if template.embedding.shape[:2] != (b, c):
        raise ValueError(
            f"test embedding {tuple(test_embedding.shape)} does not fit template {tuple(template.embedding.shape)}"
        )
    test = F.normalize(test_embedding, p=2, dim=1).flatten(2).transpose(1, 2)  # (B, h*w, C)
    train = template.embedding.flatten(2)  # (B, C, N)
    similarity = torch.bmm(test, train)  # (B, h*w, N) cosine similarities
    fg = template.fg_mask.flatten(2)  # (B, 1, N), broadcast over test cells
    pos = topk_mean(similarity * fg, topk_pos).view(b, h, w)
    neg = topk_mean(similarity * (1.0 - fg), topk_neg).view(b, h, w)
    posterior = torch.softmax(torch.stack((pos, neg), dim=1), dim=1)[:, 0]
    channels = [posterior.unsqueeze(1), pos.unsqueeze(1)]
    if distance_map is not None:
        channels.append(resize_nearest(distance_map.to(test_embedding.dtype), (h, w)))
    return MatchResult(pos, neg, posterior, torch.cat(channels, dim=1))
