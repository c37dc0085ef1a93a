"""Bad inputs that used to slip through or be misnamed: devices, region lines, TraX regions,
tracker parameter files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rpvt_tracker.devices import resolve_device
from rpvt_tracker.geometry.regions import Mask, format_region, parse_region
from rpvt_tracker.tracking.params import PRESETS, params_to_dict, tracker_params


@pytest.mark.parametrize("name", ["meta", "mps", "xpu"])
def test_unsupported_devices_are_refused_by_name(name):
    with pytest.raises(ValueError, match=rf"device '{name}' is not supported: expected 'auto', 'cpu' or 'cuda\[:N\]'"):
        resolve_device(name)


def test_a_huge_mask_line_is_refused_before_decoding():
    # 60000 x 60000 pixels would be 3.6 GB once decoded.
    with pytest.raises(ValueError, match="a 60000x60000 mask is larger than any frame"):
        parse_region("m0,0,60000,60000,3600000000")


def test_a_mask_line_must_fit_the_frame():
    mask = np.zeros((30, 40), bool)
    mask[5:10, 5:10] = True
    line = format_region(Mask(mask))
    assert parse_region(line, (40, 30)).full((30, 40)).sum() == 25
    with pytest.raises(ValueError, match=r"mask region of 5x5 at \(5, 5\) does not fit the 8x8 frame"):
        parse_region(line, (8, 8))


def test_special_trax_region_says_what_it_is():
    from rpvt_tracker.vot.server import region_from_trax

    class Special:
        type = "special"

    with pytest.raises(ValueError, match=r"type 'special' \(a region without coordinates: .*NaN or unparsable"):
        region_from_trax(Special())


def test_parameter_file_overrides_a_preset(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"preset": "stable-scale", "segmentation": {"min_area_ratio": 0.4, "scale_change_limits": [0.9, 1.1]}, "dcf": {"cg_iter": 3}}))
    params = tracker_params(str(path))
    assert params.segmentation.min_area_ratio == 0.4 and params.segmentation.dcf_scale_check  # the rest from the preset
    assert params.segmentation.scale_change_limits == (0.9, 1.1) and params.dcf.cg_iter == 3
    # What is recorded beside results reads back to the same parameters.
    again = tmp_path / "again.json"
    again.write_text(json.dumps(params_to_dict(params)))
    assert tracker_params(str(again)) == params
    assert tracker_params("stable-scale") is PRESETS["stable-scale"]


@pytest.mark.parametrize(
    "content, message",
    [
        ({"segmentation": {"min_area_ratoi": 0.4}}, r"segmentation: unknown keys min_area_ratoi \(known: search_area_factor"),
        ({"tracker": {}}, r"unknown keys tracker \(known: preset, dcf, segmentation, absence, shared_backbone, search, lookalike\)"),
        ({"preset": "fast"}, r"unknown preset 'fast'; known: d3s, stable-scale, lite"),
        ({"dcf": {"cg_iter": 2.5}}, r"dcf.cg_iter: expected an integer, got 2.5"),
        ({"segmentation": {"dcf_scale_check": 1}}, r"segmentation.dcf_scale_check: expected true or false"),
        ({"segmentation": {"scale_change_limits": [0.9]}}, r"scale_change_limits: expected a list of 2 values"),
        ([1, 2], r"must be a JSON object, got list"),
        # Values of the right type but out of range: each used to fail deep inside the DCF or
        # the tracker with a message naming neither (kernel 0, memory 0, skipping 0), or to run
        # on silently (a negative search area, a learning rate over 1, a 250-pixel sample).
        ({"dcf": {"kernel_size": 0}}, r": dcf.kernel_size must be 1 to the sample's 16 cells, got 0"),
        ({"dcf": {"sample_size": 250}}, r": dcf.sample_size must be a positive multiple of feature_stride 16, got 250"),
        ({"dcf": {"search_area_scale": -1}}, r": dcf.search_area_scale must be positive, got -1.0"),
        ({"dcf": {"learning_rate": 1.5}}, r": dcf.learning_rate and hard_negative_learning_rate must be in \[0, 1\), got 1.5"),
        ({"dcf": {"train_skipping": 0}}, r": dcf.train_skipping must be at least 1"),
        ({"dcf": {"sample_memory_size": 0}}, r": dcf.sample_memory_size must be at least 1"),
        ({"segmentation": {"output_size": 100}}, r": segmentation.output_size must be a positive multiple of 16"),
        ({"segmentation": {"score_history": 0}}, r": segmentation.score_history and area_history must be at least 1"),
        ({"segmentation": {"scale_change_limits": [1.05, 0.95]}}, r": segmentation.scale_change_limits must be \(low, high\)"),
        ({"segmentation": {"max_leak": 2}}, r": segmentation.max_leak must be in \[0, 1\], got 2"),
        ({"search": {"redetect_gain": 0}}, r": search.redetect_below and redetect_floor must not be negative"),
    ],
)
def test_bad_parameter_files_are_named(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(content))
    with pytest.raises(ValueError, match=rf"tracker parameters {path}.*{message}" if "preset" not in message else message):
        tracker_params(str(path))


def test_unknown_parameter_names_and_unreadable_files(tmp_path):
    known = "d3s, stable-scale, lite, d3s-vots, lite-vots, lite-realtime"
    with pytest.raises(ValueError, match=rf"unknown tracker parameter set 'fast'; known: {known} \(or a .json file"):
        tracker_params("fast")
    with pytest.raises(ValueError, match="cannot be read"):
        tracker_params(str(tmp_path / "missing.json"))
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(ValueError, match="not JSON"):
        tracker_params(str(tmp_path / "broken.json"))


def test_a_bow_tie_polygon_covers_its_two_triangles_and_starts_a_target():
    """The shoelace formula sums a self-intersecting polygon's lobes with opposite signs: a
    symmetric bow-tie came out as zero area and was refused. Its true area is its two triangles."""
    from rpvt_tracker.geometry.regions import polygon_area, self_crossings
    from rpvt_tracker.tracking.inputs import init_geometry

    bow_tie = np.array([[100, 50], [243, 167], [243, 50], [100, 167]], float)  # 143 x 117, crossing at its centre
    assert polygon_area(bow_tie) == pytest.approx(143 * 117 / 2)
    assert self_crossings(bow_tie) == [(171.5, 108.5)]
    simple = np.array([[10, 10], [60, 12], [55, 40], [8, 35]], float)
    d1, d2 = simple[2] - simple[0], simple[3] - simple[1]  # a quadrilateral's area: half its diagonals' cross product
    assert polygon_area(simple) == pytest.approx(abs(d1[0] * d2[1] - d1[1] * d2[0]) / 2)
    assert self_crossings(simple) == []
    geo = init_geometry(bow_tie, (240, 320))
    # Tracked as the rotated rectangle enclosing its points, as a polygon of more than 4 points is.
    assert geo.box[2] == pytest.approx(144, abs=1) and geo.box[3] == pytest.approx(118, abs=1)
    assert geo.pos_yx == pytest.approx((108.5, 171.5)) and geo.mask.sum() > 143 * 117 * 0.9


@pytest.mark.parametrize("points", [[[0, 0], [10, 10], [20, 20]], [[5, 5], [30, 20], [5, 5], [30, 20]]])
def test_a_polygon_that_covers_no_area_is_refused_by_name(points):
    from rpvt_tracker.tracking.inputs import init_geometry

    with pytest.raises(ValueError, match=r"polygon covers no area \(its points are collinear or coincide\): \[\["):
        init_geometry(np.array(points, float), (240, 320))
