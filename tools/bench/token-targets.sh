#!/bin/sh
# Runs the rows behind bosso-token's performance targets N times (default 5) and prints the
# medians of each run; BENCHMARKS.md reports the median of the per-run ratios.
# Usage: sh tools/bench/token-targets.sh [N]   (from the workspace root)
set -e
n=${1:-5}
filter='ed25519_verify/(bosso|ring_raw)|ed25519_mint/(bosso|ring_raw)|hmac_verify/(bosso|ring_raw)|replay_consume/memory'
i=1
while [ "$i" -le "$n" ]; do
  cargo bench -q --bench token --no-default-features --features token -- \
    --warm-up-time 1 --measurement-time 4 "$filter" >/dev/null 2>&1
  echo "run $i, load $(cut -d' ' -f1-3 /proc/loadavg)"
  python3 tools/bench/medians.py ed25519_verify ed25519_mint hmac_verify replay_consume \
    | grep -v -e jsonwebtoken -e mutex_hashset
  i=$((i + 1))
done
