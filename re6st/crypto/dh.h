// The Diffie-Hellman group served by the registry's getDh (OpenVPN-era clients): the
// standard RFC 7919 ffdhe2048 group, encoded as PKCS#3 DHParameter PEM ("BEGIN DH
// PARAMETERS"), so `re6st ca` never generates primes. Pure constants.
#pragma once

#include <string>

#include "re6st/base/bytes.h"

namespace re6st::crypto {

Bytes ffdhe2048Prime();     // 256 bytes, RFC 7919 Appendix A.1
Bytes ffdhe2048Der();       // SEQUENCE { INTEGER p, INTEGER 2 }
std::string ffdhe2048Pem();  // PEM of ffdhe2048Der()

}  // namespace re6st::crypto
