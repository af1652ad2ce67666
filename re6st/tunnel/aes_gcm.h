// AES-256-GCM (NIST SP 800-38D) for the record layer, with AES-NI and PCLMULQDQ: eight
// counter blocks in flight and GHASH reduced once per four blocks. mbedTLS' generic GCM
// does one block at a time (≈ 200 MB/s here); this runs several times faster. Callers
// check hardwareSupported() and use mbedTLS otherwise. Pure computation, thread-safe
// for distinct objects; 12-byte nonces only (the record layer's).
#pragma once

#include <cstddef>
#include <cstdint>

namespace re6st::tunnel {

class AesGcm256 {
 public:
  static bool hardwareSupported();
  explicit AesGcm256(const uint8_t key[32]);
  ~AesGcm256();
  AesGcm256(const AesGcm256&) = delete;
  AesGcm256& operator=(const AesGcm256&) = delete;

  // out may equal in (in place); tag receives 16 bytes.
  void seal(const uint8_t nonce[12], const uint8_t* aad, size_t aadLen, const uint8_t* in,
            size_t len, uint8_t* out, uint8_t tag[16]) const;
  // Verifies the tag first (constant time); only then decrypts into out. False: forged.
  bool open(const uint8_t nonce[12], const uint8_t* aad, size_t aadLen, const uint8_t* in,
            size_t len, const uint8_t tag[16], uint8_t* out) const;

 private:
  alignas(16) uint8_t rk_[15][16];  // AES-256 round keys
  alignas(16) uint8_t h_[4][16];    // H, H^2, H^3, H^4 (byte-reflected for PCLMUL)
};

}  // namespace re6st::tunnel
