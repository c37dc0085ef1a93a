"""The DCF's say over the mask (``SegmentationParams.support`` / ``max_leak``): a mask that spreads
onto what the target touches is cut to the window about the DCF's estimate, and does not move
the tracker's position or scale."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from rpvt_tracker.tracking import tracker_params
from rpvt_tracker.tracking.segmentation import cut_crop, segment_crop

PARAMS = replace(tracker_params("lite").segmentation, support=1.2, max_leak=0.05)
CENTRE, SIZE = (200.0, 150.0), (40.0, 30.0)  # the target's (x, y) and (w, h) in a 400 x 300 image


def logits_of(mask: np.ndarray) -> torch.Tensor:
    m = torch.from_numpy(mask.astype(np.float32))
    return 10 * torch.stack([m - 0.5, 0.5 - m])[None]


def crop_and_masks():
    """The crop about the target, the target's mask in it, and the target with a larger object
    it touches (a book and the person holding it)."""
    crop = cut_crop(np.zeros((300, 400, 3), np.uint8), CENTRE, SIZE, PARAMS)
    (x0, y0), (x1, y1) = crop.to_crop(np.array([[180.0, 135.0], [220.0, 165.0]])).round().astype(int)
    target = np.zeros(crop.pixels.shape[:2], bool)
    target[y0:y1, x0:x1] = True
    holder = target.copy()
    holder[y0 - 60 : y1 + 100, x1 : x1 + 120] = True  # the person, right of the book and taller
    return crop, target, holder


def box_size(seg) -> tuple[float, float]:
    xs, ys = seg.polygon[:, 0], seg.polygon[:, 1]
    return xs.max() - xs.min(), ys.max() - ys.min()


def test_a_mask_within_the_window_is_left_as_it_is():
    crop, target, _ = crop_and_masks()
    free = segment_crop(crop, logits_of(target), (300, 400), replace(PARAMS, support=0.0), rotated=False)
    held = segment_crop(crop, logits_of(target), (300, 400), PARAMS, rotated=False, support=(CENTRE, SIZE))
    assert held.leak == 0.0
    assert np.array_equal(held.mask, free.mask) and np.allclose(held.polygon, free.polygon)


def test_a_spreading_mask_is_cut_to_the_window_and_called_a_leak():
    crop, _, holder = crop_and_masks()
    free = segment_crop(crop, logits_of(holder), (300, 400), replace(PARAMS, support=0.0), rotated=False)
    w, h = box_size(free)
    assert w > 1.8 * SIZE[0] and h > 1.8 * SIZE[1]  # without the window: the person's box, as far as the crop sees
    held = segment_crop(crop, logits_of(holder), (300, 400), PARAMS, rotated=False, support=(CENTRE, SIZE))
    assert held.leak > 0.5
    w, h = box_size(held)
    assert w <= 1.2 * SIZE[0] + 2 and h <= 1.2 * SIZE[1] + 2
    ys, xs = np.nonzero(held.mask)
    assert xs.min() >= 200 - 24 - 1 and xs.max() <= 200 + 24 + 1 and ys.min() >= 150 - 18 - 1 and ys.max() <= 150 + 18 + 1
