// Cryptographically secure randomness: mbedTLS CTR_DRBG (AES-256) seeded from the
// kernel (getrandom / /dev/urandom) and reseeded by mbedTLS' own interval. Each thread
// gets its own generator (Csprng::local()), so no locking is needed on the hot path.
// Csprng also implements re6st::Random so cores can be handed real entropy.
#pragma once

#include <mbedtls/ctr_drbg.h>

#include <cstddef>
#include <span>

#include "re6st/base/random.h"

namespace re6st::crypto {

class Csprng final : public Random {
 public:
  Csprng();  // aborts the process if the kernel has no entropy to give (cannot continue)
  ~Csprng() override;
  Csprng(const Csprng&) = delete;
  Csprng& operator=(const Csprng&) = delete;

  void fill(std::span<uint8_t> out) override;

  // The calling thread's generator.
  static Csprng& local();
  // mbedTLS f_rng callback; p_rng must be a Csprng* (or nullptr for local()).
  static int mbedRandom(void* p_rng, unsigned char* out, size_t len);

  mbedtls_ctr_drbg_context* raw() { return &drbg_; }

 private:
  mbedtls_ctr_drbg_context drbg_;
};

using SystemRandom = Csprng;

// Reads len bytes from the kernel's entropy source (getrandom, else /dev/urandom).
bool kernelEntropy(unsigned char* out, size_t len);

}  // namespace re6st::crypto
