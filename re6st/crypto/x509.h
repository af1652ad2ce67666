// X.509 certificates on mbedTLS: parsing (PEM/DER/file) and the accessors re6st needs:
// subject fields (CN "<int>/<len>", serialNumber, emailAddress ...), serial number,
// validity as Unix seconds, public key, raw mbedtls_x509_crt for DTLS. Immutable after
// parsing; safe to read from several threads. Distinguished names are lists of fields.
#pragma once

#include <mbedtls/x509_crt.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "re6st/base/bytes.h"
#include "re6st/base/result.h"
#include "re6st/crypto/mbed_util.h"
#include "re6st/crypto/name.h"
#include "re6st/crypto/pk.h"

namespace re6st::crypto {

// Certificate serial numbers are positive big-endian integers; "0x" hex helpers.
std::string serialToHex(ByteSpan serial);  // lowercase, no leading zeros, "0" for zero
Result<Bytes> serialFromHex(std::string_view hex);  // accepts optional "0x"
Bytes serialFromU128(unsigned __int128 v);

class Certificate {
 public:
  static Result<Certificate> parsePem(std::string_view pem);
  static Result<Certificate> parseDer(ByteSpan der);
  // Reads and parses one PEM certificate; errors read "<path>: <problem>".
  static Result<Certificate> load(const std::string& path);

  Bytes der() const;
  std::string pem() const;

  Name subject() const;
  Name issuer() const;
  std::string subjectCn() const;  // empty when absent
  std::optional<std::string> subjectField(std::string_view name) const;

  Bytes serial() const;  // big-endian, leading zeros stripped
  std::string serialHex() const;
  std::optional<uint64_t> serialU64() const;  // nullopt when it does not fit
  std::optional<unsigned __int128> serialU128() const;

  int64_t notBefore() const;  // Unix seconds (UTC)
  int64_t notAfter() const;
  bool isCa() const;  // basicConstraints CA:TRUE
  int version() const;  // 1 or 3

  PublicKey publicKey() const;  // copy of the certificate's key
  mbedtls_x509_crt* raw() const { return crt_.get(); }

  Certificate clone() const;
  explicit Certificate(CrtPtr crt) : crt_(std::move(crt)) {}

 private:
  CrtPtr crt_;
};

// ASN.1 times as Unix seconds (UTC), and back ("YYYYMMDDhhmmss" for mbedTLS writers).
int64_t unixFromX509Time(const mbedtls_x509_time& t);
std::string x509TimeString(int64_t unix_seconds);

}  // namespace re6st::crypto
