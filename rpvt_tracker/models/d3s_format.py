"""Reading the original D3S checkpoint format (``SegmNet.pth.tar``) without D3S installed.

The D3S trainer pickles, beside the state dict ``net``, a constructor object (and optionally
settings and statistics) whose classes live in D3S's ``ltr`` package. Unpickling them normally
would need that code, and ``torch.load(weights_only=True)`` refuses them. We unpickle with a
restricted unpickler that:

* replaces every class from D3S's own packages (``ltr``, its old name ``dlframework``,
  ``pytracking``) by an inert stub that only records its arguments and state, so no D3S code is
  needed and none can run;
* allows a short list of harmless globals torch and the trainer need (tensor rebuilders,
  ``OrderedDict``, numpy array reconstruction, ...);
* refuses everything else with an error naming the global, so a crafted file cannot run code.
"""

from __future__ import annotations

import _compat_pickle
import pickle
import types
from pathlib import Path
from typing import Any

import torch

FOREIGN_PREFIXES = ("ltr", "dlframework", "pytracking")

_SAFE_GLOBALS = {
    ("collections", "OrderedDict"),
    ("collections", "defaultdict"),
    ("torch", "Size"),
    ("torch", "device"),
    ("torch._tensor", "_rebuild_from_type_v2"),
    ("torch.nn.parameter", "Parameter"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "slice"),
    ("builtins", "complex"),
    ("builtins", "list"),
    ("builtins", "dict"),
    ("builtins", "float"),
    ("builtins", "int"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
}


class ForeignObject:
    """Stand-in for an object of a D3S class: keeps what the pickle gave it, does nothing else."""

    foreign_name = "?"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args, self.kwargs, self.state = args, kwargs, None

    def __setstate__(self, state: Any) -> None:
        self.state = state

    def __repr__(self) -> str:
        return f"<stub of {self.foreign_name}>"


class UnsafeGlobalError(pickle.UnpicklingError):
    """The file references a Python global the restricted unpickler will not load."""


_stub_cache: dict[str, type] = {}


def _stub(module: str, name: str) -> type:
    key = f"{module}.{name}"
    if key not in _stub_cache:
        _stub_cache[key] = type(name, (ForeignObject,), {"foreign_name": key})
    return _stub_cache[key]


class RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        # Protocol-2 pickles (torch.save's default, D3S's release included) name Python 2's
        # modules (``__builtin__.set``); map them as pickle's own fix_imports would, before the
        # allow-list is consulted.
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        if module.split(".")[0] in FOREIGN_PREFIXES:
            return _stub(module, name)
        if (module, name) in _SAFE_GLOBALS or (module == "torch._utils" and name.startswith("_rebuild_")):
            return super().find_class(module, name)
        raise UnsafeGlobalError(f"refuses to load the Python global {module}.{name}")


def _restricted_load(file: Any, **kwargs: Any) -> Any:
    return RestrictedUnpickler(file, **kwargs).load()


# torch.load takes a "pickle module": anything with ``Unpickler`` and ``load``.
restricted_pickle = types.ModuleType("rpvt_restricted_pickle")
restricted_pickle.Unpickler = RestrictedUnpickler  # type: ignore[attr-defined]
restricted_pickle.load = _restricted_load  # type: ignore[attr-defined]


def load_d3s_file(path: str | Path) -> dict[str, Any]:
    """Unpickle a D3S trainer file to a dict (``net`` = the state dict) on the CPU.

    Raises ``pickle.UnpicklingError`` (``UnsafeGlobalError`` for a refused global) and whatever
    torch raises on a corrupt file; ``checkpoint.read_checkpoint`` turns those into messages.
    """
    return torch.load(str(path), map_location="cpu", weights_only=False, pickle_module=restricted_pickle)


#: Keys of D3S's backbone that its forward never reaches; the real release still stores them.
UNUSED_D3S_PREFIXES = ("feature_extractor.layer4.", "feature_extractor.fc.")


def d3s_state_dict(net: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Drop the unused layer4/fc keys and upcast float16-stored tensors to float32."""
    out = {}
    for key, value in net.items():
        if key.startswith(UNUSED_D3S_PREFIXES):
            continue
        out[key] = value.float() if value.is_floating_point() else value
    return out


def d3s_constructor_kwargs(checkpoint: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments recorded by D3S's pickled constructor, if the file has one."""
    constructor = checkpoint.get("constructor")
    state = getattr(constructor, "state", None)
    if isinstance(state, dict) and isinstance(state.get("kwds"), dict):
        return dict(state["kwds"])
    return {}
