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
