"""Network benchmark: backbone and head forward time per variant, and parameter counts.

Batch 1, 384x384, inference mode, on the CPU (2 threads by default) and on CUDA when present.
"head" is the per-frame head cost as the tracker pays it: embedding + matching against a cached
first-frame template + refiner. Also prints the backbone's achieved GFLOP/s beside this machine's
own large-matmul GFLOP/s from the same run, which says how close to the hardware the backbone runs.

    python benchmarks/network.py [--device cpu|cuda|all] [--threads 2] [--repeats 20]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from rpvt_tracker.devices import resolve_device
from rpvt_tracker.geometry import distance_map
from rpvt_tracker.models import REFINERS, build_network


def timed(fn, device: torch.device, repeats: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        t0 = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - t0)
    return times


def matmul_gflops(device: torch.device, n: int = 2048, repeats: int = 5) -> float:
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    t = statistics.median(timed(lambda: a @ b, device, repeats, 2))
    return 2 * n**3 / t / 1e9


def flops(fn) -> int:
    counter = FlopCounterMode(display=False)
    with counter:
        fn()
    return counter.get_total_flops()


def bench_device(device: torch.device, size: int, repeats: int, warmup: int, backbones: list[str]) -> None:
    torch.manual_seed(0)
    image = torch.randn(1, 3, size, size, device=device)
    mask = torch.zeros(1, 1, size, size, device=device)
    mask[..., size // 3 : 2 * size // 3, size // 3 : 2 * size // 3] = 1
    dist = torch.from_numpy(distance_map((size, size), (size / 2 - 1, size / 2 - 1)))[None, None].to(device)
    peak = matmul_gflops(device)
    print(f"\n### {device_name(device)}\n")
    print(f"large matmul (2048^3, fp32): {peak:.1f} GFLOP/s\n")
    print(
        "| variant | backbone | backbone ms (median) | head ms (median) | head ms (min-max) | backbone GFLOP | head GFLOP "
        "| backbone GFLOP/s | backbone / matmul | params backbone | params head (stage 1) | params later stages |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for backbone, variant in ((b, v) for b in backbones for v in REFINERS):
        net = build_network(variant, backbone=backbone).to(device).eval()
        with torch.inference_mode():
            template = net.make_template(net.extract(image), mask)
            feats = net.extract(image)
            tb = timed(lambda: net.extract(image), device, repeats, warmup)
            th = timed(lambda: net.segment(feats, template, dist), device, repeats, warmup)
            fb = flops(lambda: net.extract(image)) / 1e9
            fh = flops(lambda: net.segment(feats, template, dist)) / 1e9
        counts = net.parameter_counts()
        later = sum(v for k, v in counts.items() if k.startswith("stage"))
        mb, mh = statistics.median(tb), statistics.median(th)
        print(
            f"| {variant} | {backbone} | {mb * 1e3:.1f} | {mh * 1e3:.1f} | {min(th) * 1e3:.1f}-{max(th) * 1e3:.1f} | {fb:.2f} | {fh:.3f} "
            f"| {fb / mb:.1f} | {fb / mb / peak:.2f} | {counts['backbone']:,} | {counts['head']:,} | {later:,} |"
        )


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(device)}"
    model = platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"CPU: {model}, {torch.get_num_threads()} threads"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="all", help="cpu, cuda, or all (cpu, plus cuda when present)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (the reference machine has 2 cores)")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--size", type=int, default=384, help="crop size (D3S: 384)")
    parser.add_argument("--backbones", default="resnet50,efficientnet-lite0", help="comma-separated backbone names")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, batch 1, {args.size}x{args.size}, inference mode, {args.repeats} timed runs after {args.warmup} warm-up")
    if args.device == "all":
        devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    else:
        devices = [resolve_device(args.device)]
    for device in devices:
        bench_device(device, args.size, args.repeats, args.warmup, args.backbones.split(","))
    if args.device == "all" and not torch.cuda.is_available():
        print("\n(no CUDA device on this machine: GPU figures not measured)")


if __name__ == "__main__":
    main()
