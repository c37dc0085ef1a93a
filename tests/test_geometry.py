"""Crops, box fits and regions, against the original D3S's recorded outputs where it has them."""

import numpy as np
import pytest
from conftest import D3S_REFERENCE

from rpvt_tracker.geometry import crop_window, fit_box_to_mask, largest_contour, min_area_box, paste_mask, sample_target
from rpvt_tracker.geometry.regions import Mask, Polygon, Rectangle, Special, decode_rle, encode_rle, format_region, parse_region, rasterize


@pytest.fixture(scope="module")
def crops():
    with np.load(D3S_REFERENCE / "crop_cases.npz") as d:
        return {k: d[k] for k in d.files}


@pytest.fixture(scope="module")
def fits():
    with np.load(D3S_REFERENCE / "bbox_fit_cases.npz") as d:
        return {k: d[k] for k in d.files}


def test_image_crops_are_exact(crops):
    for i, name in enumerate(crops["names"]):
        crop, scale = sample_target(crops["image"], crops["boxes"][i], 4.0, 384)
        assert np.array_equal(crop, crops["crops"][i]), name
        assert scale == crops["resize_factor"][i]
        win = crop_window(tuple(crops["boxes"][i]), 4.0, 384)
        assert (win.x1, win.y1, win.size) == (*crops["x1y1"][i], crops["crop_sz"][i]), name


def test_mask_crops_are_exact(crops):
    for i, name in enumerate(crops["mask_names"]):
        crop, scale = sample_target(crops["mask_image"], crops["mask_boxes"][i], 4.0, 384, pad_value=0)
        assert np.array_equal(crop, crops["mask_crops"][i]), name
        assert scale == crops["mask_resize_factor"][i]


def test_crop_of_a_box_outside_the_image_degrades_to_the_border():
    image = np.arange(40 * 50 * 3, dtype=np.uint8).reshape(40, 50, 3)
    crop, _ = sample_target(image, (500.0, 500.0, 10.0, 10.0), 4.0, 64)
    assert crop.shape == (64, 64, 3)
    assert (crop == image[38, 48]).all()  # the nearest real pixel, with D3S's off-by-one
    with pytest.raises(ValueError, match="positive width"):
        sample_target(image, (1.0, 1.0, 0.0, 5.0), 4.0, 64)
    with pytest.raises(ValueError, match="finite"):
        sample_target(image, (float("nan"), 1.0, 5.0, 5.0), 4.0, 64)


def test_rotated_box_fits_match_reference(fits):
    for i, name in enumerate(fits["names"]):
        mask = fits["masks"][i].astype(np.int32)
        rotated = fit_box_to_mask(mask, rotated=True)
        assert (rotated is not None) == fits["valid_rotated"][i], name
        if rotated is not None:
            assert np.abs(rotated - fits["poly_rotated"][i]).max() <= 1e-6, name
        aligned = fit_box_to_mask(mask, rotated=False)
        assert (aligned is not None) == fits["valid_axis_aligned"][i], name
        if aligned is not None:
            assert np.array_equal(aligned, fits["poly_axis_aligned"][i]), name


def test_contours_and_min_area_boxes_match_reference(fits):
    for i, name in enumerate(fits["names"]):
        contour, area = largest_contour((fits["masks"][i] > 0.5).astype(np.uint8))
        assert area == fits["largest_contour_area"][i], name
        assert np.array_equal(min_area_box(contour), fits["minarearect_poly"][i]), name


def test_paste_mask_puts_the_crop_back_and_clips():
    prob = np.zeros((64, 64), np.float32)
    prob[16:48, 16:48] = 1
    win = crop_window((-10.0, 20.0, 20.0, 20.0), 2.0, 64)  # 40 px crop starting at x = -20
    out = paste_mask(prob, win, (100, 100), 0.5)
    assert out.shape == (100, 100)
    ys, xs = np.nonzero(out)
    assert xs.min() == 0 and xs.max() == 9 and ys.min() == 20 and ys.max() == 39


def test_rle_round_trip_and_text_forms():
    rng = np.random.default_rng(0)
    for shape in [(1, 1), (5, 7), (31, 17)]:
        m = rng.random(shape) > 0.5
        runs = encode_rle(m)
        assert sum(runs) == m.size and np.array_equal(decode_rle(runs, shape[1], shape[0]), m)
    m = np.zeros((40, 60), bool)
    m[10:20, 30:45] = True
    text = format_region(Mask(m))
    assert text.startswith("m30,10,15,10,")
    back = parse_region(text)
    assert np.array_equal(back.full((40, 60)), m)
    assert parse_region("1,2,3,4") == Rectangle(1, 2, 3, 4)
    assert parse_region("2") == Special(2)
    poly = parse_region("0,0,10,0,10,5,0,5")
    assert isinstance(poly, Polygon) and rasterize(poly, (8, 12)).sum() == 11 * 6


@pytest.mark.parametrize("bad", ["", "1,2,3", "a,b,c,d", "m1,2,3", "m0,0,2,2,1,1", "nan,1,2,3"])
def test_malformed_regions_are_named(bad):
    with pytest.raises(ValueError):
        parse_region(bad)


def test_crops_are_the_gather_with_clipped_indices_anywhere():
    """sample_target slices the real pixels and pads around them; the definition (D3S's,
    off-by-one included) is a gather with clipped indices: the same pixels for boxes inside,
    across every border and wholly outside, for images and masks."""
    import cv2

    from rpvt_tracker.geometry.crop import _indices

    rng = np.random.default_rng(0)
    image, mask = rng.integers(0, 256, (50, 70, 3)).astype(np.uint8), rng.random((50, 70)).astype(np.float32)
    for _ in range(500):
        box = (rng.uniform(-80, 140), rng.uniform(-60, 110), *rng.uniform(1, 60, 2))
        win = crop_window(box, 2.0, 32)
        rows, row_ok = _indices(win.y1, win.size, 50)
        cols, col_ok = _indices(win.x1, win.size, 70)
        for source, pad in ((image, None), (mask, 0.0), (image, 0)):
            gathered = source[rows[:, None], cols[None, :]].copy()
            if pad is not None:
                gathered[~(row_ok[:, None] & col_ok[None, :])] = pad
            crop, scale = sample_target(source, np.array(box), 2.0, 32, pad_value=pad)
            assert np.array_equal(crop, cv2.resize(gathered, (32, 32))) and scale == win.scale, (box, pad)
