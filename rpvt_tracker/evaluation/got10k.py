"""The paper's Table 4: a tracker on GOT-10k, through the official toolkit (``got10k`` 0.1.3).

``ExperimentGOT10k`` runs the tracker (one repetition: ours is deterministic) and writes the
results in the layout the GOT-10k server takes, ``<output>/results/GOT-10k/<name>/<seq>/
<seq>_001.txt`` (one x,y,w,h line a frame, 1-based like the ground truth) and ``<seq>_time.txt``
(seconds a frame).

* val: the toolkit scores the results (``<output>/reports/GOT-10k/<first tracker>/performance.json``, one entry per tracker):
  per frame after the first, the IoU of the result and the ground truth, both clipped to the
  image, over the frames whose ``cover.label`` is above 0 (the target visible); AO is their mean,
  SR0.5 the fraction above 0.5; its success curve (IoU thresholds 0, 0.01, ..., 1, "above")
  gives SR0.75; FPS is the mean of 1 / (seconds a frame), initialisation included.
* test: the ground truth is withheld; the toolkit zips the results into
  ``<output>/results/GOT-10k/<name>.zip``, the file to upload to the GOT-10k evaluation server.

Table 4 is printed in the paper's layout (trackers as columns, AO / SR0.5 / SR0.75 as rows)
with the published columns (the paper's, on the test set) and, for val, a measured column for
every tracker with complete val results under ``--output`` (run each with its own ``--name``).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..tracking.build import TrackerSettings
from ..vot.paper_tables import Measure, ranked_cells
from ..vot.published import GOT10K_TEST
from . import result_name
from .box_benchmark import build_toolkit_tracker, completed_runs, record_settings, toolkit_output, write_text

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
    names = check_dataset(Path(args.root), args.subset)
    output = Path(args.output).resolve()  # absolute: the toolkit changes directory to zip
    experiment = ExperimentGOT10k(str(args.root), subset=args.subset, result_dir=str(output / "results"), report_dir=str(output / "reports"))
    check_result_folder(Path(experiment.result_dir) / name, names)
    tracker, metadata = build_toolkit_tracker(settings, name)
    record_settings(Path(experiment.report_dir) / name / "tracker.json", {**metadata, "subset": args.subset, "sequences": len(names)})
    result_dir = Path(experiment.result_dir)
    with toolkit_output(args.quiet):
        experiment.run(tracker)
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


def check_dataset(root: Path, subset: str) -> list[str]:
    """The sequence names of ROOT/<subset>/list.txt, each folder checked: the toolkit only warns
    about a missing sequence and fails later, with a bare Exception, when it reaches it."""
    list_file = root / subset / "list.txt"
    if not list_file.is_file():
        raise FileNotFoundError(f"no GOT-10k {subset} set under {root}: {list_file} is missing")
    names = list_file.read_text().split()
    missing = [n for n in names if not (root / subset / n).is_dir()]
    if not names or missing:
        raise FileNotFoundError(f"{list_file}: " + (f"sequence folders missing: {', '.join(missing[:5])}" if missing else "lists no sequence"))
    return names


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
