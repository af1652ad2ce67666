// Certificate authority operations: issuing node certificates signed with the CA key
// (what re6st-registry's createCertificate does), creating the self-signed CA of a new
// network (`re6st ca`), and the network prefix encoded in the CA serial (DESIGN.md §2:
// prefix = CA serial in binary without its leading 1 bit). Pure: time is passed in.
#pragma once

#include <cstdint>
#include <string>

#include "re6st/base/bytes.h"
#include "re6st/base/prefix.h"
#include "re6st/base/result.h"
#include "re6st/crypto/pk.h"
#include "re6st/crypto/x509.h"

namespace re6st::crypto {

struct CertSpec {
  Name subject;          // e.g. {{"CN","5/16"}, {"serialNumber","3"}}
  Bytes serial;          // big-endian, positive, at most 20 bytes
  int64_t not_before = 0;  // Unix seconds
  int64_t not_after = 0;
  // 3: basicConstraints and key identifiers. 1: no extensions, as re6st-registry issues
  // node certificates (REGISTRY-PROTOCOL.md §6). CA certificates are always v3.
  int version = 3;
};

// Node certificate: issuer = CA subject, signed RSA-SHA512 by ca_key; v3 ones carry
// basicConstraints CA:FALSE and key identifiers, v1 ones nothing.
Result<Certificate> issueCertificate(const Certificate& ca_cert, const PrivateKey& ca_key,
                                     const PublicKey& subject_key, const CertSpec& spec);

// Self-signed CA certificate (basicConstraints CA:TRUE, key identifiers), RSA-SHA512.
Result<Certificate> createCaCertificate(const PrivateKey& key, const CertSpec& spec);

// The network prefix bits ("0010000000000001...") from a CA certificate's serial.
Result<std::string> networkBitsFromCa(const Certificate& ca);
// Same, as a Prefix (2001:db8:42::/48).
Result<Prefix> networkFromCa(const Certificate& ca);
// The CA serial for a network: 1 followed by the prefix bits (2001:db8:42::/48 ->
// 0x120010db80042). Refuses networks leaving no room for node subnets (len >= 128).
Result<Bytes> caSerialForNetwork(const Prefix& network);

}  // namespace re6st::crypto
