"""The paper's Figure 6: a tracker on LaSOT's test set, success and precision plots (one-pass
evaluation), through the official toolkit (``got10k`` 0.1.3).

0.1.3 has a ``LaSOT`` dataset class but no LaSOT experiment; LaSOT is scored by OTB's protocol,
so ``ExperimentLaSOT`` is the toolkit's ``ExperimentOTB`` (its run, record, report and plots,
unchanged) over LaSOT's test sequences: per frame the IoU and the centre distance of the result
and the ground truth (first frame: the ground truth itself), per sequence the success curve
(fraction of frames with IoU above each of 21 thresholds 0, 0.05, ..., 1) and the precision
curve (fraction with centre error at most 0, 1, ..., 50 pixels), averaged over sequences; the
success AUC is the mean of the success curve and the precision score the curve at 20 pixels.
0.1.3 computes no normalised precision, so none is reported.

Sequences: the toolkit's official test list (280 names, ``got10k/datasets/lasot.json``). Those
present under ROOT are run, so the 280-sequence test download and the full dataset both work;
when some are absent the report and the figure say how many were run, since the scores are then
not LaSOT's. Results: ``<output>/results/LaSOT/<name>/<seq>.txt`` (x,y,w,h a frame, 1-based like
the ground truth) and ``times/<seq>_time.txt``; the toolkit's report and plots under
``<output>/reports/LaSOT/<name>/``; ours: ``<output>/lasot.json`` and ``<output>/figure6.png``,
with every tracker that has results on the same sequences under ``<output>`` (run each with its
own ``--name``): one report and one curve each.
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

PAPER_COMPARED = tuple(t for t in LASOT_NAMED if t != "RPVT")


def official_test_names() -> list[str]:
    """The 280 sequences of LaSOT's test set, from the toolkit's split file."""
    import got10k.datasets

    with open(os.path.join(os.path.dirname(got10k.datasets.__file__), "lasot.json")) as f:
        return list(json.load(f)["test"])


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
    """``ExperimentOTB`` (OTB's protocol: 21 IoU and 51 centre-error thresholds) on LaSOT.

    ``ExperimentOTB.__init__`` is not called: it builds the OTB dataset, downloading it. This
    sets the attributes it sets; results go to ``<result_dir>/LaSOT``, reports to
    ``<report_dir>/LaSOT``.
    """

    def __init__(self, dataset: LaSOTSequences, result_dir: str, report_dir: str) -> None:  # no super().__init__: see above
        self.dataset = dataset
        self.result_dir = os.path.join(result_dir, "LaSOT")
        self.report_dir = os.path.join(report_dir, "LaSOT")
        self.nbins_iou = 21
        self.nbins_ce = 51


def present_test_sequences(root: Path) -> tuple[list[str], int]:
    """(official test sequences found under ``root``, in the official order; how many are absent)."""
    names = official_test_names()
    present = [n for n in names if (root / n[: n.rfind("-")] / n / "groundtruth.txt").is_file()]
    if not present:
        raise FileNotFoundError(f"no LaSOT test sequence under {root} (expected <class>/<class>-<n>/groundtruth.txt, e.g. {names[0]})")
    return present, len(names) - len(present)


def command(args: argparse.Namespace, settings: TrackerSettings) -> int:
    """``rpvt lasot``: run on the test sequences under ROOT, score, plot Figure 6, print the summary."""
    root = Path(args.root)
    name = result_name(args.name, settings.weights)
    names, absent = present_test_sequences(root)
    if absent:
        print(f"rpvt lasot: {absent} of LaSOT's {len(names) + absent} test sequences are not under {root}: "
              f"scoring the {len(names)} present (not LaSOT's score)", file=sys.stderr)
    output = Path(args.output).resolve()
    experiment = ExperimentLaSOT(LaSOTSequences(str(root), names), str(output / "results"), str(output / "reports"))
    tracker, metadata = build_toolkit_tracker(settings, name)
    record_settings(Path(experiment.report_dir) / name / "tracker.json", {**metadata, "sequences": names})
    result_dir, report_dir = Path(experiment.result_dir), Path(experiment.report_dir)
    with toolkit_output(args.quiet):
        experiment.run(tracker)
        # Every tracker with results on these same sequences under --output: one curve each.
        runs = completed_runs(report_dir, lambda n, info: info.get("sequences") == names and all(
            (result_dir / n / f"{s}.txt").is_file() for s in names))
        performance = experiment.report(list(runs))
    reports = {run: summary(run, performance[run]["overall"], len(names), absent, {k: v for k, v in recorded.items() if k != "sequences"})
               for run, recorded in runs.items()}
    json_path = write_text(output / "lasot.json", json.dumps(reports, indent=1) + "\n")
    figure = plot_figure6(output / "figure6.png", list(reports.values()))
    for run, report in reports.items():
        print(f"LaSOT test ({report['sequences']} sequences, OPE): {run} success AUC {report['success_auc']:.3f}, "
              f"precision@20px {report['precision_20']:.3f}, success rate@0.5 {report['success_rate_50']:.3f}, {report['fps']:.1f} fps")
    print(f"wrote {json_path}, {figure}; results in {result_dir / name}")
    return 0


def summary(name: str, overall: dict[str, Any], sequences: int, absent: int, metadata: dict[str, Any]) -> dict[str, Any]:
    """The report JSON: the toolkit's overall scores and curves, what was run and what made it."""
    return {
        "tracker": name,
        "benchmark": "LaSOT test, one-pass evaluation (got10k toolkit, OTB protocol)",
        "sequences": sequences,
        "absent_test_sequences": absent,
        "complete": absent == 0,
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
