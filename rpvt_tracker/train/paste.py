"""Composite training pairs: a real object cut from one video, pasted onto another video's frames.

With few annotated videos (the offline default model has ten DAVIS sequences), pairs from the
videos themselves teach little about new backgrounds and motions. A composite pair takes:

* the object's pixels and mask from two nearby frames of one track (real deformation),
* two nearby frames of another track as background (real camera motion and clutter),
* a random similarity transform per frame: the test frame's moves, turns and rescales relative
  to the train frame's (synthetic target motion),
* sometimes a second cut-out object pasted over the test frame (occlusion; the ground truth loses
  the hidden pixels).

Images (H, W, 3) uint8 RGB, masks (H, W) bool, at the background's size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .datasets import Track, read_rgb


@dataclass(frozen=True)
class PasteParams:
    """How composites are drawn.

    * ``area``: range of the pasted object's area as a fraction of the frame's.
    * ``motion``: std of the test frame's shift, as a fraction of the object's size.
    * ``rotation``: std of the test frame's extra rotation, degrees (train frame: U(-r, r)).
    * ``rescale``: std of the test frame's log scale change.
    * ``occlusion``: chance of an occluder on the test frame.
    """

    area: tuple[float, float] = (0.01, 0.12)
    motion: float = 0.5
    rotation: float = 15.0
    rescale: float = 0.15
    occlusion: float = 0.3


def _cut(image: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The object's bounding-box patch and its mask, None if the mask is empty."""
    ys, xs = np.nonzero(mask)
    if ys.size < 16:
        return None
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    return image[y0:y1, x0:x1], mask[y0:y1, x0:x1]


def _paste(
    background: np.ndarray, patch: np.ndarray, alpha: np.ndarray, centre: np.ndarray, scale: float, angle: float
) -> tuple[np.ndarray, np.ndarray]:
    """Warp (patch, alpha) by the similarity (scale, angle about its centre, moved to ``centre``)
    onto ``background``; returns the new image and the pasted object's full-frame mask."""
    h, w = background.shape[:2]
    ph, pw = alpha.shape
    matrix = cv2.getRotationMatrix2D((pw / 2, ph / 2), angle, scale)
    matrix[:, 2] += centre - np.array([pw / 2, ph / 2])
    warped = cv2.warpAffine(patch, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    soft = cv2.warpAffine(alpha.astype(np.float32), matrix, (w, h), flags=cv2.INTER_LINEAR)
    # A one-pixel feather hides the cut's staircase edge, which would be too easy a cue.
    soft = cv2.GaussianBlur(soft, (3, 3), 0)[..., None]
    image = (background * (1 - soft) + warped * soft).astype(np.uint8)
    return image, soft[..., 0] > 0.5


def composite_pair(
    rng: np.random.Generator, objects: Track, frames: tuple[int, int], backgrounds: Track, bg_frames: tuple[int, int],
    params: PasteParams, occluder: Track | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """(train image, train mask, test image, test mask), or None when an object mask is empty."""
    cuts = [_cut(read_rgb(objects.frames[i]), objects.load_mask(i)) for i in frames]
    if cuts[0] is None or cuts[1] is None:
        return None
    bgs = [read_rgb(backgrounds.frames[i]) for i in bg_frames]
    if bgs[0].shape != bgs[1].shape:
        return None
    h, w = bgs[0].shape[:2]
    patch, alpha = cuts[0]
    area = rng.uniform(*params.area) * h * w
    scale = math.sqrt(area / max(alpha.sum(), 1))
    size = scale * math.sqrt(alpha.sum())  # the object's typical extent in pixels
    centre = np.array([rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h])
    angle = rng.uniform(-params.rotation, params.rotation)
    train_img, train_mask = _paste(bgs[0], patch, alpha, centre, scale, angle)
    # The test frame: the object's next appearance, moved, turned and rescaled.
    patch, alpha = cuts[1]
    scale2 = scale * math.exp(rng.normal(0, params.rescale))
    centre2 = np.clip(centre + rng.normal(0, params.motion, 2) * size, [0, 0], [w, h])
    angle2 = angle + rng.normal(0, params.rotation)
    test_img, test_mask = _paste(bgs[1], patch, alpha, centre2, scale2, angle2)
    if occluder is not None and rng.random() < params.occlusion:
        k = int(rng.choice(occluder.visible))
        cut = _cut(read_rgb(occluder.frames[k]), occluder.load_mask(k))
        if cut is not None:
            # Put the occluder's centre within half an object size of the target's centre.
            spot = centre2 + rng.uniform(-0.5, 0.5, 2) * size
            occ_scale = rng.uniform(0.5, 1.0) * size / math.sqrt(max(cut[1].sum(), 1))
            test_img, hidden = _paste(test_img, cut[0], cut[1], spot, occ_scale, rng.uniform(-30, 30))
            test_mask = test_mask & ~hidden
    return train_img, train_mask, test_img, test_mask


def pasted_sequence(
    objects: Track, backgrounds: Track, *, length: int, size: float, growth: float = 1.0, seed: int = 0
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """A real object moving over real video: frame t of ``objects`` (its own deformation) pasted
    onto frame t of ``backgrounds``, about ``size`` pixels across (sqrt of its area), drifting
    smoothly across the frame and turning a little; its size changes by ``growth`` over the run.

    Returns ``length`` (H, W, 3) uint8 RGB frames and (H, W) bool masks, at the background's size.
    Both tracks need ``length`` frames (shorter ones are played back and forth).
    """
    rng = np.random.default_rng(seed)

    def bounce(track: Track, t: int) -> int:
        n = len(track.frames)
        k = t % (2 * n - 2) if n > 1 else 0
        return k if k < n else 2 * n - 2 - k

    h, w = read_rgb(backgrounds.frames[0]).shape[:2]
    start = np.array([rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h])
    velocity = rng.normal(0, 1, 2)
    velocity *= 0.4 * min(w, h) / max(np.linalg.norm(velocity), 1e-6) / length
    frames, masks = [], []
    for t in range(length):
        cut = _cut(read_rgb(objects.frames[bounce(objects, t)]), objects.load_mask(bounce(objects, t)))
        if cut is None:
            raise ValueError(f"{objects.name}: empty mask on frame {bounce(objects, t)}")
        patch, alpha = cut
        extent = size * growth ** (t / max(length - 1, 1))
        scale = extent / math.sqrt(max(alpha.sum(), 1))
        centre = np.clip(start + velocity * t, [extent, extent], [w - extent, h - extent])
        image, mask = _paste(read_rgb(backgrounds.frames[bounce(backgrounds, t)]), patch, alpha, centre, scale, 10 * math.sin(t / 7))
        frames.append(image)
        masks.append(mask)
    return frames, masks
