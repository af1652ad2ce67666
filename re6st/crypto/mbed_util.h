// Small helpers shared by the mbedTLS wrappers of re6st/crypto: error text for mbedTLS
// return codes and RAII owners for the mbedTLS contexts. Header-only; no I/O.
// Not meant for use outside re6st/crypto and re6st/tunnel (raw DTLS configuration).
#pragma once

#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include <memory>
#include <string>

#include "re6st/base/result.h"

namespace re6st::crypto {

// "RSA - The private key operation failed (-0x4300)".
inline std::string mbedError(int rc) {
  char buf[200];
  mbedtls_strerror(rc, buf, sizeof buf);
  char code[32];
  snprintf(code, sizeof code, " (-0x%04x)", unsigned(-rc));
  return std::string(buf) + code;
}
inline Error mbedFailure(Code code, const std::string& what, int rc) {
  return Error{code, what + ": " + mbedError(rc)};
}

struct PkDeleter {
  void operator()(mbedtls_pk_context* p) const {
    mbedtls_pk_free(p);
    delete p;
  }
};
struct CrtDeleter {
  void operator()(mbedtls_x509_crt* p) const {
    mbedtls_x509_crt_free(p);
    delete p;
  }
};
struct CsrDeleter {
  void operator()(mbedtls_x509_csr* p) const {
    mbedtls_x509_csr_free(p);
    delete p;
  }
};
using PkPtr = std::unique_ptr<mbedtls_pk_context, PkDeleter>;
using CrtPtr = std::unique_ptr<mbedtls_x509_crt, CrtDeleter>;
using CsrPtr = std::unique_ptr<mbedtls_x509_csr, CsrDeleter>;

inline PkPtr newPk() {
  PkPtr p(new mbedtls_pk_context);
  mbedtls_pk_init(p.get());
  return p;
}
inline CrtPtr newCrt() {
  CrtPtr p(new mbedtls_x509_crt);
  mbedtls_x509_crt_init(p.get());
  return p;
}
inline CsrPtr newCsr() {
  CsrPtr p(new mbedtls_x509_csr);
  mbedtls_x509_csr_init(p.get());
  return p;
}

}  // namespace re6st::crypto
