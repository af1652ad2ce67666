#!/bin/bash
# re6st-test: timeout=240
# `re6st ca` and re6st/crypto against the openssl command (issue 2 evidence):
# - our CA: files, modes, serial 0x120010db80042, DH group identical to OpenSSL's ffdhe2048
# - a CA made as re6stnet's documentation says is read back as 2001:db8:42::/48
# - certificates we issue (from openssl CSRs) pass `openssl verify`
# - RSA PKCS#1 v1.5 encryption and RSA-SHA512 signatures interoperate both ways
# - bad input (corrupt PEM, key/cert mismatch, other CA, expired, unreadable, bad
#   options) gives a non-zero exit and exactly one stderr line naming the culprit.
# No network namespaces: only files under a private temporary directory.
set -u
RE6ST=$(readlink -f "${1:?usage: ca_openssl.sh /path/to/re6st}")
[ -x "$RE6ST" ] || { echo "not executable: $1"; exit 1; }
T=$(mktemp -d /tmp/r6cr-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
FAILS=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }
check() {  # check DESCRIPTION COMMAND...: the command must succeed
  local what=$1; shift
  if "$@" >"$T/out" 2>"$T/err"; then pass "$what"; else fail "$what: $(cat "$T/err")"; fi
}
# expect_error DESCRIPTION STATUS PATTERN COMMAND...: exit STATUS, one stderr line matching
expect_error() {
  local what=$1 want=$2 pattern=$3; shift 3
  "$@" >"$T/out" 2>"$T/err" </dev/null
  local rc=$? lines
  lines=$(wc -l <"$T/err")
  if [ "$rc" -ne "$want" ]; then fail "$what: exit $rc, wanted $want ($(cat "$T/err"))"
  elif [ "$lines" -ne 1 ]; then fail "$what: $lines stderr lines: $(cat "$T/err")"
  elif ! grep -q -- "$pattern" "$T/err"; then fail "$what: stderr '$(cat "$T/err")' lacks '$pattern'"
  else pass "$what: $(cat "$T/err")"; fi
}

# --- our CA -------------------------------------------------------------------------
check "re6st ca creates a network" \
  "$RE6ST" ca --network 2001:db8:42::/48 --email admin@example.com --dir ours
[ "$(stat -c %a ours/ca.key)" = 600 ] && pass "ca.key is 0600" || fail "ca.key mode $(stat -c %a ours/ca.key)"
serial=$(openssl x509 -in ours/ca.crt -noout -serial | tr 'A-F' 'a-f')
[ "$serial" = "serial=0120010db80042" ] && pass "CA serial $serial" || fail "CA serial $serial"
openssl x509 -in ours/ca.crt -noout -subject | grep -q 'emailAddress = admin@example.com' \
  && pass "CA subject has the email" || fail "CA subject: $(openssl x509 -in ours/ca.crt -noout -subject)"
check "openssl accepts our CA as self-signed" openssl verify -CAfile ours/ca.crt ours/ca.crt
openssl rsa -in ours/ca.key -check -noout >/dev/null 2>&1 && pass "openssl reads ca.key" || fail "openssl rsa -check ca.key"
m=$(openssl x509 -in ours/ca.crt -noout -modulus 2>/dev/null)
[ -n "$m" ] && [ "$(openssl rsa -in ours/ca.key -noout -modulus 2>/dev/null)" = "$m" ] \
  && pass "ca.key matches ca.crt" || fail "ca.key does not match ca.crt"
check "openssl dhparam -check accepts dh2048.pem" openssl dhparam -in ours/dh2048.pem -check -noout
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out ff.pem 2>/dev/null
cmp -s <(openssl dhparam -in ff.pem -outform DER) <(openssl dhparam -in ours/dh2048.pem -outform DER) \
  && pass "dh2048.pem is OpenSSL's ffdhe2048" || fail "dh2048.pem differs from OpenSSL's ffdhe2048"
grep -q "^ca $T/ours/ca.crt\$" ours/re6st-registry.conf && pass "registry conf names ca.crt" \
  || fail "registry conf: $(cat ours/re6st-registry.conf)"
"$RE6ST" ca --show ours/ca.crt >show.txt 2>&1
grep -q '^network    2001:db8:42::/48$' show.txt && grep -q '^not after ' show.txt \
  && pass "--show prints network and validity" || fail "--show: $(cat show.txt)"
expect_error "existing files are not overwritten" 1 "ours/ca.key: already exists" \
  "$RE6ST" ca --network 2001:db8:42::/48 --email admin@example.com --dir ours --bits 1024
check "--force overwrites" \
  "$RE6ST" ca --network 2001:db8:42::/48 --email admin@example.com --dir ours --bits 1024 --force
m=$(openssl x509 -in ours/ca.crt -noout -modulus 2>/dev/null)
[ -n "$m" ] && [ "$(openssl rsa -in ours/ca.key -noout -modulus 2>/dev/null)" = "$m" ] \
  && pass "forced CA is consistent" || fail "forced CA key/cert mismatch"

# --- a CA made the way re6stnet's documentation says ----------------------------------
mkdir legacy
openssl genrsa -out legacy/ca.key 2048 2>/dev/null
openssl req -nodes -new -x509 -key legacy/ca.key -set_serial 0x120010db80042 -days 3650 \
  -subj "/CN=legacy CA/emailAddress=legacy@example.com" -out legacy/ca.crt 2>/dev/null
"$RE6ST" ca --show legacy/ca.crt >show.txt 2>&1
grep -q '^network    2001:db8:42::/48$' show.txt && pass "openssl-made CA read as 2001:db8:42::/48" \
  || fail "openssl-made CA: $(cat show.txt)"

# --- openssl CSRs signed by us, verified by openssl -----------------------------------
openssl genrsa -out node.key 2048 2>/dev/null
openssl req -new -key node.key -subj "/O=example/emailAddress=node@example.com" -out node.csr 2>/dev/null
for ca in ours legacy; do
  check "$ca CA signs an openssl CSR" "$RE6ST" ca --dir $ca --sign-csr node.csr --cn 5/16 \
    --subject-serial 0 --serial 7 --out node-$ca.crt
  check "openssl verify accepts the certificate from the $ca CA" \
    openssl verify -CAfile $ca/ca.crt node-$ca.crt
done
subj=$(openssl x509 -in node-ours.crt -noout -subject -nameopt compat)
case "$subj" in
  *"/O=example/emailAddress=node@example.com/serialNumber=0/CN=5\\/16") pass "issued subject $subj";;
  *) fail "issued subject $subj";;
esac
openssl x509 -in node-ours.crt -noout -text | grep -q "Version: 1 (0x0)" \
  && pass "issued certificate is X.509 v1 like re6st-registry's" || fail "issued certificate is not v1"
mkdir nodedir && cp ours/ca.crt nodedir/ca.crt && cp node-ours.crt nodedir/cert.crt && cp node.key nodedir/cert.key
check "--check accepts a consistent node directory" "$RE6ST" ca --check nodedir
grep -q "subnet 2001:db8:42:5::/64" "$T/out" && pass "--check names the subnet" || fail "--check: $(cat "$T/out")"

# Our CSR (what re6st conf sends) is accepted and signed by openssl; we verify the result.
check "re6st ca --make-csr writes a request" \
  "$RE6ST" ca --make-csr node.key -r O example -r CN 6/16 --out ours.csr
check "openssl req -verify accepts our CSR" openssl req -in ours.csr -verify -noout
openssl req -in ours.csr -noout -subject | grep -q "O = example, CN = 6/16" \
  && pass "our CSR subject keeps its fields in order" || fail "CSR subject $(openssl req -in ours.csr -noout -subject)"
mkdir osdir && cp ours/ca.crt osdir/ca.crt && cp node.key osdir/cert.key
openssl x509 -req -in ours.csr -CA ours/ca.crt -CAkey ours/ca.key -set_serial 9 -days 2 \
  -out osdir/cert.crt 2>/dev/null
check "--check accepts an openssl-issued certificate" "$RE6ST" ca --check osdir
grep -q "subnet 2001:db8:42:6::/64, serial 0x9" "$T/out" && pass "openssl-issued cert read back" \
  || fail "--check osdir: $(cat "$T/out")"

# --- RSA encryption and signatures, both directions ---------------------------------
head -c 40 /dev/urandom >secret
"$RE6ST" ca --encrypt node-ours.crt <secret >enc.bin 2>err.txt
openssl pkeyutl -decrypt -inkey node.key -in enc.bin -out dec.bin 2>/dev/null
cmp -s secret dec.bin && pass "re6st encrypt -> openssl pkeyutl decrypt" || fail "re6st encrypt -> openssl decrypt $(cat err.txt)"
openssl pkeyutl -encrypt -certin -inkey node-ours.crt -in secret -out enc2.bin
"$RE6ST" ca --decrypt node.key <enc2.bin >dec2.bin 2>err.txt
cmp -s secret dec2.bin && pass "openssl pkeyutl encrypt -> re6st decrypt" || fail "openssl encrypt -> re6st decrypt $(cat err.txt)"
openssl rsautl -encrypt -certin -inkey node-ours.crt -in secret -out enc3.bin 2>/dev/null
"$RE6ST" ca --decrypt node.key <enc3.bin >dec3.bin 2>err.txt
cmp -s secret dec3.bin && pass "openssl rsautl (as re6stnet) -> re6st decrypt" || fail "rsautl -> re6st decrypt $(cat err.txt)"
echo "network config version 42" >data
openssl x509 -in node-ours.crt -pubkey -noout >node.pub
"$RE6ST" ca --sign node.key <data >sig.bin
check "re6st sign -> openssl dgst -sha512 -verify" openssl dgst -sha512 -verify node.pub -signature sig.bin data
openssl dgst -sha512 -sign node.key -out sig2.bin data
check "openssl dgst -sha512 -sign -> re6st verify" sh -c "'$RE6ST' ca --verify node-ours.crt --signature sig2.bin <data"
echo tampered >>data
expect_error "a signature over other data is refused" 1 "sig2.bin: bad signature" \
  sh -c "'$RE6ST' ca --verify node-ours.crt --signature sig2.bin <data"

# --- bad input -----------------------------------------------------------------------
sed '5s/./#/' ours/ca.crt >corrupt.crt
expect_error "corrupt PEM" 1 "corrupt.crt: bad" "$RE6ST" ca --show corrupt.crt
echo "not a certificate" >garbage.crt
expect_error "not PEM at all" 1 "garbage.crt: no PEM certificate" "$RE6ST" ca --show garbage.crt
expect_error "unreadable path" 1 "/nonexistent/ca.crt: cannot open" "$RE6ST" ca --show /nonexistent/ca.crt
expect_error "a directory as certificate" 1 "nodedir: is a directory" "$RE6ST" ca --show nodedir
mkdir mismatch && cp nodedir/ca.crt nodedir/cert.crt mismatch/ && cp ours/ca.key mismatch/cert.key
expect_error "key not matching its certificate" 1 "mismatch/cert.crt: certificate does not match the key" \
  "$RE6ST" ca --check mismatch
"$RE6ST" ca --network 2001:db8:43::/48 --email other@example.com --dir other --bits 1024 >/dev/null
mkdir foreign && cp other/ca.crt foreign/ca.crt && cp node-ours.crt foreign/cert.crt && cp node.key foreign/cert.key
expect_error "certificate from another CA" 1 "foreign/cert.crt.*issued by another CA" "$RE6ST" ca --check foreign
# An expired certificate, made with `openssl ca` and explicit past dates.
mkdir -p expired/db && : >expired/db/index && echo 10 >expired/db/serial
cat >expired/ca.cnf <<EOF
[ca]
default_ca = d
[d]
database = $T/expired/db/index
serial = $T/expired/db/serial
new_certs_dir = $T/expired/db
default_md = sha256
policy = p
[p]
commonName = supplied
EOF
openssl req -new -key node.key -subj "/CN=5\/16" -out exp.csr 2>/dev/null
openssl ca -batch -config expired/ca.cnf -cert ours/ca.crt -keyfile ours/ca.key -in exp.csr \
  -startdate 20200101000000Z -enddate 20200201000000Z -out expired/cert.crt >/dev/null 2>&1
cp ours/ca.crt expired/ca.crt && cp node.key expired/cert.key
expect_error "expired certificate" 1 "expired/cert.crt.*expired" "$RE6ST" ca --check expired
expect_error "missing cert.key" 1 "cert.key: cannot open" "$RE6ST" ca --check ours

# --- bad options ---------------------------------------------------------------------
expect_error "IPv4 network refused" 2 "not an IPv6 prefix" \
  "$RE6ST" ca --network 10.0.0.0/8 --email a@example.com --dir v4
expect_error "network without room refused" 2 "leaves no room" \
  "$RE6ST" ca --network 2001:db8::/127 --email a@example.com --dir full
expect_error "host bits refused" 2 "not an IPv6 prefix" \
  "$RE6ST" ca --network 2001:db8::1/48 --email a@example.com --dir hb
expect_error "missing --email" 2 "required" "$RE6ST" ca --network 2001:db8:42::/48 --dir x
expect_error "unknown option" 2 "bogus" "$RE6ST" ca --bogus
expect_error "non-numeric --bits" 2 "bits" "$RE6ST" ca --network 2001:db8:42::/48 --email a@b --bits many
[ ! -e v4 ] && [ ! -e full ] && pass "rejected networks wrote nothing" || fail "files written for a rejected network"

echo "$FAILS failure(s)"
[ "$FAILS" -eq 0 ]
