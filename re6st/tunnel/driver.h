// The transport driver: one UDP socket (DTLS handshakes + data records) or one TCP
// listener per port, shared by every tunnel on it, one TUN device per established
// tunnel, and the events the node needs (up, down, counters). It connects the sans-I/O
// cores (Handshake, Session) to the loop; protocol decisions stay in the cores.
// Single-threaded: everything runs in the loop's callbacks.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "re6st/base/clock.h"
#include "re6st/kernel/tun.h"
#include "re6st/loop/loop.h"
#include "re6st/loop/sock_addr.h"
#include "re6st/tunnel/handshake.h"
#include "re6st/tunnel/session.h"

namespace re6st::tunnel {

struct TransportOptions {
  Carrier carrier = Carrier::kDatagram;
  loop::SockAddr bind;  // local address and port; its family picks the underlay (udp/udp6)
  bool listen = true;   // accept incoming tunnels (TCP: listen; UDP: answer ClientHellos)
  // TUN MTU. 1420 leaves room for IPv6 + UDP + record overhead (74 bytes) in a 1500-byte
  // path, so 1280-byte packets always fit; the outer packet may be fragmented by the
  // kernel (PMTU discovery off on the socket) instead of being dropped.
  int mtu = 1420;
  std::vector<std::pair<Ipv6, int>> addresses;  // put on every tunnel device
  std::string ifPrefix = "re6stnet";
  // TUN offloads (TSO reads split into records, received TCP segments coalesced before
  // the TUN write); the wire format is the same either way. Off, or refused by the
  // kernel: one packet per TUN read/write.
  bool offload = true;
  SessionOptions session;
  Duration handshakeTimeout = std::chrono::seconds(15);
  size_t maxHandshakes = 64;  // handshakes in progress past the cookie (half-open limit)
};

struct TunnelInfo {
  uint64_t id = 0;
  Role role = Role::kInitiator;
  bool up = false;
  std::string ifname;
  std::string peerCn, peerSerial;
  loop::SockAddr remote;
  std::string observedSelf;  // our address as the peer sees it ("" until known)
  bool offload = false;      // the TUN device does offloads (TransportOptions::offload)
  Counters counters;
};

struct TunnelEvent {
  enum class Kind { kUp, kDown } kind;
  TunnelInfo info;
  std::string reason;  // kDown
};

class Transport {
 public:
  using EventFn = std::function<void(const TunnelEvent&)>;
  Transport(loop::Loop& loop, std::shared_ptr<Credentials> creds, TransportOptions options,
            EventFn onEvent);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Opens the socket (and listener); afterwards localPort() is known.
  Status start();
  // Starts an outgoing tunnel; the peer's certificate CN must be peerCn.
  Result<uint64_t> connect(const loop::SockAddr& remote, const std::string& peerCn);
  void close(uint64_t id, const std::string& reason);
  std::vector<TunnelInfo> tunnels() const;
  uint16_t localPort() const { return localPort_; }
  size_t handshakesInProgress() const;

 private:
  struct Tunnel;
  // driver.cpp: life cycle
  Tunnel& addTunnel(Role role, const loop::SockAddr& remote);
  void removeTunnel(uint64_t id, const std::string& reason, bool notifyPeer = true);
  Tunnel* find(uint64_t id);
  std::unique_ptr<Handshake> newHandshake(Role role, const std::string& cn, Bytes transportId);
  void afterHandshake(Tunnel& t);
  void establish(Tunnel& t);
  void confirmed(Tunnel& t);
  void startSending(Tunnel& t, Time now);
  void tick();
  void tickTunnel(Tunnel& t, Time now);
  TunnelInfo info(const Tunnel& t) const;
  void sendKeepalive(Tunnel& t, Time now);
  // datagram.cpp
  Status openUdp();
  void onUdpReadable();
  void onDatagram(const loop::SockAddr& from, std::span<uint8_t> data);
  void onGate(const loop::SockAddr& from, ByteSpan data, Tunnel* existing);
  bool admitHello(const loop::SockAddr& from, ByteSpan data, Time now);
  void sendDatagram(const loop::SockAddr& to, ByteSpan data);
  void sendBatch(Tunnel& t, size_t ready);
  bool sendBatchGso(Tunnel& t, size_t ready);
  // stream.cpp
  Status openListener();
  void onAccept();
  Status startConnect(Tunnel& t);
  void onStreamEvent(uint64_t id, int events);
  void onStreamBytes(Tunnel& t, std::span<uint8_t> data);
  void streamSend(Tunnel& t, ByteSpan data, bool flush = true);
  void watchStream(Tunnel& t, int events);
  void streamFlush(Tunnel& t);
  // outbound.cpp / inbound
  void onTunReadable(uint64_t id);
  size_t fillBatch(Tunnel& t, Time now, bool& drained);
  bool sealSlot(Tunnel& t, Time now, size_t i, size_t len);
  void deliver(Tunnel& t, std::span<uint8_t> packet);
  void flushCoalesced();
  void onRecord(Tunnel& t, std::span<uint8_t> record);
  void flushHandshake(Tunnel& t);
  void sendRecord(Tunnel& t, ByteSpan record);

  loop::Loop& loop_;
  std::shared_ptr<Credentials> creds_;
  TransportOptions opt_;
  EventFn onEvent_;
  SystemClock wall_;
  kernel::TunPool pool_;
  loop::Fd sock_;  // UDP socket or TCP listener
  std::unique_ptr<loop::Poll> sockPoll_;
  std::unique_ptr<loop::Timer> timer_;
  uint16_t localPort_ = 0;
  uint64_t nextId_ = 1;
  std::map<uint64_t, std::unique_ptr<Tunnel>> tunnels_;
  std::unordered_map<loop::SockAddr, uint64_t, loop::SockAddrHash> byAddr_;  // datagram
  std::unique_ptr<Handshake> gate_;  // DTLS responder waiting for a valid cookie
  bool gso_ = true, gro_ = false;    // UDP segmentation offloads (Linux ≥ 4.18 / 5.0)
  double helloTokens_ = 50;          // rate limit of cookie-less ClientHellos
  Time helloRefill_;
  std::string ownCn_;
  struct Buffers;
  std::unique_ptr<Buffers> buf_;
};

}  // namespace re6st::tunnel
