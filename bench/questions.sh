#!/usr/bin/env bash
# The small questions and bulk writes of issue 18 over the scale estate (5,000 services x SP 800-53
# rev5, 50,000 evidence items, as bench/scale.sh builds it): each timed $CTRLMAP_BENCH_RUNS times
# (default 5), printing the median wall and CPU time and the peak memory. A question about one
# team, service or control should cost in proportion to its answer, not to the estate. Prints
# figures; asserts nothing about time.
#
#   bench/questions.sh [SERVICES] [EVIDENCE]      (defaults 5000 and 50000)
#
# Targets on a 2-core machine: each question under 50 ms; evidence import of 50,000 rows under
# 1.5 s; catalog import of SP 800-53 rev5 at most 0.10x compliance-trestle reading the same file
# (whole processes both; trestle is timed when target/trestle-venv has it, see below).
set -euo pipefail
n="${1:-5000}"
m="${2:-50000}"
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
catalog="$PWD/tests/fixtures/oscal/NIST_SP-800-53_rev5.0.1_catalog.json"
build_scale_estate "$n" "$m"

echo "ctrlmap questions: $n services x SP 800-53 rev5, $m evidence items"
median_of "gaps --catalog nist-800-53 --team team-3" "$bin" gaps --catalog nist-800-53 --team team-3
median_of "responsibility matrix --service svc-17 --json" \
    "$bin" responsibility matrix --catalog nist-800-53 --service svc-17 --json
median_of "evidence list --control nist-800-53:AC-2 --json" "$bin" evidence list --control nist-800-53:AC-2 --json
median_of "status" "$bin" status

# Bulk writes, each into a fresh copy of the database as it was before them.
fresh_import_db() { cp "$work/pre-evidence.db" "$work/import.db"; }
fresh_catalog_db() { cp "$work/empty.db" "$work/catalog.db"; }
before_each=fresh_import_db median_of "evidence import ($m rows)" \
    env CTRLMAP_DB="$work/import.db" "$bin" -q evidence import "$work/evidence.csv"
before_each=fresh_catalog_db median_of "catalog import (SP 800-53 rev5, whole process)" \
    env CTRLMAP_DB="$work/catalog.db" "$bin" -q catalog import "$catalog"
ours_wall=$(cat "$work/last-wall")
# The floor under that: the sqlite3 shell reading the same file and checking it is JSON, then
# inserting the rows the import wrote (catalogue, controls, rules, mappings, audit entries) into the
# same database in one transaction, with none of our parsing, checking or hashing.
if command -v sqlite3 >/dev/null; then
    fresh_floor_db() { cp "$work/empty.db" "$work/floor.db"; }
    floor_sql="ATTACH '$work/catalog.db' AS src; BEGIN IMMEDIATE; SELECT json_valid(readfile('$catalog'));"
    for table in catalog control responsibility_rule control_mapping audit_log; do
        floor_sql+=" INSERT INTO main.$table SELECT * FROM src.$table WHERE id NOT IN (SELECT id FROM main.$table);"
    done
    before_each=fresh_floor_db median_of "floor: sqlite3 reads the file, inserts the same rows" \
        sqlite3 "$work/floor.db" "$floor_sql COMMIT;"
fi
# compliance-trestle reading the same catalogue into its typed OSCAL model, whole process: the
# interpreter's start and imports included, as ctrlmap's process start is. Create the venv with
#   python3 -m venv target/trestle-venv && target/trestle-venv/bin/pip install compliance-trestle
if [ -x target/trestle-venv/bin/python ]; then
    median_of "compliance-trestle: Catalog.oscal_read (whole process)" env PYTHONDONTWRITEBYTECODE=1 \
        target/trestle-venv/bin/python -c 'import pathlib, sys
from trestle.oscal.catalog import Catalog
Catalog.oscal_read(pathlib.Path(sys.argv[1]))' "$catalog"
    awk -v ours="$ours_wall" -v theirs="$(cat "$work/last-wall")" \
        'BEGIN { printf "%-62s %8.2fx (goal: at most 0.10x)\n", "catalog import / compliance-trestle, median wall", ours / theirs }'
else
    echo "compliance-trestle: no target/trestle-venv, not timed"
fi
