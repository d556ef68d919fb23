#!/bin/sh
# Builds the demo's OSCAL exports with the debug binary and loads each with compliance-trestle
# (its pydantic models and `trestle import` with default options): tests/trestle/check.py.
# Usage: tests/trestle/run.sh PYTHON   (the python of a venv with compliance-trestle installed)
set -eu
python=${1:?usage: tests/trestle/run.sh PYTHON}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/target/debug/ctrlmap"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out="$work/exports"
mkdir -p "$out"
run() { "$bin" --db "$work/d/demo.db" -q "$@"; }
"$bin" -q demo --out "$work/d" >/dev/null
# SP 800-53 with the seeded crosswalk from srm, for the mapping collection (in full: the demo has
# only the controls of its scan).
run catalog import "$root/tests/fixtures/oscal/NIST_SP-800-53_rev5.0.1_catalog.json" --key nist-800-53 --replace >/dev/null
run export oscal-catalog --catalog srm --out "$out/srm.json"
run export oscal-catalog --catalog nist-800-53 --out "$out/nist-800-53.json"
run export oscal-ssp --catalog srm --out "$out/ssp.json"
# A provider's leveraged SSP decides SP 800-53 pairs on RDS: inherited/satisfied entries link to
# its provided and responsibility uuids.
run provider import "$root/tests/fixtures/provider/leveraged_ssp.json" --provider aws --offering aws.rds >/dev/null
run export oscal-ssp --catalog nist-800-53 --out "$out/ssp-nist-800-53.json"
run export oscal-assessment-results --evaluation 1 --out "$out/ar.json"
# An evaluation of the demo scan's catalogue: its results carry the scanner's observations
# (method TEST, resources as inventory items) and a finding of the failed check.
run evaluation open "Scanner review" --catalog nist-800-53 >/dev/null
run evaluation close >/dev/null
run export oscal-assessment-results --evaluation 2 --out "$out/ar-scans.json"
run export oscal-assessment-plan --evaluation 2 --out "$out/evaluation-2-plan.json"
run export oscal-assessment-plan --evaluation 1 --out "$out/evaluation-1-plan.json"
run export oscal-mapping --from srm --to nist-800-53 --out "$out/mapping.json"
run export oscal-poam --evaluation 1 --out "$out/poam.json"
"$python" "$root/tests/trestle/check.py" "$out"
