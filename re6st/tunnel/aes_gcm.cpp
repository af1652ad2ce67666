// GHASH follows the carry-less multiplication method of Gueron & Kounavis ("Intel
// Carry-Less Multiplication Instruction and its Usage for Computing the GCM Mode",
// 2010): operands byte-reflected, 256-bit product shifted left by one, then reduced
// modulo x^128 + x^7 + x^2 + x + 1. Four products are summed before one reduction
// (aggregated reduction, same paper §4): X' = (X+C1)·H^4 + C2·H^3 + C3·H^2 + C4·H.
#include "re6st/tunnel/aes_gcm.h"

#include <immintrin.h>
#include <mbedtls/aes.h>
#include <mbedtls/platform_util.h>

#include <cstring>

#define RE6ST_TARGET __attribute__((target("aes,pclmul,sse4.1")))

namespace re6st::tunnel {
namespace {

struct Wide {
  __m128i lo, hi;
};

RE6ST_TARGET inline __m128i bswap(__m128i x) {
  const __m128i mask = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  return _mm_shuffle_epi8(x, mask);
}

// Unreduced 256-bit carry-less product (schoolbook, four PCLMULQDQ).
RE6ST_TARGET inline Wide clmul(__m128i a, __m128i b) {
  __m128i lo = _mm_clmulepi64_si128(a, b, 0x00);
  __m128i mid = _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x10), _mm_clmulepi64_si128(a, b, 0x01));
  __m128i hi = _mm_clmulepi64_si128(a, b, 0x11);
  lo = _mm_xor_si128(lo, _mm_slli_si128(mid, 8));
  hi = _mm_xor_si128(hi, _mm_srli_si128(mid, 8));
  return {lo, hi};
}

RE6ST_TARGET inline Wide add(Wide a, Wide b) {
  return {_mm_xor_si128(a.lo, b.lo), _mm_xor_si128(a.hi, b.hi)};
}

// Shift the reflected product left by one bit, then reduce it to 128 bits.
RE6ST_TARGET inline __m128i reduce(Wide p) {
  __m128i lo = p.lo, hi = p.hi;
  __m128i c1 = _mm_srli_epi32(lo, 31), c2 = _mm_srli_epi32(hi, 31);
  lo = _mm_slli_epi32(lo, 1);
  hi = _mm_slli_epi32(hi, 1);
  __m128i carry = _mm_srli_si128(c1, 12);
  c2 = _mm_slli_si128(c2, 4);
  c1 = _mm_slli_si128(c1, 4);
  lo = _mm_or_si128(lo, c1);
  hi = _mm_or_si128(_mm_or_si128(hi, c2), carry);
  __m128i a = _mm_xor_si128(_mm_xor_si128(_mm_slli_epi32(lo, 31), _mm_slli_epi32(lo, 30)),
                            _mm_slli_epi32(lo, 25));
  __m128i b = _mm_srli_si128(a, 4);
  a = _mm_slli_si128(a, 12);
  lo = _mm_xor_si128(lo, a);
  __m128i d = _mm_xor_si128(_mm_xor_si128(_mm_srli_epi32(lo, 1), _mm_srli_epi32(lo, 2)),
                            _mm_srli_epi32(lo, 7));
  d = _mm_xor_si128(d, b);
  lo = _mm_xor_si128(lo, d);
  return _mm_xor_si128(hi, lo);
}

RE6ST_TARGET inline __m128i gfmul(__m128i a, __m128i b) { return reduce(clmul(a, b)); }

RE6ST_TARGET inline __m128i load(const uint8_t* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}
RE6ST_TARGET inline void store(uint8_t* p, __m128i v) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
}
// A partial block, zero padded (GHASH of the last bytes, CTR of the tail).
RE6ST_TARGET inline __m128i loadPartial(const uint8_t* p, size_t n) {
  alignas(16) uint8_t b[16] = {};
  std::memcpy(b, p, n);
  return load(b);
}

struct Keys {
  __m128i rk[15];
  __m128i h[4];  // reflected H^1..H^4
};

RE6ST_TARGET inline void loadKeys(const uint8_t (*rk)[16], const uint8_t (*h)[16], Keys& k) {
  for (int i = 0; i < 15; ++i) k.rk[i] = load(rk[i]);
  for (int i = 0; i < 4; ++i) k.h[i] = load(h[i]);
}

RE6ST_TARGET inline __m128i aesBlock(const Keys& k, __m128i b) {
  b = _mm_xor_si128(b, k.rk[0]);
  for (int r = 1; r < 14; ++r) b = _mm_aesenc_si128(b, k.rk[r]);
  return _mm_aesenclast_si128(b, k.rk[14]);
}

// CTR: out = in XOR AES(nonce || ctr++), counters from `ctr` (big endian), 8 blocks at a time.
RE6ST_TARGET void ctr(const Keys& k, __m128i j0, uint32_t ctr, const uint8_t* in, size_t len,
                      uint8_t* out) {
  size_t off = 0;
  while (len - off >= 128) {
    __m128i b[8];
    for (int i = 0; i < 8; ++i)
      b[i] = _mm_xor_si128(_mm_insert_epi32(j0, int(__builtin_bswap32(ctr + uint32_t(i))), 3), k.rk[0]);
    for (int r = 1; r < 14; ++r)
      for (int i = 0; i < 8; ++i) b[i] = _mm_aesenc_si128(b[i], k.rk[r]);
    for (int i = 0; i < 8; ++i) {
      b[i] = _mm_aesenclast_si128(b[i], k.rk[14]);
      store(out + off + 16 * size_t(i), _mm_xor_si128(b[i], load(in + off + 16 * size_t(i))));
    }
    ctr += 8;
    off += 128;
  }
  while (off < len) {
    __m128i ks = aesBlock(k, _mm_insert_epi32(j0, int(__builtin_bswap32(ctr++)), 3));
    size_t n = len - off < 16 ? len - off : 16;
    if (n == 16) {
      store(out + off, _mm_xor_si128(ks, load(in + off)));
    } else {
      alignas(16) uint8_t t[16];
      store(t, _mm_xor_si128(ks, loadPartial(in + off, n)));
      std::memcpy(out + off, t, n);
    }
    off += n;
  }
}

// GHASH update over data (zero padded to whole blocks).
RE6ST_TARGET __m128i ghash(const Keys& k, __m128i x, const uint8_t* p, size_t len) {
  size_t off = 0;
  while (len - off >= 64) {
    Wide s = clmul(_mm_xor_si128(x, bswap(load(p + off))), k.h[3]);
    s = add(s, clmul(bswap(load(p + off + 16)), k.h[2]));
    s = add(s, clmul(bswap(load(p + off + 32)), k.h[1]));
    s = add(s, clmul(bswap(load(p + off + 48)), k.h[0]));
    x = reduce(s);
    off += 64;
  }
  while (off < len) {
    size_t n = len - off < 16 ? len - off : 16;
    __m128i b = n == 16 ? load(p + off) : loadPartial(p + off, n);
    x = gfmul(_mm_xor_si128(x, bswap(b)), k.h[0]);
    off += n;
  }
  return x;
}

RE6ST_TARGET __m128i finishTag(const Keys& k, __m128i x, __m128i j0, size_t aadLen, size_t len) {
  __m128i lens = _mm_set_epi64x(int64_t(aadLen) * 8, int64_t(len) * 8);  // reflected order
  x = gfmul(_mm_xor_si128(x, lens), k.h[0]);
  __m128i ek = aesBlock(k, _mm_insert_epi32(j0, int(__builtin_bswap32(1)), 3));
  return _mm_xor_si128(bswap(x), ek);
}

RE6ST_TARGET void precompute(const uint8_t (*rk)[16], uint8_t (*h)[16]) {
  Keys k;
  for (int i = 0; i < 15; ++i) k.rk[i] = load(rk[i]);
  __m128i h1 = bswap(aesBlock(k, _mm_setzero_si128()));
  __m128i p = h1;
  for (int i = 0; i < 4; ++i) {
    store(h[i], p);
    p = gfmul(p, h1);
  }
}

RE6ST_TARGET void sealImpl(const uint8_t (*rk)[16], const uint8_t (*h)[16], const uint8_t nonce[12],
                           const uint8_t* aad, size_t aadLen, const uint8_t* in, size_t len,
                           uint8_t* out, uint8_t tag[16]) {
  Keys k;
  loadKeys(rk, h, k);
  __m128i j0 = loadPartial(nonce, 12);
  ctr(k, j0, 2, in, len, out);
  __m128i x = ghash(k, _mm_setzero_si128(), aad, aadLen);
  x = ghash(k, x, out, len);
  store(tag, finishTag(k, x, j0, aadLen, len));
}

RE6ST_TARGET bool openImpl(const uint8_t (*rk)[16], const uint8_t (*h)[16], const uint8_t nonce[12],
                           const uint8_t* aad, size_t aadLen, const uint8_t* in, size_t len,
                           const uint8_t tag[16], uint8_t* out) {
  Keys k;
  loadKeys(rk, h, k);
  __m128i j0 = loadPartial(nonce, 12);
  __m128i x = ghash(k, _mm_setzero_si128(), aad, aadLen);
  x = ghash(k, x, in, len);
  __m128i diff = _mm_xor_si128(finishTag(k, x, j0, aadLen, len), load(tag));
  if (!_mm_testz_si128(diff, diff)) return false;  // constant time over the 16 bytes
  ctr(k, j0, 2, in, len, out);
  return true;
}

}  // namespace

bool AesGcm256::hardwareSupported() {
  static const bool ok = __builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul") &&
                         __builtin_cpu_supports("sse4.1");
  return ok;
}

AesGcm256::AesGcm256(const uint8_t key[32]) {
  mbedtls_aes_context aes;
  mbedtls_aes_init(&aes);
  mbedtls_aes_setkey_enc(&aes, key, 256);  // FIPS-197 key expansion, round keys in byte order
  std::memcpy(rk_, aes.rk, sizeof rk_);
  mbedtls_aes_free(&aes);
  precompute(rk_, h_);
}

AesGcm256::~AesGcm256() {
  mbedtls_platform_zeroize(rk_, sizeof rk_);
  mbedtls_platform_zeroize(h_, sizeof h_);
}

void AesGcm256::seal(const uint8_t nonce[12], const uint8_t* aad, size_t aadLen, const uint8_t* in,
                     size_t len, uint8_t* out, uint8_t tag[16]) const {
  sealImpl(rk_, h_, nonce, aad, aadLen, in, len, out, tag);
}

bool AesGcm256::open(const uint8_t nonce[12], const uint8_t* aad, size_t aadLen, const uint8_t* in,
                     size_t len, const uint8_t tag[16], uint8_t* out) const {
  return openImpl(rk_, h_, nonce, aad, aadLen, in, len, tag, out);
}

}  // namespace re6st::tunnel
