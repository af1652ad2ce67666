// One peer as the peer protocol knows it (re6stnet's x509.Peer): its certificate, the
// HMAC secret of the current session, sequence numbers both ways, when hello0 may be
// resent and whether the peer still answers. Sans-I/O: builds and checks datagrams;
// the Protocol core decides what to send where. Single-threaded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "re6st/base/bytes.h"
#include "re6st/base/clock.h"
#include "re6st/base/random.h"
#include "re6st/base/result.h"
#include "re6st/crypto/pk.h"
#include "re6st/crypto/x509.h"
#include "re6st/peer/codec.h"

namespace re6st::peer {

// Our side: the network CA, our certificate and key.
struct Identity {
  crypto::Certificate ca;
  crypto::Certificate cert;
  crypto::PrivateKey key;
};

constexpr Duration kHelloInterval = seconds(60);  // hello0 at most once a minute
constexpr Duration kAnswerTimeout = seconds(60);  // unanswered this long: session lost

class Session {
 public:
  // initialKey: the process-wide secret a new session must exceed (x509.Peer._key).
  Session(std::string prefix, Bytes initialKey);

  const std::string& prefix() const { return prefix_; }
  // True while the peer answers: something valid was received since our first
  // unanswered message, or that message is less than a minute old (x509.Peer.connected).
  bool connected(Time now) const;

  // hello0 (seqno 1 with the peer's fingerprint once its certificate is known, else 0);
  // nullopt while one was sent less than a minute ago.
  std::optional<Bytes> hello0(Time now, ByteSpan ourCertDer) const;
  void hello0Sent(Time now) { helloAfter_ = now + kHelloInterval; }
  // hello: a fresh secret encrypted to the peer, signed by us; starts our session.
  // withProtocol when the peer announced one. Needs the peer's certificate.
  Result<Bytes> hello(const Identity& us, int64_t wallMicros, Random& random, bool withProtocol);
  // The peer's hello was verified and decrypted: adopt its secret if it is newer.
  Status newSession(Bytes key, uint64_t protocol);

  // Seals a message with the next sequence number.
  Bytes encode(ByteSpan payload);
  // Checks HMAC and sequence of a datagram with seqno > 2; the payload on success.
  std::optional<Bytes> decode(Time now, ByteSpan datagram);
  // A sealed non-empty message went out (starts the answer timeout).
  void sent(Time now);

  // The peer's certificate (after a verified hello0).
  void setCertificate(crypto::Certificate cert, int64_t stopDate);
  const std::optional<crypto::Certificate>& certificate() const { return cert_; }
  const std::string& serial() const { return serial_; }
  int64_t stopDate() const { return stopDate_; }  // Unix seconds (certificate notAfter)

  uint64_t protocol = 0;  // the protocol of the current session
  Bytes version;          // last network version we know the peer has

 private:
  std::string prefix_;
  Bytes key_;
  uint32_t received_ = 2;  // x509.Peer._i
  uint32_t sentSeq_ = 2;   // x509.Peer._j
  enum class Last { kNever, kAnswered, kWaiting } last_ = Last::kNever;
  Time lastSent_{};
  Time helloAfter_ = Time::min();
  std::optional<crypto::Certificate> cert_;
  std::string serial_;
  int64_t stopDate_ = INT64_MAX;
};

}  // namespace re6st::peer
