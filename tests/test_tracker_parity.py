"""Whole-tracker parity with the original D3S on its recorded sequence (tests/data/d3s_reference/seq1).

With random weights the reference's segmentation never passes its gate, so the segmentation glue
(polygon output, box fit, scale and position from the mask) is checked with *oracle* runs, in
which the head's logits are replaced by logits made from the ground truth, exactly as the
reference's extra runs did (its README, 8.5).
"""

import cv2
import numpy as np
import pytest
import torch
from conftest import D3S_REFERENCE

from rpvt_tracker.geometry import sample_target
from rpvt_tracker.geometry.regions import Rectangle
from rpvt_tracker.tracking import Tracker

SEQ = D3S_REFERENCE / "seq1"
# The reference's own spread when only its thread count changes (its README, 9.2): 1 / 3 threads.
NOISE_FLOOR_DEFAULT_PX = 19.5


@pytest.fixture(scope="module")
def frames():
    return [cv2.cvtColor(cv2.imread(str(SEQ / "color" / f"{i:08d}.jpg")), cv2.COLOR_BGR2RGB) for i in range(1, 51)]


@pytest.fixture(scope="module")
def groundtruth():
    return [np.array([float(v) for v in line.split(",")]).reshape(4, 2) for line in (SEQ / "groundtruth.txt").read_text().split()]


class OracleTracker(Tracker):
    """The head's output replaced by [m - 0.5, 0.5 - m], m = the frame's ground truth cropped."""

    truth: np.ndarray  # (4, 2) polygon of the frame being processed, in the tracker's frame

    def segment_logits(self, crop, box, template):
        canvas = np.zeros(self.image_shape, np.int32)
        cv2.fillConvexPoly(canvas, self.truth.astype(np.int32), 1)
        m, _ = sample_target(canvas.astype(np.float32), np.array(box), 4.0, 384, pad_value=0)
        m = torch.from_numpy(m.astype(np.float32))
        return torch.stack([m - 0.5, 0.5 - m])[None]


def run(tracker, frames, groundtruth, init, shift=0.0):
    tracker.image_shape = frames[0].shape[:2]
    tracker.truth = groundtruth[0] - shift
    tracker.initialize(frames[0], init)
    out = []
    for i in range(1, len(frames)):
        tracker.truth = groundtruth[i] - shift
        pred = tracker.track(frames[i])
        out.append((pred, tracker._seq.pos.numpy().astype(np.float64).copy()))
    return out


def reference(name):
    with np.load(SEQ / name) as d:
        return {k: d[k] for k in d.files}


def test_oracle_run_polygon_init(d3s_reference_net, frames, groundtruth):
    ref = reference("reference_oracle_segm.npz")
    out = run(OracleTracker(d3s_reference_net), frames, groundtruth, groundtruth[0])
    worst = 0.0
    for k, (pred, _) in enumerate(out):
        # Same output kind every frame: a segmentation polygon (8 values) or the DCF box (4).
        assert pred.segmented == (ref["output_len"][k] == 8), k
        ours, theirs = pred.polygon.mean(0), ref["output_polygon"][k].reshape(4, 2).mean(0)
        worst = max(worst, float(np.linalg.norm(ours - theirs)))
        assert np.abs(pred.polygon - ref["output_polygon"][k].reshape(4, 2)).max() <= 2.0, k
    assert worst <= 2.0  # measured 0.94 px; the reference's own thread noise here is 1.09 px


def test_oracle_run_box_init(d3s_reference_net, frames, groundtruth):
    """D3S subtracts 1 from a rectangle's x, y (a Matlab-toolkit habit); we use the toolkit's
    0-based values unchanged, so feeding x - 1, y - 1 reproduces D3S's internal frame."""
    ref = reference("reference_box_init_oracle_segm.npz")
    x, y, w, h = ref["init_state"]
    out = run(OracleTracker(d3s_reference_net), frames, groundtruth, Rectangle(x - 1, y - 1, w, h), shift=1.0)
    for k, (pred, pos) in enumerate(out):
        assert pred.segmented == bool(ref["segm_returned_region"][k]), k
        assert np.linalg.norm(pos - ref["pos"][k]) <= 2.0, k
        # A rectangle-initialised tracker reports axis-aligned boxes, as D3S does.
        assert np.allclose(pred.polygon[0, 1], pred.polygon[1, 1]) and np.allclose(pred.polygon[0, 0], pred.polygon[3, 0])


def test_default_run(d3s_reference_net, frames, groundtruth):
    ref = reference("reference_outputs.npz")
    out = run(Tracker(d3s_reference_net), frames, groundtruth, groundtruth[0])
    for k, (pred, _) in enumerate(out):
        assert pred.segmented == (ref["output_len"][k] == 8), k  # never, with random weights
        ours = pred.polygon.mean(0)
        d = np.linalg.norm(ours - ref["output_polygon"][k].reshape(4, 2).mean(0))
        assert d <= 2 * NOISE_FLOOR_DEFAULT_PX, (k, d)  # measured at most 13.3 px
        # Never lost: the reported centre stays on the target.
        assert cv2.pointPolygonTest(groundtruth[k + 1].astype(np.float32), (float(ours[0]), float(ours[1])), False) > 0, k
