"""The shared-backbone tracker (``TrackerParams.shared_backbone``, preset ``lite-realtime``):
one backbone pass a frame, on real video, and the checks that keep its geometry consistent."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from rpvt_tracker.dcf import DCFFeatures
from rpvt_tracker.models import load_network
from rpvt_tracker.tracking import PRESETS, Tracker, TrackerParams, tracker_params
from rpvt_tracker.tracking.baseline import StaticBoxTracker
from rpvt_tracker.tracking.segmentation import cut_crop

REPO = Path(__file__).resolve().parents[1]
WEIGHTS = REPO / "weights"
DAVIS = REPO / "data" / "davis2016"  # held out: never trained or tuned on


def _sequence(name: str):
    frames = sorted((DAVIS / "JPEGImages" / "480p" / name).glob("*.jpg"))
    masks = [cv2.imread(str(DAVIS / "Annotations" / "480p" / name / f"{f.stem}.png"), 0) > 0 for f in frames]
    return [cv2.cvtColor(cv2.imread(str(f)), cv2.COLOR_BGR2RGB) for f in frames], masks


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = (a | b).sum()
    return float((a & b).sum() / union) if union else 1.0


def test_shared_backbone_needs_the_dcf_sample_to_be_the_segmentation_crop(tmp_path):
    with pytest.raises(ValueError, match=r"dcf.sample_size / search_area_scale = 256 / 4.5 .* 384 / 4.0"):
        TrackerParams(shared_backbone=True)
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"preset": "lite-realtime", "segmentation": {"output_size": 384}}))
    with pytest.raises(ValueError, match=r"p.json: shared_backbone: the DCF's sample must be the segmentation crop"):
        tracker_params(str(path))
    path.write_text(json.dumps({"preset": "lite", "shared_backbone": "yes"}))
    with pytest.raises(ValueError, match=r"p.json: shared_backbone: expected true or false, got 'yes'"):
        tracker_params(str(path))
    net = load_network(WEIGHTS / "rpvt-lite.pth")
    with pytest.raises(ValueError, match="separate dcf_backbone cannot be shared"):
        Tracker(net, dcf_backbone=net.feature_extractor, params=PRESETS["lite-realtime"])


def test_crop_coordinates_round_trip():
    image = np.zeros((480, 854, 3), np.uint8)
    crop = cut_crop(image, (100.3, 50.7), (40.0, 30.0), PRESETS["lite-realtime"].segmentation)
    points = np.array([[0.0, 0.0], [255.0, 17.5], [128.0, 128.0]])
    assert np.allclose(crop.to_crop(crop.to_image(points)), points)
    assert np.allclose(crop.to_image([[128.0, 128.0]]), [[100.3, 50.7]])  # the crop's centre is where it was cut


def test_realtime_tracker_runs_one_backbone_pass_a_frame_and_tracks_held_out_video(monkeypatch):
    """One pass a frame is the mode's design. Targets with no support window (started from a
    polygon or, as here, a mask) add the DCF scale check's sample on frames where the mask
    proposes a new scale (``mask_dcf_scale_check``: 1.5x the time on held-out DAVIS, BENCHMARKS.md,
    "Targets started from a mask"); it is off here, to count the design's own passes."""
    images, masks = _sequence("car-shadow")
    realtime = PRESETS["lite-realtime"]
    assert realtime.segmentation.mask_dcf_scale_check
    params = replace(realtime, segmentation=replace(realtime.segmentation, mask_dcf_scale_check=False))
    tracker = Tracker(load_network(WEIGHTS / "rpvt-lite.pth"), params=params)
    tracker.initialize(images[0], masks[0])
    passes = {"extract": 0, "dcf": 0}
    extract, dcf_forward = tracker.network.extract, DCFFeatures.forward

    def counted_extract(crops):
        passes["extract"] += crops.shape[0]
        return extract(crops)

    def counted_dcf(self, patches):
        passes["dcf"] += patches.shape[0]
        return dcf_forward(self, patches)

    monkeypatch.setattr(tracker.network, "extract", counted_extract)
    monkeypatch.setattr(DCFFeatures, "forward", counted_dcf)
    scores = [_iou(tracker.track(im).mask, m) for im, m in zip(images[1:], masks[1:])]
    assert passes == {"extract": len(images) - 1, "dcf": 0}
    static = StaticBoxTracker()
    static.initialize(images[0], masks[0])
    baseline = np.mean([_iou(static.track(im).mask, m) for im, m in zip(images[1:], masks[1:])])
    # Measured: J = 0.86 (the default two-pass mode: 0.86), static box 0.31 (BENCHMARKS.md, "Real time").
    assert np.mean(scores) > 0.7 and np.mean(scores) > baseline + 0.3, (np.mean(scores), baseline)


def test_realtime_twin_puts_each_trackers_realtime_eao_beside_its_baseline_eao(tmp_path):
    """The real-time twin through the real toolkit: baseline and realtime experiments, analysis,
    and ``rpvt tables`` with the real-time EAO column. (Whether a tracker keeps up depends on the
    machine; BENCHMARKS.md has the figures. Here: the pipeline, on one held-out sequence.)"""
    import os
    import subprocess
    import sys

    from rpvt_tracker.vot.tables import markdown, read_analysis
    from rpvt_tracker.vot.workspace import materialize

    ws = materialize("vot2020/realtime-davis", tmp_path / "ws", davis=DAVIS)
    (ws / "sequences" / "list.txt").write_text("car-shadow\n")  # 40 frames, 5 anchors
    vot = str(Path(sys.executable).with_name("vot"))
    env = {**os.environ, "VOT_RESULTS_BINARY": "0"}
    trackers = ["RPVT-lite-realtime", "Static"]
    for command in (["evaluate"], ["analysis", "--name", "rt"]):
        result = subprocess.run([vot, *command, "--workspace", str(ws), *trackers], capture_output=True, text=True, timeout=900, env=env)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert sorted(p.name for p in (ws / "results" / "RPVT-lite-realtime").iterdir()) == ["baseline", "realtime"]
    scores = read_analysis(ws, "rt").scores
    for name in trackers:
        assert scores[name].realtime_eao is not None and 0.0 < scores[name].realtime_eao <= 1.0, scores
    # The static box answers at once: its real-time run is its baseline run.
    assert scores["Static"].realtime_eao == pytest.approx(scores["Static"].eao, abs=1e-9)
    table = markdown([read_analysis(ws, "rt")])
    assert "| tracker | source | EAO | A | R | EAO real-time |" in table
    assert f"| RPVT-lite-realtime | measured (DAVIS 2016 video) | {scores['RPVT-lite-realtime'].eao:.3f} |" in table
