#!/usr/bin/env bash
# The README's main command: set up, then evaluate the embedded default (D3S-lite, D3S-MS-lite,
# RPVT-lite and the static-box baseline) with the real VOT toolkit on an offline VOT2020-style
# workspace, print the table, write the HTML report and an overlay GIF of RPVT-lite's masks.
# Nothing is downloaded (torch comes from pip's usual sources at set-up).
#
#   bash scripts/demo.sh [WORKSPACE_DIR]          (default: demo/vot2020)
#   DEMO_SOURCE=generated bash scripts/demo.sh    (generated sequences instead of real video)
#
# Video: the three held-out DAVIS 2016 sequences (blackswan, car-shadow, scooter-black) that ship
# in data/davis2016 (or another DAVIS-layout folder holding them: $RPVT_DAVIS).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/setup.sh
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
WS=${1:-demo/vot2020}
if [ -e "$WS" ]; then
  if [ -f "$WS/.rpvt-demo" ]; then rm -rf "$WS"; else echo "demo: $WS exists and is not a demo workspace; choose another folder" >&2; exit 1; fi
fi
DAVIS=${RPVT_DAVIS:-data/davis2016}
case "${DEMO_SOURCE:-davis}" in
  davis)
    if [ ! -d "$DAVIS/JPEGImages" ]; then
      echo "demo: no DAVIS folder at $DAVIS (it ships with the repository; RPVT_DAVIS points elsewhere)" >&2
      exit 1
    fi
    .venv/bin/rpvt workspace vot2020/shortterm-davis "$WS" --davis "$DAVIS"
    SEQ=scooter-black ;;
  generated)
    .venv/bin/rpvt workspace vot2020/shortterm-offline "$WS" --sequences 3 --length 60
    SEQ=vot2020-01 ;;
  *) echo "demo: DEMO_SOURCE must be 'davis' or 'generated', got '$DEMO_SOURCE'" >&2; exit 1 ;;
esac
touch "$WS/.rpvt-demo"
TRACKERS="D3S-lite D3S-MS-lite RPVT-lite Static"
# The toolkit caches analyses by name: a fresh workspace has no stale cache.
.venv/bin/vot evaluate --workspace "$WS" $TRACKERS
.venv/bin/vot analysis --workspace "$WS" --name demo $TRACKERS
.venv/bin/vot report --workspace "$WS" --name demo $TRACKERS
.venv/bin/rpvt tables "$WS" --name demo --output "$WS/tables"
.venv/bin/rpvt track "$WS/sequences/$SEQ" --weights weights/rpvt-lite.pth --params lite --format mask --visualize \
  --output "$WS/overlay" --quiet
echo
echo "HTML report:   $(ls -d "$WS"/reports/demo 2>/dev/null || echo "$WS/reports")"
echo "overlay GIF:   $WS/overlay/${SEQ}_overlay.gif"
echo "tables:        $WS/tables/tables.md"
echo "demo finished in $(( $(date +%s) - start )) s"
