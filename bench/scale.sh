#!/usr/bin/env bash
# The scale benchmark of issue 7: an estate of 5,000 services over the full NIST SP 800-53 rev5
# catalogue (1,189 controls, 1,007 in force: about 5 million control-service pairs in force, 5.9
# million with the withdrawn ones) with 50,000 evidence items and sparse overrides. Times the
# responsibility matrix as JSON, gaps, the service-level CSV report and the control-level PDF
# report, with peak memory, and the sqlite3 shell exporting the same derivation (one SQL join) to
# CSV for comparison. Prints figures; asserts nothing about time.
#
#   bench/scale.sh [SERVICES] [EVIDENCE]      (defaults 5000 and 50000)
#
# Targets on a 2-core machine: service-level CSV at most 0.3x the shell's time and under 100 MB
# peak; matrix, gaps and the control-level PDF each under 10 s and 300 MB.
set -euo pipefail
n="${1:-5000}"
m="${2:-50000}"
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
catalog="$PWD/tests/fixtures/oscal/NIST_SP-800-53_rev5.0.1_catalog.json"
generate_estate "$n"

# Evidence: $m URL and note items spread over every control in force and the services (every 50th
# organisation-wide, so about one per control), a third of them expiring within the month, all
# registered in one `evidence import`. Needs the catalogue imported first (for the control keys).
generate_evidence() {
    sqlite3 "$CTRLMAP_DB" "SELECT c.key FROM control c JOIN catalog k ON k.id = c.catalog_id
        WHERE k.key = 'nist-800-53' AND c.withdrawn = 0 ORDER BY c.sort_key" >"$work/controls.txt"
    awk -v m="$m" -v n="$n" '
        { key[k++] = $0 }
        END {
            print "control,service,title,url,note,collected,expires"
            for (i = 1; i <= m; i++) {
                control = key[(i * 7) % k]
                service = (i % 50 == 0) ? "" : "svc-" ((i * 13) % n + 1)
                expires = (i % 3 == 0) ? "30d" : "1y"
                if (i % 2 == 0) {
                    printf "%s,%s,Scan %d,https://evidence.example.com/%d,,2026-%02d-01,%s\n", control, service, i, i, (i % 11) + 1, expires
                } else {
                    printf "%s,%s,Note %d,,\"Checked by the platform team, run %d\",2026-%02d-15,%s\n", control, service, i, i, (i % 11) + 1, expires
                }
            }
        }' "$work/controls.txt" >"$work/evidence.csv"
}

"$bin" -q init >/dev/null
"$bin" -q catalog import "$catalog" >/dev/null
"$bin" -q team import "$work/teams.csv" >/dev/null
"$bin" -q service import "$work/services.csv" >/dev/null
generate_evidence
run "evidence import ($m items)" "$bin" -q evidence import "$work/evidence.csv"
# Sparse overrides: a few organisation-wide and per-service decisions.
for i in 1 2 3 4 5; do
    "$bin" -q responsibility set "nist-800-53:SC-$i" --as customer --why "bench: zone design is ours" >/dev/null
    "$bin" -q responsibility set "nist-800-53:CM-$i" --as shared --service "svc-$i" --why "bench: shared build pipeline" >/dev/null
    "$bin" -q owner set "nist-800-53:AC-$i" --team "team-$i" >/dev/null
done

pairs=$(sqlite3 "$CTRLMAP_DB" "SELECT (SELECT count(*) FROM control c JOIN catalog k ON k.id = c.catalog_id
    WHERE k.key = 'nist-800-53' AND c.withdrawn = 0) * (SELECT count(*) FROM service WHERE in_scope = 1)")
echo "ctrlmap scale benchmark: $n services x SP 800-53 rev5 = $pairs control-service pairs in force, $m evidence items"
if [ "${CTRLMAP_BENCH_DEBUG:-}" = 1 ]; then
    echo "(a debug build, to check the script runs: these figures say nothing about speed)"
fi
run "responsibility matrix --json" "$bin" responsibility matrix --catalog nist-800-53 --json
run "gaps --json" "$bin" gaps --catalog nist-800-53 --json
run "gaps (table)" "$bin" gaps --catalog nist-800-53
run "report csv --level service" "$bin" report --format csv --level service --catalog nist-800-53 \
    --out "$work/service.csv" --date 2026-12-01
csv_time=$(cat "$work/last-wall")
run "report pdf (control level)" "$bin" report --format pdf --catalog nist-800-53 --out "$work/report.pdf" --date 2026-12-01

# The same derivation as one SQL join in the sqlite3 shell: each in-force control x in-scope
# service, its responsibility (service override, then organisation-wide override, then the rule for
# the control, then the rule for its family), why, and the owner; written as CSV.
cat >"$work/derive.sql" <<'SQL'
.headers on
.mode csv
.once OUTFILE
SELECT c.key AS control, c.title, s.name AS service, o.key AS offering, o.category,
    coalesce(i.responsibility, io.responsibility, rc.responsibility, rf.responsibility, 'undetermined') AS responsibility,
    coalesce(i.responsibility_why, io.responsibility_why, rc.rationale, rf.rationale, '') AS rationale,
    coalesce(ti.name, tio.name, t.name, '') AS owner
FROM control c
JOIN catalog k ON k.id = c.catalog_id AND k.key = 'nist-800-53'
CROSS JOIN service s
JOIN offering o ON o.id = s.offering_id
LEFT JOIN team t ON t.id = s.team_id
LEFT JOIN responsibility_rule rc ON rc.catalog_id = c.catalog_id AND coalesce(rc.control_key, '') = c.key COLLATE BINARY
    AND coalesce(rc.family, '') = '' AND rc.category = o.category
LEFT JOIN responsibility_rule rf ON rf.catalog_id = c.catalog_id AND coalesce(rf.control_key, '') = ''
    AND coalesce(rf.family, '') = c.family AND rf.category = o.category
LEFT JOIN implementation i ON i.control_id = c.id AND coalesce(i.service_id, 0) = s.id
LEFT JOIN implementation io ON io.control_id = c.id AND coalesce(io.service_id, 0) = 0
LEFT JOIN team ti ON ti.id = i.owner_team_id
LEFT JOIN team tio ON tio.id = io.owner_team_id
WHERE c.withdrawn = 0 AND s.in_scope = 1
ORDER BY c.sort_key, c.key, s.name;
SQL
sed -i "s|OUTFILE|$work/shell.csv|" "$work/derive.sql"
run "sqlite3 shell: the derivation as one join, to CSV" sqlite3 "$CTRLMAP_DB" ".read $work/derive.sql"
shell_time=$(cat "$work/last-wall")
printf "rows: ours %s, shell %s; sizes: ours %s bytes, shell %s bytes, pdf %s bytes\n" \
    "$(($(wc -l <"$work/service.csv") - 1))" "$(($(wc -l <"$work/shell.csv") - 1))" \
    "$(wc -c <"$work/service.csv")" "$(wc -c <"$work/shell.csv")" "$(wc -c <"$work/report.pdf")"
awk -v a="$csv_time" -v b="$shell_time" \
    'BEGIN { printf "service-level CSV: ours %.2f s / shell %.2f s = %.2f (target at most 0.30)\n", a, b, a / b }'
