#!/bin/bash
# re6st-test: timeout=240
# Revocation and foreign certificates. A registry and 3 nodes reach full connectivity;
# the registry revokes n3 (private RPC revoke?cn_or_serial=CN from its own host): the new
# configuration (CRL) spreads, the other nodes drop n3's tunnels and n3 becomes
# unreachable; restarted, n3 cannot reconnect. Then a certificate of another CA for the
# same network is refused by a node's tunnel server, while a certificate of the network
# CA, presented the same way, is accepted (control).
set -u
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib/topology.sh"
. "$HERE/lib/node.sh"
nl_init r6ev$$- "$1"
trap nl_cleanup EXIT

NODES=(reg n1 n2 n3)
nl_registry 2
i=11; for n in "${NODES[@]:1}"; do nl_public "$n" $i; i=$((i + 1)); done
nl_register "${NODES[@]}"
nl_start_all "${NODES[@]}"
nl_wait_full 90 "${NODES[@]}" || nl_fail "no full connectivity before the revocation"
nl_log "full connectivity after ${NL_WAITED}s"
N3=$(nl_cn n3)
n3_tunnels() {  # lines "node peer" for every tunnel of reg/n1/n2 with n3
  local n
  for n in reg n1 n2; do nl_tunnel_peers "$n" | awk -v n=$n -v p="$N3" '$1 == p {print n, $0}'; done
}
[ -n "$(n3_tunnels)" ] || nl_fail "no node has a tunnel with n3 ($N3) before the revocation (status)"

cn=$(nl_cn n3)
code=$(topo_exec reg curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1/revoke?cn_or_serial=${cn/\//%2F}")
[ "$code" = 204 ] || nl_fail "revoke $cn: HTTP $code"
nl_log "n3 ($cn) revoked"
gone=
for ((t = 0; t < 60; t++)); do
  if [ -z "$(n3_tunnels)" ] && ! topo_exec n1 ping -6 -c1 -W1 "$(nl_ip n3)" >/dev/null 2>&1 &&
     ! topo_exec reg ping -6 -c1 -W1 "$(nl_ip n3)" >/dev/null 2>&1; then
    gone=1; break
  fi
  sleep 1
done
[ -n "$gone" ] || nl_fail "60 s after the revocation n3 still has tunnels or answers: $(n3_tunnels | tr '\n' ';')"
nl_log "n3's tunnels dropped, unreachable after ${t}s"
nl_matrix reg n1 n2 || nl_fail "the remaining nodes lost connectivity"

nl_stop n3 TERM
nl_start n3
for ((t = 0; t < 30; t++)); do
  [ -n "$(n3_tunnels)" ] && nl_fail "restarted revoked n3 got a tunnel: $(n3_tunnels | tr '\n' ';')"
  topo_exec n3 ping -6 -c1 -W1 "$(nl_ip n1)" >/dev/null 2>&1 && nl_fail "restarted revoked n3 reaches n1"
  sleep 1
done
nl_log "restarted n3 stayed out for 30 s"

# Another CA for the same network (same serial = same prefix) and a certificate of each
# CA for prefix 200/16. The client trusts both CAs, so only the server can refuse.
E=$NL_W/evil; mkdir -p "$E"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$E/ca.key" -out "$E/ca.crt" -days 30 \
  -subj "/CN=evil ca" -set_serial 0x120010db80042 2>/dev/null || nl_fail "evil CA"
for who in good evil; do
  cakey=$NL_W/ca/ca.key; cacrt=$NL_W/ca/ca.crt
  [ $who = evil ] && { cakey=$E/ca.key; cacrt=$E/ca.crt; }
  openssl req -newkey rsa:2048 -nodes -keyout "$E/$who.key" -out "$E/$who.csr" \
    -subj "/serialNumber=200/CN=200\/16" 2>/dev/null &&
  openssl x509 -req -in "$E/$who.csr" -CA "$cacrt" -CAkey "$cakey" -set_serial $((900 + ${#who})) \
    -days 7 -out "$E/$who.crt" 2>/dev/null || nl_fail "certificate $who"
done
cat "$NL_W/ca/ca.crt" "$E/ca.crt" >"$E/both.crt"
topo_public x 40
try_tunnel() {  # who → 0 if a tunnel to n1's tcp server (re6stnet default) came up within 10 s
  local who=$1 pid ok=1
  : >"$E/$who.log"
  topo_exec x "$NL_RE6ST" tunnel --ca "$E/both.crt" --cert "$E/$who.crt" --key "$E/$who.key" \
    --proto tcp --connect 198.18.0.11:1194 --peer-cn "$(nl_cn n1)" --dev r6x -v 2 \
    --retry 1 >"$E/$who.log" 2>&1 &
  pid=$!
  for ((i = 0; i < 50; i++)); do grep -q '^up ' "$E/$who.log" && { ok=0; break; }; sleep 0.2; done
  kill $pid; wait $pid 2>/dev/null
  return $ok
}
try_tunnel good || nl_fail "control: a network-CA certificate could not open a tunnel to n1's server \
with \`re6st tunnel\` ($(tail -3 "$E/good.log" | tr '\n' ' '))"
try_tunnel evil && nl_fail "n1 accepted a tunnel from a certificate of another CA"
nl_log "n1 refuses another CA's certificate (network CA accepted)"
echo PASS
