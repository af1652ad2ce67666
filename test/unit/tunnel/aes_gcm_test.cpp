// The AES-NI/PCLMUL AES-256-GCM against a NIST vector and against mbedTLS' GCM on
// random keys, nonces, AAD and lengths (all tail sizes, several 128-byte strides).
#include <catch2/catch.hpp>

#include <mbedtls/gcm.h>

#include "re6st/base/bytes.h"
#include "re6st/base/random.h"
#include "re6st/tunnel/aes_gcm.h"

using namespace re6st;
using namespace re6st::tunnel;

TEST_CASE("aes-gcm: NIST SP 800-38D test case 16 (AES-256, 60-byte text, 20-byte AAD)") {
  if (!AesGcm256::hardwareSupported()) return;
  Bytes key, iv, plain, aad, cipher, tag;
  REQUIRE(fromHex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", key));
  REQUIRE(fromHex("cafebabefacedbaddecaf888", iv));
  REQUIRE(fromHex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95"
                  "956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39", plain));
  REQUIRE(fromHex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad));
  REQUIRE(fromHex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48"
                  "590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662", cipher));
  REQUIRE(fromHex("76fc6ece0f4e1768cddf8853bb2d551b", tag));
  AesGcm256 g(key.data());
  Bytes out(plain.size());
  uint8_t t[16];
  g.seal(iv.data(), aad.data(), aad.size(), plain.data(), plain.size(), out.data(), t);
  CHECK(out == cipher);
  CHECK(Bytes(t, t + 16) == tag);
  Bytes back(plain.size());
  CHECK(g.open(iv.data(), aad.data(), aad.size(), cipher.data(), cipher.size(), tag.data(),
               back.data()));
  CHECK(back == plain);
  tag[0] ^= 1;
  CHECK_FALSE(g.open(iv.data(), aad.data(), aad.size(), cipher.data(), cipher.size(), tag.data(),
                     back.data()));
}

TEST_CASE("aes-gcm: agrees with mbedTLS on random inputs, in place too") {
  if (!AesGcm256::hardwareSupported()) return;
  SeededRandom rng(42);
  for (int iter = 0; iter < 600; ++iter) {
    uint8_t key[32], iv[12];
    rng.fill(key);
    rng.fill(iv);
    size_t len = iter < 300 ? size_t(iter) : size_t(rng.below(2000));
    size_t aadLen = iter % 3 == 0 ? 12 : size_t(rng.below(80));
    Bytes plain(len), aad(aadLen);
    rng.fill(plain);
    rng.fill(aad);
    mbedtls_gcm_context ref;
    mbedtls_gcm_init(&ref);
    mbedtls_gcm_setkey(&ref, MBEDTLS_CIPHER_ID_AES, key, 256);
    Bytes want(len);
    uint8_t wantTag[16];
    mbedtls_gcm_crypt_and_tag(&ref, MBEDTLS_GCM_ENCRYPT, len, iv, 12, aad.data(), aadLen,
                              plain.data(), want.data(), 16, wantTag);
    mbedtls_gcm_free(&ref);
    AesGcm256 g(key);
    Bytes buf = plain;
    uint8_t tag[16];
    g.seal(iv, aad.data(), aadLen, buf.data(), len, buf.data(), tag);
    REQUIRE(buf == want);
    REQUIRE(Bytes(tag, tag + 16) == Bytes(wantTag, wantTag + 16));
    REQUIRE(g.open(iv, aad.data(), aadLen, buf.data(), len, tag, buf.data()));
    REQUIRE(buf == plain);
    if (len > 0) {
      Bytes bad = want;
      bad[rng.below(len)] ^= 0x80;
      Bytes sink(len, 0xee);
      CHECK_FALSE(g.open(iv, aad.data(), aadLen, bad.data(), len, tag, sink.data()));
      CHECK(sink == Bytes(len, 0xee));  // nothing released before the tag verified
    }
  }
}
