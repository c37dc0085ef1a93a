"""Where the project's data files are found: the embedded weights, the workspace templates, the
tracker registry and the shipped DAVIS video.

The repository keeps them once, at its top level (``weights/``, ``workspace_template/``,
``trackers.ini``, ``data/davis2016/``). A built wheel carries copies of them inside the package,
under ``rpvt_tracker/_data/`` (``setup.py`` copies them at build time), because an installed
package has no source tree beside it. This module is the one place that knows both layouts:
the packaged copy when it exists (a wheel or ``pip install .``), else the checkout (a source
tree or an editable install).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

# The top-level paths a wheel carries, relative to the repository root (setup.py reads this
# assignment from the source, so it must stay a literal tuple).
PACKAGED = ("trackers.ini", "workspace_template", "weights", "data/davis2016")


def data_root() -> Path:
    """The folder holding ``trackers.ini``, ``workspace_template/``, ``weights/`` and ``data/``."""
    packaged = Path(str(resources.files("rpvt_tracker") / "_data"))
    if (packaged / "trackers.ini").is_file():
        return packaged
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "trackers.ini").is_file():
        return checkout
    raise FileNotFoundError(
        f"rpvt-tracker's data files are missing: neither {packaged} (an installed wheel) nor "
        f"{checkout} (a checkout) holds trackers.ini; reinstall the package from a wheel or a checkout"
    )


def templates_dir() -> Path:
    return data_root() / "workspace_template"


def trackers_ini() -> Path:
    return data_root() / "trackers.ini"


def weights_dir() -> Path:
    return data_root() / "weights"


def davis_dir() -> Path:
    return data_root() / "data" / "davis2016"


def resolve_weights(name: str | os.PathLike, env: Mapping[str, str] | None = None) -> Path:
    """A weights file by name: as given if it exists; a relative name is also looked up in
    ``$RPVT_WEIGHTS_DIR`` and then among the embedded weights.

    The toolkit starts trackers in a fresh temporary directory, so a name relative to the working
    directory would mean nothing there; trackers.ini stays free of absolute paths this way.
    """
    env = os.environ if env is None else env
    path = Path(os.path.expanduser(str(name)))
    if path.is_absolute():
        if not path.is_file():
            raise FileNotFoundError(f"weights {str(path)!r} not found; see weights/README.md")
        return path
    candidates = [path]
    if env.get("RPVT_WEIGHTS_DIR"):
        candidates.append(Path(env["RPVT_WEIGHTS_DIR"]) / path)
    candidates.append(weights_dir() / path)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"weights {str(name)!r} not found (looked in: {tried}); see weights/README.md")


#: ``--dcf-weights`` / ``RPVT_DCF_WEIGHTS`` value that means D3S's own choice for its DCF:
#: torchvision's ImageNet ResNet-50 (``ResNet50_Weights.IMAGENET1K_V1``).
TORCHVISION_DCF = "torchvision"


def torchvision_resnet50_file() -> Path:
    """Where torchvision's weights API keeps ``ResNet50_Weights.IMAGENET1K_V1``: torch's hub
    cache (``$TORCH_HOME/hub/checkpoints``, by default ``~/.cache/torch/hub/checkpoints``)."""
    import torch
    from torchvision.models import ResNet50_Weights

    name = ResNet50_Weights.IMAGENET1K_V1.url.rsplit("/", 1)[-1]
    return Path(torch.hub.get_dir()) / "checkpoints" / name


def torchvision_resnet50() -> Path:
    """The ImageNet ResNet-50 D3S's DCF ran on, through torchvision's weights API: from the hub
    cache, or downloaded into it on first use where there is internet. Offline and not cached:
    an error that names the file and the folder to put it in."""
    from torchvision.models import ResNet50_Weights

    path = torchvision_resnet50_file()
    if not path.is_file():
        weights = ResNet50_Weights.IMAGENET1K_V1
        try:
            weights.get_state_dict(progress=False, check_hash=True)  # downloads into the hub cache
        except Exception as err:  # URLError, timeouts, a failed hash: all mean "not here"
            raise FileNotFoundError(
                f"the DCF's ImageNet ResNet-50 (torchvision ResNet50_Weights.IMAGENET1K_V1) is not in torch's hub cache and "
                f"could not be downloaded ({type(err).__name__}: {err}); put {path.name} (from {weights.url}) into {path.parent} "
                "(or set TORCH_HOME to a folder whose hub/checkpoints holds it)"
            ) from None
        if not path.is_file():
            raise FileNotFoundError(f"torchvision reported the ResNet-50 weights downloaded, but {path} is missing")
    return path


def resolve_dcf_weights(name: str | os.PathLike, env: Mapping[str, str] | None = None) -> Path:
    """``torchvision`` (``TORCHVISION_DCF``): torchvision's ImageNet ResNet-50; anything else: a
    weights file, looked up as ``resolve_weights`` does."""
    if str(name) == TORCHVISION_DCF:
        return torchvision_resnet50()
    return resolve_weights(name, env)
