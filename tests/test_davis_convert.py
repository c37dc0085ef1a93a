"""DAVIS-layout video to VOT sequences, and the static-box baseline."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from rpvt_tracker.geometry.regions import Mask, Polygon, parse_region
from rpvt_tracker.tracking.baseline import StaticBoxTracker
from rpvt_tracker.tracking.sequence import Sequence  # noqa: F401  (the reader rpvt track uses)
from rpvt_tracker.vot.davis import convert_davis, rotated_box


def make_davis(root, frames=6, hide=None):
    for t in range(frames):
        (root / "JPEGImages" / "480p" / "seq").mkdir(parents=True, exist_ok=True)
        (root / "Annotations" / "480p" / "seq").mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((40, 60, 3), 20 * t, np.uint8)).save(root / "JPEGImages" / "480p" / "seq" / f"{t:05d}.jpg")
        m = np.zeros((40, 60), np.uint8)
        if t != hide:
            m[10:20, 5 + t : 25 + t] = 255
        Image.fromarray(m).save(root / "Annotations" / "480p" / "seq" / f"{t:05d}.png")


def test_mask_and_polygon_ground_truth(tmp_path):
    make_davis(tmp_path / "d", hide=3)
    convert_davis(tmp_path / "d", tmp_path / "m", region="mask", anchor_spacing=2)
    convert_davis(tmp_path / "d", tmp_path / "p", region="polygon")
    masks = [parse_region(line) for line in (tmp_path / "m" / "seq" / "groundtruth.txt").read_text().splitlines()]
    assert len(masks) == 6 and all(isinstance(r, Mask) for r in masks)
    assert masks[2].full((40, 60)).sum() == 200 and not masks[3].full((40, 60)).any()
    polys = [parse_region(line) for line in (tmp_path / "p" / "seq" / "groundtruth.txt").read_text().splitlines()]
    assert all(isinstance(r, Polygon) for r in polys)
    xs, ys = polys[1].points[:, 0], polys[1].points[:, 1]
    assert np.allclose([xs.min(), xs.max(), ys.min(), ys.max()], [6, 26, 10, 20], atol=1e-4)
    assert np.allclose(polys[3].points, polys[2].points)  # hidden: the last box is kept, and tagged
    assert (tmp_path / "p" / "seq" / "occlusion.tag").read_text().split() == ["0", "0", "0", "1", "0", "0"]
    assert (tmp_path / "m" / "seq" / "anchor.value").read_text().split() == ["1", "0", "1", "-1", "0", "-1"]
    assert len(list((tmp_path / "m" / "seq" / "color").glob("*.jpg"))) == 6
    assert (tmp_path / "m" / "list.txt").read_text().split() == ["seq"]


def test_rotated_box_of_a_rotated_rectangle():
    import cv2

    mask = np.zeros((100, 100), np.uint8)
    corners = cv2.boxPoints(((50, 50), (40, 16), 30)).astype(np.int32)
    cv2.fillConvexPoly(mask, corners, 1)
    box = rotated_box(mask > 0)
    area = cv2.contourArea(box.astype(np.float32))
    assert abs(area - mask.sum()) < 0.2 * mask.sum()


def test_errors_name_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="JPEGImages/480p: missing"):
        convert_davis(tmp_path / "none", tmp_path / "out")
    make_davis(tmp_path / "d", hide=0)
    with pytest.raises(ValueError, match="00000.png: the object is not visible in the first frame"):
        convert_davis(tmp_path / "d", tmp_path / "out")


def test_static_box_repeats_the_first_box_and_checks_frames():
    tracker = StaticBoxTracker()
    image = np.zeros((40, 60, 3), np.uint8)
    mask = np.zeros((40, 60), bool)
    mask[10:20, 5:25] = True
    tracker.initialize(image, mask)
    for _ in range(3):
        pred = tracker.track(image)
        assert pred.box == (5.0, 10.0, 20.0, 10.0) and pred.mask.sum() == 200 and pred.confidence == 1.0
    with pytest.raises(ValueError):
        tracker.track(np.zeros((41, 60, 3), np.uint8))
