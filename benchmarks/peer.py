"""The embedded default beside a real peer (NanoTrackV3), in one `vot evaluate` run per workspace.

Two VOT2018-style workspaces (reset-based, rotated-rectangle ground truth):

* ``davis``: the three held-out DAVIS 2016 sequences (``rpvt workspace vot2018/shortterm-davis``);
* ``bag``: the real VOT2016 sequence ``bag`` (``--vot-bag``, a toolkit sequences folder).

Both list the repository's trackers.ini and the peer's ini. Each workspace is evaluated for the
peer, the three lite variants and the static box in one ``vot evaluate`` call, analysed by the
toolkit, and printed as EAO, accuracy, failures and seconds a frame (the median of the toolkit's
own per-frame times, first frames of each run excluded).

    python benchmarks/peer.py [--out .bench/peer] [--peer-ini ../shared/peers/nanotrack/nanotrack.ini] [--resume]
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

from rpvt_tracker.vot.tables import read_analysis
from rpvt_tracker.vot.workspace import TEMPLATES, _write_stack, materialize

ROOT = Path(__file__).resolve().parents[1]
TRACKERS = ("nanotrack-v3", "RPVT-lite", "D3S-lite", "D3S-MS-lite", "Static")


def make_workspaces(out: Path, peer_ini: Path, vot_bag: Path, resume: bool) -> dict[str, Path]:
    if resume and (out / "davis").is_dir() and (out / "bag").is_dir():
        return {"davis": out / "davis", "bag": out / "bag"}
    if out.exists():
        shutil.rmtree(out)
    davis = materialize("vot2018/shortterm-davis", out / "davis")
    bag = out / "bag"
    bag.mkdir(parents=True)
    shutil.copy(davis / "config.yaml", bag / "config.yaml")
    shutil.copy(davis / "trackers.ini", bag / "trackers.ini")
    shutil.copytree(vot_bag, bag / "sequences")
    frames = len(list((bag / "sequences" / "bag" / "color").glob("*.jpg")))
    _write_stack(TEMPLATES / "vot2018/shortterm-davis", bag, [0.1, 0.9], frames)
    stack = bag / "stack.yaml"
    stack.write_text(stack.read_text().replace("real DAVIS 2016 video", "real VOT2016 video, bag"))
    for ws in (davis, bag):
        config = ws / "config.yaml"
        config.write_text(config.read_text().replace("- ./trackers.ini", f"- ./trackers.ini\n- {peer_ini.resolve()}"))
    return {"davis": davis, "bag": bag}


def seconds_per_frame(workspace: Path, tracker: str) -> float:
    """Median of the toolkit's per-frame times (seconds, in ``*_time.value``), special frames excluded.

    The trajectory beside each time file (``.bin`` or ``.txt``, read by the toolkit) says which
    frames were initialisations, failures or skipped (``Special`` regions): their times are not
    tracking times.
    """
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / ".bench" / "peer"))
    parser.add_argument("--peer-ini", default=str(ROOT.parent / "shared" / "peers" / "nanotrack" / "nanotrack.ini"))
    parser.add_argument("--vot-bag", default=str(ROOT.parent / "shared" / "data" / "vot-bag"))
    parser.add_argument("--trackers", default=",".join(TRACKERS))
    parser.add_argument("--resume", action="store_true", help="keep the workspaces and results under --out (the toolkit skips finished runs)")
    args = parser.parse_args()
    trackers = args.trackers.split(",")
    peer_ini, vot_bag = Path(args.peer_ini), Path(args.vot_bag)
    for path in (peer_ini, vot_bag / "list.txt"):
        if not path.is_file():
            sys.exit(f"peer.py: {path} is missing")
    vot = str(Path(sys.executable).with_name("vot"))
    env = dict(os.environ, VOT_PERSISTENT_CACHE="0")
    rows = {}
    for name, ws in make_workspaces(Path(args.out), peer_ini, vot_bag, args.resume).items():
        subprocess.run([vot, "evaluate", "--workspace", str(ws), *trackers], check=True, env=env)
        subprocess.run([vot, "analysis", "--workspace", str(ws), "--name", "peer", *trackers], check=True, env=env)
        result = read_analysis(ws, "peer")
        rows[name] = {t: (result.scores[t], seconds_per_frame(ws, t)) for t in trackers}
    print("\n| workspace | tracker | EAO | accuracy | failures / sequence | s / frame |")
    print("|---|---|---|---|---|---|")
    for name, per in rows.items():
        for t, (s, spf) in per.items():
            print(f"| {name} | {t} | {s.eao:.3f} | {s.accuracy:.3f} | {s.toolkit_failures:.2f} | {spf:.3f} |")
    record = {n: {t: [s.eao, s.accuracy, s.toolkit_failures, spf] for t, (s, spf) in per.items()} for n, per in rows.items()}
    Path(args.out, "peer.json").write_text(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
