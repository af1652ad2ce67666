#include "re6st/tunnel/handshake.h"

#include <mbedtls/error.h>
#include <mbedtls/platform_util.h>

#include <cstring>

#include "re6st/crypto/mbed_util.h"
#include "re6st/crypto/random.h"

namespace re6st::tunnel {
namespace {

// TLS 1.2 AEAD suites with ephemeral ECDH (forward secrecy) for RSA (re6st node keys)
// and ECDSA keys. The handshake cipher only protects the handshake; data records use
// their own keys exported from the master secret.
const int kSuites[] = {
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,   MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    0};

constexpr char kExportLabel[] = "re6st tunnel keys";

}  // namespace

// ---- Credentials --------------------------------------------------------------------

Credentials::Credentials(crypto::Certificate ca, crypto::Certificate cert, crypto::PrivateKey key)
    : ca_(std::move(ca)), cert_(std::move(cert)), key_(std::move(key)) {
  mbedtls_ssl_cookie_init(&cookies_);
  mbedtls_ssl_cookie_setup(&cookies_, crypto::Csprng::mbedRandom, nullptr);
}

Credentials::~Credentials() { mbedtls_ssl_cookie_free(&cookies_); }

Result<std::shared_ptr<Credentials>> Credentials::load(const std::string& caPath,
                                                       const std::string& certPath,
                                                       const std::string& keyPath) {
  auto ca = crypto::Certificate::load(caPath);
  if (!ca) return ca.error().wrap(caPath);
  auto cert = crypto::Certificate::load(certPath);
  if (!cert) return cert.error().wrap(certPath);
  auto key = crypto::PrivateKey::load(keyPath);
  if (!key) return key.error().wrap(keyPath);
  auto pub = cert->publicKey();
  if (!key->matches(pub)) return makeError(Code::kCrypto, keyPath + ": does not match " + certPath);
  return std::make_shared<Credentials>(std::move(*ca), std::move(*cert), std::move(*key));
}

// ---- Handshake: setup ---------------------------------------------------------------

Handshake::Handshake(std::shared_ptr<Credentials> creds, HandshakeOptions options, Time now)
    : creds_(std::move(creds)), opt_(std::move(options)), now_(now), deadline_(now + opt_.timeout) {
  bool dgram = opt_.carrier == Carrier::kDatagram;
  bool server = opt_.role == Role::kResponder;
  mbedtls_ssl_config_init(&conf_);
  mbedtls_ssl_init(&ssl_);
  int rc = mbedtls_ssl_config_defaults(
      &conf_, server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
      dgram ? MBEDTLS_SSL_TRANSPORT_DATAGRAM : MBEDTLS_SSL_TRANSPORT_STREAM,
      MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) {
    fail(crypto::mbedFailure(Code::kCrypto, "TLS configuration", rc));
    return;
  }
  mbedtls_ssl_conf_rng(&conf_, crypto::Csprng::mbedRandom, nullptr);
  // TLS 1.2 only (DTLS 1.2 is minor version 3 too).
  mbedtls_ssl_conf_min_version(&conf_, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(&conf_, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_ciphersuites(&conf_, kSuites);
  mbedtls_ssl_conf_authmode(&conf_, MBEDTLS_SSL_VERIFY_REQUIRED);  // mutual authentication
  mbedtls_ssl_conf_ca_chain(&conf_, creds_->ca().raw(), nullptr);
  rc = mbedtls_ssl_conf_own_cert(&conf_, creds_->cert().raw(), creds_->key().raw());
  if (rc != 0) {
    fail(crypto::mbedFailure(Code::kCrypto, "own certificate", rc));
    return;
  }
  mbedtls_ssl_conf_export_keys_ext_cb(&conf_, &Handshake::exportKeys, this);
  if (dgram) {
    mbedtls_ssl_conf_handshake_timeout(&conf_, 500, 8000);
    if (server)  // RFC 6347 §4.2.1: stateless cookie exchange against spoofed sources
      mbedtls_ssl_conf_dtls_cookies(&conf_, mbedtls_ssl_cookie_write, mbedtls_ssl_cookie_check,
                                    creds_->cookies());
  }
  rc = mbedtls_ssl_setup(&ssl_, &conf_);
  if (rc != 0) {
    fail(crypto::mbedFailure(Code::kCrypto, "TLS context", rc));
    return;
  }
  mbedtls_ssl_set_bio(&ssl_, this, &Handshake::bioSend, &Handshake::bioRecv, nullptr);
  mbedtls_ssl_set_verify(&ssl_, &Handshake::verify, this);
  if (dgram) {
    mbedtls_ssl_set_timer_cb(&ssl_, this, &Handshake::timerSet, &Handshake::timerGet);
    mbedtls_ssl_set_mtu(&ssl_, opt_.mtu);
    if (server)
      mbedtls_ssl_set_client_transport_id(&ssl_, opt_.transportId.data(),
                                          opt_.transportId.size());
  }
  if (!server) step(now);  // the ClientHello
}

Handshake::~Handshake() {
  mbedtls_ssl_free(&ssl_);
  mbedtls_ssl_config_free(&conf_);
  mbedtls_platform_zeroize(est_.sendSecret.data(), est_.sendSecret.size());
  mbedtls_platform_zeroize(est_.recvSecret.data(), est_.recvSecret.size());
}

void Handshake::resetForNextClient(Time now, Bytes transportId, int64_t wallNow) {
  mbedtls_ssl_session_reset(&ssl_);
  opt_.wallNow = wallNow;
  opt_.transportId = std::move(transportId);
  mbedtls_ssl_set_client_transport_id(&ssl_, opt_.transportId.data(), opt_.transportId.size());
  in_.clear();
  inOffset_ = 0;
  timerInt_.reset();
  timerFin_.reset();
  verifyProblem_.clear();
  keysExported_ = false;
  state_ = State::kRunning;
  now_ = now;
  deadline_ = now + opt_.timeout;
}

// ---- Handshake: progress ------------------------------------------------------------

void Handshake::fail(Error e) {
  if (state_ == State::kFailed) return;
  state_ = State::kFailed;
  error_ = std::move(e);
}

void Handshake::step(Time now) {
  now_ = now;
  int rc = mbedtls_ssl_handshake(&ssl_);
  if (rc == 0) return finish();
  if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return;
  if (rc == MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED) {
    state_ = State::kHelloVerify;
    return;
  }
  if (!verifyProblem_.empty()) return fail(makeError(Code::kCrypto, verifyProblem_));
  if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
    char info[256];
    mbedtls_x509_crt_verify_info(info, sizeof info, "", mbedtls_ssl_get_verify_result(&ssl_));
    std::string text(info);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return fail(makeError(Code::kCrypto, "peer certificate: " + text));
  }
  if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
    return fail(makeError(Code::kProtocol, "the peer aborted the handshake (fatal alert)"));
  fail(crypto::mbedFailure(Code::kProtocol, "handshake", rc));
}

void Handshake::finish() {
  if (!keysExported_) return fail(makeError(Code::kInternal, "handshake exported no keys"));
  const mbedtls_x509_crt* peer = mbedtls_ssl_get_peer_cert(&ssl_);
  if (!peer) return fail(makeError(Code::kProtocol, "peer sent no certificate"));
  auto cert = crypto::Certificate::parseDer(ByteSpan(peer->raw.p, peer->raw.len));
  if (!cert) return fail(cert.error());
  est_.peerCn = cert->subjectCn();
  est_.peerSerial = cert->serialHex();
  state_ = State::kDone;
}

void Handshake::handle(Time now, ByteSpan data) {
  if (state_ == State::kFailed || state_ == State::kHelloVerify || data.empty()) return;
  in_.emplace_back(data.begin(), data.end());
  if (state_ == State::kRunning) return step(now);
  if (opt_.carrier != Carrier::kDatagram) return;
  // DTLS after completion: the peer may retransmit its last flight because ours was lost;
  // reading lets mbedTLS resend our Finished (RFC 6347 §4.2.4). Application data: none.
  now_ = now;
  unsigned char sink[64];
  while (!in_.empty()) {
    int rc = mbedtls_ssl_read(&ssl_, sink, sizeof sink);
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) break;
    if (rc < 0) {
      in_.clear();
      break;
    }
  }
}

void Handshake::handleTimeout(Time now) {
  if (state_ != State::kRunning) return;
  if (now >= deadline_) return fail(makeError(Code::kTimeout, "handshake timed out"));
  if (timerFin_ && now >= *timerFin_) step(now);
}

std::optional<Time> Handshake::nextTimeout() const {
  if (state_ != State::kRunning) return std::nullopt;
  if (timerFin_ && *timerFin_ < deadline_) return timerFin_;
  return deadline_;
}

std::optional<Bytes> Handshake::pollOutput() {
  if (out_.empty()) return std::nullopt;
  Bytes b = std::move(out_.front());
  out_.pop_front();
  return b;
}

Bytes Handshake::takeLeftover() {
  Bytes all;
  for (size_t i = 0; i < in_.size(); ++i) {
    size_t from = i == 0 ? inOffset_ : 0;
    all.insert(all.end(), in_[i].begin() + long(from), in_[i].end());
  }
  in_.clear();
  inOffset_ = 0;
  return all;
}

// ---- Handshake: mbedTLS callbacks ---------------------------------------------------

int Handshake::bioSend(void* p, const unsigned char* buf, size_t len) {
  auto* self = static_cast<Handshake*>(p);
  self->out_.emplace_back(buf, buf + len);
  return int(len);
}

int Handshake::bioRecv(void* p, unsigned char* buf, size_t len) {
  auto* self = static_cast<Handshake*>(p);
  if (self->in_.empty()) return MBEDTLS_ERR_SSL_WANT_READ;
  Bytes& front = self->in_.front();
  if (self->opt_.carrier == Carrier::kDatagram) {
    // One datagram per read; a datagram larger than mbedTLS' buffer is cut (and then
    // fails to authenticate), never overflowing.
    size_t n = std::min(len, front.size());
    std::memcpy(buf, front.data(), n);
    self->in_.pop_front();
    return int(n);
  }
  size_t n = std::min(len, front.size() - self->inOffset_);
  std::memcpy(buf, front.data() + self->inOffset_, n);
  self->inOffset_ += n;
  if (self->inOffset_ == front.size()) {
    self->in_.pop_front();
    self->inOffset_ = 0;
  }
  return int(n);
}

void Handshake::timerSet(void* p, uint32_t intMs, uint32_t finMs) {
  auto* self = static_cast<Handshake*>(p);
  if (finMs == 0) {
    self->timerInt_.reset();
    self->timerFin_.reset();
    return;
  }
  self->timerInt_ = self->now_ + milliseconds(intMs);
  self->timerFin_ = self->now_ + milliseconds(finMs);
}

int Handshake::timerGet(void* p) {
  auto* self = static_cast<Handshake*>(p);
  if (!self->timerFin_) return -1;
  if (self->now_ >= *self->timerFin_) return 2;
  if (self->now_ >= *self->timerInt_) return 1;
  return 0;
}

// Called by mbedTLS for each certificate of the peer's chain (depth 0 = the peer).
// Validity is checked against the wall time passed in, not the system clock.
int Handshake::verify(void* p, mbedtls_x509_crt* crt, int depth, uint32_t* flags) {
  auto* self = static_cast<Handshake*>(p);
  *flags &= ~uint32_t(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
  if (depth != 0) return 0;
  auto cert = crypto::Certificate::parseDer(ByteSpan(crt->raw.p, crt->raw.len));
  if (!cert) {
    self->verifyProblem_ = "peer certificate: " + cert.error().message;
    *flags |= MBEDTLS_X509_BADCERT_OTHER;
    return 0;
  }
  auto problem = crypto::checkCertificate(*cert, self->creds_->ca(), self->opt_.wallNow,
                                          self->creds_->revoked);
  std::string who = "peer certificate CN=" + cert->subjectCn() + " serial 0x" + cert->serialHex();
  if (problem) {
    self->verifyProblem_ = who + ": " + crypto::certProblemName(*problem);
    *flags |= *problem == crypto::CertProblem::kRevoked ? MBEDTLS_X509_BADCERT_REVOKED
                                                        : MBEDTLS_X509_BADCERT_NOT_TRUSTED;
  } else if (self->opt_.role == Role::kInitiator && !self->opt_.expectedCn.empty() &&
             cert->subjectCn() != self->opt_.expectedCn) {
    self->verifyProblem_ = who + ": not the wanted peer " + self->opt_.expectedCn;
    *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
  }
  return 0;
}

// The master secret, through the connection's own PRF (RFC 5246 §5), gives one secret
// per direction; nothing else of the TLS session is reused.
int Handshake::exportKeys(void* p, const unsigned char* ms, const unsigned char*, size_t, size_t,
                          size_t, const unsigned char clientRandom[32],
                          const unsigned char serverRandom[32], mbedtls_tls_prf_types prf) {
  auto* self = static_cast<Handshake*>(p);
  unsigned char randoms[64];
  std::memcpy(randoms, clientRandom, 32);
  std::memcpy(randoms + 32, serverRandom, 32);
  unsigned char out[64];
  if (mbedtls_ssl_tls_prf(prf, ms, 48, kExportLabel, randoms, sizeof randoms, out, sizeof out))
    return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
  bool client = self->opt_.role == Role::kInitiator;
  std::memcpy(self->est_.sendSecret.data(), out + (client ? 0 : 32), 32);
  std::memcpy(self->est_.recvSecret.data(), out + (client ? 32 : 0), 32);
  mbedtls_platform_zeroize(out, sizeof out);
  self->keysExported_ = true;
  return 0;
}

}  // namespace re6st::tunnel
