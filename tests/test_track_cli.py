"""``rpvt track`` as a user runs it, on VOT-format sequence folders."""

import shutil

import cv2
import numpy as np
import pytest
from conftest import D3S_CHECKPOINT, D3S_REFERENCE
from test_cli import rpvt
from test_tracker import scene

from rpvt_tracker.geometry.regions import Mask, Polygon, format_region, parse_region


def short_seq1(tmp_path, frames=6):
    seq = tmp_path / "seq1"
    (seq / "color").mkdir(parents=True)
    for i in range(1, frames + 1):
        shutil.copy(D3S_REFERENCE / "seq1" / "color" / f"{i:08d}.jpg", seq / "color")
    lines = (D3S_REFERENCE / "seq1" / "groundtruth.txt").read_text().split()[:frames]
    (seq / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    return seq, lines


def test_polygon_sequence_gives_one_polygon_per_frame(tmp_path):
    seq, gt = short_seq1(tmp_path)
    out = tmp_path / "out"
    result = rpvt("track", seq, "--weights", D3S_CHECKPOINT, "--output", out, "--quiet", "--visualize")
    assert "no --dcf-weights" in result.stderr
    lines = (out / "seq1.txt").read_text().splitlines()
    assert len(lines) == 6
    first = parse_region(lines[0])
    assert np.allclose(first.points, np.array([float(v) for v in gt[0].split(",")]).reshape(4, 2))
    for line, truth in zip(lines[1:], gt[1:]):
        region = parse_region(line)
        assert isinstance(region, Polygon)
        truth_centre = np.array([float(v) for v in truth.split(",")]).reshape(4, 2).mean(0)
        assert np.linalg.norm(region.points.mean(0) - truth_centre) < 10
    assert len(list((out / "seq1_overlay").glob("*.jpg"))) == 5


def test_mask_sequence_and_mask_output(tmp_path):
    seq = tmp_path / "square"
    (seq / "color").mkdir(parents=True)
    gt = []
    for t in range(5):
        cv2.imwrite(str(seq / "color" / f"{t + 1:08d}.jpg"), cv2.cvtColor(scene(t, velocity=(0, 2)), cv2.COLOR_RGB2BGR))
        m = np.zeros((120, 160), bool)
        m[48:72, 68 + 2 * t : 92 + 2 * t] = True
        gt.append(format_region(Mask(m)))
    (seq / "groundtruth.txt").write_text("\n".join(gt) + "\n")
    out = tmp_path / "out"
    # d3s, not rpvt: built from a D3S file, rpvt's stages 2-3 are freshly random, and so would be
    # its masks; with these random weights d3s's masks never pass the gate, so each answer is
    # the DCF box, filled.
    rpvt("track", seq, "--weights", D3S_CHECKPOINT, "--output", out, "--format", "mask", "--quiet")
    lines = (out / "square.txt").read_text().splitlines()
    assert len(lines) == 5 and all(line.startswith("m") for line in lines)
    for t, line in enumerate(lines[1:], 1):
        mask = parse_region(line).full((120, 160))
        ys, xs = np.nonzero(mask)
        assert abs(xs.mean() - (80 + 2 * t)) < 8 and abs(ys.mean() - 60) < 8


def test_torchvision_style_dcf_weights(tmp_path):
    import torch
    from torchvision.models import resnet50

    seq, _ = short_seq1(tmp_path, frames=3)
    weights = tmp_path / "resnet50.pth"
    torch.save(resnet50(weights=None).state_dict(), weights)
    out = tmp_path / "out"
    result = rpvt("track", seq, "--weights", D3S_CHECKPOINT, "--dcf-weights", weights, "--output", out, "--quiet")
    assert "no --dcf-weights" not in result.stderr
    assert len((out / "seq1.txt").read_text().splitlines()) == 3


@pytest.mark.parametrize("breakage", ["no_groundtruth", "bad_frame", "bad_groundtruth", "multi_object"])
def test_broken_sequences_are_named(tmp_path, breakage):
    seq, _ = short_seq1(tmp_path, frames=3)
    if breakage == "no_groundtruth":
        (seq / "groundtruth.txt").unlink()
        expected = "groundtruth.txt: missing"
    elif breakage == "bad_frame":
        (seq / "color" / "00000002.jpg").write_bytes(b"not a jpeg")
        expected = "stopped at frame 2 (00000002.jpg): frame"
    elif breakage == "multi_object":  # a VOTS folder: one ground truth file per target
        (seq / "groundtruth.txt").rename(seq / "groundtruth_1.txt")
        expected = "a multi-object (VOTS) sequence"
    else:
        (seq / "groundtruth.txt").write_text("1,2,x\n")
        expected = "groundtruth.txt, line 1: malformed region"
    result = rpvt("track", seq, "--weights", D3S_CHECKPOINT, "--output", tmp_path / "out", "--quiet", check=False)
    assert result.returncode == 2 and expected in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "seq1.txt").exists()  # no partial result that looks complete


def _track_lite(seq, out, check=False):
    return rpvt("track", seq, "--weights", "rpvt-lite.pth", "--output", out, "--quiet", "--threads", "2", check=check)


def test_a_missing_middle_frame_is_refused_before_tracking(tmp_path):
    seq, _ = short_seq1(tmp_path, frames=6)
    (seq / "color" / "00000003.jpg").unlink()
    result = _track_lite(seq, tmp_path / "out")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "5 frames in" in result.stderr and "but 6 ground-truth lines" in result.stderr
    assert not (tmp_path / "out").exists()


def test_frames_are_read_in_natural_order(tmp_path):
    from rpvt_tracker.tracking.sequence import Sequence

    seq, gt = short_seq1(tmp_path, frames=12)
    for i in range(1, 13):
        (seq / "color" / f"{i:08d}.jpg").rename(seq / "color" / f"{i}.jpg")
    assert [p.name for p in Sequence.open(seq).frames] == [f"{i}.jpg" for i in range(1, 13)]
    out = tmp_path / "out"
    _track_lite(seq, out, check=True)
    lines = (out / "seq1.txt").read_text().splitlines()
    assert len(lines) == 12
    # Read 1, 10, 11, 12, 2, ... the track would jump; in order each box stays near its truth.
    for line, truth in zip(lines[1:], gt[1:]):
        centre = parse_region(line).points.mean(0)
        truth_centre = np.array([float(v) for v in truth.split(",")]).reshape(4, 2).mean(0)
        assert np.linalg.norm(centre - truth_centre) < 15


def test_an_unwritable_output_folder_fails_before_any_work(tmp_path):
    seq, _ = short_seq1(tmp_path, frames=3)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = _track_lite(seq, blocker / "out")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"output folder {blocker / 'out'} is not writable" in result.stderr


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_broken_middle_frame_keeps_the_frames_before_it(tmp_path, damage):
    seq, _ = short_seq1(tmp_path, frames=6)
    frame = seq / "color" / "00000004.jpg"
    data = frame.read_bytes()
    frame.write_bytes(b"\x00" * 100 if damage == "garbage" else data[: len(data) // 2])
    out = tmp_path / "out"
    result = _track_lite(seq, out)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    why = "truncated JPEG" if damage == "truncated" else "cannot be decoded as an image"
    assert "stopped at frame 4 (00000004.jpg)" in result.stderr and why in result.stderr, result.stderr
    assert f"the 3 frames before it are in {out / 'seq1.txt.partial'}" in result.stderr
    kept = (out / "seq1.txt.partial").read_text().splitlines()
    assert len(kept) == 3 and all(isinstance(parse_region(line), Polygon) for line in kept)
    assert not (out / "seq1.txt").exists()


def test_parameters_from_a_file_are_used_and_recorded(tmp_path):
    import json

    seq, _ = short_seq1(tmp_path, frames=6)
    params = tmp_path / "no-segmentation.json"
    # The segmentation runs only below this uncertainty, which is never negative: DCF boxes only.
    params.write_text(json.dumps({"preset": "stable-scale", "segmentation": {"uncertainty_segment": -1.0}}))
    out = tmp_path / "out"
    result = rpvt("track", seq, "--weights", "rpvt-lite.pth", "--params", params, "--output", out, "--quiet", "--threads", "2")
    assert "5 frames, 0 segmented" in result.stdout, result.stdout
    meta = json.loads((out / "seq1.json").read_text())
    assert meta["params_source"] == str(params) and meta["params"]["segmentation"]["uncertainty_segment"] == -1.0
    assert meta["params"]["segmentation"]["dcf_scale_check"] is True  # the preset's, kept
    assert meta["weights"].endswith("rpvt-lite.pth") and meta["variant"] == "rpvt" and meta["frames"] == 5
    # The default run segments: the file made the difference.
    default = rpvt("track", seq, "--weights", "rpvt-lite.pth", "--params", "lite", "--output", tmp_path / "out2", "--quiet", "--threads", "2")
    assert "5 frames, 0 segmented" not in default.stdout
