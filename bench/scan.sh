#!/usr/bin/env bash
# Times `scan import` of a generated Security Hub (ASFF) file of 200,000 findings, each on one
# resource and naming two SP 800-53 rev5 controls (400,000 observations), against 10 services
# with resource patterns; then the same file read with Python's `json` module and the same rows
# inserted with its `sqlite3`. Prints the median wall time and peak memory of several runs of
# each. Asserts nothing about time.
#
#   bench/scan.sh [FINDINGS] [RUNS]      (default 200000 and 3)
#
# Why the comparison is fair (it favours Python): the Python side does less than ctrlmap. Both
# read the same file and insert the same 400,000 rows (same columns, same four indexes, one
# transaction; Python with `executemany`, statements prepared once, as an expert would write
# it). Both map each finding's control ids to catalogue row ids through a dictionary and its
# resource to a service through the same glob patterns (compiled once into one regex per
# pattern). ctrlmap also copies the file into its evidence store and hashes it, checks every
# finding's fields and times, keeps foreign keys on, writes the evidence item, the scan row and
# the audit entry; Python does none of that, and reads the whole file into memory at once
# (`json.load`), where ctrlmap streams it one finding at a time.
set -euo pipefail
n="${1:-200000}"
runs="${2:-3}"
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
catalog="$PWD/tests/fixtures/oscal/NIST_SP-800-53_rev5.0.1_catalog.json"

# The findings file (not timed).
python3 - "$n" "$work/findings.json" <<'PY'
import json, sys
n, path = int(sys.argv[1]), sys.argv[2]
controls = [("IAM.6", ["AC-2(4)", "IA-2(1)"]), ("S3.5", ["SC-8", "SC-13"]), ("EC2.8", ["CM-6", "AC-3"]),
            ("RDS.3", ["SC-28", "SC-28(1)"]), ("CloudTrail.1", ["AU-2", "AU-12"])]
kinds = ["arn:aws:rds:eu-west-1:111122223333:db:svc-{s}-{i}", "arn:aws:s3:::svc-{s}-bucket-{i}",
         "arn:aws:ec2:eu-west-1:111122223333:instance/i-{s}{i:012d}", "arn:aws:sqs:eu-west-1:999999999999:other-{i}"]
with open(path, "w") as out:
    out.write('{"Findings": [\n')
    for i in range(n):
        check, related = controls[i % len(controls)]
        resource = kinds[i % len(kinds)].format(s=i % 10, i=i)
        status = ("PASSED", "FAILED", "FAILED", "WARNING")[i % 4]
        f = {
            "SchemaVersion": "2018-10-08",
            "Id": f"arn:aws:securityhub:eu-west-1:111122223333:security-control/{check}/finding/{i:08d}",
            "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
            "ProductName": "Security Hub",
            "GeneratorId": f"security-control/{check}",
            "AwsAccountId": "111122223333",
            "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
            "FirstObservedAt": "2026-11-01T10:00:00.000Z",
            "LastObservedAt": "2026-11-20T10:00:00.000Z",
            "CreatedAt": "2026-11-01T10:00:00.000Z",
            "UpdatedAt": "2026-11-20T10:00:00.000Z",
            "Severity": {"Label": "MEDIUM"},
            "Title": f"{check} should be configured",
            "Resources": [{"Type": "Other", "Id": resource, "Region": "eu-west-1"}],
            "Compliance": {"Status": status, "SecurityControlId": check,
                           "RelatedRequirements": [f"NIST.800-53.r5 {c}" for c in related]},
            "RecordState": "ACTIVE",
            "Workflow": {"Status": "NEW"},
        }
        out.write(("," if i else "") + json.dumps(f) + "\n")
    out.write("]}\n")
PY
printf "findings file: %s findings, %s bytes\n" "$n" "$(wc -c <"$work/findings.json")"

# A database with the catalogue and 10 services owning the svc-N resources (not timed).
{
    echo "name,offering,team,resources"
    for s in $(seq 0 9); do
        echo "svc-$s,aws.rds,,arn:aws:rds:*:111122223333:db:svc-$s-*;arn:aws:s3:::svc-$s-bucket-*;arn:aws:ec2:*:111122223333:instance/i-$s*"
    done
} >"$work/services.csv"
"$bin" init >/dev/null
"$bin" catalog import "$catalog" >/dev/null
"$bin" service import "$work/services.csv" >/dev/null
cp "$CTRLMAP_DB" "$work/base.db"

# Runs a command under /usr/bin/time -v; prints and keeps its wall time (s) and peak memory (MB).
measure() {
    local label="$1" out
    shift
    out=$( { /usr/bin/time -v "$@" >/dev/null; } 2>&1 ) || { echo "$label failed: $out" >&2; return 1; }
    wall=$(echo "$out" | awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' |
        awk -F: '{ print (NF == 3 ? $1 * 3600 + $2 * 60 + $3 : $1 * 60 + $2) }')
    rss=$(echo "$out" | awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }')
    printf "%-40s %8.2f s wall  %8s MB peak\n" "$label" "$wall" "$rss"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

walls=() peaks=()
for r in $(seq 1 "$runs"); do
    rm -rf "$work/run.db" "$work/run.db.evidence" "$work/run.db-wal" "$work/run.db-shm"
    cp "$work/base.db" "$work/run.db"
    CTRLMAP_DB="$work/run.db" measure "ctrlmap scan import (run $r)" "$bin" scan import "$work/findings.json"
    walls+=("$wall")
    peaks+=("$rss")
done
rows=$(sqlite3 "$work/run.db" "SELECT count(*) FROM observation" 2>/dev/null || echo "?")
echo "ctrlmap: $rows observations stored"
ctrlmap_median=$(printf "%s\n" "${walls[@]}" | median)
ctrlmap_peak=$(printf "%s\n" "${peaks[@]}" | median)

# The same rows with Python's json and sqlite3.
cat >"$work/py_import.py" <<'PY'
import json, re, sqlite3, sys, fnmatch
path, db = sys.argv[1], sys.argv[2]
conn = sqlite3.connect(db)
conn.executescript("""
CREATE TABLE observation (
    id INTEGER PRIMARY KEY, scan_id INTEGER NOT NULL, check_id TEXT NOT NULL, finding_id TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '', resource TEXT NOT NULL, service_id INTEGER, control_id INTEGER, part TEXT,
    status TEXT NOT NULL, source_status TEXT NOT NULL, observed_at TEXT NOT NULL, mapping TEXT NOT NULL,
    superseded_by INTEGER) STRICT;
CREATE INDEX observation_scan ON observation(scan_id, status);
CREATE INDEX observation_subject ON observation(check_id, resource);
CREATE INDEX observation_pair ON observation(control_id, service_id);
CREATE INDEX observation_service ON observation(service_id);
""")
# The catalogue's control ids and the services' patterns, as ctrlmap has them.
controls = {k: i for i, k in enumerate(["AC-2(4)", "IA-2(1)", "SC-8", "SC-13", "CM-6", "AC-3", "SC-28", "SC-28(1)", "AU-2", "AU-12"])}
patterns = []
for s in range(10):
    for p in [f"arn:aws:rds:*:111122223333:db:svc-{s}-*", f"arn:aws:s3:::svc-{s}-bucket-*", f"arn:aws:ec2:*:111122223333:instance/i-{s}*"]:
        patterns.append((re.compile(fnmatch.translate(p)), s + 1))
statuses = {"PASSED": "passed", "FAILED": "failed", "WARNING": "manual", "NOT_AVAILABLE": "error"}
def rows():
    with open(path) as f:
        doc = json.load(f)
    for finding in doc["Findings"]:
        comp = finding["Compliance"]
        for res in finding["Resources"]:
            service = next((s for rx, s in patterns if rx.match(res["Id"])), None)
            for req in comp.get("RelatedRequirements", []):
                if req.startswith("NIST.800-53.r5 "):
                    yield (1, comp["SecurityControlId"], finding["Id"], finding["Title"], res["Id"], service,
                           controls.get(req[15:]), None, statuses[comp["Status"]], comp["Status"],
                           finding["LastObservedAt"], "finding:Compliance.RelatedRequirements")
with conn:
    conn.executemany(
        "INSERT INTO observation (scan_id, check_id, finding_id, title, resource, service_id, control_id, part,"
        " status, source_status, observed_at, mapping) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows())
print(conn.execute("SELECT count(*) FROM observation").fetchone()[0], "rows")
PY
pwalls=() ppeaks=()
for r in $(seq 1 "$runs"); do
    rm -f "$work/py.db"
    measure "python json + sqlite3 (run $r)" python3 "$work/py_import.py" "$work/findings.json" "$work/py.db"
    pwalls+=("$wall")
    ppeaks+=("$rss")
done
python_median=$(printf "%s\n" "${pwalls[@]}" | median)
python_peak=$(printf "%s\n" "${ppeaks[@]}" | median)
echo "python: $(sqlite3 "$work/py.db" "SELECT count(*) FROM observation" 2>/dev/null || echo "?") rows stored"
printf "median of %s runs: ctrlmap %.2f s, %s MB peak; python %.2f s, %s MB peak\n" \
    "$runs" "$ctrlmap_median" "$ctrlmap_peak" "$python_median" "$python_peak"
