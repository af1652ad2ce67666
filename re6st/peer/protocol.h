// The peer protocol core (UDP port 326; re6stnet's BaseTunnelManager peer half):
// sessions per peer prefix, hello0/hello handshake with certificates verified against
// the network CA and RSA-encrypted secrets, HMAC-sealed sequenced messages, answers to
// codes 0/1/4/5/7, relaying for the local registry over ::1. Sans-I/O: datagrams and
// time in, SendTo/Deliver/NewVersion actions out. Never reads a clock or a socket.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "re6st/base/bytes.h"
#include "re6st/base/clock.h"
#include "re6st/base/prefix.h"
#include "re6st/base/random.h"
#include "re6st/peer/codec.h"
#include "re6st/peer/session.h"

namespace re6st::peer {

struct Endpoint {
  Ipv6 ip{};
  uint16_t port = kPort;
  bool operator==(const Endpoint&) const = default;
};

// The loopback address the local registry talks to its node from.
constexpr Ipv6 kLoopback = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

// Where a peer listens: network bits + prefix bits, zero-padded (the subnet-router
// anycast address of its subnet, RFC 4291 §2.6.1), port 326 (tunnel.py sendto).
Endpoint peerEndpoint(const std::string& network, const std::string& prefix);

struct ProtocolConfig {
  std::string registryPrefix;  // bits of the registry node
  Bytes version;               // signed network configuration version (code 0)
  std::string addresses;       // our address list (code 1 answer)
  std::string nodeInfo;        // code 4 answer ("<version>, <platform>")
  std::set<std::string> crl;   // revoked serials (crypto::serialToHex)
};

// Actions.
struct SendTo {
  Endpoint to;
  Bytes data;
};
// A message for the tunnel manager: code 1 with an address list, codes 2 and 3.
struct Deliver {
  std::string prefix;
  uint8_t code = 0;
  Bytes data;
};
// A newer network version was announced (by a peer, verified, or by the local
// registry): fetch the configuration (re6stnet waits 1 s first).
struct NewVersion {
  Bytes version;
};
using ProtocolAction = std::variant<SendTo, Deliver, NewVersion>;

class Protocol {
 public:
  // wallMicros: Unix time in microseconds at `now` (certificates and secrets use wall
  // time; the core derives it from `now` afterwards, never reading a clock).
  // Fails when the CA serial or our certificate's CN do not give a network and prefix.
  static Result<std::unique_ptr<Protocol>> create(Identity identity, ProtocolConfig config,
                                                  Random& random, Time now, int64_t wallMicros);
  Protocol(const Protocol&) = delete;
  Protocol& operator=(const Protocol&) = delete;

  const std::string& prefix() const { return prefix_; }
  const std::string& network() const { return network_; }

  // A datagram received on port 326.
  void handle(Time now, const Endpoint& from, ByteSpan datagram);
  // tunnel.py sendto: sends payload (code byte + data) when the session is up and
  // returns true; otherwise (re)starts the handshake (hello0) and returns false.
  // nullopt only makes sure a session exists.
  bool send(Time now, const std::string& prefix, std::optional<ByteSpan> payload);
  bool connected(Time now, const std::string& prefix) const;

  // Peers whose certificate expired are forgotten (tunnel.py invalidatePeers).
  Time nextTimeout() const;
  void handleTimeout(Time now);
  std::optional<ProtocolAction> pollAction();

  // Tells every Babel neighbour that does not have it about our network version.
  void broadcastVersion(Time now, const std::vector<std::string>& neighbourPrefixes);
  void setVersion(Bytes version) { config_.version = std::move(version); }
  void setAddresses(std::string a) { config_.addresses = std::move(a); }
  void setCrl(std::set<std::string> crl);
  // Code 5 answer (the tunnel manager's topology).
  void setTopology(std::function<std::string()> f) { topology_ = std::move(f); }

  size_t sessionCount() const { return sessions_.size(); }
  const Session* session(const std::string& prefix) const;

 private:
  Protocol(Identity identity, ProtocolConfig config, Random& random, Time now, int64_t wallMicros,
           std::string network, std::string prefix);
  int64_t wallMicros(Time now) const { return wallAtStart_ + (now - start_).count(); }
  int64_t wallSeconds(Time now) const { return wallMicros(now) / 1'000'000; }
  Session* lookup(const std::string& senderBits);
  void handleLocal(Time now, const Endpoint& from, ByteSpan datagram);
  void handleHello(Time now, const Endpoint& from, const std::string& sender, Session& peer,
                   const Frame& f);
  bool helloSecret(Time now, const Endpoint& from, Session& peer, const Frame& f, bool withProtocol);
  bool helloCertificate(Time now, const Endpoint& from, const std::string& sender,
                        Session& peer, const Frame& f, bool withProtocol);
  std::optional<Bytes> processPacket(Time now, ByteSpan msg, const Session* peer);
  std::optional<Bytes> processVersion(Time now, ByteSpan version, const Session* peer);
  bool verifyVersion(ByteSpan version) const;
  void sendRaw(const Endpoint& to, Bytes data) { actions_.push_back(SendTo{to, std::move(data)}); }
  void sendSealed(Time now, const Endpoint& to, Session& peer, ByteSpan payload);

  Identity id_;
  ProtocolConfig config_;
  Random& random_;
  Time start_;
  int64_t wallAtStart_;
  std::string network_, prefix_;
  Bytes certDer_, fingerprint_;
  Bytes initialKey_;  // x509.Peer._key: what any new session secret must exceed
  std::map<std::string, Session> sessions_;
  std::optional<Endpoint> forward_;  // the local registry's address (relayed answers)
  std::function<std::string()> topology_;
  std::deque<ProtocolAction> actions_;
};

}  // namespace re6st::peer
