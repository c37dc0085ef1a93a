#!/usr/bin/env bash
# The README's main command: set up, then evaluate the embedded default (D3S-lite, D3S-MS-lite,
# RPVT-lite and the static-box baseline) with the real VOT toolkit on an offline VOT2020-style
# workspace, print the table, write the HTML report and an overlay GIF of RPVT-lite's masks.
# Nothing is downloaded (torch comes from pip's usual sources at set-up).
#
#   bash scripts/demo.sh [WORKSPACE_DIR]          (default: demo/vot2020)
#
# Video: the three held-out DAVIS 2016 sequences (blackswan, car-shadow, scooter-black) from
# $RPVT_DAVIS or ../shared/data/davis2016; without that folder, generated sequences instead.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/setup.sh
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
WS=${1:-demo/vot2020}
if [ -e "$WS" ]; then
  if [ -f "$WS/.rpvt-demo" ]; then rm -rf "$WS"; else echo "demo: $WS exists and is not a demo workspace; choose another folder" >&2; exit 1; fi
fi
DAVIS=${RPVT_DAVIS:-../shared/data/davis2016}
if [ -d "$DAVIS/JPEGImages" ]; then
  .venv/bin/rpvt workspace vot2020/shortterm-davis "$WS" --davis "$DAVIS"
  SEQ=scooter-black
else
  echo "demo: no DAVIS folder at $DAVIS (set RPVT_DAVIS); using generated sequences" >&2
  .venv/bin/rpvt workspace vot2020/shortterm-offline "$WS" --sequences 3 --length 60
  SEQ=vot2020-01
fi
touch "$WS/.rpvt-demo"
TRACKERS="D3S-lite D3S-MS-lite RPVT-lite Static"
# The toolkit caches analyses by name: a fresh workspace has no stale cache.
.venv/bin/vot evaluate --workspace "$WS" $TRACKERS
.venv/bin/vot analysis --workspace "$WS" --name demo $TRACKERS
.venv/bin/vot report --workspace "$WS" --name demo $TRACKERS
.venv/bin/rpvt tables "$WS" --name demo --output "$WS/tables"
.venv/bin/rpvt track "$WS/sequences/$SEQ" --weights weights/rpvt-lite.pth --format mask --visualize \
  --output "$WS/overlay" --quiet
echo
echo "HTML report:   $(ls -d "$WS"/reports/demo 2>/dev/null || echo "$WS/reports")"
echo "overlay GIF:   $WS/overlay/${SEQ}_overlay.gif"
echo "tables:        $WS/tables/tables.md"
echo "demo finished in $(( $(date +%s) - start )) s"
