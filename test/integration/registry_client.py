#!/usr/bin/python3
"""Minimal re6st RegistryClient for the registry integration tests (stdlib + openssl CLI).

usage: registry_client.py URL DIR STATE COMMAND [ARGS]
  DIR holds ca.crt, cert.crt, cert.key (as re6st conf writes them); STATE is a file keeping
  the session key between calls so a test can replay or forge requests.
  hello                         new session (prints the 20-byte secret in hex)
  call METHOD [k=v ...]         authenticated call: prints "STATUS" then the body
                                (getNetworkConfig bodies are inflated JSON)
  raw TARGET MAC                send TARGET with Re6stHMAC MAC, print the status
  replay METHOD [k=v ...]       sign with the PREVIOUS key (already used): print status
"""
import base64, hashlib, hmac, os, subprocess, sys, tempfile, urllib.error, urllib.parse
import urllib.request, zlib


def http(url, target, mac=None):
    req = urllib.request.Request(url.rstrip('/') + target)
    if mac is not None:
        req.add_header('Re6stHMAC', mac)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read(), r.headers.get('Re6stHMAC')
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers.get('Re6stHMAC')


def openssl(args, data, positional=False):
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        return subprocess.run(['openssl'] + args + ([f.name] if positional else ['-in', f.name]),
                              check=True, capture_output=True).stdout


def prefix_of(d):
    out = subprocess.run(['openssl', 'x509', '-noout', '-subject', '-nameopt', 'sep_multiline',
                          '-in', os.path.join(d, 'cert.crt')], check=True,
                         capture_output=True, text=True).stdout
    cn = [l.split('=', 1)[1] for l in out.splitlines() if l.strip().startswith('CN=')][0]
    a, b = cn.split('/')
    return bin(int(a))[2:].rjust(int(b), '0')


def main():
    url, d, state, cmd = sys.argv[1:5]
    rest = sys.argv[5:]
    prefix = prefix_of(d)
    if cmd == 'hello':
        st, body, _ = http(url, '/hello?client_prefix=%s&protocol=10' % prefix)
        if st != 200:
            print(st)
            return 1
        x, s = body[:len(body) // 2], body[len(body) // 2:]
        ca_pub = subprocess.run(['openssl', 'x509', '-noout', '-pubkey', '-in',
                                 os.path.join(d, 'ca.crt')], check=True, capture_output=True).stdout
        with tempfile.NamedTemporaryFile() as pub, tempfile.NamedTemporaryFile() as sig:
            pub.write(ca_pub); pub.flush(); sig.write(s); sig.flush()
            openssl(['dgst', '-sha512', '-verify', pub.name, '-signature', sig.name], x, True)
        key = openssl(['pkeyutl', '-decrypt', '-inkey', os.path.join(d, 'cert.key')], x)
        open(state, 'w').write(key.hex() + '\n')
        print(key.hex())
        return 0
    keys = open(state).read().split()
    key = bytes.fromhex(keys[-1])
    if cmd == 'raw':
        print(http(url, rest[0], rest[1])[0])
        return 0
    method, params = rest[0], [p.split('=', 1) for p in rest[1:]]
    if not any(k == 'cn' for k, _ in params):
        params.insert(0, ('cn', prefix))
    target = '/%s?%s' % (method, urllib.parse.urlencode(params))
    if cmd == 'replay':
        key = bytes.fromhex(keys[-2])
    mac = base64.b64encode(hmac.new(key, target.encode(), hashlib.sha1).digest()).decode()
    st, body, rmac = http(url, target, mac)
    print(st)
    if cmd == 'replay' or st not in (200, 204):
        return 0
    k1 = hashlib.sha1(key).digest()
    if rmac != base64.b64encode(hmac.new(k1, body, hashlib.sha1).digest()).decode():
        print('BAD RESPONSE HMAC')
        return 1
    open(state, 'w').write(key.hex() + '\n' + hashlib.sha1(k1).hexdigest() + '\n')
    if method == 'getNetworkConfig':
        body = zlib.decompress(body)
    sys.stdout.flush()
    sys.stdout.buffer.write(body)
    return 0


if __name__ == '__main__':
    sys.exit(main())
