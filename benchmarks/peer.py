"""The VOT-like yardstick: the lite trackers beside three real peers, in one `vot evaluate` per part.

VOT's targets are often small, fast, a part of or held by a larger object, beside look-alikes;
DAVIS's are whole salient objects. So the yardstick is real tracking video with box ground
truth, scored as VOT2018 scores it (reset-based ``baseline``: EAO, accuracy, failures) plus
the no-reset mean IoU (``unsupervised``). Parts (each its own workspace under ``--out``):

* ``tuning``: OTB's Human7 (a walking person, shaky camera), Jumping (a face on a jumping
  body, motion blur) and Skiing (a 29x26-pixel skier, fast) from ``shared/data/box-video``.
  Choices of tracker parameters and training data are made on this part only.
* ``held-out``: OTB's Crossing (a pedestrian past look-alikes), DragonBaby (a baby's head,
  fast, on a larger body), Human3 (a small pedestrian past a pole and other pedestrians) and
  MotorRolling (a motorbike turning over). Final figures only; never tuned on.
* ``uav-tuning`` / ``uav-held-out``: UAV123 drone video (``benchmarks/uav123.py`` builds it
  under ``.bench/uav123``; too large to ship): tuning boat1 (a boat among boats), person12 (a
  37x90 pedestrian), truck4 (a 21x13 truck, occluded) and wakeboard10 (a 19x18 wakeboarder, fast);
  held out building4, person11 and wakeboard7. Split when the sequences were added, before any
  run on them.
* ``lookalike``: tuning material for look-alikes (``benchmarks/lookalike.py`` builds it under
  ``.bench/lookalike``): DAVIS train-split people and animals, each passed by a mirrored copy of
  itself. Tuning only; it shows how the peers fare on the same event.
* ``passerby``: its control (``benchmarks/lookalike.py --passer-by``, ``.bench/passerby``): the
  same objects crossed by another sequence's object instead of a copy. Tuning only.
* ``passerby-front``: the same passers-by crossing in front, occluding the object
  (``benchmarks/lookalike.py --passer-by --in-front --frames 40``, ``.bench/passerby-front``), as
  Human3's passer-by does. Tuning only.
* ``bag``: the real VOT2016 sequence ``bag`` (``shared/data/vot-bag``, rotated boxes).
* ``davis``: the three held-out DAVIS 2016 sequences, as rotated boxes
  (``rpvt workspace vot2018/shortterm-davis``).

Every part lists the repository's trackers.ini and the peers' inis (``--peers``:
``nanotrack/``, ``fear/``, ``csrt/``; CSRT needs its own venv, see its README). The printed
tables: per tracker, EAO, accuracy, failures per sequence, the unsupervised mean IoU and
seconds per frame (the median of the toolkit's own per-frame times, initialisation and
failure frames excluded); then per sequence, accuracy / failures / no-reset IoU.

    python benchmarks/peer.py [--parts held-out,uav-held-out,bag,davis] [--trackers ...] [--out .bench/peer] [--resume]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from rpvt_tracker.vot.tables import load_analysis, read_analysis
from rpvt_tracker.vot.workspace import TEMPLATES, TRACKERS_INI, materialize

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
#: The yardstick's split of shared/data/box-video, fixed before any tuning.
TUNING = ("Human7", "Jumping", "Skiing")
HELD_OUT = ("Crossing", "DragonBaby", "Human3", "MotorRolling")
UAV_TUNING = ("boat1", "person12", "truck4", "wakeboard10")
UAV_HELD_OUT = ("building4", "person11", "wakeboard7")
LOOKALIKE = ("hike", "lucia", "tennis", "kite-walk", "stroller", "rollerblade", "bear", "flamingo")
PARTS = ("tuning", "held-out", "uav-tuning", "uav-held-out", "lookalike", "passerby", "passerby-front", "bag", "davis")
PEER_INIS = ("nanotrack/nanotrack.ini", "fear/fear.ini", "csrt/csrt.ini")
TRACKERS = ("nanotrack-v3", "fear-xs", "csrt", "RPVT-lite", "RPVT-lite-realtime", "D3S-lite", "D3S-MS-lite", "Static")
#: VOT2018's stack (reset-based, 5 frames skipped after a failure, accuracy burn-in 10, EAO over
#: lengths 100-356; over 10-90% of the shortest sequence for DAVIS's 40-50-frame ones), one repetition (every tracker here is deterministic on the CPU), and the
#: no-reset run that VOT2018's long-term-free report calls unsupervised.
STACK = """title: VOT2018-style yardstick ({title}), reset-based, with a no-reset run
experiments:
  baseline:
    type: supervised
    repetitions: 1
    skip_initialize: 5
    analyses:
      - {{type: supervised_average_ar, sensitivity: 30}}
      - {{type: supervised_eao_score, low: {low}, high: {high}}}
  unsupervised:
    type: unsupervised
    repetitions: 1
    analyses:
      - {{type: average_accuracy}}
"""


def make_workspace(
    part: str, out: Path, peers: Path, box_video: Path, vot_bag: Path, uav: Path, composites: dict[str, Path]
) -> Path:
    """A fresh workspace for ``part`` under ``out``: sequences, stack, the project's and the peers' trackers."""
    ws = out / part
    if part == "davis":
        materialize("vot2018/shortterm-davis", ws)
    else:
        (ws / "sequences").mkdir(parents=True)
        shutil.copy(TEMPLATES / "vot2018/shortterm-davis/config.yaml", ws / "config.yaml")
        shutil.copy(TRACKERS_INI, ws / "trackers.ini")
        source, names = {
            "bag": (vot_bag, ("bag",)),
            "tuning": (box_video, TUNING),
            "held-out": (box_video, HELD_OUT),
            "uav-tuning": (uav, UAV_TUNING),
            "uav-held-out": (uav, UAV_HELD_OUT),
            **{name: (folder, LOOKALIKE) for name, folder in composites.items()},
        }[part]
        for name in names:
            shutil.copytree(source / name, ws / "sequences" / name)
        (ws / "sequences" / "list.txt").write_text("".join(n + "\n" for n in names))
    low, high = 100, 356
    if part == "davis" or part in composites:  # short sequences: EAO over 10-90% of the shortest
        frames = min(len(list(p.glob("color/*.jpg"))) for p in (ws / "sequences").iterdir() if p.is_dir())
        low, high = round(0.1 * frames), round(0.9 * frames)
    (ws / "stack.yaml").write_text(STACK.format(title=part, low=low, high=high))
    config = ws / "config.yaml"
    inis = "".join(f"\n- {(peers / ini).resolve()}" for ini in PEER_INIS)
    config.write_text(config.read_text().replace("- ./trackers.ini", "- ./trackers.ini" + inis))
    return ws


def seconds_per_frame(workspace: Path, tracker: str) -> float:
    """Median of the toolkit's per-frame times (seconds, in ``*_time.value``) in the reset-based
    run, special frames (initialisations, failures, skipped) excluded."""
    from vot.region import Special
    from vot.region.io import read_trajectory

    times = []
    for f in (workspace / "results" / tracker / "baseline").rglob("*_time.value"):
        values = [line.strip() for line in f.read_text().splitlines()]
        stem = f.name.replace("_time.value", "")
        trajectory = next(f.parent / (stem + ext) for ext in (".bin", ".txt") if (f.parent / (stem + ext)).is_file())
        for t, region in zip(values, read_trajectory(str(trajectory))):
            if t and not isinstance(region, Special) and float(t) > 0:
                times.append(float(t))
    return float(np.median(times)) if times else float("nan")


def per_sequence(workspace: Path, trackers: list[str]) -> dict[str, dict[str, tuple[float, int, float]]]:
    """sequence -> tracker -> (accuracy, failures, no-reset IoU), computed as the toolkit's
    analyses compute them (its overlap gatherer, 10-frame burn-in, its failure count)."""
    from vot.analysis.accuracy import gather_overlaps
    from vot.analysis.supervised import count_failures
    from vot.workspace import Workspace

    ws = Workspace.load(str(workspace))
    baseline, unsupervised = ws.stack.experiments["baseline"], ws.stack.experiments["unsupervised"]
    table: dict[str, dict[str, tuple[float, int, float]]] = {}
    for sequence in ws.dataset:
        row = table.setdefault(sequence.name, {})
        for tracker in trackers:
            runner = ws.registry[tracker]
            (sup,), (unsup,) = baseline.gather(runner, sequence), unsupervised.gather(runner, sequence)
            truth = sequence.groundtruth()
            acc, _ = gather_overlaps(sup.regions(), truth, 10, bounds=sequence.size)
            iou, _ = gather_overlaps(unsup.regions(), truth, 10, bounds=sequence.size)
            row[tracker] = (float(np.mean(acc)) if acc.size else 0.0, count_failures(sup.regions())[0], float(np.mean(iou)) if iou.size else 0.0)
    return table


def evaluate(ws: Path, trackers: list[str]) -> dict:
    vot = str(Path(sys.executable).with_name("vot"))
    env = dict(os.environ, VOT_PERSISTENT_CACHE="0")
    subprocess.run([vot, "evaluate", "--workspace", str(ws), *trackers], check=True, env=env)
    for cached in (ws / "cache").glob("*"):  # the toolkit caches analyses by name: results may be new
        shutil.rmtree(cached) if cached.is_dir() else cached.unlink()
    subprocess.run([vot, "analysis", "--workspace", str(ws), "--name", "peer", *trackers], check=True, env=env)
    result, analysis = read_analysis(ws, "peer"), load_analysis(ws, "peer")
    unsupervised = dict(analysis.experiments["unsupervised"])["AverageAccuracy"]
    record = {}
    for t, no_reset in zip(analysis.trackers, unsupervised, strict=True):
        s = result.scores[t]
        record[t] = {"eao": s.eao, "accuracy": s.accuracy, "failures": s.toolkit_failures, "no_reset_iou": float(no_reset[0]),
                     "s_per_frame": seconds_per_frame(ws, t)}
    return {"trackers": record, "sequences": per_sequence(ws, trackers)}


def print_part(name: str, part: dict) -> None:
    print(f"\n### {name}\n\n| tracker | EAO | accuracy | failures / sequence | no-reset IoU | s / frame |\n|---|---|---|---|---|---|")
    for t, s in part["trackers"].items():
        print(f"| {t} | {s['eao']:.3f} | {s['accuracy']:.3f} | {s['failures']:.2f} | {s['no_reset_iou']:.3f} | {s['s_per_frame']:.3f} |")
    trackers = list(part["trackers"])
    print("\nper sequence: accuracy / failures / no-reset IoU\n")
    print("| sequence | " + " | ".join(trackers) + " |\n" + "|---" * (len(trackers) + 1) + "|")
    for seq, row in part["sequences"].items():
        print(f"| {seq} | " + " | ".join(f"{row[t][0]:.2f} / {row[t][1]} / {row[t][2]:.2f}" for t in trackers) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", default="held-out,bag,davis", help=f"comma-separated, of {', '.join(PARTS)}")
    parser.add_argument("--trackers", default=",".join(TRACKERS))
    parser.add_argument("--out", default=str(ROOT / ".bench" / "peer"))
    parser.add_argument("--peers", default=str(SHARED / "peers"), help="folder holding nanotrack/, fear/ and csrt/")
    parser.add_argument("--box-video", default=str(SHARED / "data" / "box-video"))
    parser.add_argument("--vot-bag", default=str(SHARED / "data" / "vot-bag"))
    parser.add_argument("--uav", default=str(ROOT / ".bench" / "uav123"), help="built by benchmarks/uav123.py")
    parser.add_argument("--lookalike", default=str(ROOT / ".bench" / "lookalike"), help="built by benchmarks/lookalike.py")
    parser.add_argument("--passerby", default=str(ROOT / ".bench" / "passerby"), help="built by benchmarks/lookalike.py --passer-by")
    parser.add_argument(
        "--passerby-front", default=str(ROOT / ".bench" / "passerby-front"),
        help="built by benchmarks/lookalike.py --passer-by --in-front --frames 40",
    )
    parser.add_argument("--resume", action="store_true", help="keep the workspaces and results under --out (the toolkit skips finished runs)")
    args = parser.parse_args()
    parts, trackers = args.parts.split(","), args.trackers.split(",")
    unknown = set(parts) - set(PARTS)
    if unknown:
        sys.exit(f"peer.py: unknown part(s) {', '.join(sorted(unknown))}; known: {', '.join(PARTS)}")
    peers, box_video, vot_bag, uav = Path(args.peers), Path(args.box_video), Path(args.vot_bag), Path(args.uav)
    # Tuning material built from DAVIS train-split frames: part -> (folder, the command that builds it).
    built = {
        "lookalike": (Path(args.lookalike), "benchmarks/lookalike.py"),
        "passerby": (Path(args.passerby), "benchmarks/lookalike.py --passer-by"),
        "passerby-front": (Path(args.passerby_front), "benchmarks/lookalike.py --passer-by --in-front --frames 40"),
    }
    composites = {part: folder for part, (folder, _) in built.items()}
    # (path, what to do when it is missing)
    needed: list[tuple[Path, str | None]] = [(peers / ini, None) for ini in PEER_INIS]
    needed += [(box_video / "list.txt", None), (vot_bag / "list.txt", None)]
    if any(p.startswith("uav") for p in parts):
        needed.append((uav / "list.txt", "build it: benchmarks/uav123.py"))
    for part in set(parts) & set(built):
        folder, command = built[part]
        needed += [(folder / name / "groundtruth.txt", f"build it: {command}") for name in LOOKALIKE]
    if "csrt" in trackers:
        needed.append((peers / "csrt" / ".venv" / "bin" / "python", "create the CSRT venv: see its README"))
    for path, hint in needed:
        if not path.exists():
            sys.exit(f"peer.py: {path} is missing" + (f" ({hint})" if hint else ""))
    out = Path(args.out)
    record_file = out / "peer.json"
    record = json.loads(record_file.read_text()) if args.resume and record_file.is_file() else {}
    for part in parts:
        ws = out / part
        if not (args.resume and (ws / "config.yaml").is_file()):
            if ws.exists():
                shutil.rmtree(ws)
            make_workspace(part, out, peers, box_video, vot_bag, uav, composites)
        record[part] = evaluate(ws, trackers)
        record_file.write_text(json.dumps(record, indent=1))
    for part in parts:
        print_part(part, record[part])


if __name__ == "__main__":
    main()
