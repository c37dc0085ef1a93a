"""Where the DCF looks (``SearchParams``): re-detection in neighbouring samples on a low peak,
in both modes. Real video: a held-out DAVIS frame (car-shadow, never
trained or tuned on) placed in a larger canvas so that the car can move far, and moved."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from rpvt_tracker.dcf import DCFParams, LookalikeParams
from rpvt_tracker.models import load_network
from rpvt_tracker.tracking import PRESETS, Tracker
from rpvt_tracker.tracking.params import SearchParams

REPO = Path(__file__).resolve().parents[1]
DAVIS = REPO / "data" / "davis2016"


@pytest.fixture(scope="module")
def scene():
    """(image, box (x, y, w, h), network): the car in a 1654x880 canvas (the frame's edges
    reflected; the car's own copies stay outside the search areas used here)."""
    frame = sorted((DAVIS / "JPEGImages" / "480p" / "car-shadow").glob("*.jpg"))[0]
    image = cv2.cvtColor(cv2.imread(str(frame)), cv2.COLOR_BGR2RGB)
    mask = cv2.imread(str(DAVIS / "Annotations" / "480p" / "car-shadow" / f"{frame.stem}.png"), 0) > 0
    image = cv2.copyMakeBorder(image, 200, 200, 400, 400, cv2.BORDER_REFLECT)
    ys, xs = np.nonzero(mask)
    box = (int(xs.min()) + 400, int(ys.min()) + 200, int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1))
    return image, box, load_network(REPO / "weights" / "rpvt-lite.pth")


def moved(image: np.ndarray, dx: float) -> np.ndarray:
    return cv2.warpAffine(image, np.float32([[1, 0, dx], [0, 1, 0]]), (image.shape[1], image.shape[0]), borderMode=cv2.BORDER_REFLECT)


def centre_error(tracker: Tracker, image: np.ndarray, box, shifts: list[float]) -> float:
    """Track 5 still frames, then frames moved by ``shifts`` (x, pixels); the last frame's
    horizontal error of the reported box's centre."""
    tracker.initialize(image, box)
    for _ in range(5):
        tracker.track(image)
    for dx in shifts:
        prediction = tracker.track(moved(image, dx))
    return abs(prediction.box[0] + prediction.box[2] / 2 - (box[0] + box[2] / 2 + shifts[-1]))


@pytest.mark.parametrize(("preset", "fraction"), [("lite", 0.4), ("lite-realtime", 0.5)])
def test_redetection_finds_a_target_that_jumped_past_the_window(scene, preset, fraction):
    """Both paths: ``lite`` (the DCF's own sample) and ``lite-realtime`` (the DCF on the shared
    segmentation crop, which re-detection replaces by a crop about the found target). The jump
    is ``fraction`` of the DCF's sample: in the real-time mode the plain search still finds the
    car 0.4 of its sample away (64 px off), so the scene moves it further."""
    image, box, network = scene
    base = PRESETS[preset]
    assert base.search.redetect_below > 0, f"{preset} no longer re-detects"
    jump = -fraction * math.sqrt(box[2] * box[3]) * base.dcf.search_area_scale
    plain = centre_error(Tracker(network, params=replace(base, search=SearchParams())), image, box, [jump])
    redetected = centre_error(Tracker(network, params=base), image, box, [jump])
    assert plain > box[2], f"the scene no longer tests anything: the plain search found the car ({plain:.0f} px off)"
    assert redetected < 0.05 * box[2], f"re-detection left the car {redetected:.0f} px off"


@pytest.mark.parametrize("preset", ["lite", "lite-realtime"])
def test_redetection_floor_refuses_a_fainter_match(scene, preset):
    """``SearchParams.redetect_floor``: the car vanishes (inpainted away) and a faint copy of it
    (70% blended into the background) appears as far as the jump above. Its peak beats the
    vanished car's by the gain but stays under 0.8 of the recent peaks: without the floor the
    box goes to the copy, with it the box stays where the car was."""
    image, box, network = scene
    x, y, w, h = box
    base = PRESETS[preset]
    mask = np.zeros(image.shape[:2], np.uint8)
    mask[y : y + h, x : x + w] = 1
    erased = cv2.inpaint(image, cv2.dilate(mask, np.ones((25, 25), np.uint8)), 5, cv2.INPAINT_TELEA)
    jump = -(0.4 if preset == "lite" else 0.5) * math.sqrt(w * h) * base.dcf.search_area_scale
    copy = moved(mask.astype(np.float32), jump)[..., None] * 0.7
    faint = (erased * (1 - copy) + moved(image, jump) * copy).astype(np.uint8)

    def final_offset(floor: float) -> float:
        search = SearchParams(redetect_below=0.5, redetect_floor=floor)
        tracker = Tracker(network, params=replace(base, search=search))
        tracker.initialize(image, box)
        for _ in range(5):
            tracker.track(image)
        for _ in range(3):
            prediction = tracker.track(faint)
        return prediction.box[0] + prediction.box[2] / 2 - (x + w / 2)

    assert abs(final_offset(0.0) - jump) < 0.2 * w, "the scene no longer tests anything: without the floor the copy did not win"
    assert abs(final_offset(0.8)) < 0.2 * w, "with the floor, a match fainter than the target's recent peaks took the box"


@pytest.mark.parametrize("preset", ["lite", "lite-realtime"])
def test_dcf_on_layer2_follows_the_target(scene, preset):
    """``DCFParams.feature_stride`` 8: the DCF learns and localises on the backbone's layer2 (a
    32x32 map of a 256-pixel sample, in the real-time mode the shared crop's own layer2), and
    follows the car moving 12 px a frame."""
    image, box, network = scene
    base = PRESETS[preset]
    params = replace(base, dcf=replace(base.dcf, feature_stride=8, kernel_size=4, compressed_dim=32))
    tracker = Tracker(network, params=params)
    error = centre_error(tracker, image, box, [12.0 * k for k in range(1, 6)])
    assert tracker._seq.dcf.samples.shape[-2:] == (params.dcf.sample_size // 8,) * 2
    assert error < 0.05 * box[2], f"the layer2 DCF left the car {error:.0f} px off"


def test_dcf_feature_stride_names_a_backbone_level(scene):
    with pytest.raises(ValueError, match="feature_stride must be one of \\[8, 16\\].*got 4"):
        DCFParams(feature_stride=4)
    image, box, network = scene  # the lite backbone's layer2 has 40 channels: 64 directions cannot be learnt
    params = replace(PRESETS["lite"], dcf=replace(PRESETS["lite"].dcf, feature_stride=8))
    with pytest.raises(ValueError, match="compressed_dim 64 exceeds the 40 channels of the backbone's layer2"):
        Tracker(network, params=params).initialize(image, box)
    params = replace(PRESETS["lite"], lookalike=LookalikeParams(enabled=True, compressed_dim=64))  # the look-alike DCF's
    with pytest.raises(ValueError, match="compressed_dim 64 exceeds the 40 channels of the backbone's layer2"):
        Tracker(network, params=params).initialize(image, box)
