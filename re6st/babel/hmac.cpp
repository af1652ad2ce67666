// RFC 8967 MAC computation: HMAC-SHA256 (mbedTLS) and keyed BLAKE2s-128 (libb2).
#include "re6st/babel/hmac.h"

#include <blake2.h>
#include <algorithm>
#include <mbedtls/md.h>

#include "re6st/babel/codec.h"

namespace re6st::babel {
namespace {

Bytes pseudoHeader(const Ipv6& src, const Ipv6& dst, ByteSpan packet) {
  Bytes data;
  data.reserve(36 + packet.size());
  Writer w(data);
  w.bytes(ByteSpan(src.data(), 16));
  w.u16(kPort);
  w.bytes(ByteSpan(dst.data(), 16));
  w.u16(kPort);
  w.bytes(packet);
  return data;
}

// Constant-time comparison: a MAC check must not leak how many bytes matched.
bool equalCt(ByteSpan a, ByteSpan b) {
  if (a.size() != b.size()) return false;
  uint8_t d = 0;
  for (size_t i = 0; i < a.size(); ++i) d |= uint8_t(a[i] ^ b[i]);
  return d == 0;
}

}  // namespace

Status validateKey(const Key& key) {
  if (key.value.empty()) return makeError(Code::kInvalid, "babel key " + key.id + ": empty");
  if (key.type == KeyType::kBlake2s128 && key.value.size() > BLAKE2S_KEYBYTES) {
    return makeError(Code::kInvalid, "babel key " + key.id + ": blake2s128 keys are ≤ 32 bytes");
  }
  return {};
}

Bytes computeMac(const Key& key, const Ipv6& src, const Ipv6& dst, ByteSpan packet) {
  Bytes data = pseudoHeader(src, dst, packet);
  if (key.type == KeyType::kBlake2s128) {
    Bytes mac(16);
    blake2s(mac.data(), data.data(), key.value.data(), mac.size(), data.size(),
            std::min<size_t>(key.value.size(), BLAKE2S_KEYBYTES));
    return mac;
  }
  Bytes mac(32);
  const mbedtls_md_info_t* info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  mbedtls_md_hmac(info, key.value.data(), key.value.size(), data.data(), data.size(),
                  mac.data());
  return mac;
}

void appendMac(Bytes& packet, const Key& key, const Ipv6& src, const Ipv6& dst) {
  ByteSpan p(packet.data(), packet.size());
  Bytes mac = computeMac(key, src, dst, p);
  packet.push_back(kMac);  // RFC 8967 §4.2: MAC TLVs go in the trailer
  packet.push_back(uint8_t(mac.size()));
  packet.insert(packet.end(), mac.begin(), mac.end());
}

bool verifyMac(const std::vector<Key>& keys, const std::vector<Bytes>& macs, const Ipv6& src,
               const Ipv6& dst, ByteSpan packet, size_t bodyEnd) {
  if (bodyEnd > packet.size()) return false;
  ByteSpan covered = packet.first(bodyEnd);
  for (const Key& key : keys) {
    Bytes expect = computeMac(key, src, dst, covered);
    for (const Bytes& mac : macs) {
      if (equalCt(mac, expect)) return true;
    }
  }
  return false;
}

}  // namespace re6st::babel
