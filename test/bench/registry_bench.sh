#!/bin/bash
# Registry benchmark (not a timed test): requests per second and p50/p99 latency with 1, 16
# and 128 concurrent clients for getCa, hello+getNetworkConfig and anonymous
# requestCertificate, then the registry's RSS once 10,000 nodes are registered.
# usage: sudo bash test/bench/registry_bench.sh build/re6st [SECONDS per cell, default 5]
set -eu
RE6ST=$(readlink -f "$1")
SECONDS_PER=${2:-5}
NODES=${NODES:-10000}
HERE=$(dirname "$(readlink -f "$0")")
NS=r6rg-bench-$$
T=$(mktemp -d /tmp/r6rg-bench.XXXXXX)
PID=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  ip netns del $NS 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
ip netns add $NS
ip netns exec $NS ip link set lo up
X="ip netns exec $NS"
cd "$T"
$RE6ST ca --network 2001:db8::/32 --email bench@example.com -d ca >/dev/null
$X "$RE6ST" registry --ca ca/ca.crt --key ca/ca.key --db "$T/reg.db" --port 18652 -4 127.0.0.1 -6 '' \
  -l "$T/reg.log" -v 1 --anonymous-prefix-length 32 &
PID=$!
for _ in $(seq 50); do $X curl -sf http://127.0.0.1:18652/getCa >/dev/null 2>&1 && break; sleep 0.1; done
openssl genrsa -out node.key 2048 2>/dev/null
openssl req -new -key node.key -subj / -out node.csr 2>/dev/null
echo "re6st registry benchmark, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
$X /usr/bin/python3 "$HERE/registry_bench.py" http://127.0.0.1:18652 node.csr node.key "$SECONDS_PER" "$PID" "$NODES"
echo "database: $(du -k reg.db | cut -f1) KiB, $(sqlite3 reg.db "SELECT count(*) FROM cert WHERE cert LIKE '-----%'") certificates"
