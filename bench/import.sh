#!/usr/bin/env bash
# Times importing the full NIST SP 800-53 rev5 catalogue (1,189 controls) and exporting an OSCAL SSP
# and a CRM for 1,000 services over it. Prints figures; asserts nothing about time.
#
#   bench/import.sh [SERVICES]      (default 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000}"
cargo build --release --locked --quiet
bin="$PWD/target/release/ctrlmap"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export CTRLMAP_DB="$work/bench.db" CTRLMAP_ACTOR=bench
catalog="$PWD/tests/fixtures/oscal/NIST_SP-800-53_rev5.0.1_catalog.json"

offerings=(aws.ec2 aws.vpc aws.ebs aws.rds aws.emr aws.elasticbeanstalk aws.s3 aws.dynamodb aws.sqs aws.lambda)
{
    echo "name,offering,team,environment,region,data_classification"
    for i in $(seq 1 "$n"); do echo "svc-$i,${offerings[$((i % 10))]},,prod,eu-west-1,internal"; done
} >"$work/services.csv"

run() {
    local label="$1"
    shift
    local out wall rss
    out=$( { /usr/bin/time -v "$@" >/dev/null; } 2>&1 )
    wall=$(echo "$out" | awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }')
    rss=$(echo "$out" | awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }')
    printf "%-46s %10s wall  %8s MB peak\n" "$label" "$wall" "$rss"
}

"$bin" init >/dev/null
run "catalog import (SP 800-53 rev5, 1,189 controls)" "$bin" catalog import "$catalog"
run "catalog import --replace (unchanged)" "$bin" catalog import "$catalog" --replace
"$bin" service import "$work/services.csv" >/dev/null
run "export crm ($n services)" "$bin" export crm --catalog nist-800-53 --out "$work/crm.csv"
if "$bin" export --help | grep -q oscal-ssp; then
    run "export oscal-ssp ($n services)" "$bin" export oscal-ssp --catalog nist-800-53 --out "$work/ssp.json"
    printf "ssp size: %s bytes\n" "$(wc -c <"$work/ssp.json")"
fi
