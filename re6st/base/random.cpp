#include "re6st/base/random.h"

#include <cstring>

namespace re6st {

uint64_t Random::next64() {
  uint64_t v;
  fill({reinterpret_cast<uint8_t*>(&v), sizeof v});
  return v;
}

uint64_t Random::below(uint64_t bound) {
  if (bound == 0) return 0;
  // Rejection sampling: discard the top partial range.
  uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  for (;;) {
    uint64_t v = next64();
    if (v < limit) return v % bound;
  }
}

double Random::unit() { return double(next64() >> 11) * 0x1.0p-53; }

static uint64_t splitmix(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

SeededRandom::SeededRandom(uint64_t seed) {
  for (auto& s : s_) s = splitmix(seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t SeededRandom::raw() {
  uint64_t result = rotl(s_[1] * 5, 7) * 9;
  uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

void SeededRandom::fill(std::span<uint8_t> out) {
  size_t i = 0;
  while (i < out.size()) {
    uint64_t v = raw();
    size_t n = std::min(out.size() - i, sizeof v);
    memcpy(out.data() + i, &v, n);
    i += n;
  }
}

}  // namespace re6st
