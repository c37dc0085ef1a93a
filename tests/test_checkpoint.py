"""Own-format round trips, D3S-format loading, and every way a checkpoint can be wrong."""

from __future__ import annotations

import os
import sys
import types
from collections import OrderedDict

import pytest
import torch
from conftest import D3S_CHECKPOINT, random_pair

from rpvt_tracker.models import CheckpointError, NetworkConfig, build_network, load_network, read_checkpoint, save_checkpoint
from rpvt_tracker.models.refiners.cscr import CSCRParams


def outputs(net, seed=1):
    train, test, mask, dist = random_pair(batch=1, size=128, seed=seed)
    with torch.inference_mode():
        return net(train, test, mask, dist).logits


@pytest.mark.parametrize("variant", ["d3s", "d3s-ms", "rpvt"])
def test_own_format_round_trip(tmp_path, variant):
    torch.manual_seed(7)
    net = build_network(variant).eval()
    path = save_checkpoint(net, tmp_path / f"{variant}.pth", metadata={"epoch": 3, "note": "unit test"})
    # Plain data only: readable with weights_only=True, without any rpvt-tracker class.
    raw = torch.load(path, weights_only=True)
    assert raw["config"]["variant"] == variant and raw["format_version"] == 1
    assert set(raw["state_dict"]) == set(net.state_dict())
    loaded = load_network(path, variant=variant)
    assert loaded.config == net.config
    assert read_checkpoint(path).metadata == {"epoch": 3, "note": "unit test"}
    assert torch.equal(outputs(loaded), outputs(net))


def test_own_format_keeps_non_default_refiner_params(tmp_path):
    params = CSCRParams(stage_weights=(0.2, 0.3, 0.5), attention_floor=0.25, attention_width=1.5)
    net = build_network("rpvt", refiner_params=params)
    loaded = load_network(save_checkpoint(net, tmp_path / "r.pth"))
    assert loaded.config.refiner_params == params
    assert loaded.config.to_dict()["refiner_params"]["stage_weights"] == [0.2, 0.3, 0.5]


def test_d3s_file_loads_strictly_and_upcasts_float16():
    ckpt = read_checkpoint(D3S_CHECKPOINT)
    assert ckpt.source == "d3s" and ckpt.config.variant == "d3s" and ckpt.config.use_distance_map
    raw_dtypes = {v.dtype for v in ckpt.state_dict.values()}
    assert raw_dtypes == {torch.float32, torch.int64}
    net = load_network(D3S_CHECKPOINT)
    assert set(net.state_dict()) == set(ckpt.state_dict)  # nothing left at its random init
    assert all(torch.equal(net.state_dict()[k], v) for k, v in ckpt.state_dict.items())


def test_d3s_file_refuses_to_be_read_as_plain_weights():
    """The reason for the restricted unpickler: torch's safe loader refuses D3S's pickled class."""
    with pytest.raises(Exception, match="NetConstructor"):
        torch.load(D3S_CHECKPOINT, weights_only=True)


def _fake_ltr_modules():
    """Stand-ins for D3S's ltr package, so a test can write files as D3S's trainer does."""
    names = ["ltr", "ltr.admin", "ltr.admin.model_constructor", "ltr.admin.settings"]
    mods = {n: types.ModuleType(n) for n in names}

    class NetConstructor:
        def __init__(self, fun_name, fun_module, args, kwds):
            self.fun_name, self.fun_module, self.args, self.kwds = fun_name, fun_module, args, kwds

    class Settings:
        pass

    NetConstructor.__module__, Settings.__module__ = "ltr.admin.model_constructor", "ltr.admin.settings"
    NetConstructor.__qualname__, Settings.__qualname__ = "NetConstructor", "Settings"
    mods["ltr.admin.model_constructor"].NetConstructor = NetConstructor
    mods["ltr.admin.settings"].Settings = Settings
    return mods, NetConstructor, Settings


@pytest.mark.parametrize("zip_format", [False, True])
def test_released_layout_with_layer4_fc_settings_and_float32(tmp_path, zip_format):
    """Like the real SegmNet.pth.tar: all 411 keys incl. layer4/fc, float32, pickled settings."""
    from torchvision.models import resnet50

    torch.manual_seed(11)
    donor = build_network("d3s")
    net_state = OrderedDict((k, v.clone()) for k, v in donor.state_dict().items())
    full = resnet50(weights=None).state_dict()
    for k in full:
        if k.startswith(("layer4.", "fc.")):
            net_state[f"feature_extractor.{k}"] = full[k]
    assert len(net_state) == 411
    mods, NetConstructor, Settings = _fake_ltr_modules()
    sys.modules.update(mods)
    try:
        settings = Settings()
        settings.normalize_mean = [0.485, 0.456, 0.406]
        payload = {
            "epoch": 40, "actor_type": "SegmActor", "net_type": "SegmNet", "net": net_state, "net_info": None,
            "constructor": NetConstructor("segm_resnet50", "ltr.models.segm.segm", (), {"topk_pos": 3, "topk_neg": 3, "mixer_channels": 3}),
            "optimizer": {"state": {}, "param_groups": [{"lr": 1e-3}]}, "settings": settings,
        }
        path = tmp_path / "SegmNet.pth.tar"
        torch.save(payload, path, _use_new_zipfile_serialization=zip_format)
    finally:
        for n in mods:
            sys.modules.pop(n, None)
    net = load_network(path)
    assert torch.equal(outputs(net), outputs(donor.eval()))
    # Into the other variants: stage 1 from the file, later stages fresh.
    ms = load_network(path, variant="d3s-ms")
    assert torch.equal(ms.segm_predictor.mixer[0].weight, donor.segm_predictor.mixer[0].weight)


def test_d3s_file_converts_to_own_format(tmp_path):
    net = load_network(D3S_CHECKPOINT, variant="rpvt")
    path = save_checkpoint(net, tmp_path / "rpvt_from_d3s.pth")
    assert torch.equal(outputs(load_network(path)), outputs(net))


# -- errors -----------------------------------------------------------------------------------------


def test_missing_file_is_named(tmp_path):
    path = tmp_path / "nope.pth"
    with pytest.raises(CheckpointError, match=rf"{path}: no such file"):
        load_network(path)
    with pytest.raises(CheckpointError, match="not a regular file"):
        load_network(tmp_path)


@pytest.mark.parametrize("source", ["own", "d3s"])
def test_truncated_file_is_named(tmp_path, source):
    if source == "own":
        full = save_checkpoint(build_network("d3s"), tmp_path / "full.pth").read_bytes()
    else:
        full = D3S_CHECKPOINT.read_bytes()
    path = tmp_path / "cut.pth"
    path.write_bytes(full[: len(full) // 2])
    with pytest.raises(CheckpointError, match=rf"^{path}: .*truncated"):
        load_network(path)


def test_text_file_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "notes.pth"
    path.write_text("these are not weights\n")
    with pytest.raises(CheckpointError, match=rf"^{path}: not a torch file .*neither an rpvt-tracker nor a D3S checkpoint"):
        read_checkpoint(path)


def test_random_bytes_are_not_called_a_d3s_checkpoint(tmp_path):
    path = tmp_path / "noise.pth.tar"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(CheckpointError, match="not a torch file") as err:
        read_checkpoint(path)
    assert "cannot be read as a D3S checkpoint" not in str(err.value)


def test_unrelated_torch_file_is_named(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"model": {"w": torch.zeros(1)}}, path)
    with pytest.raises(CheckpointError, match=r"neither an rpvt-tracker nor a D3S checkpoint \(top-level keys: model\)"):
        read_checkpoint(path)
    torch.save([1, 2, 3], path)
    with pytest.raises(CheckpointError, match="holds a list"):
        read_checkpoint(path)


def test_wrong_variant_is_named(tmp_path):
    path = save_checkpoint(build_network("d3s"), tmp_path / "d3s.pth")
    with pytest.raises(CheckpointError, match=r"holds variant 'd3s', but 'rpvt' was asked for"):
        load_network(path, variant="rpvt")
    with pytest.raises(CheckpointError, match="unknown variant 'nope'"):
        load_network(D3S_CHECKPOINT, variant="nope")


def _edit_own(tmp_path, edit):
    path = save_checkpoint(build_network("rpvt"), tmp_path / "x.pth")
    raw = torch.load(path, weights_only=True)
    edit(raw)
    torch.save(raw, path)
    return path


def test_missing_keys_are_named(tmp_path):
    path = _edit_own(tmp_path, lambda raw: raw["state_dict"].pop("segm_predictor.stages.1.head.0.weight"))
    with pytest.raises(CheckpointError, match=r"1 missing keys \(segm_predictor\.stages\.1\.head\.0\.weight\)"):
        load_network(path)


def test_unexpected_keys_are_named(tmp_path):
    path = _edit_own(tmp_path, lambda raw: raw["state_dict"].__setitem__("segm_predictor.extra.weight", torch.zeros(1)))
    with pytest.raises(CheckpointError, match=r"1 unexpected keys \(segm_predictor\.extra\.weight\)"):
        load_network(path)


def test_mismatched_variant_and_weights_are_named(tmp_path):
    """A config saying rpvt over d3s weights: the later-stage keys are reported missing."""
    path = save_checkpoint(build_network("d3s"), tmp_path / "x.pth")
    raw = torch.load(path, weights_only=True)
    raw["config"]["variant"] = "rpvt"
    torch.save(raw, path)
    with pytest.raises(CheckpointError, match=r"does not match the 'rpvt' network: \d+ missing keys \(segm_predictor\.stages\.0"):
        load_network(path)


def test_shape_mismatch_is_named(tmp_path):
    path = _edit_own(tmp_path, lambda raw: raw["state_dict"].__setitem__("segm_predictor.mixer.0.weight", torch.zeros(64, 5, 3, 3)))
    with pytest.raises(CheckpointError, match=r"segm_predictor\.mixer\.0\.weight \(64, 5, 3, 3\) != \(64, 3, 3, 3\)"):
        load_network(path)


def test_bad_config_and_version_are_named(tmp_path):
    path = _edit_own(tmp_path, lambda raw: raw["config"].__setitem__("colour", "blue"))
    with pytest.raises(CheckpointError, match=r"invalid network config: unknown network config keys: \['colour'\]"):
        load_network(path)
    path = _edit_own(tmp_path, lambda raw: raw.__setitem__("format_version", 99))
    with pytest.raises(CheckpointError, match="format version 99"):
        load_network(path)


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_code_in_a_pickle_is_refused_not_run(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth.tar"
    torch.save({"net": {}, "constructor": _Exploit(marker)}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError, match=r"restricted unpickler refuses to load the Python global (posix|os)\.system"):
        load_network(path)
    assert not marker.exists()


def test_config_rejects_wrong_params_type():
    with pytest.raises(TypeError, match="takes CSCRParams"):
        NetworkConfig(variant="rpvt", refiner_params=object())
    with pytest.raises(ValueError, match="attention_floor"):
        CSCRParams(attention_floor=2.0)


@pytest.mark.parametrize("layout", ["rpvt", "d3s"])
def test_many_views_of_one_tensor_are_refused_before_anything_is_upcast(tmp_path, layout):
    """A 10 MB file of 200 views of one float16 tensor: 1,000 million elements once upcast."""
    import subprocess

    shared = torch.zeros(5_000_000, dtype=torch.float16)
    views = {f"w{i}": shared[:] for i in range(200)}
    payload = {"net": views} if layout == "d3s" else {
        "format": "rpvt-tracker.segmentation-network", "format_version": 1,
        "config": build_network("d3s").config.to_dict(), "state_dict": views, "metadata": {},
    }
    path = tmp_path / "views.pth"
    torch.save(payload, path)
    assert path.stat().st_size < 20_000_000
    # In a fresh process, to read its own peak memory.
    code = (
        "import resource, sys\n"
        "from rpvt_tracker.models import CheckpointError, read_checkpoint\n"
        "try:\n    read_checkpoint(sys.argv[1])\nexcept CheckpointError as e:\n    print(e)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120, check=True).stdout.splitlines()
    assert "holds 1000 million tensor elements in 200 entries" in out[0] and "not loaded" in out[0], out
    assert int(out[-1]) < 1500, f"peak memory {out[-1]} MiB"


def test_protocol2_pickle_naming_python2_builtins_loads(tmp_path):
    """torch.save's default protocol 2 writes ``__builtin__.set``; the allow-list must see ``builtins.set``."""
    import io
    import zipfile

    torch.manual_seed(3)
    donor = build_network("d3s")
    mods, NetConstructor, _ = _fake_ltr_modules()
    sys.modules.update(mods)
    try:
        payload = {"net": donor.state_dict(), "stats": {"seen": {1, 2, 3}},
                   "constructor": NetConstructor("segm_resnet50", "ltr.models.segm.segm", (), {"topk_pos": 3, "topk_neg": 3})}
        path = tmp_path / "p2.pth.tar"
        torch.save(payload, path, pickle_protocol=2, _use_new_zipfile_serialization=False)
    finally:
        for n in mods:
            sys.modules.pop(n, None)
    raw = path.read_bytes()
    assert not zipfile.is_zipfile(io.BytesIO(raw))
    assert b"__builtin__" in raw and b"set" in raw  # what the unpickler is asked for
    net = load_network(path)
    assert torch.equal(outputs(net), outputs(donor.eval()))


def test_torchvision_dcf_weights_come_from_the_hub_cache(tmp_path, monkeypatch):
    """``--dcf-weights torchvision`` / ``env_RPVT_DCF_WEIGHTS = torchvision``: torchvision's ImageNet
    ResNet-50 through its weights API, read from torch's hub cache (offline here: a state dict
    of the right shapes stands in for it)."""
    import torchvision

    from rpvt_tracker.models.backbone import ResNet50Trunk
    from rpvt_tracker.models.checkpoint import load_backbone
    from rpvt_tracker.resources import resolve_dcf_weights

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    cached = tmp_path / "torch" / "hub" / "checkpoints" / "resnet50-0676ba61.pth"
    cached.parent.mkdir(parents=True)
    torch.manual_seed(1)
    reference = torchvision.models.resnet50()
    torch.save(reference.state_dict(), cached)
    assert resolve_dcf_weights("torchvision") == cached
    trunk = load_backbone(resolve_dcf_weights("torchvision"))
    assert isinstance(trunk, ResNet50Trunk) and torch.equal(trunk.layer3[0].conv1.weight, reference.layer3[0].conv1.weight)


def test_torchvision_dcf_weights_offline_name_the_file_and_the_folder(tmp_path, monkeypatch):
    from urllib.error import URLError

    from rpvt_tracker.resources import resolve_dcf_weights

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))

    def offline(url, dst, *args, **kwargs):  # what torch.hub's download meets without internet
        raise URLError("no route to host")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    folder = tmp_path / "torch" / "hub" / "checkpoints"
    with pytest.raises(FileNotFoundError, match=rf"put resnet50-0676ba61.pth \(from https://\S+\) into {folder}"):
        resolve_dcf_weights("torchvision")
