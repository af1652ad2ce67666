// TUN devices for tunnels: open (IFF_TUN | IFF_NO_PI), configure (MTU, up, IPv6
// addresses), and a pool handing out re6stnet1, re6stnet2, … reusing freed names.
// A device disappears when its Tun object is destroyed (non-persistent TUN).
// Blocking-free: the fd is non-blocking; use from one thread (the loop's).
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "re6st/base/bytes.h"
#include "re6st/base/prefix.h"
#include "re6st/base/result.h"

namespace re6st::kernel {

struct TunConfig {
  std::string name;  // exact interface name (at most 15 characters)
  int mtu = 1420;
  // Packets the kernel queues towards us; 500 (the default) overflows when the reader
  // is briefly descheduled, and each drop halves a TCP window inside the tunnel.
  int txQueueLen = 1000;
  bool up = true;
  // TUN offloads (IFF_VNET_HDR + TUNSETOFFLOAD CSUM/TSO4/TSO6): every frame then starts
  // with a 10-byte virtio_net_hdr and reads may be 64 KiB TSO packets. When the kernel
  // refuses, the device is plain (Tun::vnetHdr() false), logged once.
  bool offload = false;
  std::vector<std::pair<Ipv6, int>> addresses;  // address and prefix length
};

// One L3 tunnel device: every read/write is one whole IPv6 (or IPv4) packet, preceded
// by a virtio_net_hdr when vnetHdr() (re6st/tunnel/offload.h decodes it).
class Tun {
 public:
  virtual ~Tun() = default;
  virtual const std::string& name() const = 0;
  virtual unsigned ifindex() const = 0;
  virtual int fd() const = 0;
  // One packet into `buf`; 0 when none is waiting (EAGAIN).
  virtual Result<size_t> read(std::span<uint8_t> buf) = 0;
  virtual Status write(ByteSpan packet) = 0;
  // One frame gathered from pieces (at most 128), written at once.
  virtual Status writev(std::span<const ByteSpan> pieces) = 0;
  virtual bool vnetHdr() const { return false; }
};

Result<std::unique_ptr<Tun>> openTun(const TunConfig& config);

// Link configuration by ioctl on any interface (also used for TUNs after creation).
Status setMtu(const std::string& ifname, int mtu);
Status setUp(const std::string& ifname, bool up);
Status setTxQueueLen(const std::string& ifname, int len);
Status addAddress6(const std::string& ifname, const Ipv6& addr, int prefixLen);

// Names for tunnel devices: the lowest "<prefix>N" (N ≥ 1) neither handed out nor
// present in the system, so a freed re6stnet3 is reused before re6stnet7 is made.
class TunPool {
 public:
  explicit TunPool(std::string prefix = "re6stnet") : prefix_(std::move(prefix)) {}
  std::string acquire();
  void release(const std::string& name);

 private:
  std::string prefix_;
  std::set<std::string> used_;
};

}  // namespace re6st::kernel
