"""Results that are complete or absent, written by one process at a time.

A task writes a sequence's results into a staging folder beside their place, ``.<name>.partial``,
and moves them into place only when the sequence is done. Resuming decides from the files in
place, so a task killed mid-sequence leaves nothing there that a re-run would take for finished.
While it writes, the task holds ``rpvt track``'s claim on the sequence (``claim_output``, a
``flock`` on ``<name>.txt.lock`` naming the holder's pid and host): a second run writing the same
sequence is refused, and the staging folder of a run that died is the new owner's to clear.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..tracking.run import claim_output


@contextmanager
def staged(folder: Path, name: str) -> Iterator[Path]:
    """Own sequence ``name`` of ``folder`` and give an empty staging folder for its results; the
    staging folder is removed on the way out (after ``publish_*`` moved its files, or on error)."""
    folder.mkdir(parents=True, exist_ok=True)
    with claim_output(folder, name):
        staging = folder / f".{name}.partial"
        shutil.rmtree(staging, ignore_errors=True)  # a dead owner's leftovers: the claim makes them ours
        staging.mkdir()
        try:
            yield staging
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def publish_files(staging: Path, target: Path, last: Callable[[Path], bool]) -> list[Path]:
    """Move every file under ``staging`` to the same place under ``target``, those for which
    ``last`` holds after all others: the file whose presence marks a result finished goes last, so
    a process killed while moving leaves that result absent rather than half there. Returns the
    moved files' new paths."""
    files = sorted((p for p in staging.rglob("*") if p.is_file()), key=lambda p: (last(p), str(p)))
    moved = []
    for src in files:
        dst = target / src.relative_to(staging)
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)
        moved.append(dst)
    return moved


def publish_folder(staging: Path, target: Path) -> None:
    """Put the folder ``staging`` in place of ``target`` (an unfinished ``target`` is dropped first):
    the rename is the moment the sequence becomes finished."""
    if target.exists():
        shutil.rmtree(target)
    os.replace(staging, target)
    staging.mkdir()  # ``staged`` removes it on the way out


def clear_failed(outcome, places: dict[str, tuple[Path, str]]) -> None:
    """After a run: remove the staging folder a failed task left (its worker was killed), taking
    the sequence's claim first so nothing still writing loses its files. ``places``: task label ->
    (folder, sequence name) as given to ``staged``."""
    from ..tracking.run import OutputBusy

    for label in outcome.failures:
        folder, name = places[label]
        try:
            with claim_output(folder, name):
                shutil.rmtree(folder / f".{name}.partial", ignore_errors=True)
        except OutputBusy:
            pass
