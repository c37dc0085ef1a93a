#!/usr/bin/env bash
# Create .venv in the repository root (if missing) and install rpvt-tracker into it, editable,
# with the test tools. Safe to re-run: what is installed already is kept.
#
# torch/torchvision: the tested releases, 2.14.1 / 0.29.1 (on this project's machines pip takes
# them from local disk; elsewhere pip downloads them, a CUDA build on x86-64 Linux).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check torch==2.14.1 torchvision==0.29.1
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
.venv/bin/python -c "import rpvt_tracker, torch, trax, vot; print('rpvt-tracker', rpvt_tracker.__version__, '| torch', torch.__version__, '| vot-toolkit', vot.__version__)"
