#!/usr/bin/env bash
# Set up .venv (scripts/setup.sh), run the linter (ruff, configured in pyproject.toml), then the
# test suite on the CPU. Extra arguments go to pytest. The exit code is pytest's, except that a
# run that collected no test (pytest's code 5) fails: a green run is never an empty one.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
.venv/bin/ruff check --quiet . || { echo "scripts/test.sh: ruff check failed (see above)" >&2; exit 1; }
# CI machines have 2 cores; the reference outputs were made with 2 threads too.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "scripts/test.sh: pytest collected no tests; failing" >&2
  exit 1
fi
exit "$rc"
