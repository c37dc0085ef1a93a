"""Photographs in context as training pairs: the COCO instances reader and two-view pairs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from rpvt_tracker.train.config import TrainConfig
from rpvt_tracker.train.context import ViewParams, context_pair
from rpvt_tracker.train.datasets import TEST_IMAGES, load_dataset
from rpvt_tracker.train.pairs import PairDataset
from rpvt_tracker.vot.synthetic import SequenceSpec, write_dataset

RED, BLUE, GREY = (200, 30, 30), (30, 30, 200), (120, 120, 120)


def square(x: int, y: int, s: int) -> list[float]:
    return [x, y, x + s, y, x + s, y + s, x, y + s]


def write_instances(root: Path) -> None:
    """Photo 1 (160 x 120): a red 30-pixel square touching a blue 40-pixel one, a 6-pixel dot,
    a crowd region; photo 2 is one the tests keep for themselves."""
    (root / "images").mkdir(parents=True)
    image = np.full((120, 160, 3), GREY, np.uint8)
    image[40:70, 40:70] = RED
    image[35:75, 71:111] = BLUE  # its first column touches the red square's last one
    Image.fromarray(image).save(root / "images" / "000000000001.png")
    Image.fromarray(image).save(root / "images" / f"{TEST_IMAGES[0]}.png")
    images = [{"id": 1, "file_name": "000000000001.png", "width": 160, "height": 120},
              {"id": 2, "file_name": f"{TEST_IMAGES[0]}.png", "width": 160, "height": 120}]
    annotations = [
        {"id": 10, "image_id": 1, "iscrowd": 0, "bbox": [40, 40, 30, 30], "area": 900, "segmentation": [square(40, 40, 30)]},
        {"id": 11, "image_id": 1, "iscrowd": 0, "bbox": [71, 35, 39, 39], "area": 1521, "segmentation": [square(71, 35, 39)]},
        {"id": 12, "image_id": 1, "iscrowd": 0, "bbox": [5, 5, 6, 6], "area": 36, "segmentation": [square(5, 5, 6)]},
        {"id": 13, "image_id": 1, "iscrowd": 1, "bbox": [0, 90, 100, 30], "area": 3000, "segmentation": {"counts": [1], "size": [120, 160]}},
        {"id": 20, "image_id": 2, "iscrowd": 0, "bbox": [40, 40, 30, 30], "area": 900, "segmentation": [square(40, 40, 30)]},
    ]
    (root / "instances.json").write_text(json.dumps({"images": images, "annotations": annotations, "categories": []}))


def test_every_trackable_instance_is_a_track_in_context(tmp_path):
    write_instances(tmp_path)
    tracks = load_dataset(f"coco-instances={tmp_path}")
    # the dot is too small, the crowd is no target, the tests' own photograph is never read
    assert [t.name for t in tracks] == ["coco/000000000001/10", "coco/000000000001/11"]
    assert all(t.context and len(t.frames) == 1 for t in tracks)
    ys, xs = np.nonzero(tracks[0].load_mask(0))
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (40, 70, 40, 70)
    assert load_dataset(f"coco-instances={tmp_path}:000000000001")[1].name == "coco/000000000001/11"


def test_bad_instances_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="instances.json: missing"):
        load_dataset(f"coco-instances={tmp_path}")
    (tmp_path / "instances.json").write_text('{"images": []}')
    with pytest.raises(ValueError, match=r"instances.json: not a COCO instances file \('annotations'\)"):
        load_dataset(f"coco-instances={tmp_path}")
    (tmp_path / "instances.json").write_text('{"images": [], "annotations": [{"id": 3, "image_id": 9}]}')
    with pytest.raises(ValueError, match="annotation 3 names image 9, which is not listed"):
        load_dataset(f"coco-instances={tmp_path}")


def test_a_context_pair_keeps_what_the_target_touches_as_background(tmp_path):
    write_instances(tmp_path)
    red = load_dataset(f"coco-instances={tmp_path}")[0]
    for seed in range(8):
        pair = context_pair(np.random.default_rng(seed), red, ViewParams(blur=0.0))
        train, train_mask, test, test_mask = pair
        assert np.array_equal(train_mask, red.load_mask(0))
        # The test view moved the target; its mask is the red square's pixels, and the blue
        # square that touches it is still in the view, all of it background.
        assert not np.array_equal(test_mask, train_mask)
        inner = test[test_mask & (np.abs(test.astype(int) - RED).sum(-1) < 60)]
        assert inner.shape[0] > 0.8 * test_mask.sum()
        blue = np.abs(test.astype(int) - BLUE).sum(-1) < 60
        assert blue.sum() > 400 and (blue & test_mask).sum() < 0.02 * blue.sum()  # interpolation blurs one edge
        area = test_mask.sum() / train_mask.sum()
        assert 0.4 < area < 2.5


def test_context_probability_sets_the_share_of_context_pairs_and_leaves_other_recipes_alone(tmp_path):
    write_instances(tmp_path / "coco")
    write_dataset(tmp_path / "video", 2, SequenceSpec(length=8, region="mask", seed=3, target_size=(30, 24)))
    videos, stills = load_dataset(f"vot={tmp_path / 'video'}"), load_dataset(f"coco-instances={tmp_path / 'coco'}")
    only_context = PairDataset(videos + stills, TrainConfig(crop_size=64, context_probability=1.0), 4, seed=0)
    assert only_context.tracks == videos and only_context.context == stills
    for k in range(4):  # the red target on grey and blue: no video frame has those colours
        sample = only_context[k]
        assert float(sample["test_mask"].sum()) > 0
    plain = PairDataset(videos, TrainConfig(crop_size=64), 3, seed=0)
    same = PairDataset(videos, TrainConfig(crop_size=64, context_probability=0.7), 3, seed=0)
    for k in range(3):  # without context tracks, the probability draws nothing: the same pairs
        assert all(torch.equal(plain[k][key], same[k][key]) for key in plain[k])
