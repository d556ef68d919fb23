# Shared by the bench scripts (sourced, not run): a release build, a scratch directory, a
# generated estate, and a measuring helper. Benchmarks print figures; they assert nothing about time.

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# CTRLMAP_BENCH_DEBUG=1 runs the debug build instead (CI's smoke run: the figures mean nothing
# then, but the script and every command in it are exercised).
if [ "${CTRLMAP_BENCH_DEBUG:-}" = 1 ]; then
    cargo build --locked --quiet
    bin="$PWD/target/debug/ctrlmap"
else
    cargo build --release --locked --quiet
    bin="$PWD/target/release/ctrlmap"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export CTRLMAP_DB="$work/bench.db" CTRLMAP_ACTOR=bench

# Writes $work/teams.csv (10 teams) and $work/services.csv ($1 services over ten offerings of all
# three categories).
generate_estate() {
    local n="$1"
    local offerings=(aws.ec2 aws.vpc aws.ebs aws.rds aws.emr aws.elasticbeanstalk aws.s3 aws.dynamodb aws.sqs aws.lambda)
    {
        echo "name,contact"
        for t in $(seq 1 10); do echo "team-$t,team-$t@example.com"; done
    } >"$work/teams.csv"
    {
        echo "name,offering,team,environment,region,data_classification"
        for i in $(seq 1 "$n"); do
            echo "svc-$i,${offerings[$((i % 10))]},team-$((i % 10 + 1)),prod,eu-west-1,internal"
        done
    } >"$work/services.csv"
}

# Runs a command and prints its wall time and peak memory (from /usr/bin/time -v).
run() {
    local label="$1"
    shift
    local out wall rss
    local status=0
    # Exit 1 means a check found problems (gaps does on a generated estate): still a result.
    out=$( { /usr/bin/time -v "$@" >/dev/null; } 2>&1 ) || status=$?
    if [ "$status" -gt 1 ]; then
        echo "$label: failed (exit $status): $(echo "$out" | head -3)" >&2
        return "$status"
    fi
    wall=$(echo "$out" | awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }')
    rss=$(echo "$out" | awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }')
    printf "%-46s %10s wall  %8s MB peak\n" "$label" "$wall" "$rss"
    # The wall time in seconds, for scripts that compare two runs.
    echo "$wall" | awk -F: '{ print (NF == 3 ? $1 * 3600 + $2 * 60 + $3 : $1 * 60 + $2) }' >"$work/last-wall"
}

# Runs a command $runs times (default 5) and prints the median wall time, the median CPU time
# (user + system) and the largest peak memory, from /usr/bin/time. CPU time says what the command
# costs; wall time what a user waits, which on a busy machine includes waiting for a core.
runs="${CTRLMAP_BENCH_RUNS:-5}"
median_of() {
    local label="$1"
    shift
    local walls=() cpus=() peak=0 out status
    for _ in $(seq 1 "$runs"); do
        status=0
        # An untimed step before each run (a fresh copy of a database for a write), when set.
        if [ -n "${before_each:-}" ]; then "$before_each"; fi
        /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || status=$?
        if [ "$status" -gt 1 ]; then
            echo "$label: failed (exit $status): $(head -3 "$work/stderr")" >&2
            return "$status"
        fi
        out=$(tail -1 "$work/time")
        walls+=("$(echo "$out" | awk '{ print $1 }')")
        cpus+=("$(echo "$out" | awk '{ print $2 + $3 }')")
        peak=$(echo "$out" | awk -v p="$peak" '{ print ($4 > p ? $4 : p) }')
    done
    local wall cpu
    wall=$(printf "%s\n" "${walls[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    cpu=$(printf "%s\n" "${cpus[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    printf "%-62s %8.3f s wall %8.3f s cpu %8.1f MB peak (median of %s)\n" "$label" "$wall" "$cpu" "$(awk -v k="$peak" 'BEGIN { print k / 1024 }')" "$runs"
    echo "$wall" >"$work/last-wall"
}

# The estate of the scale benchmarks in $CTRLMAP_DB: $1 services over the full SP 800-53 rev5
# catalogue ($catalog), $2 evidence items (from $work/evidence.csv, all in one `evidence import`)
# and sparse overrides. Keeps copies for the write benchmarks: $work/empty.db (after init) and
# $work/pre-evidence.db (everything but the evidence).
build_scale_estate() {
    local n="$1" m="$2"
    generate_estate "$n"
    "$bin" -q init >/dev/null
    cp "$CTRLMAP_DB" "$work/empty.db"
    "$bin" -q catalog import "$catalog" >/dev/null
    "$bin" -q team import "$work/teams.csv" >/dev/null
    "$bin" -q service import "$work/services.csv" >/dev/null
    # Evidence: $m URL and note items spread over every control in force and the services (every
    # 50th organisation-wide, so about one per control), a third of them expiring within the month.
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
    cp "$CTRLMAP_DB" "$work/pre-evidence.db"
    "$bin" -q evidence import "$work/evidence.csv" >/dev/null
    # Sparse overrides: a few organisation-wide and per-service decisions.
    for i in 1 2 3 4 5; do
        "$bin" -q responsibility set "nist-800-53:SC-$i" --as customer --why "bench: zone design is ours" >/dev/null
        "$bin" -q responsibility set "nist-800-53:CM-$i" --as shared --service "svc-$i" --why "bench: shared build pipeline" >/dev/null
        "$bin" -q owner set "nist-800-53:AC-$i" --team "team-$i" >/dev/null
    done
}
