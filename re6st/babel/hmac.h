// Babel MAC authentication (RFC 8967): computes the MAC over the pseudo-header and the
// packet, appends MAC TLVs to the trailer and verifies received ones against accept keys.
// Pure functions over bytes; key management and PC/challenge state live in the router.
#pragma once

#include <vector>

#include "re6st/babel/router.h"
#include "re6st/base/bytes.h"
#include "re6st/base/prefix.h"

namespace re6st::babel {

// RFC 8967 §4.1: MAC over src ‖ src-port ‖ dst ‖ dst-port ‖ packet (header + body).
// babeld uses 6696 for both ports whatever the real ones are; so do we.
Bytes computeMac(const Key& key, const Ipv6& src, const Ipv6& dst, ByteSpan packet);

// Appends a MAC TLV for key to the packet's trailer (after the body).
void appendMac(Bytes& packet, const Key& key, const Ipv6& src, const Ipv6& dst);

// True when one of macs matches the packet's first bodyEnd bytes under one of keys.
bool verifyMac(const std::vector<Key>& keys, const std::vector<Bytes>& macs, const Ipv6& src,
               const Ipv6& dst, ByteSpan packet, size_t bodyEnd);

// Checks a key as configured (blake2s128: 1..32 bytes of key; hmac-sha256: non-empty).
Status validateKey(const Key& key);

}  // namespace re6st::babel
