"""Training curves of the embedded default: loss and validation IoU of each lite variant.

Reads ``<weights>/<variant>-lite.pth.log.csv`` (``rpvt train``'s log) and writes one PNG with
the training loss (left) and the validation IoU (right) against the iteration.

    python benchmarks/plot_training.py [--weights-dir weights] [--output weights/training_curves.png]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ("d3s", "d3s-ms", "rpvt")


def curves(log: Path) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    """((global iteration, loss), (global iteration, val IoU)) from one log."""
    with log.open() as f:
        rows = list(csv.DictReader(f))
    per_epoch = max(int(r["iteration"]) for r in rows if r["split"] == "train")
    train, val = [], []
    for r in rows:
        epoch = int(r["epoch"])
        if r["split"] == "train":
            train.append(((epoch - 1) * per_epoch + int(r["iteration"]), float(r["loss"])))
        else:
            val.append((epoch * per_epoch, float(r["iou"])))
    return train, val


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights-dir", default=str(ROOT / "weights"))
    parser.add_argument("--output", default=None)
    args = parser.parse_args()
    folder = Path(args.weights_dir)
    fig, (loss_ax, iou_ax) = plt.subplots(1, 2, figsize=(10, 3.6))
    for variant in VARIANTS:
        log = folder / f"{variant}-lite.pth.log.csv"
        if not log.is_file():
            raise SystemExit(f"plot_training.py: {log} is missing")
        train, val = curves(log)
        loss_ax.plot(*zip(*train), label=f"{variant}-lite")
        iou_ax.plot(*zip(*val), marker="o", label=f"{variant}-lite")
        print(f"{variant}-lite: final loss {train[-1][1]:.3f}, val IoU " + " ".join(f"{v:.3f}" for _, v in val))
    loss_ax.set(xlabel="iteration (batch 8)", ylabel="training loss (fused + stages)", title="loss")
    iou_ax.set(xlabel="iteration (batch 8)", ylabel="mean IoU", title="validation IoU")
    for ax in (loss_ax, iou_ax):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    out = Path(args.output) if args.output else folder / "training_curves.png"
    fig.savefig(out, dpi=100)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
