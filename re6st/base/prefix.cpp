#include "re6st/base/prefix.h"

#include <arpa/inet.h>

#include <algorithm>

namespace re6st {

bool Prefix::contains(const Ipv6& a) const {
  int full = len / 8, rest = len % 8;
  if (!std::equal(addr.begin(), addr.begin() + full, a.begin())) return false;
  if (!rest) return true;
  uint8_t mask = uint8_t(0xff << (8 - rest));
  return (addr[full] & mask) == (a[full] & mask);
}

std::string Prefix::str() const { return formatIpv6(addr) + "/" + std::to_string(len); }

std::string Prefix::bits() const { return bitsFromIpv6(addr, len); }

bool isBitString(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0' || c == '1'; });
}

Result<Ipv6> parseIpv6(std::string_view text) {
  if (text.size() > 45) return makeError(Code::kInvalid, "not an IPv6 address: too long");
  std::string s(text);
  Ipv6 a;
  if (inet_pton(AF_INET6, s.c_str(), a.data()) != 1)
    return makeError(Code::kInvalid, "not an IPv6 address: '" + s + "'");
  return a;
}

std::string formatIpv6(const Ipv6& a) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, a.data(), buf, sizeof buf);
  return buf;
}

Result<Prefix> parsePrefix(std::string_view cidr) {
  size_t slash = cidr.find('/');
  if (slash == std::string_view::npos)
    return makeError(Code::kInvalid, "not an IPv6 prefix (no /length): '" + std::string(cidr) + "'");
  auto addr = parseIpv6(cidr.substr(0, slash));
  if (!addr) return addr.error();
  std::string_view l = cidr.substr(slash + 1);
  if (l.empty() || l.size() > 3 || !std::all_of(l.begin(), l.end(), ::isdigit))
    return makeError(Code::kInvalid, "bad prefix length in '" + std::string(cidr) + "'");
  int len = std::stoi(std::string(l));
  if (len > 128) return makeError(Code::kInvalid, "prefix length > 128 in '" + std::string(cidr) + "'");
  Prefix p{*addr, len};
  Prefix masked = *prefixFromBits(bitsFromIpv6(*addr, len));
  if (masked.addr != p.addr)
    return makeError(Code::kInvalid, "host bits set in '" + std::string(cidr) + "'");
  return p;
}

Result<Prefix> prefixFromBits(std::string_view bits) {
  if (bits.size() > 128 || !isBitString(bits))
    return makeError(Code::kInvalid, "not a prefix bit string: '" + std::string(bits.substr(0, 140)) + "'");
  Prefix p;
  p.len = int(bits.size());
  for (size_t i = 0; i < bits.size(); ++i)
    if (bits[i] == '1') p.addr[i / 8] |= uint8_t(0x80 >> (i % 8));
  return p;
}

std::string bitsFromIpv6(const Ipv6& a, int len) {
  std::string s;
  len = std::clamp(len, 0, 128);
  s.reserve(size_t(len));
  for (int i = 0; i < len; ++i) s.push_back(a[i / 8] & (0x80 >> (i % 8)) ? '1' : '0');
  return s;
}

std::string u128ToString(unsigned __int128 v) {
  if (!v) return "0";
  std::string s;
  while (v) {
    s.push_back(char('0' + int(v % 10)));
    v /= 10;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

std::optional<unsigned __int128> parseU128(std::string_view s) {
  if (s.empty() || s.size() > 39) return std::nullopt;
  unsigned __int128 v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    unsigned __int128 next = v * 10 + unsigned(c - '0');
    if (next / 10 != v) return std::nullopt;  // overflow
    v = next;
  }
  return v;
}

Result<std::string> bitsFromCn(std::string_view cn) {
  auto bad = [&](const char* why) {
    return makeError(Code::kInvalid, std::string("bad CN '") + std::string(cn.substr(0, 60)) + "': " + why);
  };
  size_t slash = cn.find('/');
  if (slash == std::string_view::npos) return bad("expected <int>/<len>");
  auto value = parseU128(cn.substr(0, slash));
  auto len = parseU128(cn.substr(slash + 1));
  if (!value || !len) return bad("not integers");
  if (*len > 128) return bad("length > 128");
  int n = int(*len);
  if (n < 128 && (*value >> n) != 0) return bad("integer does not fit the length");
  std::string bits(size_t(n), '0');
  for (int i = 0; i < n; ++i)
    if ((*value >> i) & 1) bits[size_t(n - 1 - i)] = '1';
  return bits;
}

std::string cnFromBits(std::string_view bits) {
  unsigned __int128 v = 0;
  for (char c : bits) v = v << 1 | (c == '1');
  return u128ToString(v) + "/" + std::to_string(bits.size());
}

Result<Ipv6> nodeIp(std::string_view network_bits, std::string_view node_bits) {
  std::string all = std::string(network_bits) + std::string(node_bits);
  if (all.size() > 127 || !isBitString(all))
    return makeError(Code::kInvalid, "node prefix too long for a node IP");
  all.resize(127, '0');
  all.push_back('1');
  return prefixFromBits(all)->addr;
}

Result<Prefix> nodeSubnet(std::string_view network_bits, std::string_view node_bits) {
  return prefixFromBits(std::string(network_bits) + std::string(node_bits));
}

Bytes packInteger(uint64_t v) {
  // Find n (extra bytes) such that base(n) <= v < base(n + 1), base(n) = 32*sum 256^i.
  int n = 0;
  unsigned __int128 base = 0, span = 32;  // values representable with n extra bytes
  while (n < 7 && v - base >= span) {
    base += span;
    span <<= 8;
    ++n;
  }
  uint64_t rest = uint64_t(v - base);
  Bytes out(size_t(n + 1));
  for (int i = n; i >= 0; --i) {
    out[size_t(i)] = uint8_t(rest);
    rest >>= 8;
  }
  out[0] = uint8_t(out[0] | n << 5);
  return out;
}

Result<uint64_t> unpackInteger(ByteSpan data, size_t* consumed) {
  if (data.empty()) return makeError(Code::kInvalid, "packed integer: no data");
  int n = data[0] >> 5;
  if (data.size() < size_t(n + 1)) return makeError(Code::kInvalid, "packed integer: truncated");
  unsigned __int128 base = 0, span = 32;
  for (int i = 0; i < n; ++i) {
    base += span;
    span <<= 8;
  }
  unsigned __int128 v = data[0] & 0x1f;
  for (int i = 1; i <= n; ++i) v = v << 8 | data[size_t(i)];
  v += base;
  if (v > UINT64_MAX) return makeError(Code::kInvalid, "packed integer: out of range");
  if (consumed) *consumed = size_t(n + 1);
  return uint64_t(v);
}

}  // namespace re6st
