#include <catch2/catch.hpp>

#include "re6st/crypto/dh.h"
#include "re6st/crypto/hmac.h"

#include <mbedtls/dhm.h>

using namespace re6st;
using namespace re6st::crypto;

TEST_CASE("SHA digests match FIPS 180 'abc' vectors") {
  CHECK(toHex(sha1(asBytes("abc"))) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(toHex(sha256(asBytes("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(toHex(sha512(asBytes("abc"))).substr(0, 32) == "ddaf35a193617abacc417349ae204131");
}

TEST_CASE("HMAC-SHA1 matches RFC 2202 test cases") {
  // Test case 1: key = 0x0b * 20, data = "Hi There".
  CHECK(toHex(hmacSha1(Bytes(20, 0x0b), asBytes("Hi There"))) ==
        "b617318655057264e28bc0b6fb378c8ef146be00");
  // Test case 2: key = "Jefe".
  CHECK(toHex(hmacSha1(asBytes("Jefe"), asBytes("what do ya want for nothing?"))) ==
        "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  // Test case 6: 80-byte key (longer than the block is hashed first).
  CHECK(toHex(hmacSha1(Bytes(80, 0xaa),
                       asBytes("Test Using Larger Than Block-Size Key - Hash Key First"))) ==
        "aa4ae5e15272d00e95705637ce8a3b55ed402112");
  // RFC 4231 test case 2 for HMAC-SHA256.
  CHECK(toHex(hmacSha256(asBytes("Jefe"), asBytes("what do ya want for nothing?"))) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("fingerprint supports sha1 and sha256 only") {
  CHECK(*fingerprint("sha1", asBytes("abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(fingerprint("sha256", asBytes("abc"))->size() == 64);
  auto md5 = fingerprint("md5", asBytes("abc"));
  REQUIRE_FALSE(md5.ok());
  CHECK(md5.error().code == Code::kUnsupported);
}

TEST_CASE("constantTimeEqual compares content and length") {
  CHECK(constantTimeEqual(asBytes("abc"), asBytes("abc")));
  CHECK_FALSE(constantTimeEqual(asBytes("abc"), asBytes("abd")));
  CHECK_FALSE(constantTimeEqual(asBytes("abc"), asBytes("ab")));
  CHECK(constantTimeEqual({}, {}));
}

TEST_CASE("ffdhe2048 parameters are the RFC 7919 group in PKCS#3 PEM") {
  Bytes p = ffdhe2048Prime();
  REQUIRE(p.size() == 256);
  // The RFC's structure: top and bottom 64 bits set, then the digits of e.
  CHECK(toHex(ByteSpan(p).first(16)) == "ffffffffffffffffadf85458a2bb4a9a");
  CHECK(toHex(ByteSpan(p).last(8)) == "ffffffffffffffff");
  Bytes der = ffdhe2048Der();
  CHECK(der.size() == 268);
  std::string pem = ffdhe2048Pem();
  CHECK(pem.rfind("-----BEGIN DH PARAMETERS-----\n", 0) == 0);
  mbedtls_dhm_context dhm;
  mbedtls_dhm_init(&dhm);
  REQUIRE(mbedtls_dhm_parse_dhm(&dhm, reinterpret_cast<const unsigned char*>(pem.c_str()),
                                pem.size() + 1) == 0);
  CHECK(mbedtls_mpi_bitlen(&dhm.P) == 2048);
  CHECK(mbedtls_mpi_cmp_int(&dhm.G, 2) == 0);
  mbedtls_dhm_free(&dhm);
}
