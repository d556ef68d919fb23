#!/usr/bin/env bash
# Times `init`, a 1,000-service import and the responsibility matrix over the estate, and prints
# the figures. A benchmark, not a test: nothing here asserts anything about time.
#
#   bench/estate.sh [SERVICES]      (default 1000)
set -euo pipefail
n="${1:-1000}"
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
generate_estate "$n"

# Wall-clock seconds and peak RSS (MB) of one command, via GNU time when present.
measure() {
    local label="$1"
    shift
    local start end
    start=$(date +%s.%N)
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f "%M" -o "$work/rss" "$@" >"$work/out" 2>"$work/err"
        rss=$(awk '{printf "%.1f", $1 / 1024}' "$work/rss")
    else
        "$@" >"$work/out" 2>"$work/err"
        rss="n/a"
    fi
    end=$(date +%s.%N)
    printf "%-44s %8.3f s  %8s MB peak  %10s bytes out\n" "$label" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$rss" "$(wc -c <"$work/out")"
}

echo "ctrlmap benchmark: $n services x 20 srm controls = $((n * 20)) control-service pairs"
measure "init (schema + seeds)" "$bin" init
measure "init again (idempotent, nothing changes)" "$bin" init
measure "team import (10)" "$bin" team import "$work/teams.csv"
measure "service import ($n)" "$bin" service import "$work/services.csv"
measure "responsibility matrix --json" "$bin" responsibility matrix --json
measure "responsibility matrix --service svc-1 --json" "$bin" responsibility matrix --service svc-1 --json
measure "responsibility matrix (table)" "$bin" responsibility matrix
measure "audit verify ($((n + 150)) entries)" "$bin" audit verify
