"""Registering trained checkpoints in a workspace and running the VOT toolkit on them.

``rpvt ablation`` trains the three variants and then needs them evaluated like any other entry:
this module writes their ``trackers.ini`` sections (one owner of that text), runs
``vot evaluate`` and ``vot analysis`` with the toolkit installed beside this interpreter, and
keeps a workspace's results honest when a checkpoint changes under an entry's name.

Results are tied to the checkpoint they were made with: each entry's result folder gets a
``.rpvt-weights`` stamp (the checkpoint's SHA-256). The toolkit skips sequences whose results
exist, so a retrained checkpoint under the same name would otherwise be reported with the old
checkpoint's results; a stale folder is removed (with a message) before evaluating.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

STAMP = ".rpvt-weights"

#: trackers.ini's ``timeout`` (seconds the toolkit waits for each reply): a process's first
#: initialisation on a CPU, with room for slow disks and busy machines; VOTS entries (``*-vots``
#: parameters) start every target of a sequence in its first request, 2-9 s a target on a 2-core
#: CPU, so 30 targets need up to 280 s (BENCHMARKS.md, "VOTS at scale"). The repository's
#: trackers.ini uses the same values.
TIMEOUT_S = 120
VOTS_TIMEOUT_S = 600


@dataclass(frozen=True)
class Entry:
    """One tracker of a workspace's registry: ``name`` (the toolkit's identifier), the
    checkpoint it loads and how the server is configured (trackers.ini's env_* keys)."""

    name: str
    weights: Path
    variant: str
    params: str
    dcf_weights: str | None = None
    device: str = "auto"

    def section(self) -> str:
        timeout = VOTS_TIMEOUT_S if self.params.endswith("-vots") else TIMEOUT_S
        lines = [f"[{self.name}]", f"label = {self.name}", "protocol = traxpython", "command = rpvt_tracker.vot.server", f"timeout = {timeout}",
                 f"env_RPVT_VARIANT = {self.variant}", f"env_RPVT_WEIGHTS = {self.weights.resolve()}", f"env_RPVT_PARAMS = {self.params}",
                 f"env_RPVT_DEVICE = {self.device}"]
        if self.dcf_weights:
            lines.append(f"env_RPVT_DCF_WEIGHTS = {self.dcf_weights}")
        return "\n".join(lines) + "\n"


def _without_sections(text: str, names: set[str]) -> str:
    """``text`` (an ini file) minus the sections called ``names``, comments elsewhere kept."""
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            skipping = stripped[1:-1].strip() in names
        if not skipping:
            out.append(line)
    return "".join(out)


def register(workspace: str | Path, entries: list[Entry]) -> Path:
    """Write ``entries`` into ``<workspace>/trackers.ini``, replacing sections of the same name."""
    registry = Path(workspace) / "trackers.ini"
    if not (Path(workspace) / "config.yaml").is_file():
        raise FileNotFoundError(f"{workspace}: not a VOT workspace (no config.yaml; make one with rpvt workspace)")
    text = _without_sections(registry.read_text(), {e.name for e in entries}) if registry.is_file() else ""
    text = text.rstrip("\n") + "\n\n" if text.strip() else ""
    registry.write_text(text + "\n".join(e.section() for e in entries))
    return registry


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def drop_stale_results(workspace: str | Path, entries: list[Entry]) -> list[str]:
    """Remove result folders made with another checkpoint than the entry's; returns their names.
    The analysis cache goes too when any does, so no cached score outlives its results."""
    workspace, dropped = Path(workspace), []
    for entry in entries:
        folder = workspace / "results" / entry.name
        if folder.is_dir():
            stamp = folder / STAMP
            if not stamp.is_file() or stamp.read_text().strip() != file_digest(entry.weights):
                shutil.rmtree(folder)
                dropped.append(entry.name)
    if dropped:
        shutil.rmtree(workspace / "cache", ignore_errors=True)
    return dropped


def stamp_results(workspace: str | Path, entries: list[Entry]) -> None:
    for entry in entries:
        folder = Path(workspace) / "results" / entry.name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / STAMP).write_text(file_digest(entry.weights) + "\n")


def vot_command() -> str:
    """The toolkit's ``vot`` beside this interpreter (the environment rpvt-tracker is in), else
    the one on PATH."""
    beside = Path(sys.executable).with_name("vot")
    found = str(beside) if beside.is_file() else shutil.which("vot")
    if not found:
        raise FileNotFoundError(f"no `vot` command beside {sys.executable} or on PATH (pip install vot-toolkit==0.7.4)")
    return found


def run_vot(*args: str | Path, workspace: str | Path) -> None:
    """``vot <args>`` with output shown as it comes, on stderr: stdout is left to the tables, so
    ``rpvt ablation ... > tables.md`` holds them alone. A failure names the command."""
    command = [vot_command(), *map(str, args)]
    print("+ " + " ".join(command), file=sys.stderr, flush=True)
    try:
        sink = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        sink = None  # stderr replaced by an object without a descriptor (a test's capture): inherit stdout
    done = subprocess.run(command, env={**os.environ}, cwd=str(workspace), stdout=sink)
    if done.returncode != 0:
        raise RuntimeError(f"`{' '.join(command)}` failed (exit code {done.returncode}); see its output above")


def evaluate(workspace: str | Path, entries: list[Entry], analysis: str, cluster=None) -> None:
    """Register ``entries``, drop results of older checkpoints, ``vot evaluate`` (resumes what
    exists; with ``cluster``, a ``ClusterOptions``, the same on Ray: ``rpvt_tracker/cluster/vot_tasks.py``),
    stamp the results, ``vot analysis --name <analysis>``."""
    workspace = Path(workspace).resolve()
    register(workspace, entries)
    for name in drop_stale_results(workspace, entries):
        print(f"rpvt: {workspace / 'results' / name}: made with another checkpoint; removed", file=sys.stderr)
    names = [e.name for e in entries]
    if cluster is None:
        run_vot("evaluate", "--workspace", workspace, *names, workspace=workspace)
    else:
        from ..cluster.vot_tasks import evaluate as evaluate_on_ray

        if evaluate_on_ray(workspace, names, cluster, command="ablation"):
            # vot analysis refuses incomplete results; the finished ones are kept for a re-run
            raise RuntimeError(f"{workspace}: some sequences failed on Ray (named above); run the command again to finish them")
    stamp_results(workspace, entries)
    run_vot("analysis", "--workspace", workspace, "--name", analysis, *names, workspace=workspace)
