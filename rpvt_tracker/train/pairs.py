"""Training pairs: a train crop with its mask, a jittered test crop with its mask and distance map.

Each sample is a pure function of (seed, epoch, index), so runs are reproducible with any
number of workers or processes, and a resumed run sees exactly the data it would have seen.
Tensors: images (3, S, S) ImageNet-normalised, masks and distance map (1, S, S) float32.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.utils.data import Dataset

from ..geometry import distance_map, sample_target
from ..geometry.regions import Rectangle, rasterize
from ..models.network import IMAGENET_MEAN, IMAGENET_STD
from .config import TrainConfig
from .context import ViewParams, context_pair
from .datasets import Track, read_rgb
from .paste import PasteParams, composite_pair

_MEAN = np.array(IMAGENET_MEAN, np.float32)
_STD = np.array(IMAGENET_STD, np.float32)


def mask_box(mask: np.ndarray) -> np.ndarray | None:
    """[x, y, w, h] of the mask's pixels (inclusive extent), None if empty."""
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        return None
    return np.array([xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1], dtype=np.float64)


def _normalise(crop: np.ndarray, brightness: float) -> torch.Tensor:
    x = np.clip(crop.astype(np.float32) / 255 * brightness, 0, 1)
    return torch.from_numpy(((x - _MEAN) / _STD).transpose(2, 0, 1).copy())


class PairDataset(Dataset):
    """``length`` pairs drawn from ``tracks``; call ``set_epoch`` before each epoch."""

    def __init__(self, tracks: list[Track], config: TrainConfig, length: int, *, seed: int) -> None:
        self.tracks, self.config, self.length, self.seed = tracks, config, length, seed
        # One-frame tracks (still photographs) have no second frame: cut-outs only give
        # composites, photographs in context give two views of themselves (context.py).
        self.context = [t for t in tracks if t.context]
        self.tracks = [t for t in tracks if not t.context]  # what composites are made of
        self.videos = [t for t in self.tracks if len(t.frames) > 1]
        self.stills = [t for t in self.tracks if len(t.frames) == 1]
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng([self.seed, self.epoch, index])
        for _ in range(100):  # objects can be empty in a sampled frame: draw again
            sample = self._try(rng)
            if sample is not None:
                return sample
        raise RuntimeError("no usable training pair found in 100 draws: are the masks empty?")

    def _pick_frames(self, rng: np.random.Generator, track: Track, visible: tuple[int, ...] | None = None) -> tuple[int, int]:
        visible = np.asarray(track.visible if visible is None else visible)
        i = int(rng.choice(visible))
        gap = self.config.max_gap
        while True:
            near = visible[np.abs(visible - i) <= gap]
            if near.size > 1 or gap > len(track.frames):
                return i, int(rng.choice(near))
            gap += 5

    def _try(self, rng: np.random.Generator) -> dict[str, torch.Tensor] | None:
        c = self.config
        # Drawn only when there are context tracks, so recipes without them see the same pairs.
        if self.context and (not self.tracks or rng.random() < c.context_probability):
            pair = context_pair(rng, self.context[int(rng.integers(len(self.context)))], ViewParams())
            return None if pair is None else self._crops(rng, *pair, box_init=False)
        still = bool(self.stills) and (not self.videos or rng.random() < c.still_probability)
        pool = self.stills if still else self.videos
        track = pool[int(rng.integers(len(pool)))]
        i, j = self._pick_frames(rng, track)
        box_init = not still and rng.random() < c.box_init_probability
        if box_init:
            j = i
        if still and len(self.tracks) < 2:
            raise ValueError(f"{track.name}: a still image needs another track to be pasted onto")
        if still or (not box_init and len(self.tracks) > 1 and rng.random() < c.paste_probability):
            # This object on another video's frames (see paste.py).
            others = [k for k in range(len(self.tracks)) if self.tracks[k] is not track]
            bg = self.tracks[int(rng.choice(others))]
            bg_frames = self._pick_frames(rng, bg, tuple(range(len(bg.frames))))
            occluder = self.tracks[int(rng.choice(others))]
            pair = composite_pair(rng, track, (i, j), bg, bg_frames, PasteParams(), occluder)
            if pair is None:
                return None
            train_img, train_mask, test_img, test_mask = pair
        else:
            train_img, test_img = read_rgb(track.frames[i]), read_rgb(track.frames[j])
            train_mask, test_mask = track.load_mask(i), track.load_mask(j)
        return self._crops(rng, train_img, train_mask, test_img, test_mask, box_init=box_init)

    def _crops(
        self, rng: np.random.Generator, train_img: np.ndarray, train_mask: np.ndarray, test_img: np.ndarray, test_mask: np.ndarray,
        *, box_init: bool,
    ) -> dict[str, torch.Tensor] | None:
        """A pair's two frames (H, W, 3) uint8 and masks (H, W) bool -> the training sample."""
        c = self.config
        s = c.crop_size
        train_box, test_box = mask_box(train_mask), mask_box(test_mask)
        if train_box is None or test_box is None or train_mask.shape != train_img.shape[:2]:
            return None
        # Test crop: the target's box, its size log-normally jittered and its centre moved.
        size = test_box[2:] * np.exp(rng.standard_normal(2) * c.scale_jitter)
        offset = math.sqrt(float(np.prod(size))) * c.center_jitter * (rng.random(2) - 0.5)
        centre = test_box[:2] + test_box[2:] / 2 + offset
        jittered = np.array([centre[0] - size[0] / 2, centre[1] - size[1] / 2, size[0], size[1]])
        if box_init:  # train = test frame, train mask = the target's box
            jittered = train_box.copy()
            train_mask = rasterize(Rectangle(*train_box.astype(int).tolist()), train_mask.shape)
        train_crop, _ = sample_target(train_img, train_box, c.search_area_factor, s)
        train_mask_crop, _ = sample_target(train_mask.astype(np.float32), train_box, c.search_area_factor, s, pad_value=0)
        test_crop, scale = sample_target(test_img, jittered, c.search_area_factor, s)
        test_mask_crop, _ = sample_target(test_mask.astype(np.float32), jittered, c.search_area_factor, s, pad_value=0)
        # Distance map from the target's true centre in the test crop, perturbed.
        true_centre = (test_box[:2] + test_box[2:] / 2 - (jittered[:2] + jittered[2:] / 2)) * scale + s / 2
        wh = test_box[2:] * scale
        jitter = c.distance_jitter * wh * (rng.random(2) - 0.5)
        centre_xy = true_centre + (jitter if c.box_init_distance_jitter or not box_init else 0.0)
        low, high = max(0.0, 1 - c.brightness_jitter), 1 + c.brightness_jitter
        brightness = [float(rng.uniform(low, high))] * 2
        if c.brightness_per_image:
            brightness[1] = float(rng.uniform(low, high))
        test_mask_values = test_mask_crop if c.soft_test_mask else (test_mask_crop > 0.5)
        return {
            "train_image": _normalise(train_crop, brightness[0]),
            "test_image": _normalise(test_crop, brightness[1]),
            "train_mask": torch.from_numpy(train_mask_crop[None].astype(np.float32)),
            "test_mask": torch.from_numpy(np.clip(test_mask_values, 0, 1)[None].astype(np.float32)),
            "test_distance": torch.from_numpy(distance_map((s, s), (float(centre_xy[0]), float(centre_xy[1])))[None]),
        }
