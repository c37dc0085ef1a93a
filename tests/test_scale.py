"""The reported box follows the target's size: a real object pasted small onto real video, and
the collapsed-mask gate of the ``stable-scale`` parameters (and of ``lite``, built on them)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from rpvt_tracker.geometry import sample_target
from rpvt_tracker.models import load_network
from rpvt_tracker.tracking import Tracker, tracker_params
from rpvt_tracker.train.datasets import load_dataset
from rpvt_tracker.train.paste import pasted_sequence
from rpvt_tracker.vot.davis import rotated_box

REPO = Path(__file__).resolve().parents[1]
DAVIS = REPO / "data" / "davis2016"


@pytest.fixture(scope="module")
def small_target():
    """blackswan's swan, 40 px across and growing to 60 px, swimming over car-shadow's road."""
    tracks = {t.name: t for t in load_dataset(f"davis={DAVIS}:blackswan,car-shadow")}
    return pasted_sequence(tracks["blackswan"], tracks["car-shadow"], length=40, size=40, growth=1.5, seed=3)


def test_pasted_sequence_is_what_it_says(small_target):
    frames, masks = small_target
    assert len(frames) == len(masks) == 40 and frames[0].shape == (480, 854, 3)
    sizes = [np.sqrt(m.sum()) for m in masks]
    assert 35 < sizes[0] < 45 and 52 < sizes[-1] < 68  # 40 px growing by 1.5
    centres = [np.argwhere(m).mean(0) for m in masks]
    assert np.linalg.norm(centres[-1] - centres[0]) > 30  # it moves


@pytest.mark.parametrize("variant", ["d3s", "d3s-ms", "rpvt"])
def test_reported_size_follows_a_small_target(small_target, variant):
    frames, masks = small_target
    tracker = Tracker(load_network(REPO / "weights" / f"{variant}-lite.pth"), params=tracker_params("lite"))
    tracker.initialize(frames[0], masks[0])
    ratios = []
    for image, truth in zip(frames[1:], masks[1:]):
        pred = tracker.track(image)
        # Box against box: the truth's minimum-area rectangle, as VOT's ground truth is made.
        area = cv2.contourArea(pred.polygon.astype(np.float32)) / cv2.contourArea(rotated_box(truth).astype(np.float32))
        ratios.append(float(np.sqrt(area)))
    # Within a factor of two of the truth's size on every frame (sqrt of the areas).
    assert 0.5 < min(ratios) and max(ratios) < 2.0, [round(r, 2) for r in ratios]


class _ShrinkingOracle(Tracker):
    """Logits from the ground-truth mask, except from frame ``collapse`` on, where only the
    left ``keep`` fraction of the target's columns remains (a mask collapsing onto a part)."""

    truth: np.ndarray
    frame_index = 0
    collapse = 10
    keep = 0.3

    def segment_logits(self, crop, box, template):
        mask = self.truth.copy()
        if self.frame_index >= self.collapse:
            xs = np.nonzero(mask.any(0))[0]
            mask[:, xs.min() + int(self.keep * (xs.max() - xs.min() + 1)) :] = False
        m, _ = sample_target(mask.astype(np.float32), np.array(box), 4.0, 384, pad_value=0)
        m = torch.from_numpy((m > 0.5).astype(np.float32))
        return torch.stack([m - 0.5, 0.5 - m])[None]


@pytest.mark.parametrize("preset, trusted", [("d3s", True), ("stable-scale", False), ("lite", False)])
def test_a_collapsed_mask_is_not_trusted_by_stable_scale(small_target, preset, trusted):
    """D3S's gate accepts any shrinking mask; stable-scale rejects one under half the recent area
    (the output falls back to the DCF box and the scale is kept)."""
    frames, masks = small_target
    tracker = _ShrinkingOracle(load_network(REPO / "weights" / "rpvt-lite.pth"), params=tracker_params(preset))
    tracker.truth = masks[0]
    tracker.initialize(frames[0], masks[0])
    for k in range(1, 14):
        tracker.frame_index, tracker.truth = k, masks[k]
        scale_before = tracker._seq.target_scale
        pred = tracker.track(frames[k])
        if k == tracker.collapse:
            assert pred.segmented is trusted
            assert (tracker._seq.target_scale < scale_before) is trusted
