"""The ``rpvt`` command. Thin: parse, call one library function, print.

Subcommands import what they need when they run, so ``rpvt --help`` stays fast and no
subcommand drags in code it does not use.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Sequence


def _cmd_variants(args: argparse.Namespace) -> int:
    from .models import REFINERS

    for spec in REFINERS.values():
        print(f"{spec.name:8s} {spec.summary}")
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from .models import read_checkpoint
    from .models.checkpoint import build_from_checkpoint

    ckpt = read_checkpoint(args.checkpoint)  # read once
    net = build_from_checkpoint(ckpt, args.checkpoint)
    info = {
        "file": str(args.checkpoint),
        "format": {"rpvt": "rpvt-tracker", "d3s": "original D3S (SegmNet.pth.tar)"}[ckpt.source],
        "config": ckpt.config.to_dict(),
        "parameters": net.parameter_counts(),
        "metadata": ckpt.metadata,
    }
    print(json.dumps(info, indent=2))
    return 0


def _cmd_convert(args: argparse.Namespace) -> int:
    from .models import read_checkpoint, save_checkpoint
    from .models.checkpoint import build_from_checkpoint

    source = read_checkpoint(args.source)
    net = build_from_checkpoint(source, args.source, variant=args.variant)
    meta = {"converted_from": str(args.source), "source_format": source.source, **source.metadata}
    if source.source == "d3s" and net.config.variant != "d3s":
        meta["note"] = "stage 1 from the D3S checkpoint; later stages freshly initialised"
    path = save_checkpoint(net, args.output, metadata=meta)
    print(f"wrote {path} (variant {net.config.variant})")
    return 0


def _tracker_settings(args: argparse.Namespace):
    """TrackerSettings from the options ``_add_tracker_options`` defines (weights resolved)."""
    from .resources import resolve_dcf_weights, resolve_weights
    from .tracking.build import TrackerSettings

    if not args.dcf_weights:
        print(f"rpvt {args.command}: no --dcf-weights: the DCF uses the segmentation checkpoint's backbone", file=sys.stderr)
    return TrackerSettings(
        weights=resolve_weights(args.weights),
        variant=args.variant,
        dcf_weights=resolve_dcf_weights(args.dcf_weights) if args.dcf_weights else None,
        device=args.device,
        threads=args.threads or 0,
        params=args.params,
    )


def _cmd_track(args: argparse.Namespace) -> int:
    from .tracking.build import build_tracker, settings_metadata
    from .tracking.run import claim_output, run_sequence
    from .tracking.sequence import Sequence

    sequence = Sequence.open(args.sequence)
    settings = _tracker_settings(args)
    # Claimed before the network is built, so a second run into the same output is refused at
    # once; released only after the metadata is written, so it always describes the result.
    with claim_output(args.output, sequence.name) as claim:
        if claim.stale:
            print(f"rpvt track: {claim.lock}: taking over from a run that ended without finishing ({claim.stale})", file=sys.stderr)
        tracker = build_tracker(settings)
        summary = run_sequence(
            tracker, sequence, args.output, output_format=args.format, visualize=args.visualize, progress=not args.quiet, claim=claim
        )
        # What the result was made with, beside it.
        meta = {**settings_metadata(settings, tracker), "sequence": str(sequence.path), "frames": summary.frames}
        target = summary.result.with_suffix(".json")
        staged = target.with_name(target.name + ".partial")
        staged.write_text(json.dumps(meta, indent=1) + "\n")
        staged.replace(target)
    print(
        f"wrote {summary.result}: {summary.frames} frames, {summary.segmented} segmented, "
        f"init {summary.init_s:.2f} s, {summary.per_frame_s:.3f} s/frame on {tracker.device}"
    )
    return 0


def _cmd_workspace(args: argparse.Namespace) -> int:
    from .vot.workspace import materialize

    path = materialize(args.stack, args.directory, trackers_ini=args.trackers, count=args.sequences, length=args.length, davis=args.davis)
    # Offline workspaces (generated or DAVIS video) default to the embedded lite weights.
    offline = args.stack.endswith(("-offline", "-davis"))
    print(f"workspace {args.stack} ready in {path}")
    if args.stack.startswith("vots"):
        print(f"  vot evaluate --workspace {path} RPVT-lite-VOTS")
        if offline:
            print(f"  vot analysis --workspace {path} --name vots RPVT-lite-VOTS && rpvt tables {path}")
        print(f"  vot pack --workspace {path} RPVT-lite-VOTS   # the zip to submit")
        return 0
    names = "D3S-lite D3S-MS-lite RPVT-lite" if offline else "D3S D3S-MS RPVT"
    print(f"  vot evaluate --workspace {path} {names}")
    print(f"  vot analysis --workspace {path} --name paper {names} && rpvt tables {path}")
    return 0


def _cmd_tables(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .vot import paper_tables, vots_tables
    from .vot.tables import latex, markdown, read_analysis

    vots = [ws for ws in args.workspaces if vots_tables.is_vots_workspace(ws)]
    if vots:
        if len(vots) < len(args.workspaces):
            raise ValueError("give VOTS workspaces and VOT2016/2018/2020 ones in separate calls")
        found = [vots_tables.read_vots_analysis(ws, args.name) for ws in vots]
        text = "\n".join(vots_tables.markdown(r) for r in found)
        tex = "\n".join(vots_tables.latex(r) for r in found)
    else:
        found = [read_analysis(ws, args.name) for ws in args.workspaces]
        # The paper's layout first (trackers as columns, the paper's other trackers beside ours),
        # then the per-tracker detail (both robustness figures, real-time EAO).
        text = paper_tables.markdown(found) + "\n" + markdown(found)
        tex = paper_tables.latex(found) + "\n" + latex(found)
    for result in found:
        if result.warning:
            print(f"rpvt tables: warning: {result.warning}", file=sys.stderr)
    print(text)
    out = Path(args.output) if args.output else Path(args.workspaces[0]) / "tables"
    out.mkdir(parents=True, exist_ok=True)
    (out / "tables.md").write_text(text)
    (out / "tables.tex").write_text(tex)
    print(f"wrote {out / 'tables.md'} and {out / 'tables.tex'}", file=sys.stderr)
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .cluster import options_from_args
    from .cluster.vot_tasks import evaluate

    experiments = [e for e in args.experiments.split(",") if e] if args.experiments else None
    return evaluate(args.workspace, args.trackers, options_from_args(args), experiments=experiments, force=args.force)


def _cmd_davis(args: argparse.Namespace) -> int:
    from .evaluation.vos import command

    return command(args, _tracker_settings(args))


def _cmd_got10k(args: argparse.Namespace) -> int:
    from .evaluation.got10k import command

    return command(args, _tracker_settings(args))


def _cmd_lasot(args: argparse.Namespace) -> int:
    from .evaluation.lasot import command

    return command(args, _tracker_settings(args))


def _cmd_train(args: argparse.Namespace) -> int:
    from .train.trainer import train

    path = train(_train_config(args), args.dataset, args.output, resume=args.resume, progress=not args.quiet)
    if int(os.environ.get("RANK", "0")) == 0:  # one line from a torchrun job, not one per process
        print(f"wrote {path}")
    return 0


def _train_config(args: argparse.Namespace, **fixed):
    """TrainConfig from the options ``_add_train_options`` defines: unset (None) ones keep the
    recipe's defaults; ``--backbone-weights torchvision`` is torchvision's ImageNet ResNet-50."""
    import dataclasses

    from .resources import TORCHVISION_DCF, torchvision_resnet50
    from .train.config import TrainConfig

    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig) if getattr(args, f.name, None) is not None}
    if values.get("backbone_weights") == TORCHVISION_DCF:
        values["backbone_weights"] = str(torchvision_resnet50())
    return TrainConfig(**{**values, **fixed})


def _cmd_ablation(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .train.ablation import LITE, NAMES, VARIANTS, checkpoint_name, entry_name, train_variants

    if args.backbone_weights is None and (args.backbone or "resnet50") == "resnet50" and not args.init_dir:
        args.backbone_weights = "torchvision"  # the paper's ImageNet backbone
    config = _train_config(args)
    output = Path(args.output)
    if args.skip_training:
        checkpoints = {v: output / checkpoint_name(v, config.backbone) for v in VARIANTS}
        missing = [str(p) for p in checkpoints.values() if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"--skip-training: no checkpoint at {', '.join(missing)}")
    elif not args.dataset:
        raise ValueError("--dataset is required to train (or --skip-training to evaluate the checkpoints in --output)")
    else:
        checkpoints = train_variants(config, args.dataset, output, init_dir=args.init_dir, resume=args.resume, progress=not args.quiet)
    if int(os.environ.get("RANK", "0")) != 0 or not args.workspace:
        return 0  # one process of a torchrun job evaluates, after training
    from .cluster import options_from_args
    from .vot import paper_tables, tables
    from .vot.evaluate import Entry, evaluate

    lite = config.backbone == LITE
    params = args.params or ("lite" if lite else "d3s")
    dcf = args.dcf_weights if args.dcf_weights is not None else (None if lite else "torchvision")
    entries = [Entry(entry_name(v, config.backbone), checkpoints[v], v, params, dcf or None, args.eval_device) for v in VARIANTS]
    found = []
    for workspace in args.workspace:
        evaluate(workspace, entries, args.analysis, cluster=options_from_args(args))
        found.append(tables.read_analysis(workspace, args.analysis))
    for result in found:
        if result.warning:
            print(f"rpvt ablation: warning: {result.warning}", file=sys.stderr)
    text = paper_tables.markdown(found) + "\n" + tables.markdown(found)
    print(text)
    (output / "tables.md").write_text(text)
    (output / "tables.tex").write_text(paper_tables.latex(found) + "\n" + tables.latex(found))
    if not any(r.benchmark == "vot2016" for r in found):
        print("rpvt ablation: no VOT2016 workspace given, so no Table 6 (the paper's ablation is on VOT2016)", file=sys.stderr)
    print(f"wrote {output / 'tables.md'} ({', '.join(NAMES[v] for v in VARIANTS)} as {', '.join(e.name for e in entries)})", file=sys.stderr)
    return 0


def _add_train_options(p: argparse.ArgumentParser) -> None:
    """One option per TrainConfig field (the recipe's defaults are in rpvt_tracker/train/config.py)."""
    import dataclasses

    from .train.config import TrainConfig

    for f in dataclasses.fields(TrainConfig):
        if f.name == "variant":
            continue
        flag = "--" + f.name.replace("_", "-")
        if isinstance(f.default, bool):
            p.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=f"default {f.default}")
        else:
            kind = str if f.default is None else type(f.default)
            p.add_argument(flag, type=kind, default=None, dest=f.name, help=f"default {f.default}")


def _add_tracker_options(p: argparse.ArgumentParser) -> None:
    """The options that say which tracker runs (``rpvt track`` and the benchmark commands)."""
    p.add_argument(
        "--weights",
        required=True,
        help="a checkpoint (rpvt-tracker format, or D3S's SegmNet.pth.tar); a name such as rpvt-lite.pth is also "
        "looked up in $RPVT_WEIGHTS_DIR and the embedded weights",
    )
    p.add_argument("--variant", default=None, help="d3s, d3s-ms or rpvt (default: the checkpoint's)")
    p.add_argument("--dcf-weights", default=None, help="ResNet-50 for the DCF: torchvision (its ImageNet weights through torchvision's "
                   "weights API, as D3S), a torchvision state dict, or any checkpoint")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (default: torch's choice)")
    p.add_argument("--params", default="d3s", help="tracker parameter set: d3s (D3S's values), stable-scale, lite (the embedded default's), "
                   "lite-realtime (one backbone pass a frame), lite-vots, d3s-vots, "
                   'or a JSON file of overrides, {"preset": "lite", "segmentation": {"min_area_ratio": 0.4}}')
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_benchmark_options(p: argparse.ArgumentParser) -> None:
    """A benchmark command's tracker options, plus the name its results are filed under."""
    _add_tracker_options(p)
    p.add_argument("--name", default=None, help="the tracker's name in results and tables (default: the weights file's stem)")


def _add_cluster_options(p: argparse.ArgumentParser) -> None:
    """``--ray [ADDRESS]`` and each task's share (``rpvt_tracker/cluster/engine.py``; Ray is imported only when given)."""
    from .cluster.engine import add_cluster_options

    add_cluster_options(p)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rpvt", description="D3S, D3S-MS and RPVT segmentation trackers.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("variants", help="list the registered tracker variants")
    p.set_defaults(run=_cmd_variants)

    p = sub.add_parser("info", help="describe a checkpoint (own format or D3S's SegmNet.pth.tar)")
    p.add_argument("checkpoint")
    p.set_defaults(run=_cmd_info)

    p = sub.add_parser(
        "convert",
        help="write a checkpoint in rpvt-tracker's format; from a D3S file, any variant's stage 1 is initialised",
    )
    p.add_argument("source", help="a D3S SegmNet.pth.tar or an rpvt-tracker checkpoint")
    p.add_argument("output")
    p.add_argument("--variant", default=None, help="variant to build (default: the source's)")
    p.set_defaults(run=_cmd_convert)

    p = sub.add_parser(
        "track",
        help="track one VOT-format sequence folder and write its result file",
        description="Track one VOT-format sequence folder and write <output>/<name>.txt. One run at a time owns an output: "
        "a run claims <name>.txt (a lock on <name>.txt.lock) before it writes anything, writes <name>.txt.partial, renames "
        "it to <name>.txt when the sequence is done, writes <name>.json, and releases the claim. A second run writing the same "
        "<name>.txt (the same --output and sequence name) while the first runs is refused (exit 2, naming the file and the "
        "process holding it); runs on differently named sequences share a folder freely. A run killed mid-sequence leaves "
        "its lock file but no lock: the next run takes it over.",
    )
    p.add_argument("sequence", help="folder with color/*.jpg and groundtruth.txt (line 1 initialises)")
    _add_tracker_options(p)
    p.add_argument("--output", required=True, help="folder for <sequence name>.txt (and <sequence>.json: what made it, params included)")
    p.add_argument("--format", choices=["polygon", "mask"], default="polygon", help="result regions")
    p.add_argument("--visualize", action="store_true", help="also write overlay frames to <output>/<name>_overlay/")
    p.set_defaults(run=_cmd_track)

    p = sub.add_parser("workspace", help="create a VOT toolkit workspace from workspace_template/")
    p.add_argument(
        "stack",
        help="vot2016/rgb, vot2018/shortterm, vot2020/shortterm, or one of them + '-offline' (generated) or '-davis' (real video); "
        "vots2025/main, vots2025/realtime, vots2025/main-offline (generated multi-object scenes)",
    )
    p.add_argument("directory", help="new (or empty) workspace folder")
    p.add_argument("--trackers", default=None, help="trackers.ini to copy in (default: the repository's)")
    p.add_argument("--sequences", type=int, default=None, help="offline twins: number of generated sequences")
    p.add_argument("--length", type=int, default=None, help="offline twins: frames per generated sequence")
    p.add_argument("--davis", default=None, help="-davis twins: DAVIS-layout folder (default: $RPVT_DAVIS, else the repository's data/davis2016)")
    p.set_defaults(run=_cmd_workspace)

    p = sub.add_parser("tables", help="the paper's EAO / A / R tables (or a VOTS workspace's Q / A / R / NRE / DRE / ADQ) from vot analysis")
    p.add_argument("workspaces", nargs="+", help="one workspace per benchmark (VOT2016, VOT2018, VOT2020), or VOTS workspaces")
    p.add_argument("--name", default=None, help="analysis name (default: each workspace's newest)")
    p.add_argument("--output", default=None, help="folder for tables.md and tables.tex (default: <first workspace>/tables)")
    p.set_defaults(run=_cmd_tables)

    p = sub.add_parser(
        "evaluate",
        help="vot evaluate, one task per (tracker, experiment, sequence): the toolkit's own experiment code, on Ray with --ray",
        description="Run the trackers on every experiment of the workspace's stack, as vot evaluate does and into the same results "
        "layout (vot analysis, vot report, vot pack and rpvt tables read them unchanged). Each (tracker, experiment, sequence) is "
        "one task running the toolkit's experiment code, longest sequence first; a sequence's results appear when it is complete. "
        "Finished sequences are skipped (--force redoes them); a failed task is named at the end (exit 1) and the others are kept.",
    )
    p.add_argument("workspace", help="a VOT workspace (rpvt workspace); on a cluster, on a filesystem every node sees")
    p.add_argument("trackers", nargs="+", help="tracker identifiers of the workspace's registry (trackers.ini)")
    p.add_argument("--experiments", default=None, help="comma-separated experiments of the stack (default: all)")
    p.add_argument("--force", action="store_true", help="redo sequences whose results are complete")
    _add_cluster_options(p)
    p.set_defaults(run=_cmd_evaluate)

    p = sub.add_parser("davis", help="the paper's Table 5: a tracker over DAVIS 2016 (VOS protocol), J&F, J / F mean, recall, decay, FPS")
    p.add_argument("davis", help="DAVIS-layout folder: JPEGImages/480p/<sequence>/*.jpg, Annotations/480p/<sequence>/*.png")
    p.add_argument("--sequences", default=None, help="comma-separated sequences (default: the folder's validation list, "
                   "ImageSets/480p/val.txt or ImageSets/2016/val.txt, else all)")
    p.add_argument("--output", required=True, help="results in DAVIS's layout, <output>/<name>/<sequence>/<frame>.png, and the table")
    _add_benchmark_options(p)
    _add_cluster_options(p)
    p.set_defaults(run=_cmd_davis)

    p = sub.add_parser("got10k", help="the paper's Table 4: a tracker on GOT-10k (val: AO / SR scored here; test: the server's zip)")
    p.add_argument("root", help="GOT-10k folder holding <subset>/list.txt and the sequences")
    p.add_argument("--subset", choices=["val", "test"], default="val")
    p.add_argument("--output", required=True, help="folder for the results (GOT-10k's layout), the report and the table")
    _add_benchmark_options(p)
    _add_cluster_options(p)
    p.set_defaults(run=_cmd_got10k)

    p = sub.add_parser("lasot", help="the paper's Figure 6: a tracker on LaSOT's test set, success and precision plots and AUC")
    p.add_argument("root", help="LaSOT folder: <class>/<class>-<n>/img/*.jpg, groundtruth.txt, ...")
    p.add_argument("--output", required=True, help="folder for the results, the report and the plots (PNG)")
    _add_benchmark_options(p)
    _add_cluster_options(p)
    p.set_defaults(run=_cmd_lasot)

    p = sub.add_parser("train", help="train a variant with the paper's recipe (several GPUs: under torchrun)")
    p.add_argument("--variant", required=True, choices=["d3s", "d3s-ms", "rpvt"])
    p.add_argument("--dataset", action="append", required=True, metavar="NAME=PATH", help="youtube-vos=, davis=, vot=, coco= or coco-instances= (repeatable)")
    p.add_argument("--output", required=True, help="checkpoint to write (rpvt-tracker format)")
    p.add_argument("--resume", action="store_true", help="continue from <output>.state.pth if it exists")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_train_options(p)
    p.set_defaults(run=_cmd_train)

    p = sub.add_parser("ablation", help="the paper's Table 6 like for like: train D3S, D3S-MS and RPVT by one recipe, evaluate them, print the table")
    p.add_argument("--dataset", action="append", default=[], metavar="NAME=PATH",
                   help="youtube-vos=, davis=, vot=, coco= or coco-instances= (repeatable; required unless --skip-training)")
    p.add_argument("--output", required=True, help="folder for the three checkpoints (d3s.pth, d3s-ms.pth, rpvt.pth; -lite with the lite backbone)")
    p.add_argument("--init-dir", default=None, help="continue each variant from its own file in this folder (a previous stage) instead of "
                   "an ImageNet backbone and fresh heads")
    p.add_argument("--workspace", action="append", default=[], help="VOT workspace to evaluate the three in (repeatable; Table 6 is on VOT2016); "
                   "none: train only")
    p.add_argument("--analysis", default="ablation", help="the vot analysis name (default: ablation)")
    p.add_argument("--params", default=None, help="tracker parameter set of the evaluated entries (default: d3s; lite with the lite backbone)")
    p.add_argument("--dcf-weights", default=None, help="the entries' DCF backbone (default: torchvision, as D3S; the checkpoint's own with the "
                   "lite backbone); '' for the checkpoint's own")
    p.add_argument("--eval-device", default="auto", help="the entries' device (env_RPVT_DEVICE)")
    p.add_argument("--skip-training", action="store_true", help="evaluate the checkpoints already in --output")
    _add_cluster_options(p)  # the evaluation's; training runs under torchrun
    p.add_argument("--resume", action="store_true", help="continue interrupted training (each variant's <checkpoint>.state.pth)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_train_options(p)
    p.set_defaults(run=_cmd_ablation)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from .models.checkpoint import CheckpointError

    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (CheckpointError, OSError, ValueError, RuntimeError) as err:
        print(f"rpvt {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
