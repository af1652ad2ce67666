// The tunnel handshake core: DTLS 1.2 (UDP, with the cookie exchange) or TLS 1.2 (TCP)
// on mbedTLS, mutual authentication against the network CA, CRL and CN checks, and the
// export of the data-plane secrets (record.h). Sans-I/O: datagrams or stream bytes and
// the time go in, bytes to send come out; wall time for certificate validity is passed in.
// Single-threaded; one Handshake per attempt, Credentials shared by all of them.
#pragma once

#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cookie.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "re6st/base/bytes.h"
#include "re6st/base/clock.h"
#include "re6st/base/result.h"
#include "re6st/crypto/pk.h"
#include "re6st/crypto/verify.h"
#include "re6st/crypto/x509.h"
#include "re6st/tunnel/record.h"

namespace re6st::tunnel {

// What a node authenticates with: the network CA, its own certificate and key, and the
// revoked serials of the network configuration (replaceable at any time).
class Credentials {
 public:
  Credentials(crypto::Certificate ca, crypto::Certificate cert, crypto::PrivateKey key);
  ~Credentials();
  Credentials(const Credentials&) = delete;
  Credentials& operator=(const Credentials&) = delete;
  static Result<std::shared_ptr<Credentials>> load(const std::string& caPath,
                                                   const std::string& certPath,
                                                   const std::string& keyPath);

  const crypto::Certificate& ca() const { return ca_; }
  const crypto::Certificate& cert() const { return cert_; }
  const crypto::PrivateKey& key() const { return key_; }
  crypto::RevokedSerials revoked;
  mbedtls_ssl_cookie_ctx* cookies() { return &cookies_; }

 private:
  crypto::Certificate ca_, cert_;
  crypto::PrivateKey key_;
  mbedtls_ssl_cookie_ctx cookies_;  // DTLS HelloVerifyRequest cookies (RFC 6347 §4.2.1)
};

enum class Role { kInitiator, kResponder };
enum class Carrier { kDatagram, kStream };

struct HandshakeOptions {
  Role role = Role::kInitiator;
  Carrier carrier = Carrier::kDatagram;
  std::string expectedCn;         // initiator: the responder's CN must equal it ("": any
                                  // certificate of the network CA, re6stnet's --client)
  int64_t wallNow = 0;            // Unix seconds for certificate validity
  Duration timeout = std::chrono::seconds(15);  // whole handshake
  Bytes transportId;              // responder over DTLS: the client address (cookie binding)
  uint16_t mtu = 1200;            // DTLS: handshake datagrams stay below it
};

// What a completed handshake yields.
struct Established {
  Secret sendSecret{}, recvSecret{};
  std::string peerCn;
  std::string peerSerial;  // lowercase hex
};

class Handshake {
 public:
  enum class State { kRunning, kHelloVerify, kDone, kFailed };

  Handshake(std::shared_ptr<Credentials> creds, HandshakeOptions options, Time now);
  ~Handshake();
  Handshake(const Handshake&) = delete;
  Handshake& operator=(const Handshake&) = delete;

  // Feeds one datagram (DTLS) or a chunk of the stream (TLS) from the peer.
  void handle(Time now, ByteSpan data);
  // Retransmissions (DTLS) and the overall deadline.
  void handleTimeout(Time now);
  std::optional<Time> nextTimeout() const;
  // Next datagram (DTLS) or stream chunk (TLS) to send.
  std::optional<Bytes> pollOutput();

  State state() const { return state_; }
  const Error& error() const { return error_; }  // valid in kFailed
  const Established& established() const { return est_; }  // valid in kDone
  // Stream only: bytes that followed the handshake in the input (data records).
  Bytes takeLeftover();
  // Responder gate (DTLS): after a HelloVerifyRequest, forget the client and wait for the
  // next ClientHello — no per-client state is kept until a valid cookie comes back.
  void resetForNextClient(Time now, Bytes transportId, int64_t wallNow);

 private:
  void step(Time now);
  void fail(Error e);
  void finish();
  static int bioSend(void* self, const unsigned char* buf, size_t len);
  static int bioRecv(void* self, unsigned char* buf, size_t len);
  static void timerSet(void* self, uint32_t intMs, uint32_t finMs);
  static int timerGet(void* self);
  static int verify(void* self, mbedtls_x509_crt* crt, int depth, uint32_t* flags);
  static int exportKeys(void* self, const unsigned char* ms, const unsigned char* kb,
                         size_t maclen, size_t keylen, size_t ivlen,
                         const unsigned char clientRandom[32],
                        const unsigned char serverRandom[32], mbedtls_tls_prf_types prf);

  std::shared_ptr<Credentials> creds_;
  HandshakeOptions opt_;
  mbedtls_ssl_config conf_;
  mbedtls_ssl_context ssl_;
  State state_ = State::kRunning;
  Error error_;
  Established est_;
  bool keysExported_ = false;
  Time now_, deadline_;
  std::optional<Time> timerInt_, timerFin_;
  std::deque<Bytes> in_, out_;
  size_t inOffset_ = 0;  // stream: consumed bytes of in_.front()
  std::string verifyProblem_;
};

}  // namespace re6st::tunnel
