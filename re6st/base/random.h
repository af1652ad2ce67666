// Randomness as cores see it: an injected Random. Cores never read entropy directly,
// so a seeded SeededRandom makes tests and simulations reproducible. The CSPRNG used
// for keys and nonces lives in re6st/crypto (crypto::SystemRandom implements this too).
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace re6st {

class Random {
 public:
  virtual ~Random() = default;
  virtual void fill(std::span<uint8_t> out) = 0;

  uint64_t next64();
  // Uniform in [0, bound) without modulo bias; bound == 0 returns 0.
  uint64_t below(uint64_t bound);
  // Uniform double in [0, 1).
  double unit();
};

// Fisher-Yates over the whole vector, from the back (one below() per position, the
// order every earlier caller drew in, so seeded simulations keep their results).
template <class T>
void shuffle(std::vector<T>& v, Random& random) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[size_t(random.below(i))]);
}

// Partial Fisher-Yates: afterwards v[0..k) is a uniform random k-subset of v in random
// order (k is clamped to v.size()); one below() per position.
template <class T>
void shuffleFront(std::vector<T>& v, size_t k, Random& random) {
  for (size_t i = 0; i < k && i < v.size(); ++i)
    std::swap(v[i], v[i + size_t(random.below(v.size() - i))]);
}

// xoshiro256** seeded through splitmix64: fast, deterministic, not for secrets.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed);
  void fill(std::span<uint8_t> out) override;
  uint64_t raw();

 private:
  uint64_t s_[4];
};

}  // namespace re6st
