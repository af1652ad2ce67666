#!/bin/bash
# HTTP server benchmark (not a timed test): builds test/bench/http_load.cpp, starts its
# trivial server on [::1], and measures requests/s and p50/p99 latency with 1, 16 and
# 128 concurrent keep-alive clients. Prints a Markdown table.
#   bash test/bench/http_bench.sh [SECONDS_PER_RUN]
# Against another server (e.g. the registry):
#   HTTP_BENCH_TARGET='[::1]:8080' HTTP_BENCH_PATH=/getCa bash test/bench/http_bench.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-5}
work=$(mktemp -d /tmp/re6st-http-bench.XXXXXX)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

load=$work/http_load
echo "building http_load (-O2)..." >&2
g++ -std=c++20 -O2 -DNDEBUG -I"$root" -o "$load" "$root/test/bench/http_load.cpp" \
  "$root"/re6st/base/*.cpp "$root"/re6st/loop/*.cpp "$root"/re6st/http/*.cpp \
  -lhttp_parser -luv -lmbedtls -lmbedx509 -lmbedcrypto -pthread

target=${HTTP_BENCH_TARGET:-}
path=${HTTP_BENCH_PATH:-/}
if [ -z "$target" ]; then
  port=$((20000 + RANDOM % 20000))
  "$load" serve "$port" &
  server_pid=$!
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/::1/$port") 2>/dev/null && break
    sleep 0.1
  done
  target="[::1]:$port"
fi
ulimit -n 4096 2>/dev/null || true

echo "| clients | requests | req/s | p50 (µs) | p99 (µs) | errors |"
echo "|--------:|---------:|------:|---------:|---------:|-------:|"
for c in 1 16 128; do
  read -r conc n rps p50 p99 errs < <("$load" run "$target" "$path" "$c" "$secs")
  printf "| %7s | %8s | %5s | %8s | %8s | %6s |\n" "$conc" "$n" "$rps" "$p50" "$p99" "$errs"
done
echo "(target $target$path, ${secs}s per run, $(nproc) CPUs, load generator and server share them)"
