"""Tracker benchmark: init time, per-frame time, achieved GFLOP/s and memory, per variant.

Runs the whole tracker on the reference sequence shipped with the tests (50 frames, 320x240),
with the D3S-format reference checkpoint (random weights: timings do not depend on weights, but
with them segmentation is never accepted, so the mask post-processing is not in these figures'
per-frame path except for the contour search). CPU with 2 threads by default; CUDA when present.

Then a per-stage profile (``benchmarks/stages.py``) of each backbone on real video, DAVIS 2016
blackswan (shipped, 854x480, mask initialisation): the ResNet-50 variant with the random-weight
checkpoint (``d3s`` parameters) and the embedded RPVT-lite (``lite`` parameters, real weights, so
its masks are accepted and the contour / paste stages run as in use), and RPVT-lite in its
real-time mode (``lite-realtime``: its one shared backbone pass a frame is counted under
"segmentation backbone"; the DCF feature pass then runs only at initialisation).

    python benchmarks/tracker.py [--device cpu|cuda|all] [--threads 2] [--long 600] [--profile-frames 40]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from network import device_name, matmul_gflops  # noqa: E402
from stages import profile  # noqa: E402

from rpvt_tracker.models import REFINERS, load_network  # noqa: E402
from rpvt_tracker.resources import davis_dir, resolve_weights  # noqa: E402
from rpvt_tracker.tracking import PRESETS, Tracker  # noqa: E402
from rpvt_tracker.tracking.frames import read_frame  # noqa: E402
from rpvt_tracker.tracking.sequence import Sequence  # noqa: E402

DATA = ROOT / "tests" / "data" / "d3s_reference"
# Per-frame FLOPs of the two ResNet-50 passes (to layer3) from torch's flop counter:
# 256x256 for the DCF, 384x384 for the segmentation (see benchmarks/network.py).
BACKBONE_GFLOP = 19.27 * (256 / 384) ** 2 + 19.27


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MiB (Linux)."""
    values = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS", "VmHWM")):
                values[line.split(":")[0]] = int(line.split()[1]) / 1024
    return values.get("VmRSS", float("nan")), values.get("VmHWM", float("nan"))


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bench(device: torch.device, long_frames: int) -> None:
    seq = Sequence.open(DATA / "seq1")
    frames = list(seq)
    peak = matmul_gflops(device)
    print(f"\n### {device_name(device)}\n")
    print(f"large matmul (2048^3, fp32): {peak:.1f} GFLOP/s\n")
    print(
        "| variant | init s (median of 3) | per frame s (mean) | median | frames w/o filter update (mean) | frames with update (mean) "
        "| backbone GFLOP/s per frame | / matmul | peak RSS MiB | CUDA peak MiB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for variant in REFINERS:
        net = load_network(DATA / "SegmNet_random.pth.tar", variant=variant, device=device)
        tracker = Tracker(net, device=device)
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        inits = []
        for _ in range(3):
            sync(device)
            t0 = time.perf_counter()
            tracker.initialize(frames[0], seq.groundtruth[0])
            sync(device)
            inits.append(time.perf_counter() - t0)
        times = []
        for image in frames[1:]:
            t0 = time.perf_counter()
            tracker.track(image)
            sync(device)
            times.append(time.perf_counter() - t0)
        update = [t for i, t in enumerate(times, 1) if i % 10 == 0]
        plain = [t for i, t in enumerate(times, 1) if i % 10 != 0]
        mean = statistics.mean(times)
        cuda_peak = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else float("nan")
        print(
            f"| {variant} | {statistics.median(inits):.2f} | {mean:.3f} | {statistics.median(times):.3f} "
            f"| {statistics.mean(plain):.3f} | {statistics.mean(update):.3f} | {BACKBONE_GFLOP / mean:.1f} "
            f"| {BACKBONE_GFLOP / mean / peak:.2f} | {rss_mb()[1]:.0f} | {cuda_peak:.0f} |"
        )

    if long_frames:
        # Memory over a long run: the 50 frames back and forth, RSS sampled as it goes.
        tracker.initialize(frames[0], seq.groundtruth[0])
        order = list(range(1, 50)) + list(range(48, 0, -1))
        samples = []
        t0 = time.perf_counter()
        for k in range(long_frames):
            tracker.track(frames[order[k % len(order)]])
            if k % 100 == 99 or k == 19:
                samples.append((k + 1, rss_mb()[0]))
        sync(device)
        dur = time.perf_counter() - t0
        trail = ", ".join(f"{n}: {mb:.0f}" for n, mb in samples)
        print(f"\nlong run ({variant}, {long_frames} frames, {long_frames / dur:.1f} fps): RSS MiB after frame {trail}")
        print(f"RSS growth from frame {samples[0][0]} to {samples[-1][0]}: {samples[-1][1] - samples[0][1]:+.1f} MiB")


def stage_profiles(device: torch.device, frames_n: int) -> None:
    """Per-stage ms a frame and share, for each backbone, on DAVIS blackswan."""
    import numpy as np

    root = davis_dir()
    paths = sorted((root / "JPEGImages" / "480p" / "blackswan").glob("*.jpg"))[:frames_n]
    frames = [read_frame(p) for p in paths]
    first = np.array(read_frame(root / "Annotations" / "480p" / "blackswan" / "00000.png"))[..., 0] > 0
    setups = [
        ("resnet50 (rpvt head, random weights)", DATA / "SegmNet_random.pth.tar", "rpvt", "d3s"),
        ("efficientnet-lite0 (RPVT-lite, shipped weights)", resolve_weights("rpvt-lite.pth", {}), "rpvt", "lite"),
        ("efficientnet-lite0 (RPVT-lite, real-time mode: lite-realtime)", resolve_weights("rpvt-lite.pth", {}), "rpvt", "lite-realtime"),
    ]
    for label, weights, variant, params in setups:
        net = load_network(weights, variant=variant, device=device)
        tracker = Tracker(net, params=PRESETS[params], device=device)
        profile(tracker, frames[:6], first, device)  # warm-up: kernel selection, allocator
        rows, total = profile(tracker, frames, first, device)
        print(f"\n#### Per-stage profile: {label}, {device_name(device)}, blackswan {len(frames) - 1} frames\n")
        print("| stage | ms a frame | share |\n|---|---|---|")
        for stage, ms, share in rows:
            print(f"| {stage} | {ms:.1f} | {share:.0%} |")
        print(f"| **frame** | **{total:.1f}** | 100% |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="all", help="cpu, cuda, or all (cpu, plus cuda when present)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--long", type=int, default=600, help="frames of the memory run (0: skip)")
    parser.add_argument("--profile-frames", type=int, default=40, help="frames of the per-stage profile (0: skip)")
    parser.add_argument("--only-profile", action="store_true", help="skip the timing table and the memory run")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}; sequence seq1 (320x240, 50 frames, polygon init); D3S-format random-weight checkpoint")
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    if args.device != "all":
        devices = [torch.device(args.device)]
    for device in devices:
        if not args.only_profile:
            bench(device, args.long)
        if args.profile_frames:
            stage_profiles(device, args.profile_frames)
    if args.device == "all" and not torch.cuda.is_available():
        print("\n(no CUDA device on this machine: GPU figures not measured)")


if __name__ == "__main__":
    main()
