"""The embedded default on a target held by a larger object, on real material.

A book held by a person (one COCO photograph, tests/data/held_object; never trained on:
``train.datasets.TEST_IMAGES``), cut out with the person holding it and pasted onto the real
frames of a DAVIS sequence shipped with the repository, moving, shaking, turning and changing
size over 100 frames. Tracked from the book's box on the first frame, as box benchmarks (OTB,
UAV123, the yardstick's parts) start a tracker, the reported box must stay on the book and
within 1.5x of the book's own size on every frame: the mask may not spread onto the person and
carry the box with it. The VOT2016-2018 toolkits start from a polygon instead (the last test).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from rpvt_tracker.models import load_network
from rpvt_tracker.tracking import Tracker, tracker_params
from rpvt_tracker.tracking.frames import read_frame
from rpvt_tracker.train.paste import _paste

ROOT = Path(__file__).resolve().parents[1]
MATERIAL = Path(__file__).parent / "data" / "held_object"
BACKGROUND = ROOT / "data" / "davis2016" / "JPEGImages" / "480p" / "blackswan"


def held_book_video(length: int = 100, book_size: float = 60.0, seed: int = 0, masks: bool = False, growth: float = 0.3):
    """Frames (H, W, 3) uint8 and the book's (x, y, w, h) box on each (N, 4); with ``masks``
    also the book's (H, W) bool masks (``benchmarks/diagnose_vot.py --held-object``). The book's
    side grows by ``growth`` of its first over the video."""
    rng = np.random.default_rng(seed)
    patch = read_frame(MATERIAL / "image.jpg")
    labels = np.asarray(Image.open(MATERIAL / "labels.png"))
    group, book = labels > 0, labels == 2  # person and book together; the book alone
    backgrounds = sorted(BACKGROUND.glob("*.jpg"))
    h, w = read_frame(backgrounds[0]).shape[:2]
    start = np.array([0.3 * w, 0.55 * h])
    velocity = np.array([0.4 * w, -0.1 * h]) / length
    frames, boxes, book_masks = [], [], []
    for t in range(length):
        k = t % (2 * len(backgrounds) - 2)
        background = read_frame(backgrounds[k if k < len(backgrounds) else 2 * len(backgrounds) - 2 - k])
        scale = book_size * (1 + growth * t / length) / math.sqrt(book.sum())
        centre = start + velocity * t + rng.normal(0, 3, 2)  # a hand-held camera's shake
        angle = 10 * math.sin(t / 8)
        image, _ = _paste(background, patch, group, centre, scale, angle)
        _, book_mask = _paste(np.zeros_like(background), patch, book, centre, scale, angle)
        ys, xs = np.nonzero(book_mask)
        frames.append(image)
        book_masks.append(book_mask)
        boxes.append((xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1))
    return (frames, np.asarray(boxes, np.float64)) + ((book_masks,) if masks else ())


@pytest.mark.parametrize("preset", ["lite", "lite-realtime"])
def test_the_box_stays_on_a_held_book(preset):
    frames, truth = held_book_video()
    tracker = Tracker(load_network(ROOT / "weights" / "rpvt-lite.pth"), params=tracker_params(preset))
    tracker.initialize(frames[0], tuple(truth[0]))
    for t in range(1, len(frames)):
        x, y, w, h = tracker.track(frames[t]).box
        bx, by, bw, bh = truth[t]
        assert w <= 1.5 * bw and h <= 1.5 * bh, f"frame {t}: box {w:.0f}x{h:.0f} against the book's {bw:.0f}x{bh:.0f}"
        cx, cy = x + w / 2, y + h / 2
        assert bx <= cx <= bx + bw and by <= cy <= by + bh, f"frame {t}: box centre ({cx:.0f}, {cy:.0f}) off the book {truth[t]}"


def test_the_box_grows_with_a_held_book_without_following_the_hand():
    """The book's side grows 2.5x from 40 pixels. Its mask leaks onto the hand and the person on
    most frames, so the mask may not move the scale there (``max_leak``); the DCF's peaks decide
    it instead (``leak_scale_step``). The box must follow the book's growth and still never take
    in the person; without the DCF's say the scale stays where it started."""
    frames, truth = held_book_video(book_size=40.0, growth=1.5)
    network = load_network(ROOT / "weights" / "rpvt-lite.pth")
    lite = tracker_params("lite")
    assert lite.segmentation.leak_scale_step > 0
    frozen = replace(lite, segmentation=replace(lite.segmentation, leak_scale_step=0.0))
    last_side = {}
    for name, params in (("lite", lite), ("no DCF scale", frozen)):
        tracker = Tracker(network, params=params)
        tracker.initialize(frames[0], tuple(truth[0]))
        for t in range(1, len(frames)):
            x, y, w, h = tracker.track(frames[t]).box
            bw, bh = truth[t][2:]
            assert w <= 1.5 * bw and h <= 1.5 * bh, f"{name}, frame {t}: box {w:.0f}x{h:.0f} against the book's {bw:.0f}x{bh:.0f}"
        last_side[name] = math.sqrt(w * h / (bw * bh))
    assert last_side["lite"] > 0.7, f"the box's side ends at {last_side['lite']:.2f} of the book's"
    assert last_side["no DCF scale"] < 0.5, f"without the DCF's scale the box's side ends at {last_side['no DCF scale']:.2f} of the book's"


def test_a_rotated_start_keeps_the_real_time_box_on_the_book():
    """The VOT2016-2018 toolkits start every tracker from a polygon, which makes the target a
    rotated one, and rotated targets have no support window. Started from the book's rotated
    box, the real-time mode's mask spreads over the person holding it. Without a guard the box
    follows the mask, and its centre leaves the book for most of the video. The DCF scale check
    (``polygon_dcf_scale_check``) holds the state's scale, so the box stays on the book. It may
    still reach a few times the book's side, with no window to cut the mask."""
    frames, truth, masks = held_book_video(masks=True)
    ys, xs = np.nonzero(masks[0])
    corners = cv2.boxPoints(cv2.minAreaRect(np.stack([xs, ys], 1).astype(np.float32)))
    realtime = tracker_params("lite-realtime")
    assert realtime.segmentation.polygon_dcf_scale_check and not realtime.segmentation.dcf_scale_check
    unguarded = replace(realtime, segmentation=replace(realtime.segmentation, polygon_dcf_scale_check=False))
    network = load_network(ROOT / "weights" / "rpvt-lite.pth")
    off, largest = {}, {}
    for name, params in (("guarded", realtime), ("unguarded", unguarded)):
        tracker = Tracker(network, params=params)
        tracker.initialize(frames[0], corners)
        off[name], largest[name] = 0, 0.0
        for t in range(1, len(frames)):
            x, y, w, h = tracker.track(frames[t]).box
            bx, by, bw, bh = truth[t]
            off[name] += not (bx <= x + w / 2 <= bx + bw and by <= y + h / 2 <= by + bh)
            largest[name] = max(largest[name], w / bw, h / bh)
    assert off["guarded"] <= 5 and largest["guarded"] < 3.5, (off, largest)
    assert off["unguarded"] > 40, f"without the check the box left the book on only {off['unguarded']} frames: {off}, {largest}"


def test_a_mask_start_keeps_lite_on_the_book():
    """VOT2020 and VOTS start every tracker from a mask, which also makes the target a rotated
    one, with no support window. ``lite``'s DCF scale check is then the guard: the mask still
    takes in some of the hand (up to 2.5x the book's area), but the box's centre stays on the
    book on every frame and its side within 2.5x the book's (``benchmarks/held_start.py``;
    BENCHMARKS.md, "Targets started from a mask")."""
    frames, truth, masks = held_book_video(masks=True)
    lite = tracker_params("lite")
    assert lite.segmentation.dcf_scale_check
    tracker = Tracker(load_network(ROOT / "weights" / "rpvt-lite.pth"), params=lite)
    tracker.initialize(frames[0], masks[0])
    ious = []
    for t in range(1, len(frames)):
        prediction = tracker.track(frames[t])
        x, y, w, h = prediction.box
        bx, by, bw, bh = truth[t]
        assert w <= 2.5 * bw and h <= 2.5 * bh, f"frame {t}: box {w:.0f}x{h:.0f} against the book's {bw:.0f}x{bh:.0f}"
        cx, cy = x + w / 2, y + h / 2
        assert bx <= cx <= bx + bw and by <= cy <= by + bh, f"frame {t}: box centre ({cx:.0f}, {cy:.0f}) off the book {truth[t]}"
        ious.append(np.count_nonzero(prediction.mask & masks[t]) / np.count_nonzero(prediction.mask | masks[t]))
    assert np.mean(ious) > 0.35, f"mean mask IoU with the book {np.mean(ious):.3f}"


def test_a_mask_start_holds_the_real_time_box_nearer_the_book():
    """The real-time mode from the book's mask: without the DCF scale check the mask spreads
    over the person and the box follows it, its centre off the book on most frames. With the
    check (``mask_dcf_scale_check``) the box stays on the book on most frames. It still leaves
    it for a while: this is a guard, not a window (BENCHMARKS.md, "Targets started from a
    mask"), and README.md points users with held targets to ``lite``."""
    frames, truth, masks = held_book_video(masks=True)
    realtime = tracker_params("lite-realtime")
    assert realtime.segmentation.mask_dcf_scale_check and not realtime.segmentation.dcf_scale_check
    unguarded = replace(realtime, segmentation=replace(realtime.segmentation, mask_dcf_scale_check=False))
    network = load_network(ROOT / "weights" / "rpvt-lite.pth")
    off = {}
    for name, params in (("guarded", realtime), ("unguarded", unguarded)):
        tracker = Tracker(network, params=params)
        tracker.initialize(frames[0], masks[0])
        off[name] = 0
        for t in range(1, len(frames)):
            x, y, w, h = tracker.track(frames[t]).box
            bx, by, bw, bh = truth[t]
            off[name] += not (bx <= x + w / 2 <= bx + bw and by <= y + h / 2 <= by + bh)
    assert off["guarded"] <= 40, f"with the check the box left the book on {off['guarded']} of 99 frames"
    assert off["unguarded"] >= 70, f"without the check the box left the book on only {off['unguarded']} frames: {off}"
