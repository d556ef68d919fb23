#!/usr/bin/env bash
# Times the CSV (control and service level) and PDF reports over a generated estate of 1,000
# services x the whole srm catalogue, with peak memory from /usr/bin/time -v. Prints figures;
# asserts nothing about time.
#
#   bench/report.sh [SERVICES]      (default 1000)
set -euo pipefail
n="${1:-1000}"
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
generate_estate "$n"
"$bin" init >/dev/null
"$bin" team import "$work/teams.csv" >/dev/null
"$bin" service import "$work/services.csv" >/dev/null
"$bin" evidence add SRM-TRAIN --note "training records" >/dev/null
CTRLMAP_ACTOR=reviewer "$bin" evidence review 1 --accept >/dev/null

echo "ctrlmap report benchmark: $n services x $("$bin" control list --json | grep -c '"key"') srm controls"
run "report csv --level control" "$bin" report --format csv --out "$work/c.csv" --date 2026-12-01
run "report csv --level service" "$bin" report --format csv --level service --out "$work/s.csv" --date 2026-12-01
run "report pdf" "$bin" report --format pdf --out "$work/r.pdf" --date 2026-12-01
"$bin" evaluation open bench >/dev/null
"$bin" evaluation record SRM-PATCH --result satisfied >/dev/null
run "evaluation close (freeze all pairs)" "$bin" evaluation close
run "report pdf --evaluation 1 (frozen)" "$bin" report --format pdf --evaluation 1 --out "$work/e.pdf" --date 2026-12-01
printf "sizes: control csv %s bytes, service csv %s bytes (%s rows), pdf %s bytes\n" \
    "$(wc -c <"$work/c.csv")" "$(wc -c <"$work/s.csv")" "$(($(wc -l <"$work/s.csv") - 1))" "$(wc -c <"$work/r.pdf" 2>/dev/null || echo 0)"

# The same over the full SP 800-53 rev5 catalogue (1,007 controls in force): about a million pairs.
"$bin" catalog import "$PWD/tests/fixtures/oscal/NIST_SP-800-53_rev5.0.1_catalog.json" >/dev/null
echo "and over NIST SP 800-53 rev5: $n services x 1,007 controls in force"
run "report csv --level control (nist)" "$bin" report --format csv --catalog nist-800-53 --out "$work/nc.csv" --date 2026-12-01
run "report csv --level service (nist)" "$bin" report --format csv --level service --catalog nist-800-53 --out "$work/ns.csv" --date 2026-12-01
run "report pdf (nist)" "$bin" report --format pdf --catalog nist-800-53 --out "$work/n.pdf" --date 2026-12-01
printf "sizes: service csv %s bytes (%s rows), pdf %s bytes\n" \
    "$(wc -c <"$work/ns.csv")" "$(($(wc -l <"$work/ns.csv") - 1))" "$(wc -c <"$work/n.pdf")"
