"""The paper's Table 4: a tracker on GOT-10k, through the official toolkit (``got10k`` 0.1.3).

``ExperimentGOT10k`` runs the tracker (one repetition: ours is deterministic) and writes the
results in the layout the GOT-10k server takes, ``<output>/results/GOT-10k/<name>/<seq>/
<seq>_001.txt`` (one x,y,w,h line a frame, 1-based like the ground truth) and ``<seq>_time.txt``
(seconds a frame).

* val: the toolkit scores the results (``<output>/reports/GOT-10k/<first tracker>/performance.json``, one entry per tracker):
  per frame after the first, the IoU of the result and the ground truth, both clipped to the
  image, over the frames whose ``cover.label`` is above 0 (the target visible); AO is their mean,
  SR0.5 the fraction above 0.5; its success curve (IoU thresholds 0, 0.01, ..., 1, "above")
  gives SR0.75; FPS is the mean of 1 / (seconds a frame), initialisation included. A frame whose
  ground-truth line is ``nan`` is left out too, with a warning naming it (``GOT10kChecked``).
* test: the ground truth is withheld; the toolkit zips the results into
  ``<output>/results/GOT-10k/<name>.zip``, the file to upload to the GOT-10k evaluation server.

Every sequence of the subset is checked before the tracker is built (``check_sequence``): a bad
one stops the command with its sequence, frame and file named (``docs/benchmark-scoring.md``).

Table 4 is printed in the paper's layout (trackers as columns, AO / SR0.5 / SR0.75 as rows)
with the published columns (the paper's, on the test set) and, for val, a measured column for
every tracker with complete val results under ``--output`` (run each with its own ``--name``).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from got10k.datasets import GOT10k

from ..tracking.build import TrackerSettings
from ..vot.paper_tables import Measure, ranked_cells
from ..vot.published import GOT10K_TEST
from . import result_name
from .box_benchmark import build_toolkit_tracker, completed_runs, record_settings, toolkit_output, write_text
from .dataset_checks import check_count, check_first_box, numbered_frames, read_boxes, read_flags, read_resolution

TITLE = "Table 4 (paper layout): GOT-10k"
MEASURES = (Measure("AO", True), Measure("SR0.5", True), Measure("SR0.75", True))
SERVER = "http://got-10k.aitestunion.com/submit_instructions"


@dataclass(frozen=True)
class Scores:
    """One tracker's GOT-10k val scores (fractions) and speed, as the toolkit computes them."""

    ao: float
    sr50: float
    sr75: float
    fps: float
    sequences: int


def command(args: argparse.Namespace, settings: TrackerSettings) -> int:
    """``rpvt got10k``: run on ROOT/<subset>, score (val) or zip for the server (test), print Table 4."""
    from got10k.experiments import ExperimentGOT10k

    name = result_name(args.name, settings.weights)
    names, warnings = check_dataset(Path(args.root), args.subset)
    for warning in warnings:
        print(f"rpvt got10k: warning: {warning}", file=sys.stderr)
    output = Path(args.output).resolve()  # absolute: the toolkit changes directory to zip
    experiment = ExperimentGOT10k(str(args.root), subset=args.subset, result_dir=str(output / "results"), report_dir=str(output / "reports"))
    experiment.dataset = GOT10kChecked(str(args.root), subset=args.subset)
    check_result_folder(Path(experiment.result_dir) / name, names)
    settings_file = Path(experiment.report_dir) / name / "tracker.json"
    from ..cluster.engine import options_from_args  # here: the cluster code is loaded only by a command that runs

    cluster = options_from_args(args)
    if cluster is None:
        tracker, metadata = build_toolkit_tracker(settings, name)
        record_settings(settings_file, {**metadata, "subset": args.subset, "sequences": len(names)})
        with toolkit_output(args.quiet):
            experiment.run(tracker)
    else:  # a task per sequence without results, as experiment.run would record them (cluster/sequence_tasks.py)
        from ..cluster.engine import report_failures
        from ..cluster.sequence_tasks import box_tasks, clear_failed, on_ray

        with on_ray(cluster, settings) as (session, settings, metadata):
            record_settings(settings_file, {**metadata, "subset": args.subset, "sequences": len(names)})
            tasks, skipped, places = box_tasks(settings, name, experiment, lambda s: f"{s}/{s}_001.txt")
            outcome = session.run(tasks)
        clear_failed(outcome, places)
        if report_failures("got10k", outcome, skipped):
            return 1  # no report or zip of incomplete results
    result_dir = Path(experiment.result_dir)
    with toolkit_output(args.quiet):
        if args.subset == "test":
            experiment.report([name])  # zips this tracker's results
            measured = []
        else:  # every tracker with complete val results under --output: one column each
            runs = completed_runs(Path(experiment.report_dir), lambda n, info: info.get("subset") == "val" and all(
                (result_dir / n / s / f"{s}_001.txt").is_file() for s in names))
            performance = experiment.report(list(runs))
            measured = [(n, val_scores(performance[n]["overall"], experiment.nbins_iou, len(names))) for n in runs]
    archive = result_dir / f"{name}.zip"  # the toolkit's zip of the test results
    note = _note(name, measured, str(metadata["device"]), archive.name)
    text, tex = markdown(measured, note), latex(measured, note)
    print(text)
    md, tex_path = write_text(output / "table4.md", text), write_text(output / "table4.tex", tex)
    print(f"wrote {md} and {tex_path}; results in {Path(experiment.result_dir) / name}")
    if args.subset == "test":
        print(f"test results zipped for the server: {archive}\n  upload it to the GOT-10k evaluation server ({SERVER}) to get AO, SR0.5 and SR0.75")
    return 0


def _note(name: str, measured: list[tuple[str, Scores]], device: str, archive: str) -> str:
    """The line under the table: what was measured where, and what is ranked against what."""
    if not measured:
        return (f"published: the paper's numbers on GOT-10k test; bold: best, underlined: second. GOT-10k withholds the test "
                f"ground truth: {name}'s test scores come from the evaluation server, from {archive}.")
    return (f"{', '.join(n for n, _ in measured)} measured here on GOT-10k val ({measured[0][1].sequences} sequences, got10k "
            f"toolkit, one run each: deterministic trackers; {name} on {device}); published: the paper's numbers on GOT-10k "
            "test. Bold: best, underlined: second, among the published columns only: a val measurement is not ranked "
            "against test-set numbers.")


def check_dataset(root: Path, subset: str) -> tuple[list[str], list[str]]:
    """(the sequence names of ROOT/<subset>/list.txt, warnings), every sequence checked whole
    before the tracker is built (``check_sequence``). The package itself only warns about a
    missing folder, and fails with a bare exception when it reaches it, or after tracking."""
    list_file = root / subset / "list.txt"
    if not list_file.is_file():
        raise FileNotFoundError(f"no GOT-10k {subset} set under {root}: {list_file} is missing")
    # The package splits list.txt on newlines: a blank or padded line would be a sequence name.
    text = list_file.read_text().strip()
    names = text.split("\n") if text else []
    if not names:
        raise ValueError(f"{list_file}: lists no sequence")
    for number, n in enumerate(names, 1):
        if not n or n != n.strip() or "/" in n:
            raise ValueError(f"{list_file} line {number}: {n!r} is not a sequence name")
    warnings: list[str] = []
    for n in names:
        warnings += check_sequence(root / subset / n, n, subset)
    return names, warnings


def check_sequence(folder: Path, name: str, subset: str) -> list[str]:
    """One sequence checked as the package will read it; returns a warning per frame whose
    ground-truth line is ``nan`` while its cover says visible (val): a frame the package would
    score (as nan) and ``GOT10kChecked`` leaves out.

    Frames 00000001.jpg ... with no gap; ``groundtruth.txt``: the first box (test) or one x,y,w,h
    line a frame (val), the first with an area; val also needs ``meta_info.ini`` (its
    ``resolution`` line: the package clips boxes to it) and ``cover.label``, ``absence.label``,
    ``cut_by_image.label`` (one integer a frame; the package reads all three).
    """
    if not folder.is_dir():
        raise ValueError(f"{name}: {folder} is missing (listed in {folder.parent / 'list.txt'})")
    frames = numbered_frames(folder, name, first=1)
    truth = folder / "groundtruth.txt"
    boxes = read_boxes(truth, name, allow_nan=subset == "val")
    check_first_box(boxes, truth, name)
    if subset == "test" and len(boxes) == 1:
        return []  # the test set publishes the first box only
    check_count(name, len(boxes), truth, frames)
    if subset != "val":
        return []
    if len(frames) < 2:
        raise ValueError(f"{name}: {folder} has 1 frame; the val protocol scores the frames after the first")
    read_resolution(folder / "meta_info.ini", name)
    cover = read_flags(folder / "cover.label", name, frames, one_line=False, top=8)
    read_flags(folder / "absence.label", name, frames, one_line=False)
    read_flags(folder / "cut_by_image.label", name, frames, one_line=False)
    # Only where the package would score the frame (cover > 0) does leaving it out change a score.
    return [f"{name}, frame {i + 1} ({frames[i].name}): {truth} line {i + 1} is {','.join(f'{v:g}' for v in boxes[i])}: "
            "no box to score against; not scored (the got10k package scores only frames with a visible target)"
            for i in np.flatnonzero(np.isnan(boxes).any(axis=1) & (cover > 0))]


class GOT10kChecked(GOT10k):
    """The package's GOT-10k dataset, except that a frame whose ground-truth line holds a nan
    counts as one without a visible target (cover 0).

    The package scores a val frame when its ``cover.label`` is above 0 and leaves the others out
    (its ``ExperimentGOT10k.report``: ``t[covers[seq_name] > 0]``). A nan line on a frame it
    scores gives a nan IoU: AO comes out nan and SR0.5 lower, without a word. A line without a box
    is a frame without a target to score against, so it is left out by the package's own rule;
    ``check_sequence`` warns about each one, naming the sequence, frame and file.
    """

    def _fetch_meta(self, seq_dir: str) -> dict[str, Any]:
        meta = super()._fetch_meta(seq_dir)
        boxes = np.loadtxt(os.path.join(seq_dir, "groundtruth.txt"), delimiter=",", ndmin=2)
        meta["cover"] = np.where(np.isnan(boxes).any(axis=1), 0, meta["cover"])
        return meta


def check_result_folder(folder: Path, names: list[str]) -> None:
    """Refuse a result folder holding other sequences (another subset's, say): the server's zip
    is the whole folder, and the toolkit would zip them too."""
    others = sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name not in names) if folder.is_dir() else []
    if others:
        raise ValueError(f"{folder} holds results for sequences not in this subset ({', '.join(others[:3])}, ...): give another --output or --name")


def val_scores(overall: dict[str, Any], nbins_iou: int, sequences: int) -> Scores:
    """AO, SR0.5, SR0.75 and FPS from the toolkit's overall val report.

    0.1.3's report holds AO, SR (at 0.5) and the success curve over ``nbins_iou`` thresholds
    ``linspace(0, 1, nbins_iou)`` (fraction of IoUs above each); SR0.75, which the GOT-10k
    server reports and 0.1.3 does not, is that curve at 0.75, by the toolkit's own definition.
    """
    thresholds = np.linspace(0, 1, nbins_iou)
    at = int(np.flatnonzero(np.isclose(thresholds, 0.75))[0])
    return Scores(float(overall["ao"]), float(overall["sr"]), float(overall["succ_curve"][at]), float(overall["speed_fps"]), sequences)


def _columns(measured: list[tuple[str, Scores]]) -> list[tuple[str, tuple[float | None, ...], bool]]:
    """(header, (AO, SR0.5, SR0.75), ranked) per column: the paper's (ranked), then the measured ones."""
    columns = [(f"{tracker} (published)", values, True) for tracker, values in GOT10K_TEST.items()]
    columns += [(f"{name} (measured, val)", (s.ao, s.sr50, s.sr75), False) for name, s in measured]
    return columns


def _rows(measured: list[tuple[str, Scores]], style: str) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The headers and, per row, (label, cells): the three measures, then FPS (measured only)."""
    columns = _columns(measured)
    rows = []
    for i, measure in enumerate(MEASURES):
        arrow = measure.arrow if style == "md" else "$\\uparrow$"
        rows.append((f"{measure.label} {arrow}", ranked_cells([c[1][i] for c in columns], [c[2] for c in columns], True, style)))
    if measured:  # the paper prints no speed in Table 4
        arrow = "↑" if style == "md" else "$\\uparrow$"
        rows.append((f"FPS {arrow}", ["-"] * len(GOT10K_TEST) + [f"{s.fps:.1f}" for _, s in measured]))
    return [c[0] for c in columns], rows


def markdown(measured: list[tuple[str, Scores]], note: str) -> str:
    """Table 4 in Markdown (best **bold**, second <u>underlined</u>), the note line under it."""
    headers, rows = _rows(measured, "md")
    out = [f"### {TITLE}", "", "| | " + " | ".join(headers) + " |", "|---|" + "---|" * len(headers)]
    out += [f"| {label} | " + " | ".join(cells) + " |" for label, cells in rows]
    return "\n".join(out + ["", f"_{note}_", ""])


def latex(measured: list[tuple[str, Scores]], note: str) -> str:
    """Table 4 in LaTeX (best \\textbf, second \\underline), the note as the caption."""
    headers, rows = _rows(measured, "tex")
    out = ["\\begin{table}[t]", "\\centering", f"\\caption{{{TITLE}; {_tex_escape(note)}}}", "\\resizebox{\\linewidth}{!}{%",
           "\\begin{tabular}{l" + "c" * len(headers) + "}", "\\hline", " & " + " & ".join(_tex_escape(h) for h in headers) + " \\\\", "\\hline"]
    out += [f"{label} & " + " & ".join(cells) + " \\\\" for label, cells in rows]
    return "\n".join(out + ["\\hline", "\\end{tabular}}", "\\end{table}", ""])


def _tex_escape(text: str) -> str:
    """Names and notes may hold LaTeX's special characters (``_`` is common in file stems)."""
    for char in ("_", "%", "&", "#", "$"):
        text = text.replace(char, "\\" + char)
    return text
