#!/bin/bash
# re6st-test: timeout=180
# Token mails over real SMTP (Debian's python3-aiosmtpd): plain SMTP with the aiosmtpd
# command line server, then a server demanding STARTTLS + AUTH (PLAIN) with a test CA;
# a wrong password and a dead SMTP server give 500 and the registry keeps serving.
set -eu
RE6ST=$(readlink -f "$1")
NS=r6rg-smtp-$$
T=$(mktemp -d /tmp/r6rg-smtp.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  ip netns del $NS 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -20 "$T"/*.log 2>/dev/null; exit 1; }
ip netns add $NS
ip netns exec $NS ip link set lo up
X="ip netns exec $NS"
cd "$T"
$RE6ST ca --network 2001:db8:42::/48 --email re6st-registry@example.com -d ca >/dev/null
wait_port() {
  for _ in $(seq 100); do $X bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0; sleep 0.1; done
  fail "port $1 did not open"
}
registry() {  # registry PORT LOG ARGS...
  local port=$1 log=$2
  shift 2
  $X "$RE6ST" registry --ca ca/ca.crt --key ca/ca.key --db "$T/$port.db" --port $port -4 127.0.0.1 -6 '' \
    -l "$T/$log" -v 3 "$@" &
  PIDS+=($!)
  wait_port $port
}
code() { $X curl -s -o /dev/null -w '%{http_code}' --max-time 70 "$@"; }

# 1. Plain SMTP: the aiosmtpd command line server prints every message it gets.
$X /usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:18025 >smtp1.out 2>&1 &
PIDS+=($!)
wait_port 18025
registry 18645 reg1.log --mailhost 127.0.0.1:18025
[ "$(code "http://127.0.0.1:18645/requestToken?email=alice%40example.com")" = 204 ] || fail "requestToken (plain)"
for _ in $(seq 50); do grep -q 'token to join' smtp1.out && break; sleep 0.1; done
grep -q 'Subject: \[re6stnet\] Token Request' smtp1.out || fail "no mail: $(cat smtp1.out)"
grep -q 'To: alice@example.com' smtp1.out || fail "wrong recipient"
grep -q 'From: re6st-registry@example.com' smtp1.out || fail "wrong sender"
TOKEN=$(sed -n 's/.*token to join re6st network is: \([a-z]*\).*/\1/p' smtp1.out | tr -d "'\r")
[ "$($X curl -s "http://127.0.0.1:18645/isToken?token=$TOKEN")" = 1 ] || fail "mailed token '$TOKEN' unknown"

# 2. STARTTLS + AUTH: a server that refuses AUTH before TLS and checks the password.
openssl req -x509 -newkey rsa:2048 -nodes -keyout smtp.key -out smtp.crt -days 2 \
  -subj /CN=127.0.0.1 -addext subjectAltName=DNS:127.0.0.1,IP:127.0.0.1 2>/dev/null
cat >server.py <<'EOF'
import asyncio, ssl, sys
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
class Handler:
    async def handle_DATA(self, server, session, envelope):
        with open(sys.argv[2], 'a') as f:
            f.write('AUTH %s TLS %s\n%s\n' % (session.authenticated, session.ssl is not None,
                                              envelope.content.decode()))
        return '250 OK'
def auth(server, session, envelope, mechanism, data):
    return AuthResult(success=data.login == b'mailer' and data.password == b's3cret', handled=False)
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain('smtp.crt', 'smtp.key')
c = Controller(Handler(), hostname='127.0.0.1', port=int(sys.argv[1]), tls_context=ctx,
               require_starttls=True, authenticator=auth, auth_required=True)
c.start()
asyncio.get_event_loop().run_forever() if False else __import__('time').sleep(3600)
EOF
$X /usr/bin/python3 server.py 18026 smtp2.out >server.log 2>&1 &
PIDS+=($!)
wait_port 18026
RE6ST_SMTP_CA=$T/smtp.crt registry 18646 reg2.log --mailhost 127.0.0.1:18026 --smtp-starttls \
  --smtp-user mailer --smtp-pwd s3cret
[ "$(code "http://127.0.0.1:18646/requestToken?email=bob%40example.com")" = 204 ] || fail "requestToken (TLS+AUTH)"
grep -q 'AUTH True TLS True' smtp2.out || fail "not authenticated over TLS: $(cat smtp2.out)"
grep -q 'token to join re6st network' smtp2.out || fail "no token in mail"

# 3. Wrong password, unverifiable server certificate, dead server: 500, registry alive.
RE6ST_SMTP_CA=$T/smtp.crt registry 18647 reg3.log --mailhost 127.0.0.1:18026 --smtp-starttls \
  --smtp-user mailer --smtp-pwd wrong
[ "$(code "http://127.0.0.1:18647/requestToken?email=c%40example.com")" = 500 ] || fail "bad password not 500"
registry 18648 reg4.log --mailhost 127.0.0.1:18026 --smtp-starttls --smtp-user mailer --smtp-pwd s3cret
[ "$(code "http://127.0.0.1:18648/requestToken?email=c%40example.com")" = 500 ] || fail "untrusted TLS not 500"
registry 18649 reg5.log --mailhost 127.0.0.1:18099
[ "$(code "http://127.0.0.1:18649/requestToken?email=c%40example.com")" = 500 ] || fail "dead SMTP not 500"
[ "$(code http://127.0.0.1:18649/getCa)" = 200 ] || fail "registry stuck after a mail failure"
[ "$(grep -c 'token to join' smtp2.out)" = 1 ] || fail "a failed attempt delivered a mail"
echo PASS
