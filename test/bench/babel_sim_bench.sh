#!/bin/bash
# Builds (optimised, -O2) and runs the Babel simulation benchmark from the sources of
# re6st/base, re6st/babel (without the libuv driver) and re6st/sim:
#   bash test/bench/babel_sim_bench.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
srcs=$(ls "$root"/re6st/base/*.cpp "$root"/re6st/babel/*.cpp "$root"/re6st/sim/*.cpp |
       grep -v '/babel/driver')
c++ -std=c++20 -O2 -DNDEBUG -I"$root" "$root/test/bench/babel_sim_bench.cpp" $srcs \
  -lb2 -lmbedcrypto -o "$out/babel_sim_bench"
/usr/bin/time -f 'peak RSS %M kB, user %U s' "$out/babel_sim_bench"
