"""Per-frame time against the number of targets (VOTS), simultaneous against one pass per target.

On a generated multi-object scene (``rpvt_tracker/vot/scenes.py``; 640x480 frames, 80-pixel
targets, written as JPEGs and read back each frame as the TraX server does), the embedded
RPVT-lite (``lite-vots`` parameters) tracks 1, 3 and 5 targets:

* ``simultaneous``: one session, every target answered each frame (the server's mode; what the
  real-time VOTS challenge requires);
* ``one pass per target``: the sequence run once per target (what the toolkit does with a
  single-object tracker): the frames are read and converted once per target.

Both are reported as seconds per frame of the sequence (all targets), without the
initialisations, which are listed separately. Also: the segmentation backbone on N crops, one
at a time against one batch, to show what batching the targets' crops would give here.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/targets.py [--threads 2] [--frames 30] [--device cpu]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from network import device_name  # noqa: E402

from rpvt_tracker.resources import resolve_weights  # noqa: E402
from rpvt_tracker.tracking.build import TrackerSettings, build_tracker  # noqa: E402
from rpvt_tracker.tracking.frames import read_frame  # noqa: E402
from rpvt_tracker.tracking.multi import MultiTargetTracker  # noqa: E402
from rpvt_tracker.vot.scenes import SceneSpec, render, write_scene  # noqa: E402


def scene(folder: Path, targets: int, frames: int) -> tuple[list[Path], list]:
    spec = SceneSpec(length=frames, size=(640, 480), roles=("wander",) * targets, seed=11, target_size=(80, 60))
    write_scene(folder, f"t{targets}", spec)
    first_masks = next(iter(render(spec)))[1]
    return sorted((folder / f"t{targets}" / "color").glob("*.jpg")), first_masks


def simultaneous(tracker, paths, masks) -> tuple[float, float]:
    session = MultiTargetTracker(tracker)
    t0 = time.perf_counter()
    image = read_frame(paths[0])
    for mask in masks:
        session.add(image, mask)
    init = time.perf_counter() - t0
    t0 = time.perf_counter()
    for path in paths[1:]:
        session.track(read_frame(path))
    return init, (time.perf_counter() - t0) / (len(paths) - 1)


def per_target(tracker, paths, masks) -> tuple[float, float]:
    init = track = 0.0
    for mask in masks:
        t0 = time.perf_counter()
        tracker.initialize(read_frame(paths[0]), mask)
        init += time.perf_counter() - t0
        t0 = time.perf_counter()
        for path in paths[1:]:
            tracker.track(read_frame(path))
        track += time.perf_counter() - t0
    return init, track / (len(paths) - 1)


def batching(tracker, counts, repeats: int = 5) -> list[tuple[int, float, float]]:
    """(N, s for N crops one at a time, s for one batch of N) through the segmentation backbone."""
    net, device = tracker.network, tracker.device
    out = []
    with torch.inference_mode():
        for n in counts:
            crops = torch.randn(n, 3, 384, 384, device=device).contiguous(memory_format=tracker._layout)
            net.extract(crops[:1])  # warm-up
            t0 = time.perf_counter()
            for _ in range(repeats):
                for i in range(n):
                    net.extract(crops[i : i + 1])
            single = (time.perf_counter() - t0) / repeats
            t0 = time.perf_counter()
            for _ in range(repeats):
                net.extract(crops)
            out.append((n, single, (time.perf_counter() - t0) / repeats))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--targets", type=int, nargs="+", default=[1, 3, 5])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    tracker = build_tracker(TrackerSettings(resolve_weights("rpvt-lite.pth", {}), "rpvt", None, args.device, args.threads, "lite-vots"))
    print(f"RPVT-lite (lite-vots), {device_name(torch.device(args.device))}, {args.frames}-frame 640x480 scenes")
    with tempfile.TemporaryDirectory() as tmp:
        # warm-up: the first frames of a process pay for kernel selection
        paths, masks = scene(Path(tmp), 1, 10)
        simultaneous(tracker, paths, masks)
        print("| targets | simultaneous s/frame | one pass per target s/frame | ratio | init s (simultaneous / per target) |")
        print("|---|---|---|---|---|")
        base = None
        for n in args.targets:
            paths, masks = scene(Path(tmp), n, args.frames)
            init_s, sim = simultaneous(tracker, paths, masks)
            init_p, sep = per_target(tracker, paths, masks)
            base = base or sim
            print(f"| {n} | {sim:.3f} ({sim / base:.2f}x one target) | {sep:.3f} | {sep / sim:.2f} | {init_s:.1f} / {init_p:.1f} |")
    print()
    print("| crops | one at a time, s | one batch, s | batch / one at a time |")
    print("|---|---|---|---|")
    for n, single, batch in batching(tracker, args.targets):
        print(f"| {n} | {single:.3f} | {batch:.3f} | {batch / single:.2f} |")


if __name__ == "__main__":
    main()
