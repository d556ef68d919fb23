#!/usr/bin/env bash
# Times importing the full NIST SP 800-53 rev5 catalogue (1,189 controls) and exporting an OSCAL SSP
# and a CRM for 1,000 services over it. Prints figures; asserts nothing about time.
#
#   bench/import.sh [SERVICES]      (default 1000)
set -euo pipefail
n="${1:-1000}"
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
catalog="$PWD/tests/fixtures/oscal/NIST_SP-800-53_rev5.0.1_catalog.json"
generate_estate "$n"

"$bin" init >/dev/null
run "catalog import (SP 800-53 rev5, 1,189 controls)" "$bin" catalog import "$catalog"
run "catalog import --replace (unchanged)" "$bin" catalog import "$catalog" --replace
"$bin" team import "$work/teams.csv" >/dev/null
"$bin" service import "$work/services.csv" >/dev/null
run "export crm ($n services)" "$bin" export crm --catalog nist-800-53 --out "$work/crm.csv"
if "$bin" export --help | grep -q oscal-ssp; then
    run "export oscal-ssp ($n services)" "$bin" export oscal-ssp --catalog nist-800-53 --out "$work/ssp.json"
    printf "ssp size: %s bytes\n" "$(wc -c <"$work/ssp.json")"
fi

# Coverage of the whole of SP 800-53 through the seeded crosswalk from srm, over the estate.
run "coverage --catalog nist-800-53 --via srm" "$bin" coverage --catalog nist-800-53 --via srm
run "coverage ... --json" "$bin" coverage --catalog nist-800-53 --via srm --json
run "report csv --catalog nist-800-53 --via srm (service level)" "$bin" report --format csv --level service --catalog nist-800-53 --via srm --out "$work/via.csv" --date 2026-12-01
run "report pdf --catalog nist-800-53 --via srm" "$bin" report --format pdf --catalog nist-800-53 --via srm --out "$work/via.pdf" --date 2026-12-01
