#include "re6st/peer/codec.h"

#include <charconv>

#include "re6st/base/prefix.h"

namespace re6st::peer {
namespace {

void putU32(Bytes& out, uint32_t v) {
  Writer w(out);
  w.u32(v);
}

// Splits "a,b,c" on a separator without allocating per field beyond the views.
std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t i = s.find(sep, start);
    out.push_back(s.substr(start, i == std::string_view::npos ? i : i - start));
    if (i == std::string_view::npos) return out;
    start = i + 1;
  }
}

bool validField(std::string_view f) {
  if (f.empty() || f.size() > 64) return false;
  for (char c : f)
    if (c <= ' ' || c == ',' || c == ';' || c > '~') return false;
  return true;
}

}  // namespace

Result<Frame> parseFrame(ByteSpan datagram) {
  // tunnel.py handlePeerEvent: "if len(msg) <= 4: return".
  if (datagram.size() <= 4) return makeError(Code::kInvalid, "peer packet too short");
  if (datagram.size() > kMaxPacket) return makeError(Code::kInvalid, "peer packet too long");
  Reader r(datagram);
  Frame f;
  f.seqno = r.u32();
  f.body = r.rest();
  return f;
}

Result<Hello0> parseHello0(const Frame& f, bool withProtocol) {
  if (f.seqno > 1) return makeError(Code::kInvalid, "not a hello0");
  Hello0 h;
  ByteSpan rest = f.body;
  if (f.seqno == 1) {
    if (withProtocol) {
      size_t n = 0;
      auto p = unpackInteger(rest, &n);
      if (!p) return p.error().wrap("hello0 protocol");
      h.protocol = *p;
      rest = rest.subspan(n);
    }
    if (rest.size() < kFingerprintLen) return makeError(Code::kInvalid, "hello0: no fingerprint");
    h.fingerprint = Bytes(rest.begin(), rest.begin() + kFingerprintLen);
    rest = rest.subspan(kFingerprintLen);
  }
  if (rest.empty()) return makeError(Code::kInvalid, "hello0: no certificate");
  h.certificate = rest;
  return h;
}

Bytes encodeHello0(const std::optional<Bytes>& receiverFingerprint, ByteSpan ourCertDer) {
  Bytes out;
  // x509.Peer.hello0: always announce our protocol when we know the peer's certificate,
  // in case it has just upgraded.
  putU32(out, receiverFingerprint ? 1 : 0);
  if (receiverFingerprint) {
    Bytes p = packInteger(kProtocol);
    out.insert(out.end(), p.begin(), p.end());
    out.insert(out.end(), receiverFingerprint->begin(), receiverFingerprint->end());
  }
  out.insert(out.end(), ourCertDer.begin(), ourCertDer.end());
  return out;
}

Result<Hello> parseHello(const Frame& f, bool withProtocol) {
  if (f.seqno != 2) return makeError(Code::kInvalid, "not a hello");
  Hello h;
  ByteSpan rest = f.body;
  if (withProtocol) {
    size_t n = 0;
    auto p = unpackInteger(rest, &n);
    if (!p) return p.error().wrap("hello protocol");
    h.protocol = *p;
    rest = rest.subspan(n);
  }
  if (rest.empty() || rest.size() % 2) return makeError(Code::kInvalid, "hello: odd body");
  size_t half = rest.size() / 2;
  h.encryptedSecret = rest.first(half);
  h.signature = rest.subspan(half);
  return h;
}

Bytes encodeHello(bool withProtocol, ByteSpan encryptedSecret, ByteSpan signature) {
  Bytes out;
  putU32(out, 2);
  if (withProtocol) {
    Bytes p = packInteger(kProtocol);
    out.insert(out.end(), p.begin(), p.end());
  }
  out.insert(out.end(), encryptedSecret.begin(), encryptedSecret.end());
  out.insert(out.end(), signature.begin(), signature.end());
  return out;
}

Bytes seal(ByteSpan key, uint32_t seqno, ByteSpan payload) {
  Bytes out;
  out.reserve(4 + payload.size() + kHmacLen);
  putU32(out, seqno);
  out.insert(out.end(), payload.begin(), payload.end());
  Bytes mac = hmacSha1(key, out);
  out.insert(out.end(), mac.begin(), mac.end());
  return out;
}

Result<Bytes> unseal(ByteSpan key, ByteSpan datagram) {
  if (datagram.size() < 4 + kHmacLen) return makeError(Code::kInvalid, "sealed message too short");
  size_t n = datagram.size() - kHmacLen;
  if (!crypto::constantTimeEqual(hmacSha1(key, datagram.first(n)), datagram.subspan(n)))
    return makeError(Code::kCrypto, "bad HMAC");
  return Bytes(datagram.begin() + 4, datagram.begin() + long(n));
}

Bytes newSecret(int64_t wallMicros, Random& random) {
  Bytes out;
  Writer w(out);
  w.u64(uint64_t(wallMicros));
  uint8_t tail[12];
  random.fill(tail);
  w.bytes(ByteSpan(tail, sizeof tail));
  return out;
}

std::string Address::str() const {
  std::string s = ip + "," + std::to_string(port) + "," + proto;
  if (!country.empty()) s += "," + country;
  return s;
}

Result<std::vector<Address>> parseAddressList(std::string_view text) {
  std::vector<Address> out;
  for (std::string_view item : split(text, ';')) {
    auto f = split(item, ',');
    if (f.size() != 3 && f.size() != 4) continue;
    bool ok = validField(f[0]) && validField(f[1]) && validField(f[2]) &&
              (f.size() == 3 || validField(f[3]));
    unsigned port = 0;
    if (ok) {
      auto [p, ec] = std::from_chars(f[1].data(), f[1].data() + f[1].size(), port);
      ok = ec == std::errc() && p == f[1].data() + f[1].size() && port <= 65535;
    }
    if (!ok) continue;
    Address a{std::string(f[0]), uint16_t(port), std::string(f[2]), {}};
    if (f.size() == 4) a.country = std::string(f[3]);
    out.push_back(std::move(a));
  }
  if (out.empty()) return makeError(Code::kInvalid, "no valid address in list");
  return out;
}

std::string formatAddressList(const std::vector<Address>& list, bool withCountry) {
  std::string s;
  for (const Address& a : list) {
    if (!s.empty()) s += ';';
    Address b = a;
    if (!withCountry) b.country.clear();
    s += b.str();
  }
  return s;
}

Result<Relay> parseRelay(ByteSpan datagram) {
  std::string_view s(reinterpret_cast<const char*>(datagram.data()), datagram.size());
  size_t nul = s.find('\0');
  if (nul == std::string_view::npos) return makeError(Code::kInvalid, "relay: no NUL");
  std::string_view prefix = s.substr(0, nul);
  // tunnel.py: int(prefix, 2) must succeed, so at least one bit.
  if (prefix.empty() || prefix.size() > 128 || !isBitString(prefix))
    return makeError(Code::kInvalid, "relay: bad prefix");
  if (nul + 1 >= s.size()) return makeError(Code::kInvalid, "relay: empty message");
  Relay r;
  r.prefix = std::string(prefix);
  r.code = datagram[nul + 1];
  r.data.assign(datagram.begin() + long(nul + 2), datagram.end());
  return r;
}

Bytes encodeRelay(const Relay& r) {
  Bytes out(r.prefix.begin(), r.prefix.end());
  out.push_back(0);
  out.push_back(r.code);
  out.insert(out.end(), r.data.begin(), r.data.end());
  return out;
}

}  // namespace re6st::peer
