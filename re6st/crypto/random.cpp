#include "re6st/crypto/random.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace re6st::crypto {

bool kernelEntropy(unsigned char* out, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = getrandom(out + done, len - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // ENOSYS or similar: fall back to the device
    }
    done += size_t(n);
  }
  if (done == len) return true;
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  while (done < len) {
    ssize_t n = read(fd, out + done, len - done);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      close(fd);
      return false;
    }
    done += size_t(n);
  }
  close(fd);
  return true;
}

// mbedTLS entropy callback: straight from the kernel (no mbedtls_entropy pool needed).
static int kernelSource(void*, unsigned char* out, size_t len) {
  return kernelEntropy(out, len) ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

Csprng::Csprng() {
  mbedtls_ctr_drbg_init(&drbg_);
  static const unsigned char kPersonal[] = "re6st csprng";
  int rc = mbedtls_ctr_drbg_seed(&drbg_, kernelSource, nullptr, kPersonal, sizeof kPersonal);
  if (rc != 0) {
    // Without entropy no key or nonce is safe: stopping is the only correct choice.
    std::fprintf(stderr, "re6st: cannot seed the random generator (-0x%04x)\n", unsigned(-rc));
    std::abort();
  }
  mbedtls_ctr_drbg_set_prediction_resistance(&drbg_, MBEDTLS_CTR_DRBG_PR_OFF);
}

Csprng::~Csprng() { mbedtls_ctr_drbg_free(&drbg_); }

void Csprng::fill(std::span<uint8_t> out) {
  // CTR_DRBG hands out at most MBEDTLS_CTR_DRBG_MAX_REQUEST bytes per call.
  size_t done = 0;
  while (done < out.size()) {
    size_t n = std::min<size_t>(out.size() - done, MBEDTLS_CTR_DRBG_MAX_REQUEST);
    if (mbedtls_ctr_drbg_random(&drbg_, out.data() + done, n) != 0) {
      std::fprintf(stderr, "re6st: random generator failure\n");
      std::abort();
    }
    done += n;
  }
}

Csprng& Csprng::local() {
  thread_local Csprng instance;
  return instance;
}

int Csprng::mbedRandom(void* p_rng, unsigned char* out, size_t len) {
  Csprng* self = p_rng ? static_cast<Csprng*>(p_rng) : &local();
  self->fill({out, len});
  return 0;
}

}  // namespace re6st::crypto
