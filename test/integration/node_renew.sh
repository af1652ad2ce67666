#!/bin/bash
# re6st-test: timeout=200
# Certificate renewal (x509.py maybe_renew): n1's certificate is replaced by one of the
# same CN and key that expires in 10 days (inside re6st-registry's 30-day RENEW_PERIOD).
# At start the node asks the registry (renewCertificate), stores the answer in cert.crt
# atomically and runs with it: the file then holds a certificate valid for months, the
# log says so, and n1 joins the network. A node whose certificate expires in 100 days is
# left alone (cert.crt unchanged).
set -u
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib/topology.sh"
. "$HERE/lib/node.sh"
nl_init r6er$$- "$1"
trap nl_cleanup EXIT

NODES=(reg n1 n2)
nl_registry 2
i=11; for n in "${NODES[@]:1}"; do nl_public "$n" $i; i=$((i + 1)); done
nl_register "${NODES[@]}"
reissue() {  # NAME DAYS: same CN, key and subject serialNumber, shorter validity
  local n=$1 days=$2 d=$NL_W/$1
  "$NL_RE6ST" ca --make-csr "$d/cert.key" -o "$d/short.csr" >/dev/null || nl_fail "make-csr $n"
  "$NL_RE6ST" ca --dir "$NL_W/ca" --sign-csr "$d/short.csr" --cn "$(nl_cn "$n")" \
    --subject-serial "$(nl_serial "$n")" --days "$days" -o "$d/cert.crt" >/dev/null ||
    nl_fail "sign-csr $n"
}
enddate() { openssl x509 -in "$NL_W/$1/cert.crt" -noout -enddate | cut -d= -f2; }
reissue n1 10
reissue n2 100
before1=$(enddate n1); before2=$(sha256sum <"$NL_W/n2/cert.crt")
nl_log "n1's certificate now ends $before1; n2's ends $(enddate n2)"
nl_start_all "${NODES[@]}"
nl_wait_full 90 "${NODES[@]}" || nl_fail "no full connectivity after the renewal"
after1=$(enddate n1)
[ "$after1" != "$before1" ] || nl_fail "n1's certificate was not renewed (still ends $after1)"
openssl x509 -in "$NL_W/n1/cert.crt" -noout -checkend $((200 * 86400)) >/dev/null ||
  nl_fail "n1's new certificate ends $after1, not months away"
openssl verify -CAfile "$NL_W/ca/ca.crt" "$NL_W/n1/cert.crt" >/dev/null || nl_fail "renewed cert does not verify"
grep -q "certificate renewed" "$NL_W/n1/log/re6stnet.log" || nl_fail "no renewal in n1's log"
[ "$(sha256sum <"$NL_W/n2/cert.crt")" = "$before2" ] || nl_fail "n2's certificate (100 days left) was replaced"
nl_log "n1 renewed at start: $before1 -> $after1; n2 (100 days left) untouched; full connectivity"
echo PASS
