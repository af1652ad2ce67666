// Prefix math. re6st names prefixes as bit strings ("0000000000000001"): the network
// prefix comes from the CA serial, a node prefix is relative to the network, and a node
// certificate's CN is "<int>/<len>" of those bits. Pure functions, no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "re6st/base/bytes.h"
#include "re6st/base/result.h"

namespace re6st {

using Ipv6 = std::array<uint8_t, 16>;

// An IPv6 prefix: address (host bits zero) and length 0..128.
struct Prefix {
  Ipv6 addr{};
  int len = 0;

  bool operator==(const Prefix&) const = default;
  auto operator<=>(const Prefix&) const = default;
  bool contains(const Ipv6& a) const;
  bool contains(const Prefix& p) const { return p.len >= len && contains(p.addr); }
  std::string str() const;  // "2001:db8:42::/48"
  std::string bits() const;  // the first len bits as '0'/'1'
};

// True when s is only '0' and '1' (empty allowed).
bool isBitString(std::string_view s);

Result<Ipv6> parseIpv6(std::string_view text);
std::string formatIpv6(const Ipv6& a);  // RFC 5952 text
Result<Prefix> parsePrefix(std::string_view cidr);  // host bits must be zero

// Bits <-> addresses. bits longer than 128 or with other chars are refused.
Result<Prefix> prefixFromBits(std::string_view bits);
std::string bitsFromIpv6(const Ipv6& a, int len = 128);

// CN "<int>/<len>" <-> bits (int < 2^len, len <= 128).
Result<std::string> bitsFromCn(std::string_view cn);
std::string cnFromBits(std::string_view bits);

// Node IP: network bits + node bits, zero-padded to 127 bits, then a final 1.
Result<Ipv6> nodeIp(std::string_view network_bits, std::string_view node_bits);
// Node subnet: network bits + node bits as a Prefix.
Result<Prefix> nodeSubnet(std::string_view network_bits, std::string_view node_bits);

// Decimal text of an unsigned 128-bit integer and back (CN integers can exceed 64 bits).
std::string u128ToString(unsigned __int128 v);
std::optional<unsigned __int128> parseU128(std::string_view s);

// re6st's order-preserving integer encoding: the top 3 bits of the first byte give the
// number of extra bytes n; value = 32 * sum(256^i, i < n) + the remaining bits.
Bytes packInteger(uint64_t v);
// Decodes from the front of data; consumed is set to the encoded length.
Result<uint64_t> unpackInteger(ByteSpan data, size_t* consumed = nullptr);

}  // namespace re6st
