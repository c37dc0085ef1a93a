"""Training on CPU: loss goes down, torchrun with two processes, exact resume, dataset readers."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from rpvt_tracker.models import load_network
from rpvt_tracker.train.config import TrainConfig
from rpvt_tracker.train.datasets import davis, load_dataset, youtube_vos
from rpvt_tracker.train.pairs import PairDataset
from rpvt_tracker.train.trainer import train
from rpvt_tracker.vot.synthetic import SequenceSpec, write_dataset

SMALL = dict(crop_size=64, batch_size=4, workers=0, val_batches=1, val_every=1, log_every=3, amp=False, device="cpu")


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("synth")
    write_dataset(root, 3, SequenceSpec(length=16, region="mask", seed=11, target_size=(48, 36)))
    return f"vot={root}"


def rows(path: Path, split: str = "train") -> list[dict]:
    with path.open() as f:
        return [r for r in csv.DictReader(f) if r["split"] == split]


def test_a_few_dozen_iterations_lower_the_loss(data, tmp_path):
    # A random-weight ResNet-50 learns slowly; 48 iterations at 3e-3 lower the loss by ~24%.
    config = TrainConfig(variant="d3s", epochs=1, iterations=48, lr=3e-3, crop_size=96, **{k: v for k, v in SMALL.items() if k != "crop_size"})
    out = train(config, [data], tmp_path / "d3s.pth", progress=False)
    losses = [float(r["loss"]) for r in rows(out.with_name("d3s.pth.log.csv"))]
    assert len(losses) == 16
    assert np.mean(losses[-3:]) < 0.85 * np.mean(losses[:3]), losses
    net = load_network(out, variant="d3s")  # loadable by the tracking path
    assert torch.load(out, weights_only=True)["metadata"]["training"]["iterations"] == 48
    assert net.config.variant == "d3s"


def test_resume_reproduces_the_uninterrupted_run(data, tmp_path):
    config = TrainConfig(variant="rpvt", epochs=2, iterations=6, **SMALL)
    whole = train(config, [data], tmp_path / "whole" / "r.pth", progress=False)
    first = train(TrainConfig(variant="rpvt", epochs=1, iterations=6, **SMALL), [data], tmp_path / "cut" / "r.pth", progress=False)
    resumed = train(config, [data], first, resume=True, progress=False)
    expected = [r["loss"] for r in rows(whole.with_name("r.pth.log.csv")) if r["epoch"] == "2"]
    got = [r["loss"] for r in rows(resumed.with_name("r.pth.log.csv")) if r["epoch"] == "2"]
    assert expected and got == expected
    a, b = torch.load(whole, weights_only=True)["state_dict"], torch.load(resumed, weights_only=True)["state_dict"]
    assert all(torch.equal(a[k], b[k]) for k in a)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_torchrun_two_processes_gloo(data, tmp_path):
    out = tmp_path / "ddp.pth"
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
        "--master_port", str(free_port()), "-m", "rpvt_tracker.cli", "train", "--variant", "d3s-ms",
        "--dataset", data, "--output", str(out), "--epochs", "1", "--iterations", "3", "--quiet",
        "--crop-size", "64", "--batch-size", "4", "--workers", "0", "--val-batches", "1", "--device", "cpu", "--no-amp",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    info = json.loads(out.with_name("ddp.pth.processes.json").read_text())
    assert info["processes"] == 2 and len(set(info["weights_sha256"])) == 1
    assert load_network(out).config.variant == "d3s-ms"


def test_pairs_are_reproducible_and_well_formed(data):
    tracks = load_dataset(data)
    pairs = PairDataset(tracks, TrainConfig(crop_size=64), 4, seed=3)
    a, b = pairs[2], pairs[2]
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert a["train_image"].shape == (3, 64, 64) and a["test_distance"].shape == (1, 64, 64)
    assert 0 < float(a["train_mask"].sum()) and 0 <= float(a["test_mask"].min()) and float(a["test_mask"].max()) <= 1
    pairs.set_epoch(1)
    assert not torch.equal(pairs[2]["test_image"], a["test_image"])


def write_png(path: Path, values: np.ndarray, palette: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.fromarray(values.astype(np.uint8), mode="P" if palette else "L")
    if palette:
        image.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0] + [0] * (256 * 3 - 9))
    image.save(path)


def test_youtube_vos_layout(tmp_path):
    root = tmp_path / "yvos"
    meta = {"videos": {"vid1": {"objects": {"1": {"frames": []}, "2": {"frames": []}}}}}
    for t in range(6):
        name = f"{t * 5:05d}"
        (root / "JPEGImages" / "vid1").mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((20, 30, 3), t * 10, np.uint8)).save(root / "JPEGImages" / "vid1" / f"{name}.jpg")
        values = np.zeros((20, 30))
        values[2:8, 3:9] = 1
        if t < 3:
            values[10:15, 20:25] = 2
            meta["videos"]["vid1"]["objects"]["2"]["frames"].append(name)
        meta["videos"]["vid1"]["objects"]["1"]["frames"].append(name)
        write_png(root / "Annotations" / "vid1" / f"{name}.png", values, palette=True)
    (root / "meta.json").write_text(json.dumps(meta))
    tracks = youtube_vos(root, min_visible=2)
    assert [t.name for t in tracks] == ["vid1/1", "vid1/2"]
    with pytest.raises(ValueError, match="no video 'vid9'"):
        youtube_vos(root, only=("vid1", "vid9"))
    assert tracks[1].visible == (0, 1, 2)
    assert tracks[0].load_mask(4).sum() == 36 and tracks[1].load_mask(0).sum() == 25 and tracks[1].load_mask(0)[3, 4] == 0


def test_davis_layouts(tmp_path):
    for year, values in (("2016", 255), ("2017", 2)):
        root = tmp_path / year
        for t in range(5):
            (root / "JPEGImages" / "480p" / "seq").mkdir(parents=True, exist_ok=True)
            Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(root / "JPEGImages" / "480p" / "seq" / f"{t:05d}.jpg")
            m = np.zeros((20, 30))
            m[5:10, 5:10] = values
            write_png(root / "Annotations" / "480p" / "seq" / f"{t:05d}.png", m, palette=year == "2017")
        tracks = davis(root)
        assert [t.name for t in tracks] == (["seq"] if year == "2016" else ["seq/2"])
        assert tracks[0].load_mask(3).sum() == 25


@pytest.mark.parametrize(
    "spec, message",
    [
        ("youtube-vos=/nonexistent/yvos", r"/nonexistent/yvos/meta.json: missing"),
        ("davis=/nonexistent/davis", r"/nonexistent/davis/JPEGImages/480p: missing"),
        ("vot=/nonexistent/seqs", r"/nonexistent/seqs: missing"),
        ("kitti=/data", "NAME one of youtube-vos, davis, vot, coco"),
        ("coco=/nonexistent/coco", r"/nonexistent/coco/labels: missing"),
        ("davis", "NAME=PATH"),
    ],
)
def test_bad_dataset_specs_are_named(spec, message):
    with pytest.raises((FileNotFoundError, ValueError), match=message):
        load_dataset(spec)


def write_coco(root: Path) -> None:
    """Two photographs in the YOLO-segmentation layout: one with a big and a tiny instance, one
    whose only instance is too small to use."""
    rng = np.random.default_rng(0)
    for name, lines in {
        "a": ["0 0.2 0.2 0.6 0.2 0.6 0.7 0.2 0.7", "5 0.9 0.9 0.92 0.9 0.92 0.92"],
        "b": ["3 0.1 0.1 0.12 0.1 0.12 0.12"],
    }.items():
        (root / "images" / "train").mkdir(parents=True, exist_ok=True)
        (root / "labels" / "train").mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)).save(root / "images" / "train" / f"{name}.jpg")
        (root / "labels" / "train" / f"{name}.txt").write_text("\n".join(lines) + "\n")


def test_coco_polygons_give_one_frame_tracks_of_the_largest_instance(tmp_path):
    write_coco(tmp_path)
    tracks = load_dataset(f"coco={tmp_path}")
    assert [t.name for t in tracks] == ["coco/a"]  # b's only instance covers 0.04% of it
    mask = tracks[0].load_mask(0)
    assert mask.shape == (60, 80) and len(tracks[0].frames) == 1
    ys, xs = np.nonzero(mask)
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (16, 48, 12, 42)  # 0.2-0.6 of 80, 0.2-0.7 of 60
    (tmp_path / "labels" / "train" / "a.txt").write_text("0 0.1 0.2 0.3\n")
    with pytest.raises(ValueError, match=r"a.txt:1: expected 'class x1 y1"):
        load_dataset(f"coco={tmp_path}")


def test_still_images_only_give_composites_on_video(data, tmp_path):
    write_coco(tmp_path)
    videos, stills = load_dataset(data), load_dataset(f"coco={tmp_path}")
    config = TrainConfig(crop_size=64, still_probability=1.0, paste_probability=0.0)
    pairs = PairDataset(videos + stills, config, 6, seed=0)
    assert pairs.stills == stills and pairs.videos == videos
    for k in range(6):  # every pair's object is the photo's, pasted: the two crops differ
        sample = pairs[k]
        assert float(sample["test_mask"].sum()) > 0
        assert not torch.equal(sample["train_image"], sample["test_image"])
    with pytest.raises(ValueError, match="needs another track"):
        PairDataset(stills, config, 1, seed=0)[0]


def test_malformed_meta_json_is_named(tmp_path):
    (tmp_path / "JPEGImages").mkdir()
    (tmp_path / "Annotations").mkdir()
    (tmp_path / "meta.json").write_text("{not json")
    with pytest.raises(ValueError, match="meta.json: not a YouTube-VOS meta.json"):
        youtube_vos(tmp_path)


def test_config_checks():
    with pytest.raises(ValueError, match="unknown variant"):
        TrainConfig(variant="siamrpn")
    with pytest.raises(ValueError, match="multiple of 16"):
        TrainConfig(crop_size=100)
    assert TrainConfig().to_dict()["lr"] == 1e-3 and TrainConfig().epochs == 40 and TrainConfig().batch_size == 64


def test_tracking_path_never_imports_training():
    code = (
        "import sys, rpvt_tracker.tracking, rpvt_tracker.vot.server, rpvt_tracker.cli, rpvt_tracker.tracking.run;"
        "bad = [m for m in sys.modules if m.startswith('rpvt_tracker.train')]; assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_recipe_switches_follow_d3s_by_default_and_reproduce_the_shipped_recipe_when_off(data, monkeypatch):
    """D3S's pair recipe (the defaults) against the shipped lite weights' (scripts/train_lite.sh):
    soft or binarised test mask, brightness per image or per pair, box-initialised pairs'
    distance map from the true centre or perturbed."""
    from rpvt_tracker.train import pairs as pairs_module

    tracks = load_dataset(data)
    drawn = []
    normalise = pairs_module._normalise
    monkeypatch.setattr(pairs_module, "_normalise", lambda crop, brightness: drawn.append(brightness) or normalise(crop, brightness))
    d3s = PairDataset(tracks, TrainConfig(crop_size=64), 6, seed=3)
    masks = torch.cat([d3s[i]["test_mask"] for i in range(6)])
    assert ((masks > 0) & (masks < 1)).any()  # the resized mask's fractional edges
    assert all(drawn[k] != drawn[k + 1] for k in range(0, len(drawn), 2))  # train and test image differ
    drawn.clear()
    shipped = PairDataset(tracks, TrainConfig(crop_size=64, soft_test_mask=False, brightness_per_image=False), 6, seed=3)
    masks = torch.cat([shipped[i]["test_mask"] for i in range(6)])
    assert set(masks.unique().tolist()) <= {0.0, 1.0}
    assert all(drawn[k] == drawn[k + 1] for k in range(0, len(drawn), 2))
    # Box-initialised pairs: the crop is centred on the target's box, so the true centre is the
    # crop's centre (s/2, 0-based as in training), where D3S's distance map is 0.
    for jitter, expect_centre in ((False, True), (True, False)):
        config = TrainConfig(crop_size=64, box_init_probability=1.0, paste_probability=0.0, box_init_distance_jitter=jitter)
        centres = [bool(PairDataset(tracks, config, 4, seed=5)[i]["test_distance"][0, 32, 32] == 0) for i in range(4)]
        assert all(centres) if expect_centre else not any(centres), (jitter, centres)


@pytest.mark.parametrize("at_start, expected", [(True, [1.0, 0.5, 0.5]), (False, [1.0, 1.0, 0.5])])
def test_learning_rate_decays_when_d3s_does(data, tmp_path, at_start, expected):
    """D3S steps StepLR before each epoch (decays at epochs 15 and 30 of 40 with step 15); the
    shipped weights' recipe stepped after (16 and 31). Here step 2, gamma 0.5, three epochs."""
    config = TrainConfig(
        variant="d3s", epochs=3, iterations=3, lr=1e-3, lr_step=2, lr_gamma=0.5, lr_decay_at_epoch_start=at_start,
        **{**SMALL, "val_every": 3},
    )
    out = train(config, [data], tmp_path / "lr.pth", progress=False)
    lrs = {int(r["epoch"]): float(r["lr"]) for r in rows(out.with_name("lr.pth.log.csv"))}
    assert [lrs[e] / 1e-3 for e in (1, 2, 3)] == pytest.approx(expected)
