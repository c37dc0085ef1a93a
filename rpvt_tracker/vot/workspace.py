"""Materialising VOT toolkit workspaces from ``workspace_template/`` (``rpvt workspace``).

Each template folder is a stack name: ``vot2016/rgb``, ``vot2018/shortterm``, ``vot2020/shortterm``
(the real benchmarks; the toolkit downloads their data) and their ``-offline`` twins, which hold
a ``stack.yaml`` pattern and a ``sequences.json`` generator spec:

    {"count": 8, "length": 100, "region": "polygon" | "mask", "seed": 2016,
     "size": [320, 240], "eao": [0.1, 0.9]}

``eao`` gives the EAO interval as fractions of the sequence length (written into the stack).

A ``-davis`` twin is filled with real video instead: its ``sequences.json`` reads

    {"source": "davis", "sequences": ["blackswan", ...], "region": "mask" | "polygon",
     "anchor_spacing": 10, "eao": [0.1, 0.9]}

and the named sequences are converted from a DAVIS-layout folder (``davis.py``): ``davis_root``,
else ``$RPVT_DAVIS``, else the repository's ``data/davis2016`` (the three held-out sequences it
ships: blackswan, car-shadow, scooter-black).

A multi-object (VOTS) twin is filled with generated scenes (``scenes.py``):

    {"source": "scenes", "count": 6, "length": 80, "seed": 2025, "size": [320, 240]}

and its ``stack.yaml`` is copied as it is.

An existing workspace is read as vot-toolkit 0.7.4 reads it: ``read_yaml`` (its config and
stack, errors naming the file), ``sequences_folder`` and ``missing_sequences`` (where its
sequences are, and whether the toolkit would download them).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import yaml

from .. import resources
from .davis import convert_davis
from .scenes import SceneSpec, write_scenes
from .synthetic import SequenceSpec, write_dataset

TEMPLATES = resources.templates_dir()
TRACKERS_INI = resources.trackers_ini()
DEFAULT_DAVIS = resources.davis_dir()


def davis_root(explicit: str | Path | None = None) -> Path:
    """Where DAVIS-layout video is read from: the argument, ``$RPVT_DAVIS``, or the default."""
    root = Path(explicit or os.environ.get("RPVT_DAVIS") or DEFAULT_DAVIS)
    if not (root / "JPEGImages").is_dir():
        raise FileNotFoundError(f"{root}: no DAVIS folder here (set RPVT_DAVIS or pass --davis)")
    return root


def check_trax_path(folder: str | Path) -> None:
    """Refuse a workspace folder whose absolute path has a character outside ASCII.

    The toolkit sends every frame to the tracker as a ``file://`` path inside a TraX message,
    and libtrax (vot-trax 4.0.2) reads messages byte by byte into a signed ``char``:
    any byte above 127, which every non-ASCII character is in UTF-8, reads as negative, which
    its reader takes for the end of the stream. The message is cut there, the rest of the path
    is parsed as a new message, and the session fails ("Protocol error, illegal argument
    number") on every sequence, while ``vot evaluate`` reports success. Nothing on the tracker's
    side can read those messages whole, so such a workspace is not made at all.
    """
    absolute = os.path.abspath(folder)
    odd = sorted({c for c in absolute if ord(c) > 127})
    if odd:
        shown = " ".join(repr(c) for c in odd)
        raise ValueError(
            f"{absolute}: the path has non-ASCII characters ({shown}), which the VOT toolkit's TraX protocol (libtrax) cannot carry "
            "in frame paths: every tracker session would fail; choose a folder whose full path is ASCII"
        )


def available_stacks() -> list[str]:
    if not TEMPLATES.is_dir():
        return []
    return sorted(str(p.parent.relative_to(TEMPLATES)) for p in TEMPLATES.glob("*/*/config.yaml"))


def materialize(
    stack: str,
    directory: str | Path,
    *,
    trackers_ini: str | Path | None = None,
    count: int | None = None,
    length: int | None = None,
    davis: str | Path | None = None,
) -> Path:
    """Create a workspace for ``stack`` in ``directory`` (new or empty); returns its path.

    ``trackers_ini``: the registry to copy in (default: the repository's ``trackers.ini``).
    ``count`` / ``length``: override an offline twin's number and length of sequences.
    ``davis``: the DAVIS-layout folder of a ``-davis`` twin (see ``davis_root``).
    """
    source = TEMPLATES / stack
    if not (source / "config.yaml").is_file():
        known = ", ".join(available_stacks()) or f"none ({TEMPLATES} is missing)"
        raise ValueError(f"unknown workspace template {stack!r}; available: {known}")
    target = Path(directory)
    check_trax_path(target)
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target}: exists and is not empty (a workspace is never overwritten)")
    registry = Path(trackers_ini) if trackers_ini else TRACKERS_INI
    if not registry.is_file():
        raise FileNotFoundError(f"{registry}: no such trackers.ini")
    spec_file = source / "sequences.json"
    settings = json.loads(spec_file.read_text()) if spec_file.is_file() else None
    real = settings is not None and settings.get("source") == "davis"
    root = davis_root(davis) if real else None  # fail before writing anything
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "config.yaml", target / "config.yaml")
    shutil.copy(registry, target / "trackers.ini")
    if real:
        spacing = int(settings["anchor_spacing"])
        names = convert_davis(root, target / "sequences", list(settings["sequences"]), region=settings["region"], anchor_spacing=spacing)
        frames = min(len(list((target / "sequences" / n / "color").glob("*.jpg"))) for n in names)
        _write_stack(source, target, settings["eao"], frames)
    elif settings is not None and settings.get("source") == "scenes":
        n = count if count is not None else int(settings["count"])
        frames = length if length is not None else int(settings["length"])
        if n < 1 or frames < 10:
            raise ValueError(f"an offline workspace needs >= 1 sequence of >= 10 frames, got {n} x {frames}")
        shutil.copy(source / "stack.yaml", target / "stack.yaml")
        spec = SceneSpec(length=frames, size=tuple(settings["size"]), seed=int(settings["seed"]))
        write_scenes(target / "sequences", n, spec, prefix=stack.split("/")[0] + "-")
    elif settings is not None:
        n = count if count is not None else int(settings["count"])
        frames = length if length is not None else int(settings["length"])
        if n < 1 or frames < 10:
            raise ValueError(f"an offline workspace needs >= 1 sequence of >= 10 frames, got {n} x {frames}")
        _write_stack(source, target, settings["eao"], frames)
        spec = SequenceSpec(
            length=frames,
            size=tuple(settings["size"]),
            region=settings["region"],
            seed=int(settings["seed"]),
            anchor_spacing=max(5, frames // 5),
        )
        write_dataset(target / "sequences", n, spec, prefix=stack.split("/")[0] + "-")
    return target


def _write_stack(source: Path, target: Path, eao: list[float], frames: int) -> None:
    """The template's stack.yaml with its EAO interval: ``eao`` fractions of ``frames``."""
    low, high = (max(1, round(f * frames)) for f in eao)
    pattern = (source / "stack.yaml").read_text()
    (target / "stack.yaml").write_text(pattern.format(eao_low=low, eao_high=high, length=frames))


def read_yaml(path: Path, *, strings: bool = False) -> dict:
    """A workspace's YAML file (``config.yaml``, a stack) as a mapping; an error naming the file
    when it cannot be read, is not YAML, or is not a mapping. ``strings``: every scalar a string,
    as the toolkit reads ``config.yaml`` (``yaml.BaseLoader``)."""
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a text file") from None
    except OSError as err:
        raise OSError(f"{path}: cannot be read: {err.strerror or err}") from None
    try:
        data = yaml.load(text, Loader=yaml.BaseLoader if strings else yaml.SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ValueError(f"{path}: not valid YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of settings, got {'nothing' if data is None else type(data).__name__}")
    return data


def sequences_folder(workspace: str | Path) -> Path:
    """The folder vot-toolkit 0.7.4 reads a workspace's sequences from.

    The toolkit reads ``config.yaml`` with every value a string; ``sequences`` (default
    ``sequences``) is the folder: an absolute path as it is, a relative one joined to the
    workspace's folder and normalised (``..`` folded), never taken from the current directory;
    ``~`` is not expanded. The stack's ``dataset`` never moves the folder: it is only what the
    toolkit downloads into it (``missing_sequences``).
    """
    workspace = Path(os.path.abspath(workspace))
    value = read_yaml(workspace / "config.yaml", strings=True).get("sequences", "sequences")
    if not isinstance(value, str) or not value:
        raise ValueError(f"{workspace / 'config.yaml'}: sequences: expected a folder, got {value!r}")
    folder = Path(value)
    return folder if folder.is_absolute() else Path(os.path.normpath(workspace / folder))


def missing_sequences(workspace: str | Path) -> str | None:
    """Why loading the workspace would make the toolkit download its sequences, or None.

    vot-toolkit 0.7.4 downloads the stack's ``dataset`` into the sequences folder whenever that
    folder has no ``list.txt``; without a ``dataset`` (the offline twins) it only indexes the
    folder, which fails without downloading anything when the sequences are not there.
    """
    from vot.stack import resolve_stack

    workspace = Path(os.path.abspath(workspace))
    folder = sequences_folder(workspace)
    if (folder / "list.txt").exists():
        return None
    stack = read_yaml(workspace / "config.yaml", strings=True).get("stack", "")
    if isinstance(stack, dict):  # a stack written into config.yaml
        dataset = stack.get("dataset")
    else:
        found = resolve_stack(str(stack), str(workspace))
        if found is None:
            return f"the stack {stack!r} is neither a file nor one of the toolkit's"
        dataset = read_yaml(Path(found), strings=True).get("dataset")
    if dataset is None:
        return None
    config = workspace / "config.yaml"
    return f"no {folder / 'list.txt'}: the toolkit would download {dataset} there (sequences elsewhere: point sequences: in {config} at them)"
