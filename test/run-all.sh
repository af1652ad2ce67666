#!/usr/bin/env bash
# The whole test suite from a fresh Debian machine (README's test command):
#  1. installs the Debian packages (.ci/install-deps),
#  2. builds the release binary fully static (build/) and checks it is static and runs
#     in an empty chroot,
#  3. builds everything with AddressSanitizer + UBSan (build-asan/) and runs the unit and
#     integration suites there (integration tests need root: network namespaces).
# Prints "N passed, N failed" last; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash .ci/install-deps || { echo "dependency installation failed"; exit 1; }

JOBS=$(nproc)
fail=0
passed=0
failed=0
step() { echo; echo "=== $* (at ${SECONDS}s)"; }

step "static release build"
if [ ! -d build ]; then meson setup build -Dtests=false >/dev/null || exit 1; fi
ninja -C build re6st || exit 1

step "static binary checks"
check() {  # name, command...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; passed=$((passed + 1));
  else echo "FAIL $name"; failed=$((failed + 1)); fi
}
check "re6st is not a dynamic executable" bash -c "ldd build/re6st 2>&1 | grep -q 'not a dynamic executable'"
CHROOT=$(mktemp -d)
cp build/re6st "$CHROOT/re6st"
check "re6st --version runs in an empty chroot" bash -c "chroot '$CHROOT' /re6st --version | grep -q '^re6st '"
rm -rf "$CHROOT"
strip -o /tmp/re6st-stripped.$$ build/re6st
echo "stripped size: $(stat -c %s /tmp/re6st-stripped.$$) bytes"
rm -f /tmp/re6st-stripped.$$

step "sanitizer build (address, undefined)"
if [ ! -d build-asan ]; then
  CC=gcc CXX=g++ meson setup build-asan -Dstatic=false -Db_sanitize=address,undefined \
    -Db_lundef=false -Dbuildtype=debug -Doptimization=1 -Dwerror=true >/dev/null || exit 1
fi
ninja -C build-asan -j"$JOBS" || exit 1

step "tests"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
meson test -C build-asan --num-processes "$JOBS" --print-errorlogs "$@" | tee /tmp/re6st-meson-test.$$
log=/tmp/re6st-meson-test.$$
ok=$(grep -E '^Ok:' "$log" | awk '{print $2}')
bad=$(grep -E '^(Fail|Unexpected Pass|Timeout):' "$log" | awk '{s += $2} END {print s + 0}')
rm -f "$log"
passed=$((passed + ${ok:-0}))
failed=$((failed + bad))
[ -n "${ok:-}" ] || failed=$((failed + 1))
echo
echo "total time: ${SECONDS}s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
