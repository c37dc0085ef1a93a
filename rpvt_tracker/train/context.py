"""Context pairs: two views of one photograph, the target among the things it touches.

Composites (``paste.py``) put an object on a new background: the head learns what is the
object and what is far from it, but never what is *next to* it. VOT's targets are often held
by, worn by or in front of a larger object (a book in a hand, a face on a body); a head that
has only seen isolated objects lets its mask spread onto them. A context pair keeps the whole
photograph (a COCO image with every instance annotated): the train view is the photograph, the
test view the same photograph moved, turned and rescaled about the target (the camera's motion,
as SiamMask and D3S made pairs from still images), sometimes motion-blurred. Whatever touches
the target stays in both views and is background in both masks: hard negatives by construction.

Images (H, W, 3) uint8 RGB, masks (H, W) bool, at the photograph's size.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .datasets import Track, read_rgb


@dataclass(frozen=True)
class ViewParams:
    """How the test view differs from the train view.

    * ``motion``: std of the target's shift, as a fraction of its size (sqrt of its box's area).
    * ``rotation``: std of the roll about the target's centre, degrees.
    * ``rescale``: std of the log scale change.
    * ``blur``: chance of a linear motion blur; its length is up to ``blur_length`` x the
      target's size (fast targets smear).
    """

    motion: float = 0.3
    rotation: float = 10.0
    rescale: float = 0.15
    blur: float = 0.2
    blur_length: float = 0.15


def context_pair(rng: np.random.Generator, track: Track, params: ViewParams) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """(train image, train mask, test image, test mask) from a one-frame ``track``, or None when
    its mask is empty or leaves the test view."""
    image, mask = read_rgb(track.frames[0]), track.load_mask(0)
    ys, xs = np.nonzero(mask)
    if ys.size < 16:
        return None
    h, w = mask.shape
    centre = ((xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2)
    size = float(np.sqrt((xs.max() - xs.min() + 1) * (ys.max() - ys.min() + 1)))
    matrix = cv2.getRotationMatrix2D(centre, float(rng.normal(0, params.rotation)), float(np.exp(rng.normal(0, params.rescale))))
    matrix[:, 2] += rng.normal(0, params.motion, 2) * size
    # Replicated borders: a constant one would be a straight edge the head could learn to use.
    test = cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    test_mask = cv2.warpAffine(mask.astype(np.float32), matrix, (w, h), flags=cv2.INTER_LINEAR) > 0.5
    if np.count_nonzero(test_mask) < 16:
        return None
    if rng.random() < params.blur:
        length = max(3, int(rng.uniform(0.3, 1.0) * params.blur_length * size) | 1)
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1 / length
        turn = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), float(rng.uniform(0, 180)), 1.0)
        kernel = cv2.warpAffine(kernel, turn, (length, length))
        test = cv2.filter2D(test, -1, kernel / max(float(kernel.sum()), 1e-6))
    return image, mask, test, test_mask
