"""Tracker behaviour: input checks, hard cases (target leaves, vanishes, is occluded), re-use."""

import math

import numpy as np
import pytest

from rpvt_tracker.geometry.regions import Mask, Polygon, Rectangle
from rpvt_tracker.tracking import Prediction, Tracker


def scene(t: int, *, size=(120, 160), centre=(60.0, 80.0), velocity=(0.0, 0.0), occluded=False, seed=0):
    """A textured 24x24 square on a fixed noise background, at centre + t * velocity (y, x)."""
    rng = np.random.default_rng(seed)
    image = rng.integers(60, 120, size=(*size, 3), dtype=np.uint8)
    patch = np.random.default_rng(seed + 1).integers(0, 255, size=(24, 24, 3), dtype=np.uint8)
    cy, cx = centre[0] + t * velocity[0], centre[1] + t * velocity[1]
    y0, x0 = int(round(cy)) - 12, int(round(cx)) - 12
    ys, xs = slice(max(y0, 0), min(y0 + 24, size[0])), slice(max(x0, 0), min(x0 + 24, size[1]))
    if not occluded and ys.start < ys.stop and xs.start < xs.stop:
        image[ys, xs] = patch[ys.start - y0 : ys.stop - y0, xs.start - x0 : xs.stop - x0]
    return image


@pytest.fixture(scope="module")
def tracker(d3s_reference_net):
    return Tracker(d3s_reference_net)


def check(pred: Prediction, shape):
    assert pred.mask.shape == shape and pred.mask.dtype == bool
    assert pred.polygon.shape == (4, 2) and np.isfinite(pred.polygon).all()
    assert len(pred.box) == 4 and all(math.isfinite(v) for v in pred.box)
    assert 0.0 <= pred.confidence <= 1.0


def test_tracks_a_moving_square_from_a_rectangle(tracker):
    tracker.initialize(scene(0, velocity=(1.0, 2.0)), (68, 48, 24, 24))
    for t in range(1, 8):
        pred = tracker.track(scene(t, velocity=(1.0, 2.0)))
        check(pred, (120, 160))
        cx, cy = pred.polygon.mean(0)
        assert abs(cx - (80 + 2 * t)) < 6 and abs(cy - (60 + t)) < 6, t


def test_target_leaving_the_image_keeps_answering(tracker):
    tracker.initialize(scene(0, velocity=(0.0, 12.0)), (68, 48, 24, 24))
    for t in range(1, 12):  # the square is gone from t = 8
        check(tracker.track(scene(t, velocity=(0.0, 12.0))), (120, 160))


def test_occlusion_and_blank_frames_keep_answering(tracker):
    tracker.initialize(scene(0), (68, 48, 24, 24))
    for t in range(1, 4):
        check(tracker.track(scene(t, occluded=True)), (120, 160))
    for value in (0, 255):
        check(tracker.track(np.full((120, 160, 3), value, np.uint8)), (120, 160))


def test_tiny_target_keeps_answering(tracker):
    tracker.initialize(scene(0), (79, 59, 2, 2))
    for t in range(1, 4):
        check(tracker.track(scene(t)), (120, 160))


def test_reinitialisation_starts_fresh(tracker):
    tracker.initialize(scene(0, velocity=(0.0, 12.0)), (68, 48, 24, 24))
    for t in range(1, 6):
        tracker.track(scene(t, velocity=(0.0, 12.0)))
    tracker.initialize(scene(0), (68, 48, 24, 24))
    first = tracker.track(scene(1))
    fresh = Tracker(tracker.network)
    fresh.initialize(scene(0), (68, 48, 24, 24))
    assert np.allclose(first.polygon, fresh.track(scene(1)).polygon, atol=1e-4)


def test_mask_and_polygon_initialisation(tracker):
    image = scene(0)
    mask = np.zeros((120, 160), bool)
    mask[48:72, 68:92] = True
    for region in (mask, Mask(mask[40:80, 60:100], (60, 40)), Polygon(np.array([[68, 48], [92, 48], [92, 72], [68, 72]]))):
        tracker.initialize(image, region)
        pred = tracker.track(scene(1))
        check(pred, (120, 160))
        cx, cy = pred.polygon.mean(0)
        assert abs(cx - 80) < 6 and abs(cy - 60) < 6


@pytest.mark.parametrize(
    "image, region, message",
    [
        (np.zeros((120, 160), np.uint8), (10, 10, 20, 20), r"H x W x 3"),
        (np.zeros((120, 160, 4), np.uint8), (10, 10, 20, 20), r"H x W x 3"),
        (np.zeros((120, 160, 3), np.float32), (10, 10, 20, 20), r"uint8"),
        ("frame.jpg", (10, 10, 20, 20), r"numpy array"),
        (np.zeros((120, 160, 3), np.uint8), np.zeros((120, 160), bool), r"mask is empty"),
        (np.zeros((120, 160, 3), np.uint8), (10, 10, 0, 20), r"zero area"),
        (np.zeros((120, 160, 3), np.uint8), (500, 500, 20, 20), r"wholly outside the 160x120 image"),
        (np.zeros((120, 160, 3), np.uint8), (float("nan"), 10, 20, 20), r"non-finite"),
        (np.zeros((120, 160, 3), np.uint8), (1, 2, 3), r"4 values"),
        (np.zeros((120, 160, 3), np.uint8), [[0, 0], [5, 5], [10, 10]], r"polygon covers no area"),
        (np.zeros((120, 160, 3), np.uint8), np.zeros((10, 10), bool), r"image's shape"),
        # Region objects (what the TraX server and the sequence reader hand over).
        (np.zeros((120, 160, 3), np.uint8), Rectangle(10, 10, math.inf, 20), r"non-finite coordinates \(NaN or infinity\)"),
        (np.zeros((120, 160, 3), np.uint8), Rectangle(math.nan, 10, 20, 20), r"non-finite coordinates"),
        (np.zeros((120, 160, 3), np.uint8), Polygon(np.array([[0, 0], [5, math.inf], [10, 0]])), r"non-finite coordinates"),
        (np.zeros((120, 160, 3), np.uint8), Rectangle(10, 10, 0, 20), r"zero area"),
    ],
)
def test_bad_initialisation_is_named(tracker, image, region, message):
    with pytest.raises(ValueError, match=message):
        tracker.initialize(image, region)


def test_bad_frames_are_named(tracker):
    tracker.initialize(scene(0), (68, 48, 24, 24))
    with pytest.raises(ValueError, match=r"frame is 100x80, but the sequence started at 160x120"):
        tracker.track(np.zeros((80, 100, 3), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        tracker.track(np.zeros((120, 160, 3), np.float64))
    check(tracker.track(scene(1)), (120, 160))  # a rejected frame does not break the sequence


def test_track_before_initialize(d3s_reference_net):
    with pytest.raises(RuntimeError, match="before initialize"):
        Tracker(d3s_reference_net).track(scene(0))
