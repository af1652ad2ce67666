// TlsClient on mbedTLS 2.28; see tls.h. The BIO callbacks only move bytes between
// mbedTLS and two buffers: no socket is touched here.
#include "re6st/http/tls.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <algorithm>

namespace re6st::http {
namespace {

std::string mbedError(int rc) {
  char buf[160];
  mbedtls_strerror(rc, buf, sizeof buf);
  return buf;
}

}  // namespace

struct TlsClient::Impl {
  mbedtls_ssl_context ssl;
  mbedtls_ssl_config conf;
  mbedtls_x509_crt ca;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  Bytes in;  // ciphertext received, not yet consumed by mbedTLS
  size_t inPos = 0;
  Bytes out;  // ciphertext produced, not yet sent
  std::string serverName;

  Impl() {
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&ca);
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
  }
  ~Impl() {
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&ca);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }

  static int send(void* ctx, const unsigned char* buf, size_t len) {
    auto* self = static_cast<Impl*>(ctx);
    self->out.insert(self->out.end(), buf, buf + len);
    return static_cast<int>(len);
  }
  static int recv(void* ctx, unsigned char* buf, size_t len) {
    auto* self = static_cast<Impl*>(ctx);
    size_t avail = self->in.size() - self->inPos;
    if (avail == 0) return MBEDTLS_ERR_SSL_WANT_READ;
    size_t n = std::min(avail, len);
    std::copy_n(self->in.begin() + static_cast<std::ptrdiff_t>(self->inPos), n, buf);
    self->inPos += n;
    if (self->inPos == self->in.size()) {
      self->in.clear();
      self->inPos = 0;
    }
    return static_cast<int>(n);
  }

  Error verifyError() {
    uint32_t flags = mbedtls_ssl_get_verify_result(&ssl);
    char buf[512];
    int n = mbedtls_x509_crt_verify_info(buf, sizeof buf, "", flags);
    std::string why = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "unknown reason";
    std::replace(why.begin(), why.end(), '\n', ';');
    return makeError(Code::kCrypto, "TLS: certificate of " + serverName + " rejected: " + why);
  }
};

TlsClient::TlsClient() : impl_(std::make_unique<Impl>()) {}
TlsClient::~TlsClient() = default;

Status TlsClient::setup(const std::string& caFile, const std::string& serverName) {
  Impl& t = *impl_;
  t.serverName = serverName;
  static const char kPers[] = "re6st-http";
  int rc = mbedtls_ctr_drbg_seed(&t.drbg, mbedtls_entropy_func, &t.entropy,
                                 reinterpret_cast<const unsigned char*>(kPers), sizeof kPers - 1);
  if (rc != 0) return makeError(Code::kCrypto, "TLS: seeding the DRBG: " + mbedError(rc));
  // A bundle may hold certificates mbedTLS cannot parse (rc > 0 counts them): fine as
  // long as at least one loaded.
  rc = mbedtls_x509_crt_parse_file(&t.ca, caFile.c_str());
  if (rc < 0 || t.ca.version == 0)
    return makeError(Code::kNotFound, "TLS: cannot load CA file " + caFile + ": " + mbedError(rc));
  rc = mbedtls_ssl_config_defaults(&t.conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                   MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) return makeError(Code::kCrypto, "TLS: config: " + mbedError(rc));
  mbedtls_ssl_conf_authmode(&t.conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&t.conf, &t.ca, nullptr);
  mbedtls_ssl_conf_rng(&t.conf, mbedtls_ctr_drbg_random, &t.drbg);
  // TLS 1.2 only (mbedTLS 2.28 has no 1.3 client worth using; 1.0/1.1 are deprecated).
  mbedtls_ssl_conf_min_version(&t.conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  rc = mbedtls_ssl_setup(&t.ssl, &t.conf);
  if (rc != 0) return makeError(Code::kCrypto, "TLS: setup: " + mbedError(rc));
  // Sets SNI and the name the certificate must carry.
  rc = mbedtls_ssl_set_hostname(&t.ssl, serverName.c_str());
  if (rc != 0) return makeError(Code::kCrypto, "TLS: server name: " + mbedError(rc));
  mbedtls_ssl_set_bio(&t.ssl, &t, Impl::send, Impl::recv, nullptr);
  return {};
}

Result<bool> TlsClient::handshake() {
  Impl& t = *impl_;
  int rc = mbedtls_ssl_handshake(&t.ssl);
  if (rc == 0) return true;
  if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return false;
  if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) return t.verifyError();
  return makeError(Code::kCrypto, "TLS handshake with " + t.serverName + ": " + mbedError(rc));
}

Status TlsClient::write(ByteSpan plain) {
  Impl& t = *impl_;
  size_t done = 0;
  while (done < plain.size()) {
    int rc = mbedtls_ssl_write(&t.ssl, plain.data() + done, plain.size() - done);
    if (rc < 0) return makeError(Code::kCrypto, "TLS write: " + mbedError(rc));
    done += static_cast<size_t>(rc);
  }
  return {};
}

void TlsClient::feed(ByteSpan cipher) {
  impl_->in.insert(impl_->in.end(), cipher.begin(), cipher.end());
}

Result<Bytes> TlsClient::read(bool& closed) {
  Impl& t = *impl_;
  Bytes plain;
  unsigned char buf[16384];
  while (true) {
    int rc = mbedtls_ssl_read(&t.ssl, buf, sizeof buf);
    if (rc > 0) {
      plain.insert(plain.end(), buf, buf + rc);
      continue;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return plain;
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
      closed = true;
      return plain;
    }
    return makeError(Code::kCrypto, "TLS read from " + t.serverName + ": " + mbedError(rc));
  }
}

Bytes TlsClient::takeOutgoing() {
  Bytes o;
  o.swap(impl_->out);
  return o;
}

}  // namespace re6st::http
