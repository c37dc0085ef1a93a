"""The paper's Figure 6: a tracker on LaSOT's test set, success and precision plots (one-pass
evaluation), scored as LaSOT's official MATLAB toolkit scores them.

The tracker runs through the got10k package (0.1.3): its ``ExperimentOTB`` run loop over LaSOT's
test sequences (first frame: the ground-truth box; every later frame: the tracker's box), which
records the results. The scores are not the package's: 0.1.3 has no LaSOT experiment, and its
OTB protocol scores every frame against its box, also the frames where LaSOT marks the target
fully occluded or out of view, whose boxes the maintainers call arbitrary. ``lasot_scoring``
computes them as the official code does (``calc_seq_err_robust.m``, ``eval_tracker.m``): those
absent frames, read from ``full_occlusion.txt`` and ``out_of_view.txt``, count as failures at
every threshold; success AUC, precision at 20 px, success rate at 0.5 (``docs/benchmark-scoring.md``).
No normalised precision is reported.

Sequences: the official test list (280 names, the package's ``got10k/datasets/lasot.json``).
Those present under ROOT are run, so the 280-sequence test download and the full dataset both
work; when some are missing the report and the figure say how many were run, since the scores are
then not LaSOT's. Every present sequence is checked before the tracker is built (frames numbered
without a gap, one ground-truth line and one flag of each file per frame, a first box with an
area): a bad one stops the command with its sequence, frame and file named. Results:
``<output>/results/LaSOT/<name>/<seq>.txt`` (x,y,w,h a frame, 1-based like the ground truth) and
``times/<seq>_time.txt``; ``<output>/lasot.json`` and ``<output>/figure6.png``, with every tracker
that has results on the same sequences under ``<output>`` (run each with its own ``--name``):
one report and one curve each.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
from got10k.datasets import LaSOT
from got10k.experiments import ExperimentOTB

from ..tracking.build import TrackerSettings
from ..vot.published import LASOT_NAMED
from . import result_name
from .box_benchmark import build_toolkit_tracker, completed_runs, record_settings, toolkit_output, write_text
from .dataset_checks import check_count, check_first_box, numbered_frames, read_boxes, read_flags
from .lasot_scoring import Truth, score_tracker

PAPER_COMPARED = tuple(t for t in LASOT_NAMED if t != "RPVT")
SCORING = "LaSOT's official evaluation (calc_seq_err_robust.m, eval_tracker.m): absent frames count as failures"


def official_test_names() -> list[str]:
    """The 280 sequences of LaSOT's test set, from the toolkit's split file."""
    import got10k.datasets

    with open(os.path.join(os.path.dirname(got10k.datasets.__file__), "lasot.json")) as f:
        return list(json.load(f)["test"])


def sequence_dir(root: Path, name: str) -> Path:
    """``<root>/<class>/<class>-<n>``: LaSOT's layout."""
    return root / name[: name.rfind("-")] / name


class LaSOTSequences(LaSOT):
    """The toolkit's LaSOT dataset (its ``__getitem__``, ``__len__``) over given sequence names.

    ``LaSOT.__init__`` of 0.1.3 cannot run: it calls ``self._check_integrity(root_dir, subset)``,
    a method taking one argument, and passes a generator to ``os.path.basename``; both raise
    TypeError. This sets what that ``__init__`` sets, with the same paths
    (``<root>/<class>/<class>-<n>/img/*.jpg`` and ``groundtruth.txt`` beside ``img``).
    """

    def __init__(self, root_dir: str, seq_names: list[str]) -> None:  # no super().__init__: see above
        self.root_dir = root_dir
        self.subset = "test"
        self.return_meta = False  # ExperimentOTB unpacks (img_files, anno)
        self.seq_names = list(seq_names)
        self.seq_dirs = [os.path.join(root_dir, n[: n.rfind("-")], n, "img") for n in self.seq_names]
        self.anno_files = [os.path.join(os.path.dirname(d), "groundtruth.txt") for d in self.seq_dirs]


class ExperimentLaSOT(ExperimentOTB):
    """``ExperimentOTB``'s run loop and result files on LaSOT; the scores come from
    ``lasot_scoring``, not from its ``report``.

    ``ExperimentOTB.__init__`` is not called: it builds the OTB dataset, downloading it. This
    sets the attributes ``run`` uses; results go to ``<result_dir>/LaSOT``.
    """

    def __init__(self, dataset: LaSOTSequences, result_dir: str) -> None:  # no super().__init__: see above
        self.dataset = dataset
        self.result_dir = os.path.join(result_dir, "LaSOT")


def present_test_sequences(root: Path) -> tuple[list[str], int]:
    """(official test sequences whose folder is under ``root``, in the official order; how many
    are missing). A present folder is checked whole by ``check_sequence``."""
    names = official_test_names()
    present = [n for n in names if sequence_dir(root, n).is_dir()]
    if not present:
        raise FileNotFoundError(f"no LaSOT test sequence under {root} (expected <class>/<class>-<n>/groundtruth.txt, e.g. {names[0]})")
    return present, len(names) - len(present)


def check_sequence(root: Path, name: str) -> Truth:
    """One sequence's ground truth and absent flags, its files checked against its frames.

    ``img/`` holds 00000001.jpg ... with no gap; ``groundtruth.txt`` one x,y,w,h line a frame (a
    nan is refused: LaSOT has none, and the official code would score it as no box); and
    ``full_occlusion.txt`` and ``out_of_view.txt`` one 0/1 a frame. LaSOT's ground truth holds
    lines with a width or height <= 0 on frames not flagged absent (tiger-6 frame 118 is
    613,731,247,-11): accepted, and scored as the official code scores them.
    """
    folder = sequence_dir(root, name)
    frames = numbered_frames(folder / "img", name, first=1)
    truth = folder / "groundtruth.txt"
    boxes = read_boxes(truth, name, allow_nan=False)
    check_count(name, len(boxes), truth, frames)
    check_first_box(boxes, truth, name)
    occluded = read_flags(folder / "full_occlusion.txt", name, frames, one_line=True)
    out_of_view = read_flags(folder / "out_of_view.txt", name, frames, one_line=True)
    return Truth(name, boxes, (occluded == 1) | (out_of_view == 1))


def command(args: argparse.Namespace, settings: TrackerSettings) -> int:
    """``rpvt lasot``: run on the test sequences under ROOT, score, plot Figure 6, print the summary."""
    root = Path(args.root)
    name = result_name(args.name, settings.weights)
    names, not_present = present_test_sequences(root)
    truths = [check_sequence(root, n) for n in names]  # every sequence checked before the tracker is built
    if not_present:
        print(f"rpvt lasot: {not_present} of LaSOT's {len(names) + not_present} test sequences are not under {root}: "
              f"scoring the {len(names)} present (not LaSOT's score)", file=sys.stderr)
    output = Path(args.output).resolve()
    experiment = ExperimentLaSOT(LaSOTSequences(str(root), names), str(output / "results"))
    result_dir = Path(experiment.result_dir)
    settings_file = output / "reports" / "LaSOT" / name / "tracker.json"
    from ..cluster.engine import options_from_args  # here: the cluster code is loaded only by a command that runs

    cluster = options_from_args(args)
    if cluster is None:
        tracker, metadata = build_toolkit_tracker(settings, name)
        record_settings(settings_file, {**metadata, "sequences": names})
        with toolkit_output(args.quiet):
            experiment.run(tracker)
    else:  # a task per sequence without results, as experiment.run would record them (cluster/sequence_tasks.py)
        from ..cluster.engine import report_failures
        from ..cluster.sequence_tasks import box_tasks, clear_failed, on_ray

        with on_ray(cluster, settings) as (session, settings, metadata):
            record_settings(settings_file, {**metadata, "sequences": names})
            tasks, skipped, places = box_tasks(settings, name, experiment, lambda s: f"{s}.txt")
            outcome = session.run(tasks)
        clear_failed(outcome, places)
        if report_failures("lasot", outcome, skipped):
            return 1  # no scores of incomplete results
    # Every tracker with results on these same sequences under --output: one curve each.
    runs = completed_runs(output / "reports" / "LaSOT", lambda n, info: info.get("sequences") == names and all(
        (result_dir / n / f"{s}.txt").is_file() for s in names))
    absent_frames = int(sum(t.absent.sum() for t in truths))
    reports = {run: summary(run, score_tracker(result_dir / run, truths), len(names), not_present, absent_frames,
                            {k: v for k, v in recorded.items() if k != "sequences"})
               for run, recorded in runs.items()}
    json_path = write_text(output / "lasot.json", json.dumps(reports, indent=1) + "\n")
    figure = plot_figure6(output / "figure6.png", list(reports.values()))
    for run, report in reports.items():
        print(f"LaSOT test ({report['sequences']} sequences, OPE, {absent_frames} absent frames scored as failures): {run} "
              f"success AUC {report['success_auc']:.3f}, precision@20px {report['precision_20']:.3f}, "
              f"success rate@0.5 {report['success_rate_50']:.3f}, {report['fps']:.1f} fps")
    print(f"wrote {json_path}, {figure}; results in {result_dir / name}")
    return 0


def summary(name: str, overall: dict[str, Any], sequences: int, not_present: int, absent_frames: int, metadata: dict[str, Any]) -> dict[str, Any]:
    """The report JSON: the overall scores and curves, what was run and what made it."""
    return {
        "tracker": name,
        "benchmark": "LaSOT test, one-pass evaluation",
        "scoring": SCORING,
        "sequences": sequences,
        "absent_frames": absent_frames,
        "absent_test_sequences": not_present,
        "complete": not_present == 0,
        "success_auc": overall["success_score"],
        "precision_20": overall["precision_score"],
        "success_rate_50": overall["success_rate"],
        "fps": overall["speed_fps"],
        "success_curve": overall["success_curve"],
        "precision_curve": overall["precision_curve"],
        "paper_compares": list(PAPER_COMPARED),
        "paper_values": "none: the paper's text gives no LaSOT value",
        "settings": metadata,
    }


def plot_figure6(path: Path, reports: list[dict[str, Any]]) -> Path:
    """Figure 6 as a PNG: the success plot (AUC in the legend) and the precision plot
    (precision at 20 px in the legend) of the measured trackers (``summary``'s reports, each
    legend in score order, as OTB-style plots are), with a line naming the trackers the paper
    compared, whose values its text does not give."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.8))
    success, precision = fig.subplots(1, 2)
    for report in sorted(reports, key=lambda r: -r["success_auc"]):
        iou = np.linspace(0, 1, len(report["success_curve"]))
        success.plot(iou, report["success_curve"], label=f"{report['tracker']} [AUC {report['success_auc']:.3f}]")
    success.set(xlabel="Overlap threshold", ylabel="Success rate", xlim=(0, 1), ylim=(0, 1.01), title="Success plots of OPE on LaSOT")
    for report in sorted(reports, key=lambda r: -r["precision_20"]):
        pixels = np.arange(len(report["precision_curve"]))
        precision.plot(pixels, report["precision_curve"], label=f"{report['tracker']} [P@20px {report['precision_20']:.3f}]")
    precision.axvline(20, color="0.6", linestyle=":", linewidth=1)
    precision.set(xlabel="Location error threshold (pixels)", ylabel="Precision", xlim=(0, pixels[-1]), ylim=(0, 1.01),
                  title="Precision plots of OPE on LaSOT")
    for ax in (success, precision):
        ax.grid(True)
        ax.legend(loc="lower left" if ax is success else "lower right")
    first = reports[0]
    total = first["sequences"] + first["absent_test_sequences"]
    scope = "LaSOT's test set" if first["complete"] else f"{first['sequences']} of LaSOT's {total} test sequences (not LaSOT's score)"
    fig.suptitle(f"Figure 6 (paper layout): {', '.join(r['tracker'] for r in reports)} on {scope}")
    fig.text(0.5, 0.01, f"The paper compares {', '.join(PAPER_COMPARED)}; its text gives no values for them, so only the measured "
             "trackers are plotted.", ha="center", fontsize=8.5)
    fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path
