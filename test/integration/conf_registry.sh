#!/bin/bash
# re6st-test: timeout=180 parallel=yes
# `re6st conf` against our `re6st registry` on loopback (no namespaces needed): anonymous
# and email-token registration (token read from the registry's mbox), fingerprint
# check, rejected token, option errors, and files as re6st-conf writes them.
set -euo pipefail
RE6ST=$(readlink -f "$1")
DIR=$(mktemp -d /tmp/r6cf-XXXXXX)
PORT=$((20000 + $$ % 20000))
REG_PID=
cleanup() {
  [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null && wait "$REG_PID" 2>/dev/null || :
  rm -rf "$DIR"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$DIR/reg.log" ] && tail -20 "$DIR/reg.log" >&2; exit 1; }
cd "$DIR"

"$RE6ST" ca --network 2001:db8:42::/48 --email admin@example.com --dir ca >/dev/null
"$RE6ST" registry @ca/re6st-registry.conf --db "$DIR/reg.db" --port "$PORT" -4 127.0.0.1 -6 '' \
  --anonymous-prefix-length 20 --mailhost "$DIR/mbox" -l "$DIR/reg.log" -r "$DIR/run" -v 3 \
  >"$DIR/reg.out" 2>&1 &
REG_PID=$!
URL=http://127.0.0.1:$PORT/
for _ in $(seq 50); do
  "$RE6ST" conf --registry "$URL" -d "$DIR" --is-needed >/dev/null 2>&1 && break
  kill -0 "$REG_PID" 2>/dev/null || { cat "$DIR/reg.out" >&2; fail "registry died"; }
  sleep 0.1
done

# Option errors: exit 2 with one line naming the option.
set +e
out=$("$RE6ST" conf --registry "$URL" --bogus 2>&1); rc=$?
set -e
[ $rc = 2 ] && [ "$out" = "re6st conf: error: unrecognized option --bogus" ] || fail "bad option: $rc $out"
printf 'registry %s\nanonymous\ntoken x\n' "$URL" >bad.conf
set +e
out=$("$RE6ST" conf @bad.conf 2>&1); rc=$?
set -e
[ $rc = 2 ] && [ "$out" = "re6st conf: error: --anonymous conflicts with --email/--token" ] || fail "conflict: $out"

# Wrong fingerprint: exit 1, nothing written.
mkdir fp
set +e
out=$("$RE6ST" conf --registry "$URL" -d fp --anonymous --fingerprint sha256:$(printf '%064d' 0) 2>&1); rc=$?
set -e
[ $rc = 1 ] && [[ $out == *"CA fingerprint doesn't match"* ]] || fail "fingerprint: $rc $out"
[ -z "$(ls fp)" ] || fail "files written despite a wrong fingerprint"

# Anonymous registration with the right fingerprint, through an options file.
FP=$(openssl x509 -in ca/ca.crt -outform DER | sha256sum | cut -d' ' -f1)
mkdir anon
printf 'registry %s\ndir anon\nanonymous\nfingerprint sha256:%s # checked\n' "$URL" "$FP" >anon.conf
out=$("$RE6ST" conf @anon.conf) || fail "anonymous registration: $out"
[[ $out == *"Your subnet: 2001:db8:42::/68 (CN=0/20)"* ]] || fail "anonymous subnet: $out"
[[ $out != *WARNING* ]] || fail "fingerprint warning despite --fingerprint"
[ "$(stat -c %a anon/cert.key)" = 600 ] || fail "cert.key mode"
openssl verify -CAfile anon/ca.crt anon/cert.crt >/dev/null || fail "openssl verify"
[ "$(openssl x509 -in anon/cert.crt -noout -modulus)" = "$(openssl rsa -in anon/cert.key -noout -modulus 2>/dev/null)" ] ||
  fail "cert.crt is not for cert.key"
grep -qx "registry $URL" anon/re6stnet.conf && grep -qx "key cert.key" anon/re6stnet.conf || fail "re6stnet.conf"
cmp -s anon/ca.crt ca/ca.crt || [ "$(openssl x509 -in anon/ca.crt -outform DER | sha256sum)" = \
  "$(openssl x509 -in ca/ca.crt -outform DER | sha256sum)" ] || fail "ca.crt differs"

# Email registration: the first run requests a token then finds no answer on stdin.
mkdir mail
set +e
out=$("$RE6ST" conf --registry "$URL" -d mail --email bob@example.com -r emailAddress bob@example.com </dev/null 2>&1)
rc=$?
set -e
[ $rc = 1 ] && [[ $out == *"Use --token to retry without asking a new token"* ]] || fail "token prompt: $rc $out"
TOKEN=$(sed -n 's/.*your token to join re6st network is: \([a-z]*\).*/\1/p' mbox | tail -1)
[ -n "$TOKEN" ] || fail "no token in the mbox"
out=$("$RE6ST" conf --registry "$URL" -d mail --token "$TOKEN" -r emailAddress bob@example.com) || fail "token: $out"
[[ $out == *"Your subnet: 2001:db8:42:1::/64 (CN=1/16)"* ]] || fail "email subnet: $out"
openssl x509 -in mail/cert.crt -noout -subject | grep -q "emailAddress *= *bob@example.com" || fail "subject"

# A used token is refused; the empty cert.crt is removed, cert.key stays.
mkdir again
set +e
out=$("$RE6ST" conf --registry "$URL" -d again --token "$TOKEN" 2>&1); rc=$?
set -e
[ $rc = 1 ] && [[ $out == *"Error: invalid or expired token"* ]] || fail "used token: $rc $out"
[ ! -e again/cert.crt ] && [ -e again/cert.key ] || fail "files after a rejected token"

# Renewing with the same key (re-run with a new token) keeps cert.key.
KEY=$(sha256sum mail/cert.key)
"$RE6ST" conf --registry "$URL" -d mail --email bob@example.com </dev/null >/dev/null 2>&1 || :
TOKEN2=$(sed -n 's/.*your token to join re6st network is: \([a-z]*\).*/\1/p' mbox | tail -1)
out=$("$RE6ST" conf --registry "$URL" -d mail --token "$TOKEN2") || fail "second token: $out"
[[ $out == *"Reusing existing key."* ]] || fail "key not reused"
[ "$(sha256sum mail/cert.key)" = "$KEY" ] || fail "cert.key changed"
echo "conf_registry: OK"
