"""Real time on a CPU: the embedded RPVT-lite in its default mode beside its real-time mode
(``lite-realtime``: one backbone pass a frame on a 256-pixel crop), in one run, on the held-out
DAVIS 2016 sequences: mean J per sequence and frame times (mean, median, 90th percentile).

The two modes alternate sequence by sequence, ``--repeats`` times, so that a machine whose speed
drifts (a shared VM) slows both alike; a large matmul's GFLOP/s, measured before and after, says
how fast the machine was. OpenMP reads ``OMP_WAIT_POLICY`` when the process starts, so
``--omp both`` runs this script twice, with the variable unset and with ``PASSIVE``;
``--load N`` keeps N other processes spinning meanwhile (a busy machine).

    python benchmarks/realtime.py [--omp both] [--load 0] [--threads 2] [--repeats 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from network import matmul_gflops  # noqa: E402
from quality import HELD_OUT, default_davis, load  # noqa: E402

from rpvt_tracker.models import load_network  # noqa: E402
from rpvt_tracker.tracking import Tracker, tracker_params  # noqa: E402


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def run_sequence(tracker: Tracker, images, masks) -> tuple[float, list[float]]:
    """(J, seconds of each tracked frame) of one run initialised on the first mask."""
    tracker.initialize(images[0], masks[0])
    scores, times = [], []
    for image, truth in zip(images[1:], masks[1:]):
        t0 = time.perf_counter()
        pred = tracker.track(image).mask
        times.append(time.perf_counter() - t0)
        union = (pred | truth).sum()
        scores.append((pred & truth).sum() / union if union else 1.0)
    return float(np.mean(scores)), times


def measure(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)
    policy = os.environ.get("OMP_WAIT_POLICY", "unset")
    names = args.sequences.split(",")
    data = {name: load(Path(args.davis), name) for name in names}
    net = load_network(Path(args.weights))
    modes = args.params.split(",")
    trackers = {mode: Tracker(net, params=tracker_params(mode), device=args.device) for mode in modes}
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.load)]
    try:
        before = matmul_gflops(torch.device("cpu"))
        js: dict[str, dict[str, float]] = {m: {} for m in modes}
        times: dict[str, list[float]] = {m: [] for m in modes}
        best: dict[str, float] = {m: float("inf") for m in modes}
        for _ in range(args.repeats):
            run_times: dict[str, list[float]] = {m: [] for m in modes}
            for name in names:
                for mode in modes:  # alternate: a drifting machine slows both alike
                    j, t = run_sequence(trackers[mode], *data[name])
                    js[mode][name] = j  # deterministic: the same every repeat
                    run_times[mode] += t
            for mode in modes:
                times[mode] += run_times[mode]
                best[mode] = min(best[mode], statistics.mean(run_times[mode]))
        after = matmul_gflops(torch.device("cpu"))
    finally:
        for spinner in spinners:
            spinner.kill()
    print(
        f"\n#### {args.device}: {torch.cuda.get_device_name() if args.device.startswith('cuda') else cpu_name()}, "
        f"{os.cpu_count()} logical CPUs, {args.threads} threads, OMP_WAIT_POLICY {policy}, "
        f"{args.load} competing busy process(es); torch {torch.__version__}"
    )
    print(f"\nmatmul 2048^3 fp32: {before:.0f} GFLOP/s before, {after:.0f} after; {args.repeats} repeats, modes alternating\n")
    print(f"| mode | {' | '.join(names)} | mean J | s/frame mean | median | p90 | best repeat | fps (mean) |")
    print("|---|" + "---|" * (len(names) + 6))
    base = modes[0]
    for mode in modes:
        t = times[mode]
        p90 = float(np.percentile(t, 90))
        mean = statistics.mean(t)
        print(
            f"| {mode} | {' | '.join(f'{js[mode][n]:.3f}' for n in names)} | {np.mean(list(js[mode].values())):.3f} | {mean:.4f} "
            f"| {statistics.median(t):.4f} | {p90:.4f} | {best[mode]:.4f} | {1 / mean:.1f} |"
        )
    for mode in modes[1:]:
        dj = np.mean(list(js[mode].values())) - np.mean(list(js[base].values()))
        print(f"\n{mode} / {base}: time x{statistics.mean(times[mode]) / statistics.mean(times[base]):.2f}, mean J {dj:+.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--davis", default=str(default_davis()))
    parser.add_argument("--sequences", default=",".join(HELD_OUT))
    parser.add_argument("--weights", default=str(ROOT / "weights" / "rpvt-lite.pth"))
    parser.add_argument("--params", default="lite,lite-realtime", help="modes to compare, the first is the reference")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu", help="cpu or cuda (the frame times then include the host's share)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--load", type=int, default=0, help="competing busy processes during the run")
    parser.add_argument("--omp", choices=("self", "both"), default="self", help="both: run unset and PASSIVE, one process each")
    args = parser.parse_args()
    if args.omp == "self":
        measure(args)
        return
    argv = [a for a in sys.argv[1:] if a not in ("--omp", "both") and not a.startswith("--omp=")]
    for policy in (None, "PASSIVE"):
        env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
        if policy:
            env["OMP_WAIT_POLICY"] = policy
        sys.stdout.flush()
        subprocess.run([sys.executable, __file__, *argv, "--omp", "self"], env=env, check=True)


if __name__ == "__main__":
    main()
