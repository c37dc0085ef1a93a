"""The paper's Table 5: a tracker on DAVIS 2016 under the semi-supervised VOS protocol (``rpvt davis``).

Each sequence: the tracker starts from the first frame's ground-truth mask and segments every
later frame; each frame's mask is written in DAVIS's results layout, which this module owns:
``<output>/<name>/<sequence>/<annotation stem>.png``, an indexed (palette) PNG of the
annotation's size, object id 1 on background 0, frame 0 being the given mask. The written
results are then scored against the annotations with DAVIS's measures (``davis_measures``: J and
F, mean / recall / decay over every frame but the first and the last) and the table is printed in
the paper's layout beside the published rows (``vot/published.py``).

Beside the masks: ``<output>/<name>/per_sequence.csv`` (rewritten after each sequence),
``<output>/<name>/meta.json`` (what the run was made with, written when it completes) and
``<output>/table5.md`` / ``table5.tex`` with a measured row for every completed run in
``<output>``, so several trackers run with different ``--name`` share one table.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from dataclasses import astuple, dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from ..tracking.build import TrackerSettings
from ..tracking.frames import read_frame
from ..vot.davis import read_mask
from ..vot.paper_tables import Measure, mark, ranks
from ..vot.published import DAVIS2016
from ..vot.tables import tracker_order
from . import result_name
from .dataset_checks import numbered_frames
from .davis_measures import Statistics, contour_accuracy, dataset_statistics, region_similarity, statistics

RESOLUTION = "480p"
# The 20 validation sequences: the 2017 release lists them by name; the 2016 release lists each
# validation frame as "/JPEGImages/480p/<sequence>/<frame>.jpg /Annotations/480p/<sequence>/<frame>.png".
VAL_LIST = Path("ImageSets") / "2016" / "val.txt"
VAL_FRAMES = Path("ImageSets") / RESOLUTION / "val.txt"
PALETTE = [0, 0, 0, 128, 0, 0]  # DAVIS's colours of ids 0 and 1
COLUMNS = ("J&F Mean", "J Mean", "J Recall", "J Decay", "F Mean", "F Recall", "F Decay", "FPS")
MEASURES = tuple(Measure(label, "Decay" not in label) for label in COLUMNS)
CSV_HEADER = ("sequence", "frames", "J_mean", "J_recall", "J_decay", "F_mean", "F_recall", "F_decay", "seconds")


@dataclass(frozen=True)
class SequenceFiles:
    """One sequence's frames and their annotations, paired by stem, in frame order."""

    name: str
    frames: tuple[Path, ...]
    annotations: tuple[Path, ...]


@dataclass(frozen=True)
class SequenceScore:
    """One sequence: its frame count, J and F statistics (fractions), and the seconds spent in the
    tracker's calls (``initialize`` on the first frame, ``track`` on every other)."""

    name: str
    frames: int
    j: Statistics
    f: Statistics
    seconds: float


@dataclass(frozen=True)
class Run:
    """A completed run: ``benchmark`` when it covered the folder's validation list (``benchmark_list``)."""

    name: str
    sequences: tuple[SequenceScore, ...]
    benchmark: bool
    device: str = ""
    threads: int = 0

    def row(self) -> tuple[float, ...]:
        """The table's eight values: J&F, J and F mean / recall / decay in percent, then FPS."""
        j, f = (dataset_statistics([getattr(s, k) for s in self.sequences]) for k in ("j", "f"))
        seconds = sum(s.seconds for s in self.sequences)
        fps = sum(s.frames for s in self.sequences) / seconds if seconds > 0 else float("nan")
        values = ((j.mean + f.mean) / 2, j.mean, j.recall, j.decay, f.mean, f.recall, f.decay)
        return tuple(100 * v for v in values) + (fps,)


def benchmark_list(root: Path) -> list[str] | None:
    """DAVIS 2016's validation sequences as ``root`` lists them: ImageSets/2016/val.txt (the 2017
    release: one name a line) or ImageSets/480p/val.txt (the 2016 release: one frame a line, the
    sequences in order of first appearance); None when it has neither."""
    path = root / VAL_LIST
    if path.is_file():
        return [line.strip() for line in path.read_text().splitlines() if line.strip()]
    path = root / VAL_FRAMES
    if not path.is_file():
        return None
    names = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        parts = Path(line.split()[0]).parts  # ('/', 'JPEGImages', '480p', <sequence>, <frame>)
        if len(parts) < 3 or parts[-4:-2] != ("JPEGImages", RESOLUTION):
            raise ValueError(f"{path}, line {number}: expected /JPEGImages/{RESOLUTION}/<sequence>/<frame>.jpg first, got {line.strip()!r}")
        names[parts[-2]] = None
    return list(names)


def select_sequences(root: Path, requested: str | None) -> tuple[list[str], bool]:
    """(sequence names, whether they are the benchmark's list) from ``--sequences`` or the folder."""
    listed = benchmark_list(root)
    if requested:
        names = list(dict.fromkeys(n.strip() for n in requested.split(",") if n.strip()))
    elif listed is not None:
        names = listed
    else:
        base = root / "JPEGImages" / RESOLUTION
        if not base.is_dir():
            raise FileNotFoundError(f"{base}: missing (not a DAVIS folder: expected JPEGImages/{RESOLUTION}/<sequence>/*.jpg)")
        names = sorted(p.name for p in base.iterdir() if p.is_dir())
    if not names:
        raise ValueError(f"{root}: no sequences to run")
    return names, listed is not None and set(names) == set(listed)


def sequence_files(root: Path, name: str) -> SequenceFiles:
    """The sequence's frames and annotations, checked before any tracking starts: frames
    00000.jpg ... with no gap, an annotation of the same size for each and none without a frame
    (a missing last frame shows only as an annotation without one), at least 3 frames, a first
    mask that is not empty. Sizes are read from the file headers, so the check costs no decoding."""
    images, annotations = root / "JPEGImages" / RESOLUTION / name, root / "Annotations" / RESOLUTION / name
    if not images.is_dir() or not any(images.glob("*.jpg")):
        raise FileNotFoundError(f"{name}: {images}: no frames (expected JPEGImages/{RESOLUTION}/<sequence>/*.jpg)")
    frames = tuple(numbered_frames(images, name, first=0))
    masks = tuple(annotations / f"{f.stem}.png" for f in frames)
    for frame, mask in zip(frames, masks):
        if not mask.is_file():
            raise FileNotFoundError(f"{name}, frame {int(frame.stem)}: {mask}: missing annotation (the VOS protocol scores every frame against its mask)")
    stems = {f.stem for f in frames}
    extra = sorted(p for p in annotations.glob("*.png") if p.stem not in stems)
    if extra:
        stem = extra[0].stem
        raise ValueError(f"{name}, frame {int(stem) if stem.isdigit() else stem}: {extra[0]} has no frame ({images / (extra[0].stem + '.jpg')} is missing)")
    if len(frames) < 3:
        raise ValueError(f"{name}: {images}: {len(frames)} frames; DAVIS scores neither the first frame nor the last, so at least 3 are needed")
    for frame, mask in zip(frames, masks):
        with Image.open(frame) as image, Image.open(mask) as annotation:
            if image.size != annotation.size:
                raise ValueError(f"{name}, frame {int(frame.stem)}: {frame}: image is {image.size[0]}x{image.size[1]} but its annotation {mask} is "
                                 f"{annotation.size[0]}x{annotation.size[1]}")
    if not read_mask(masks[0]).any():
        raise ValueError(f"{name}, frame {int(frames[0].stem)}: {masks[0]}: the first frame's mask is empty (nothing to initialise on)")
    return SequenceFiles(name, frames, masks)


def write_mask(path: Path, mask: np.ndarray) -> None:
    """An (H, W) bool mask as DAVIS's results hold it: palette PNG, id 1 on 0."""
    ids = np.ascontiguousarray(mask, dtype=np.uint8)
    image = Image.frombytes("P", (ids.shape[1], ids.shape[0]), ids.tobytes())
    image.putpalette(PALETTE)
    image.save(path)


def _frame_pair(files: SequenceFiles, t: int) -> tuple[np.ndarray, np.ndarray]:
    """Frame t's (H, W, 3) RGB image and (H, W) bool annotation, checked to be one size."""
    image, mask = read_frame(files.frames[t]), read_mask(files.annotations[t])
    if image.shape[:2] != mask.shape:
        raise ValueError(f"{files.frames[t]}: image is {image.shape[1]}x{image.shape[0]} but its annotation "
                         f"{files.annotations[t]} is {mask.shape[1]}x{mask.shape[0]}")
    return image, mask


def track_sequence(tracker, files: SequenceFiles, out_dir: Path, progress: bool = False) -> float:
    """Run the VOS protocol on one sequence and write its masks into ``out_dir``; returns the
    seconds spent in the tracker's calls (reading and writing files not counted)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    image, mask = _frame_pair(files, 0)
    start = time.perf_counter()
    tracker.initialize(image, mask)
    seconds = time.perf_counter() - start
    write_mask(out_dir / f"{files.annotations[0].stem}.png", mask)
    for t in tqdm(range(1, len(files.frames)), desc=files.name, unit="frame", disable=not progress, file=sys.stderr):
        image, mask = _frame_pair(files, t)
        start = time.perf_counter()
        pred = tracker.track(image).mask
        seconds += time.perf_counter() - start
        if pred.shape != mask.shape:
            raise RuntimeError(f"{files.frames[t]}: the tracker's mask is {pred.shape}, the annotation {mask.shape}")
        write_mask(out_dir / f"{files.annotations[t].stem}.png", pred)
    return seconds


def score_sequence(files: SequenceFiles, out_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame (J, F) of the results in ``out_dir``, each (N - 2,): the first frame (given)
    and the last are not scored, as in DAVIS's evaluation."""
    j, f = [], []
    for annotation in files.annotations[1:-1]:
        result = out_dir / f"{annotation.stem}.png"
        if not result.is_file():
            raise FileNotFoundError(f"{result}: missing result")
        truth, pred = read_mask(annotation), read_mask(result)
        j.append(region_similarity(truth, pred))
        f.append(contour_accuracy(truth, pred))
    return np.array(j), np.array(f)


def write_scores(path: Path, scores: list[SequenceScore]) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_HEADER)
        for s in scores:
            writer.writerow([s.name, s.frames, *(repr(v) for v in (*astuple(s.j), *astuple(s.f), s.seconds))])


def read_scores(path: Path) -> tuple[SequenceScore, ...]:
    """``per_sequence.csv`` back (the table re-reads every completed run of an output folder)."""
    with path.open(newline="") as src:
        rows = list(csv.DictReader(src))
    try:
        return tuple(SequenceScore(r["sequence"], int(r["frames"]), Statistics(*(float(r[f"J_{k}"]) for k in ("mean", "recall", "decay"))),
                                   Statistics(*(float(r[f"F_{k}"]) for k in ("mean", "recall", "decay"))), float(r["seconds"])) for r in rows)
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"{path}: not a per-sequence score file ({err})") from err


def read_runs(output: Path) -> list[Run]:
    """Every completed run in ``output`` (a folder with meta.json and per_sequence.csv), in the
    paper's tracker order."""
    runs = []
    for meta_file in sorted(output.glob("*/meta.json")):
        meta = json.loads(meta_file.read_text())
        if "benchmark" not in meta:
            continue  # not a folder this command wrote
        scores = read_scores(meta_file.parent / "per_sequence.csv")
        runs.append(Run(meta_file.parent.name, scores, bool(meta["benchmark"]), str(meta.get("device", "")), int(meta.get("threads", 0))))
    return sorted(runs, key=lambda r: tracker_order(r.name))


def _format(value: float | None, column: int, published: bool) -> str:
    if value is None:
        return "-"
    if column == len(COLUMNS) - 1 and published:
        return f"{value:g}"  # FPS as the paper prints it (0.2, 8, 39)
    return f"{value:.1f}"


def _table_rows(runs: list[Run], style: str) -> list[tuple[str, list[str]]]:
    """(row label, formatted cells) per row: the paper's rows, then the measured ones; the best
    and second of each column marked among the published rows and the benchmark runs."""
    rows = [(f"{m} (published)", list(v), True, True) for m, v in DAVIS2016.items()]
    rows += [(f"{r.name} (measured)", list(r.row()), r.benchmark, False) for r in runs]
    texts = [[_format(v, c, published) for c, v in enumerate(values)] for _, values, _, published in rows]
    for c, measure in enumerate(MEASURES):
        shown = [None if v[c] is None or not ranked else float(texts[i][c]) for i, (_, v, ranked, _) in enumerate(rows)]
        for i, rank in enumerate(ranks(shown, measure.higher_is_better)):
            if rank:
                texts[i][c] = mark(texts[i][c], rank, style)
    return [(label, t) for (label, *_), t in zip(rows, texts)]


def _notes(runs: list[Run]) -> list[str]:
    notes = ["J and F in percent (the first and last frame of each sequence not scored); measured FPS: frames over the seconds spent "
             "in the tracker, initialisation included; bold: best, underlined: second"]
    for r in runs:
        count = f"{len(r.sequences)} sequence" + ("s" if len(r.sequences) != 1 else "")
        where = "DAVIS 2016 val" if r.benchmark else f"{count} ({', '.join(s.name for s in r.sequences)})"
        ranked = "" if r.benchmark else "; not ranked against the paper's full-benchmark numbers"
        notes.append(f"{r.name} (measured): over {where}; FPS on {r.device or 'this machine'}, {r.threads} threads{ranked}")
    return notes


def markdown(runs: list[Run]) -> str:
    out = ["### Table 5 (paper layout): DAVIS 2016 (VOS protocol)", ""]
    out += [f"_{note}_  " for note in _notes(runs)] + [""]
    out.append("| Method | " + " | ".join(f"{m.label} {m.arrow}" for m in MEASURES) + " |")
    out.append("|---|" + "---|" * len(MEASURES))
    out += [f"| {label} | " + " | ".join(cells) + " |" for label, cells in _table_rows(runs, "md")]
    return "\n".join(out) + "\n"


def latex(runs: list[Run]) -> str:
    def tex(text: str) -> str:
        return text.replace("&", "\\&").replace("_", "\\_")

    arrows = {True: "$\\uparrow$", False: "$\\downarrow$"}
    caption = "Table 5 (paper layout): DAVIS 2016 (VOS protocol); " + "; ".join(tex(n) for n in _notes(runs))
    out = ["\\begin{table}[t]", "\\centering", f"\\caption{{{caption}}}", "\\resizebox{\\linewidth}{!}{%",
           "\\begin{tabular}{l" + "c" * len(MEASURES) + "}", "\\hline"]
    out.append("Method & " + " & ".join(f"{tex(m.label)} {arrows[m.higher_is_better]}" for m in MEASURES) + " \\\\")
    out.append("\\hline")
    out += [f"{tex(label)} & " + " & ".join(cells) + " \\\\" for label, cells in _table_rows(runs, "tex")]
    out += ["\\hline", "\\end{tabular}}", "\\end{table}"]
    return "\n".join(out) + "\n"


def command(args: argparse.Namespace, settings: TrackerSettings) -> int:
    """``rpvt davis``: track, write the results, score them, print and write Table 5."""
    from ..tracking.build import build_tracker, settings_metadata

    root, output = Path(args.davis), Path(args.output)
    name = result_name(args.name, settings.weights)
    names, benchmark = select_sequences(root, args.sequences)
    files = [sequence_files(root, n) for n in names]  # every input checked before any tracking
    run_dir = output / name
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "meta.json").unlink(missing_ok=True)  # a run is complete (and in the table) once meta.json is back
    from ..cluster.engine import options_from_args  # here: the cluster code is loaded only by a command that runs

    cluster = options_from_args(args)
    if cluster is not None:
        return _command_on_ray(args, cluster, settings, name, root, files, run_dir, benchmark)
    tracker = build_tracker(settings)
    scores: list[SequenceScore] = []
    for seq in files:
        seconds = track_sequence(tracker, seq, run_dir / seq.name, progress=not args.quiet)
        j, f = score_sequence(seq, run_dir / seq.name)
        scores.append(SequenceScore(seq.name, len(seq.frames), statistics(j), statistics(f), seconds))
        write_scores(run_dir / "per_sequence.csv", scores)
    meta = {**settings_metadata(settings, tracker), "name": name, "davis": str(root), "sequences": names, "benchmark": benchmark}
    return _finish(output, run_dir, meta)


def _finish(output: Path, run_dir: Path, meta: dict) -> int:
    """meta.json (the run is complete), then Table 5 of every completed run under ``output``."""
    (run_dir / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    runs = read_runs(output)
    text = markdown(runs)
    print(text)
    (output / "table5.md").write_text(text)
    (output / "table5.tex").write_text(latex(runs))
    print(f"wrote {run_dir}/<sequence>/*.png, {run_dir / 'per_sequence.csv'}, {output / 'table5.md'} and {output / 'table5.tex'}", file=sys.stderr)
    return 0


def _command_on_ray(args: argparse.Namespace, cluster, settings: TrackerSettings, name: str, root: Path, files: list[SequenceFiles],
                    run_dir: Path, benchmark: bool) -> int:
    """``rpvt davis --ray``: a task per unfinished sequence (``cluster/sequence_tasks.py``), then the
    scores of every finished one, computed here as the serial run computes them, in its order."""
    from ..cluster.engine import report_failures
    from ..cluster.sequence_tasks import clear_failed, davis_seconds, davis_tasks, on_ray

    with on_ray(cluster, settings) as (session, settings, metadata):
        tasks, skipped, places = davis_tasks(settings, root, files, run_dir)
        outcome = session.run(tasks)
    clear_failed(outcome, places)
    scores = []
    for seq in files:
        seconds = davis_seconds(run_dir, seq.name)
        if seconds is not None:
            j, f = score_sequence(seq, run_dir / seq.name)
            scores.append(SequenceScore(seq.name, len(seq.frames), statistics(j), statistics(f), seconds))
    write_scores(run_dir / "per_sequence.csv", scores)
    if report_failures("davis", outcome, skipped):
        return 1  # no meta.json: an incomplete run is not a row of the table
    meta = {**metadata, "name": name, "davis": str(root), "sequences": [f.name for f in files], "benchmark": benchmark}
    return _finish(Path(args.output), run_dir, meta)
