#include "re6st/crypto/hmac.h"

#include <mbedtls/md.h>

namespace re6st::crypto {
namespace {

Bytes digest(mbedtls_md_type_t type, ByteSpan data) {
  const mbedtls_md_info_t* md = mbedtls_md_info_from_type(type);
  Bytes out(mbedtls_md_get_size(md));
  mbedtls_md(md, data.data(), data.size(), out.data());
  return out;
}

Bytes hmac(mbedtls_md_type_t type, ByteSpan key, ByteSpan data) {
  const mbedtls_md_info_t* md = mbedtls_md_info_from_type(type);
  Bytes out(mbedtls_md_get_size(md));
  mbedtls_md_hmac(md, key.data(), key.size(), data.data(), data.size(), out.data());
  return out;
}

}  // namespace

Bytes sha1(ByteSpan data) { return digest(MBEDTLS_MD_SHA1, data); }
Bytes sha256(ByteSpan data) { return digest(MBEDTLS_MD_SHA256, data); }
Bytes sha512(ByteSpan data) { return digest(MBEDTLS_MD_SHA512, data); }
Bytes hmacSha1(ByteSpan key, ByteSpan data) { return hmac(MBEDTLS_MD_SHA1, key, data); }
Bytes hmacSha256(ByteSpan key, ByteSpan data) { return hmac(MBEDTLS_MD_SHA256, key, data); }

Result<std::string> fingerprint(std::string_view alg, ByteSpan der) {
  if (alg == "sha1") return toHex(sha1(der));
  if (alg == "sha256") return toHex(sha256(der));
  return Error{Code::kUnsupported, "unknown fingerprint algorithm '" + std::string(alg) + "'"};
}

bool constantTimeEqual(ByteSpan a, ByteSpan b) {
  if (a.size() != b.size()) return false;
  volatile uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff = diff | (a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace re6st::crypto
