// Hashes and MACs used by re6st's protocols: HMAC-SHA1 (registry Re6stHMAC header, peer
// protocol messages), SHA-1 (the registry's session key chain, certificate fingerprints
// in peer hello), SHA-256/512, and constant-time comparison for MAC checks. Pure.
#pragma once

#include <string>
#include <string_view>

#include "re6st/base/bytes.h"
#include "re6st/base/result.h"

namespace re6st::crypto {

Bytes sha1(ByteSpan data);    // 20 bytes
Bytes sha256(ByteSpan data);  // 32 bytes
Bytes sha512(ByteSpan data);  // 64 bytes
Bytes hmacSha1(ByteSpan key, ByteSpan data);  // 20 bytes (RFC 2104)
Bytes hmacSha256(ByteSpan key, ByteSpan data);  // 32 bytes

// Hex digest of a DER certificate: alg is "sha1" or "sha256" (else kUnsupported).
Result<std::string> fingerprint(std::string_view alg, ByteSpan der);

// True when a and b are equal; time depends only on the lengths.
bool constantTimeEqual(ByteSpan a, ByteSpan b);

}  // namespace re6st::crypto
