"""Running evaluation tasks on Ray: options, joining or starting a cluster, longest first.

A task is one unit of tracking (one tracker on one sequence, or on one sequence of one VOT
experiment): a module-level function and its arguments, which a Ray worker imports and runs.
``Session`` holds the Ray connection of one command; ``Session.run`` submits the tasks longest
first (by frame count: the last task to start bounds the makespan, so the long ones must not be
left for the end) and keeps no more of them in flight than the cluster has room for, so the
order in which they start is the order given, not the scheduler's. Each task asks for its share
(``--cpus-per-task``, ``--gpus-per-task``) and runs with as many torch threads as CPUs in that
share. A task whose worker process dies is retried by Ray itself (``max_retries``); a task that
fails again, or raises, is recorded with its error and the others go on: the caller names the
failures at the end and exits non-zero.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

INSTALL_HINT = "pip install rpvt-tracker[cluster]"
LOCAL = "local"
# A local instance passes only task arguments and small results through Ray's object store; its
# default (30% of memory) would reserve gigabytes of shared memory on a shared machine.
LOCAL_OBJECT_STORE = 256 * 1024 * 1024


@dataclass(frozen=True)
class ClusterOptions:
    """How one command uses Ray.

    * ``address``: ``local`` (start a Ray instance on this machine for the command) or the address
      of a running cluster (``auto``, ``HOST:PORT``, ``ray://HOST:PORT``).
    * ``cpus_per_task`` / ``gpus_per_task``: each task's share; its torch threads follow the CPUs.
    * ``workers``: at most this many tasks at once (``--ray-workers``; 0: as many as the cluster's
      resources allow); a local instance gets exactly ``workers`` task slots.
    * ``retries``: Ray's retries of a task whose worker died.
    """

    address: str = LOCAL
    cpus_per_task: float = 1.0
    gpus_per_task: float = 0.0
    workers: int = 0
    retries: int = 1

    @property
    def threads(self) -> int:
        return max(1, int(self.cpus_per_task))


def add_cluster_options(p: argparse.ArgumentParser) -> None:
    """``--ray [ADDRESS]`` and the task shares, for every evaluation command."""
    p.add_argument("--ray", nargs="?", const=LOCAL, default=None, metavar="ADDRESS",
                   help="run one task per sequence on Ray: alone, a local Ray instance on this machine; with an address (auto, HOST:PORT, "
                        "ray://HOST:PORT), a running cluster; needs the cluster extra (pip install rpvt-tracker[cluster])")
    p.add_argument("--cpus-per-task", type=float, default=1.0, help="with --ray: CPUs each task asks for (its torch threads follow; default 1)")
    p.add_argument("--gpus-per-task", type=float, default=0.0, help="with --ray: GPUs each task asks for (default 0; e.g. 1, or 0.5 for two "
                   "tasks a GPU)")
    p.add_argument("--ray-workers", type=int, default=0, help="with --ray: at most this many tasks at once (default: as many as the cluster "
                   "holds); a local instance gets this many slots")
    p.add_argument("--retries", type=int, default=1, help="with --ray: times a task whose worker died is retried (default 1)")


def options_from_args(args: argparse.Namespace) -> ClusterOptions | None:
    """The command's ``ClusterOptions``, or None without ``--ray`` (the command runs as before)."""
    if getattr(args, "ray", None) is None:
        return None
    address = args.ray
    if address not in (LOCAL, "auto") and ":" not in address:
        # argparse gives ``--ray`` the next word when it is not an option: a workspace or tracker
        # name here means --ray came before the positional arguments.
        raise ValueError(f"--ray {address}: not a Ray address (auto, HOST:PORT, ray://HOST:PORT); give --ray after the positional arguments")
    if args.cpus_per_task <= 0 or args.gpus_per_task < 0 or args.ray_workers < 0 or args.retries < 0:
        raise ValueError("--cpus-per-task must be > 0, and --gpus-per-task, --ray-workers and --retries >= 0")
    import_ray()  # before any other work: without Ray, say how to install it
    return ClusterOptions(address, args.cpus_per_task, args.gpus_per_task, args.ray_workers, args.retries)


def import_ray():
    """``ray``, or the one-line error that says how to install it."""
    try:
        import ray
    except ImportError:
        raise RuntimeError(f"--ray needs Ray, which is not installed: {INSTALL_HINT}") from None
    return ray


@dataclass(frozen=True)
class Task:
    """``function(*args)`` run by a worker; ``label`` names it in progress and failures."""

    label: str
    frames: int
    function: Callable[..., Any]
    args: tuple = ()


@dataclass
class Outcome:
    """What came back: each finished task's value, seconds and ``host:pid``; each failed one's error."""

    values: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    wall_s: float = 0.0


def longest_first(tasks: list[Task]) -> list[Task]:
    """Most frames first; equal lengths keep their given order (sorting is stable)."""
    return sorted(tasks, key=lambda t: -t.frames)


def _timed(function: Callable[..., Any], args: tuple) -> tuple[Any, float, str]:
    """Run in the worker: the task's value, its seconds, and where it ran."""
    start = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - start, f"{socket.gethostname()}:{os.getpid()}"


def package_path() -> str:
    """The folder this ``rpvt_tracker`` was imported from: workers import the same code (a
    checkout on a shared filesystem, or the environment's site-packages)."""
    return str(Path(__file__).resolve().parents[2])


def task_environment(options: ClusterOptions) -> dict[str, str]:
    """Environment variables of every task's worker: the driver's code first on the path, and the
    thread count of its CPU share (torch reads OMP_NUM_THREADS; the TraX server RPVT_THREADS,
    unless the tracker's registry entry sets env_RPVT_THREADS itself)."""
    path = os.pathsep.join(p for p in (package_path(), os.environ.get("PYTHONPATH", "")) if p)
    threads = str(options.threads)
    return {"PYTHONPATH": path, "OMP_NUM_THREADS": threads, "RPVT_THREADS": threads}


def _first_line(err: BaseException) -> str:
    cause = getattr(err, "cause", None)  # RayTaskError: the task's own exception
    if isinstance(cause, BaseException):
        err = cause
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}".rstrip(": ")


class Session:
    """One command's Ray connection: started or joined on entry, closed on exit. A process that
    already holds a Ray connection (a test, a notebook) keeps it: the session uses it and leaves
    it open."""

    def __init__(self, options: ClusterOptions, log: Callable[[str], None] | None = None) -> None:
        self.options = options
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self._ray = None
        self._owned = False
        self._remote = None

    def __enter__(self) -> Session:
        ray = import_ray()
        options = self.options
        if not ray.is_initialized():
            if options.address == LOCAL:
                cpus = options.workers * options.cpus_per_task if options.workers else None
                ray.init(num_cpus=cpus, include_dashboard=False, object_store_memory=LOCAL_OBJECT_STORE, logging_level="WARNING")
            else:
                ray.init(address=options.address, logging_level="WARNING")
            self._owned = True
        self._ray = ray
        self._check_resources()
        # One remote function for every kind of task, so every task reuses the same worker
        # processes and what a worker caches (a loaded network) serves all of them. Ray makes GPU
        # tasks' workers single-use unless max_calls is given: 0 keeps them.
        self._remote = ray.remote(num_cpus=options.cpus_per_task, num_gpus=options.gpus_per_task, max_retries=options.retries, max_calls=0,
                                  runtime_env={"env_vars": task_environment(options)})(_timed)
        return self

    def __exit__(self, *exc) -> None:
        if self._owned:
            self._ray.shutdown()

    def _check_resources(self) -> None:
        total = self._ray.cluster_resources()
        for kind, share in (("CPU", self.options.cpus_per_task), ("GPU", self.options.gpus_per_task)):
            if share > 0 and total.get(kind, 0) < share:
                raise RuntimeError(f"each task asks for {share:g} {kind}, but the Ray cluster ({self.options.address}) has {total.get(kind, 0):g}")

    def capacity(self) -> int:
        """Tasks that fit at once: the cluster's CPUs and GPUs over each task's share (read
        again as tasks finish: nodes may join), at most ``workers``."""
        total = self._ray.cluster_resources()
        slots = [int(total.get("CPU", 0) // self.options.cpus_per_task)]
        if self.options.gpus_per_task > 0:
            slots.append(int(total.get("GPU", 0) // self.options.gpus_per_task))
        if self.options.workers:
            slots.append(self.options.workers)
        return max(1, min(slots))

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """One task, waited for; its error raised here (used to describe the tracker a worker builds)."""
        try:
            return self._ray.get(self._remote.remote(function, args))[0]
        except self._ray.exceptions.RayError as err:
            raise RuntimeError(f"{getattr(function, '__name__', function)} on a Ray worker: {_first_line(err)}") from None

    def run(self, tasks: list[Task]) -> Outcome:
        """Every task, longest first; returns when all have finished or failed."""
        ray, outcome = self._ray, Outcome()
        pending, running = longest_first(tasks), {}
        total, start = len(pending), time.perf_counter()
        while pending or running:
            room = self.capacity()
            while pending and len(running) < room:
                task = pending.pop(0)
                running[self._remote.remote(task.function, task.args)] = task
            done, _ = ray.wait(list(running), num_returns=1)
            for ref in done:
                task = running.pop(ref)
                try:
                    value, seconds, where = ray.get(ref)
                except ray.exceptions.RayError as err:
                    outcome.failures[task.label] = _first_line(err)
                    self.log(f"[{len(outcome.values) + len(outcome.failures)}/{total}] {task.label}: failed: {outcome.failures[task.label]}")
                    continue
                outcome.values[task.label], outcome.seconds[task.label], outcome.where[task.label] = value, seconds, where
                self.log(f"[{len(outcome.values) + len(outcome.failures)}/{total}] {task.label} ({task.frames} frames): {seconds:.1f} s on {where}")
        outcome.wall_s = time.perf_counter() - start
        return outcome


def run_inline(tasks: list[Task], log: Callable[[str], None] | None = None) -> Outcome:
    """The same tasks in this process, one after another, longest first, failures collected as
    ``Session.run`` collects them (``rpvt evaluate`` without ``--ray``)."""
    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    outcome, ordered, start = Outcome(), longest_first(tasks), time.perf_counter()
    for i, task in enumerate(ordered, 1):
        try:
            value, seconds, where = _timed(task.function, task.args)
        except Exception as err:  # noqa: BLE001 -- one task's error must not lose the others' results
            outcome.failures[task.label] = _first_line(err)
            log(f"[{i}/{len(ordered)}] {task.label}: failed: {outcome.failures[task.label]}")
            continue
        outcome.values[task.label], outcome.seconds[task.label], outcome.where[task.label] = value, seconds, where
        log(f"[{i}/{len(ordered)}] {task.label} ({task.frames} frames): {seconds:.1f} s")
    outcome.wall_s = time.perf_counter() - start
    return outcome


def report_failures(command: str, outcome: Outcome, skipped: int = 0) -> int:
    """The end of a run: what ran, what was kept from before, each failure with its error; the
    exit code (1 when any task failed)."""
    done = len(outcome.values)
    print(f"rpvt {command}: {done} task(s) done in {outcome.wall_s:.1f} s, {skipped} already complete (skipped), "
          f"{len(outcome.failures)} failed", file=sys.stderr)
    for label, error in outcome.failures.items():
        print(f"rpvt {command}: failed: {label}: {error}", file=sys.stderr)
    return 1 if outcome.failures else 0
