#!/usr/bin/env bash
# Hashing throughput of the evidence store against coreutils' sha256sum on the same 1 GiB file.
# Prints figures; asserts nothing about time. Goal: ctrlmap >= 90% of sha256sum's throughput.
#
#   bench/hash.sh [SIZE_MIB]     (default 1024)
set -euo pipefail
cd "$(dirname "$0")/.."
mib="${1:-1024}"
cargo build --release --locked --quiet
bin="$PWD/target/release/ctrlmap"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
file="$work/evidence.bin"
head -c "$((mib * 1024 * 1024))" /dev/urandom >"$file"
cat "$file" >/dev/null # warm the page cache so both read from memory

best() { # best wall time of 3 runs, in seconds
    local b=""
    for _ in 1 2 3; do
        local s e t
        s=$(date +%s.%N)
        "$@" >/dev/null
        e=$(date +%s.%N)
        t=$(awk -v a="$s" -v b="$e" 'BEGIN { print b - a }')
        b=$(awk -v a="$b" -v t="$t" 'BEGIN { if (a == "" || t < a) print t; else print a }')
    done
    echo "$b"
}

ours=$(best "$bin" evidence hash "$file")
theirs=$(best sha256sum "$file")
[ "$("$bin" evidence hash "$file" | cut -d' ' -f1)" = "$(sha256sum "$file" | cut -d' ' -f1)" ] || {
    echo "hash mismatch" >&2
    exit 1
}
export CTRLMAP_DB="$work/bench.db" CTRLMAP_ACTOR=bench
"$bin" init >/dev/null
s=$(date +%s.%N)
"$bin" evidence add SRM-PATCH "$file" >/dev/null
e=$(date +%s.%N)
add=$(awk -v a="$s" -v b="$e" 'BEGIN { print b - a }')

awk -v mib="$mib" -v ours="$ours" -v theirs="$theirs" -v add="$add" 'BEGIN {
    printf "file: %d MiB\n", mib
    printf "ctrlmap evidence hash  %7.3f s  %7.1f MiB/s\n", ours, mib / ours
    printf "sha256sum              %7.3f s  %7.1f MiB/s\n", theirs, mib / theirs
    printf "ctrlmap / sha256sum throughput: %.0f%%\n", 100 * theirs / ours
    printf "ctrlmap evidence add (copy + hash + fsync + rename): %.3f s  %.1f MiB/s\n", add, mib / add
}'
