// A UDP socket on the loop, on a socket we own (not uv_udp) so that every datagram comes
// with its destination address and arrival interface (IP_PKTINFO / IPV6_PKTINFO), which
// Babel and the peer protocol need. Sends are non-blocking sendto: a full socket buffer
// drops the datagram (counted), as UDP may. Not copyable, not movable; loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "re6st/base/bytes.h"
#include "re6st/base/result.h"
#include "re6st/loop/loop.h"
#include "re6st/loop/sock_addr.h"

namespace re6st::loop {

struct Datagram {
  SockAddr from;
  SockAddr to;           // destination address (port = ours); may be unspecified
  unsigned ifindex = 0;  // arrival interface, 0 if unknown
  ByteSpan data;         // valid only during the callback
};

struct UdpOptions {
  bool reuseAddr = true;
  bool v6only = true;             // for IPv6 sockets: IPV6_V6ONLY
  std::string device;             // SO_BINDTODEVICE when not empty
  int receiveBuffer = 0;          // SO_RCVBUF when > 0
  int sendBuffer = 0;             // SO_SNDBUF when > 0
  bool freebind = false;          // IP(V6)_FREEBIND: bind before the address exists
};

class Udp {
 public:
  explicit Udp(Loop& loop);
  ~Udp();
  Udp(const Udp&) = delete;
  Udp& operator=(const Udp&) = delete;

  Status bind(const SockAddr& local, const UdpOptions& options = {});
  // Starts delivering datagrams to cb (after bind).
  Status start(std::function<void(const Datagram&)> cb);
  void stop();
  Status send(const SockAddr& to, ByteSpan data);
  // IPv6 multicast on one interface: join a group, choose the outgoing interface.
  Status joinGroup6(const Ipv6& group, unsigned ifindex);
  Status leaveGroup6(const Ipv6& group, unsigned ifindex);
  Status setMulticastInterface6(unsigned ifindex);
  Status setMulticastLoop(bool on);
  Status setMulticastHops(int hops);
  Status setUnicastHops(int hops);
  Result<SockAddr> localAddress() const;
  int fd() const { return fd_.get(); }
  uint64_t dropped() const { return dropped_; }

 private:
  void onReadable();
  Loop& loop_;
  Fd fd_;
  std::unique_ptr<Poll> poll_;
  std::function<void(const Datagram&)> cb_;
  Bytes buf_;
  uint64_t dropped_ = 0;
  uint16_t localPort_ = 0;
};

}  // namespace re6st::loop
