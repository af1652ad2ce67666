#include "re6st/crypto/dh.h"

namespace re6st::crypto {

// RFC 7919 Appendix A.1, ffdhe2048:
//   p = 2^2048 - 2^1984 + {[2^1918 * e] + 560316} * 2^64 - 1, g = 2
// The hexadecimal value as published in the RFC, 8 bytes per group.
static const char kFfdhe2048Hex[] =
    "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1"
    "D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF9"
    "7D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD6561"
    "2433F51F5F066ED0856365553DED1AF3B557135E7F57C935"
    "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE735"
    "30ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FB"
    "B96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB19"
    "0B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61"
    "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD73"
    "3BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA"
    "886B423861285C97FFFFFFFFFFFFFFFF";

Bytes ffdhe2048Prime() {
  Bytes p;
  fromHex(kFfdhe2048Hex, p);
  return p;
}

Bytes ffdhe2048Der() {
  // PKCS #3: DHParameter ::= SEQUENCE { prime INTEGER, base INTEGER }. The prime's top
  // bit is set, so its INTEGER needs a leading 0x00: 257 content bytes.
  Bytes p = ffdhe2048Prime();
  Bytes intP = {0x02, 0x82, 0x01, 0x01, 0x00};
  intP.insert(intP.end(), p.begin(), p.end());
  const Bytes intG = {0x02, 0x01, 0x02};
  size_t body = intP.size() + intG.size();  // 264
  Bytes der = {0x30, 0x82, uint8_t(body >> 8), uint8_t(body)};
  der.insert(der.end(), intP.begin(), intP.end());
  der.insert(der.end(), intG.begin(), intG.end());
  return der;
}

std::string ffdhe2048Pem() {
  std::string b64 = base64Encode(ffdhe2048Der());
  std::string out = "-----BEGIN DH PARAMETERS-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  out += "-----END DH PARAMETERS-----\n";
  return out;
}

}  // namespace re6st::crypto
