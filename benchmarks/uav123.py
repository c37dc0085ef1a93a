"""Build the UAV123 (10 fps) sequences of ``shared/data/box-video/README.md`` as VOT sequence folders.

UAV123 (Mueller, Smith, Ghanem, ECCV 2016) is drone video: small targets seen from above,
fast camera motion, look-alikes (other people, other boats). Seven of its 10 fps sequences are
in two public tracker repositories, the exact sources that README names:
ARCF-tracker (boat1, building4, person12 frames 1-201, truck4, wakeboard10, wakeboard7) and
BiCF-Tracker (person11). They are too large to ship (about 84 MB), so this script writes them
under ``.bench/uav123`` (ignored by git) from local mirrors of those repositories
(``fetch github:vision4robotics/ARCF-tracker`` and ``.../BiCF-Tracker`` on this project's
machines; ``--mirrors`` says where they are: bare git directories).

Ground truth as that README checked it: one ``x,y,w,h`` line per frame (1-based pixels, as OTB);
truck4 is ``truck4_1.txt`` (frames 1-193) then ``truck4_2.txt`` (frames 193-421) whose first
line repeats frame 193 and is dropped; person12 keeps ``person12_1.txt``'s 201 frames. Frames
are copied byte for byte (JPEG, 1280x720), renamed to the toolkit's ``color/%08d.jpg``.

    python benchmarks/uav123.py [--mirrors /work/.mirror] [--out .bench/uav123]
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARCF = "vision4robotics+ARCF-tracker"
BICF = "vision4robotics+BiCF-Tracker"

#: name -> (mirror, frame folder, frame name pattern, ground-truth files, frames kept)
SOURCES = {
    "boat1": (ARCF, "seq/boat1", "{:06d}.jpg", ("seq/boat1.txt",), None),
    "building4": (ARCF, "seq/building4", "{:06d}.jpg", ("seq/building4.txt",), None),
    "person12": (ARCF, "seq/person12", "{:06d}.jpg", ("seq/person12_1.txt",), 201),
    "truck4": (ARCF, "seq/truck4", "{:06d}.jpg", ("seq/truck4_1.txt", "seq/truck4_2.txt"), None),
    "wakeboard10": (ARCF, "seq/wakeboard10", "{:06d}.jpg", ("seq/wakeboard10.txt",), None),
    "wakeboard7": (ARCF, "seq/wakeboard7", "{:06d}.jpg", ("seq/wakeboard7.txt",), None),
    "person11": (BICF, "sequences/person11/img", "{:06d}.jpg", ("sequences/person11/groundtruth_rect.txt",), None),
}


def git_dir(mirrors: Path, name: str) -> Path:
    for candidate in (mirrors / name / "repo" / ".git", mirrors / name / "repo"):
        if (candidate / "HEAD").is_file():
            return candidate
    raise SystemExit(f"uav123.py: no git mirror of {name.replace('+', '/')} under {mirrors} (fetch it first)")


def show(repo: Path, path: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(repo), "show", f"HEAD:{path}"], check=True, capture_output=True).stdout


def ground_truth(repo: Path, files: tuple[str, ...]) -> list[str]:
    lines: list[str] = []
    for i, path in enumerate(files):
        part = [ln.strip() for ln in show(repo, path).decode().splitlines() if ln.strip()]
        if i > 0:
            # A continuation file starts on the previous file's last frame (same line): drop it.
            if part[0] != lines[-1]:
                raise SystemExit(f"uav123.py: {path} does not start on the frame {files[i - 1]} ends on")
            part = part[1:]
        lines.extend(part)
    for n, line in enumerate(lines, 1):
        values = [float(v) for v in line.replace("\t", ",").split(",")]
        if len(values) != 4 or values[2] <= 0 or values[3] <= 0:
            raise SystemExit(f"uav123.py: ground-truth line {n} of {files} is not a box: {line!r}")
    return [",".join(line.replace("\t", ",").split(",")) for line in lines]


def build(name: str, mirrors: Path, out: Path) -> int:
    mirror, folder, pattern, files, keep = SOURCES[name]
    repo = git_dir(mirrors, mirror)
    truth = ground_truth(repo, files)
    if keep is not None:
        truth = truth[:keep]
    target = out / name
    (target / "color").mkdir(parents=True, exist_ok=True)
    for i in range(1, len(truth) + 1):
        frame = target / "color" / f"{i:08d}.jpg"
        if not frame.is_file():
            frame.write_bytes(show(repo, f"{folder}/{pattern.format(i)}"))
    (target / "groundtruth.txt").write_text("".join(t + "\n" for t in truth))
    (target / "sequence").write_text(f"channels.color=color/%08d.jpg\nformat=default\nfps=10\nname={name}\n")
    return len(truth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--out", type=Path, default=ROOT / ".bench" / "uav123")
    args = parser.parse_args()
    for name in SOURCES:
        print(f"{name}: {build(name, args.mirrors, args.out)} frames -> {args.out / name}")
    (args.out / "list.txt").write_text("".join(n + "\n" for n in SOURCES))


if __name__ == "__main__":
    main()
