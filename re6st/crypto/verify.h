// Certificate verification against the network CA at a given time, with the revoked
// serials of the registry's CRL (the network configuration's "crl" list). Each failure
// has a name so callers (tunnel handshake, registry, peer protocol) can log or branch.
// Pure: `now` is passed in, nothing is read from a clock or a file.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "re6st/base/result.h"
#include "re6st/crypto/x509.h"

namespace re6st::crypto {

enum class CertProblem {
  kExpired,       // now > notAfter
  kNotYetValid,   // now < notBefore
  kWrongCa,       // issuer is not the CA's subject
  kBadSignature,  // issuer matches but the CA key did not sign it
  kRevoked,       // serial listed in the CRL
  kCaExpired,     // the CA itself is outside its validity period
};
const char* certProblemName(CertProblem p);  // "expired", "not yet valid", ...

// Serial numbers as serialToHex() writes them (lowercase, no leading zeros).
using RevokedSerials = std::set<std::string>;

// nullopt when cert is valid at now_unix, signed by ca and not revoked.
std::optional<CertProblem> checkCertificate(const Certificate& cert, const Certificate& ca,
                                            int64_t now_unix,
                                            const RevokedSerials& revoked = {});

// Same as a Status (Code::kCrypto): "certificate CN=1/16 serial 0x5: expired".
Status verify(const Certificate& cert, const Certificate& ca, int64_t now_unix,
              const RevokedSerials& revoked = {});

}  // namespace re6st::crypto
