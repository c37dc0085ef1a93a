"""Evaluation on Ray: wall time against workers here, and a model of the makespan on 8 and 64 GPUs.

``measure`` runs two real workloads three ways each, serial (no Ray), Ray with 1 worker and Ray
with 2 workers (a local instance, one CPU a task), and writes every task's seconds to
``<out>/times.json``:

* ``rpvt evaluate`` (the VOT toolkit's experiments, D3S-lite) on an offline VOT2016-style
  workspace, baseline and unsupervised, one repetition: each task starts a TraX tracker process;
* ``rpvt got10k`` (D3S-lite) on generated GOT-10k val sequences of 60, 50, ..., 10 frames: the
  tracker is built once per worker.

``model`` fits seconds = overhead + per_frame x frames to the GOT-10k tasks' times of the
1-worker run (no two tasks share the CPU there; the VOT tasks, all of one length, give the TraX
start-up as their median less their frames at that per-frame time) and simulates longest-first scheduling (each
task, longest first, goes to the worker that frees up first: what ``Session.run`` does with
identical workers) of LaSOT test, GOT-10k test and the VOT2016/2018/2020 stacks on 8 and 64
workers, beside an order unrelated to length (a seeded shuffle) and the bound max(total / workers, longest task). The
sequence lengths assumed are printed with the figures (none of those datasets is on this
machine).

    python benchmarks/cluster.py measure --out .bench/cluster
    python benchmarks/cluster.py model --times .bench/cluster/times.json
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRACKER = ["--weights", "d3s-lite.pth", "--params", "lite", "--quiet"]
GOT_LENGTHS = (60, 50, 40, 30, 20, 10)


def _rpvt(*argv) -> tuple[float, str]:
    """``rpvt ARGV`` in a fresh process (each run starts and stops its own Ray): (seconds, stderr)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "rpvt_tracker.cli", *map(str, argv)], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"rpvt {' '.join(map(str, argv))} failed:\n{done.stderr[-3000:]}")
    return seconds, done.stderr


def _task_seconds(stderr: str) -> dict[str, tuple[int, float]]:
    """label -> (frames, seconds) from the progress lines ``[i/n] label (F frames): S s ...``."""
    out = {}
    for line in stderr.splitlines():
        if line.startswith("[") and " frames): " in line:
            head, tail = line.split("] ", 1)[1].rsplit(" (", 1)
            frames = int(tail.split(" frames")[0])
            out[head] = (frames, float(tail.split("): ")[1].split(" s")[0]))
    return out


def _got10k_data(root: Path) -> None:
    """Generated GOT-10k val sequences, cut to ``GOT_LENGTHS`` frames."""
    from rpvt_tracker.evaluation.tiny_datasets import write_got10k

    names = write_got10k(root, "val", count=len(GOT_LENGTHS), length=max(GOT_LENGTHS))
    for name, length in zip(names, GOT_LENGTHS):
        folder = root / "val" / name
        for frame in sorted(folder.glob("*.jpg"))[length:]:
            frame.unlink()
        for text in ("groundtruth.txt", "cover.label", "absence.label", "cut_by_image.label"):
            lines = (folder / text).read_text().splitlines()[:length]
            (folder / text).write_text("\n".join(lines) + "\n")


def measure(out: Path) -> None:
    from rpvt_tracker.vot.workspace import materialize

    out.mkdir(parents=True, exist_ok=True)
    template = out / "ws-template"
    if not template.exists():
        ws = materialize("vot2016/rgb-offline", template, count=4, length=40)
        stack = ws / "stack.yaml"
        stack.write_text(stack.read_text().replace("repetitions: 15", "repetitions: 1"))
    got = out / "got"
    if not got.exists():
        _got10k_data(got)
    runs = {}
    for mode, extra in (("serial", []), ("ray-1", ["--ray", "--ray-workers", "1"]), ("ray-2", ["--ray", "--ray-workers", "2"])):
        ws = out / f"ws-{mode}"
        shutil.rmtree(ws, ignore_errors=True)
        shutil.copytree(template, ws)
        # Serial: the toolkit's own loop in one process (rpvt evaluate without --ray), RPVT_THREADS=1 as a 1-CPU task has.
        os.environ["RPVT_THREADS"] = "1"
        wall, err = _rpvt("evaluate", ws, "D3S-lite", *extra)
        runs[f"vot/{mode}"] = {"wall_s": wall, "tasks": _task_seconds(err)}
        print(f"rpvt evaluate, {mode}: {wall:.1f} s", flush=True)
        result = out / f"got-{mode}"
        shutil.rmtree(result, ignore_errors=True)
        if mode == "serial":
            wall, err = _rpvt("got10k", got, *TRACKER, "--threads", "1", "--output", result)
            # The serial command prints no per-task line: its per-sequence seconds are the toolkit's times files.
            tasks = {}
            for name, length in zip(sorted(p.name for p in (got / "val").iterdir() if p.is_dir()), GOT_LENGTHS):
                times = (result / "results" / "GOT-10k" / "d3s-lite" / name / f"{name}_time.txt").read_text().split()
                tasks[f"d3s-lite/{name}"] = (length, sum(float(t) for t in times))
        else:
            wall, err = _rpvt("got10k", got, *TRACKER, "--output", result, *extra)
            tasks = _task_seconds(err)
        runs[f"got10k/{mode}"] = {"wall_s": wall, "tasks": tasks}
        print(f"rpvt got10k, {mode}: {wall:.1f} s", flush=True)
    load = os.getloadavg()
    info = {"date": time.strftime("%Y-%m-%d %H:%M"), "cpus": os.cpu_count(), "load_average_at_end": load, "runs": runs}
    (out / "times.json").write_text(json.dumps(info, indent=1) + "\n")
    print(f"wrote {out / 'times.json'} (load average at the end {load[0]:.1f})")


def fit(tasks: dict[str, list]) -> tuple[float, float]:
    """Least squares seconds = a + b * frames over the tasks (a: the per-task overhead)."""
    xs = [float(f) for f, _ in tasks.values()]
    ys = [float(s) for _, s in tasks.values()]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx > 0 else my / mx
    return max(0.0, my - b * mx), b


def lengths(count: int, total: int, shortest: int, longest: int) -> list[int]:
    """``count`` sequence lengths summing to about ``total``, between ``shortest`` and ``longest``:
    the quantiles (i + 0.5) / count of ``shortest`` + a log-normal whose spread is chosen so the
    largest quantile lands on ``longest``, scaled to the total. Deterministic: no sampling."""
    from statistics import NormalDist

    z = [NormalDist().inv_cdf((i + 0.5) / count) for i in range(count)]
    extra_mean = total / count - shortest

    def top(sigma: float) -> float:  # the largest length for a spread sigma (mean of the excess fixed)
        mu = math.log(extra_mean) - sigma * sigma / 2
        return shortest + math.exp(mu + sigma * z[-1])

    lo, hi = 1e-3, 3.0
    for _ in range(60):  # top() grows with sigma over this range
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if top(mid) < longest else (lo, mid)
    mu = math.log(extra_mean) - lo * lo / 2
    raw = [math.exp(mu + lo * v) for v in z]
    scale = extra_mean * count / sum(raw)
    return [round(shortest + r * scale) for r in raw]


def makespan(costs: list[float], workers: int) -> float:
    """List scheduling: each task in the given order to the worker that frees up first."""
    free = [0.0] * workers
    for cost in costs:
        heapq.heappush(free, heapq.heappop(free) + cost)
    return max(free)


# Benchmarks as modelled (none of their sequences is on this machine; see BENCHMARKS.md):
# (name, sequences, total frames, shortest, longest, passes(length) per experiment).
VOT2020_ANCHOR = 50  # VOT2020's anchors, one every 50 frames: each run goes from its anchor to an end


def _multistart(length: int) -> float:
    """Frames a multistart (anchor-based) experiment tracks on a sequence, in passes: anchors every
    50 frames, each run to the sequence's end (or start), half the sequence on average."""
    return (length / VOT2020_ANCHOR) * 0.5


BENCHMARKS = {
    # LaSOT test: 280 sequences, ~685,000 frames (the figure); LaSOT's paper gives 1,000
    # to 11,397 frames a sequence over the whole dataset.
    "LaSOT test": ("box", 280, 685_000, 1_000, 11_397, {"OPE": lambda n: 1}),
    # GOT-10k test: 180 sequences; assumed 150 frames on average (GOT-10k's paper: 1.5 million
    # boxes over 10,000 videos), 30 to 1,000 frames.
    "GOT-10k test": ("box", 180, 27_000, 30, 1_000, {"OPE": lambda n: 1}),
    # VOT stacks, 60 sequences each, 41 to 1,500 frames; totals assumed: VOT2016 21,455,
    # VOT2018 21,356, VOT2020 about 20,000. A deterministic tracker's reset-based baseline
    # stops after 3 identical repetitions (the toolkit's early stop).
    "VOT2016": ("vot", 60, 21_455, 41, 1_500, {"baseline": lambda n: 3, "unsupervised": lambda n: 1}),
    "VOT2018": ("vot", 60, 21_356, 41, 1_500, {"baseline": lambda n: 3, "realtime": lambda n: 1, "unsupervised": lambda n: 1}),
    "VOT2020": ("vot", 60, 20_000, 41, 1_500, {"baseline": _multistart, "realtime": _multistart, "unsupervised": lambda n: 1}),
}
# One GPU per task: per-frame seconds of RPVT (ResNet-50) on one NVIDIA H200, measured on
# 2026-11-26 (BENCHMARKS.md, "CUDA (NVIDIA H200)": 0.025 s a frame, 0.13 s to initialise).
GPU_PER_FRAME = 0.025


def model(times_file: Path) -> None:
    info = json.loads(times_file.read_text())
    runs = info["runs"]
    print(f"measured {info['date']} on {info['cpus']} CPUs (load average at the end {info['load_average_at_end'][0]:.1f})")
    print("\nwall time against workers (local Ray, 1 CPU a task; serial: no Ray)")
    for kind in ("vot", "got10k"):
        walls = {m: runs[f"{kind}/{m}"]["wall_s"] for m in ("serial", "ray-1", "ray-2")}
        tasks = len(runs[f"{kind}/ray-1"]["tasks"])
        print(f"  {kind:7s} {tasks} tasks: serial {walls['serial']:.1f} s, Ray 1 worker {walls['ray-1']:.1f} s, "
              f"Ray 2 workers {walls['ray-2']:.1f} s (speed-up over 1 worker {walls['ray-1'] / walls['ray-2']:.2f}x)")
    fits = {"got10k": fit(runs["got10k/ray-1"]["tasks"])}
    # The VOT workspace's sequences are all one length, so its tasks cannot separate the start-up
    # (the TraX process: interpreter, torch, network, first initialisation) from the per-frame
    # cost: the start-up is the median VOT task less its frames at the GOT-10k tasks' per-frame time.
    vot = sorted(runs["vot/ray-1"]["tasks"].values(), key=lambda t: t[1])
    frames, seconds = vot[len(vot) // 2]
    fits["vot"] = (max(0.0, seconds - fits["got10k"][1] * frames), fits["got10k"][1])
    print("\nper-task fit on the 1-worker run (seconds = overhead + per_frame x frames; VOT: median task less its frames):")
    for kind, (a, b) in fits.items():
        print(f"  {kind:7s} overhead {a:.2f} s, {b:.3f} s a frame (this CPU, D3S-lite, 1 thread)")
    print(f"\nmodel: one GPU a task at {GPU_PER_FRAME} s a frame (RPVT, ResNet-50, H200, measured 2026-11-26), the per-task overhead "
          "measured here (VOT: TraX process start; box: none once a worker holds the tracker, the first build counted once a worker)")
    print("| benchmark | sequences | frames (assumed) | tasks | GPU-hours | workers | longest first | any order (shuffled) | bound |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, (kind, count, total, shortest, longest, experiments) in BENCHMARKS.items():
        seq = lengths(count, total, shortest, longest)
        overhead = fits["vot"][0] if kind == "vot" else 0.0
        listed = [overhead + GPU_PER_FRAME * passes(n) * n for passes in experiments.values() for n in seq]
        random.Random(0).shuffle(listed)  # an order unrelated to length, as a benchmark's list is
        first_build = fits["got10k"][0] if kind == "box" else 0.0
        ordered = sorted(listed, reverse=True)
        for workers in (8, 64):
            lpt, fifo = makespan(ordered, workers) + first_build, makespan(listed, workers) + first_build
            bound = max(sum(listed) / workers, max(listed)) + first_build
            print(f"| {name} | {count} ({min(seq)}-{max(seq)} frames) | {sum(seq):,} | {len(listed)} | {sum(listed) / 3600:.2f} | {workers} | "
                  f"{lpt / 60:.1f} min | {fifo / 60:.1f} min | {bound / 60:.1f} min |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("measure")
    p.add_argument("--out", type=Path, default=REPO / ".bench" / "cluster")
    p = sub.add_parser("model")
    p.add_argument("--times", type=Path, default=REPO / ".bench" / "cluster" / "times.json")
    args = parser.parse_args()
    measure(args.out) if args.what == "measure" else model(args.times)


if __name__ == "__main__":
    main()
