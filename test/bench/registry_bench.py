#!/usr/bin/python3
"""Load generator for registry_bench.sh (asyncio, one TCP connection per request like
re6st's RegistryClient). usage: registry_bench.py URL CSR KEY SECONDS PID NODES
Prints a table: operation, clients, requests/s, p50 and p99 latency (ms); then registers
anonymous nodes until NODES certificates exist and prints the registry's RSS."""
import asyncio, base64, hashlib, hmac, sys, time, urllib.parse
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography import x509

URL, CSR, KEY, SECONDS, PID, NODES = sys.argv[1:7]
HOST, PORT = urllib.parse.urlsplit(URL).hostname, urllib.parse.urlsplit(URL).port
csr = open(CSR).read()
key = serialization.load_pem_private_key(open(KEY, 'rb').read(), None)
ANON = '/requestCertificate?' + urllib.parse.urlencode(
    [('token', ''), ('req', csr), ('location', ''), ('ip', '')])


async def get(target, mac=None):
    r, w = await asyncio.open_connection(HOST, PORT)
    head = 'GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n' % (target, HOST)
    if mac:
        head += 'Re6stHMAC: %s\r\n' % mac
    w.write((head + '\r\n').encode())
    data = await r.read()
    w.close()
    status = int(data.split(b' ', 2)[1])
    return status, data.split(b'\r\n\r\n', 1)[1]


def prefix_of(pem):
    cn = x509.load_pem_x509_certificate(pem).subject.get_attributes_for_oid(
        x509.NameOID.COMMON_NAME)[0].value
    a, b = cn.split('/')
    return bin(int(a))[2:].rjust(int(b), '0')


async def hello_netconfig(prefix):
    st, body = await get('/hello?client_prefix=%s&protocol=10' % prefix)
    assert st == 200, st
    k = key.decrypt(body[:len(body) // 2], padding.PKCS1v15())
    target = '/getNetworkConfig?cn=' + prefix
    st, body = await get(target, base64.b64encode(hmac.new(k, target.encode(), hashlib.sha1).digest()).decode())
    assert st == 200, st


async def run(op, clients, prefixes):
    lat, end = [], time.monotonic() + float(SECONDS)

    async def client(i):
        while time.monotonic() < end:
            t = time.monotonic()
            if op == 'getCa':
                st, _ = await get('/getCa')
                assert st == 200
            elif op == 'hello+getNetworkConfig':
                await hello_netconfig(prefixes[i % len(prefixes)])
            else:
                st, _ = await get(ANON)
                assert st == 200, st
            lat.append(time.monotonic() - t)
    t0 = time.monotonic()
    await asyncio.gather(*(client(i) for i in range(clients)))
    dt = time.monotonic() - t0
    lat.sort()
    p = lambda q: 1000 * lat[min(len(lat) - 1, int(q * len(lat)))]
    print('| %-24s | %7d | %9.1f | %8.2f | %8.2f |' % (op, clients, len(lat) / dt, p(0.5), p(0.99)),
          flush=True)
    return len(lat)


def rss_kb():
    for line in open('/proc/%s/status' % PID):
        if line.startswith('VmRSS:'):
            return int(line.split()[1])


async def main():
    prefixes = []
    for _ in range(128):
        st, pem = await get(ANON)
        assert st == 200
        prefixes.append(prefix_of(pem))
    issued = 128
    print('| operation                | clients | req/s     | p50 ms   | p99 ms   |')
    print('|--------------------------|---------|-----------|----------|----------|')
    for op in ('getCa', 'hello+getNetworkConfig', 'anonymous requestCertificate'):
        for clients in (1, 16, 128):
            n = await run(op, clients, prefixes)
            if op.startswith('anonymous'):
                issued += n
    rss0 = rss_kb()
    sem = asyncio.Semaphore(16)

    async def one():
        async with sem:
            st, _ = await get(ANON)
            assert st == 200
    t = time.monotonic()
    todo = max(0, int(NODES) - issued)
    await asyncio.gather(*(one() for _ in range(todo)))
    print('\nregistered %d more nodes in %.1f s (%d total); registry RSS %d KiB -> %d KiB'
          % (todo, time.monotonic() - t, issued + todo, rss0, rss_kb()))

asyncio.run(main())
