// The Babel driver: connects one Router core to the network and the kernel. Per
// interface a UDP socket on port 6696 (bound to the device, in ff02::1:6), received
// packets go to the core, its actions become sends and rtnetlink route changes, and one
// timer follows nextTimeout(). Loop thread only; holds no protocol logic.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "re6st/babel/router.h"
#include "re6st/kernel/link_monitor.h"
#include "re6st/kernel/routes.h"
#include "re6st/loop/loop.h"
#include "re6st/loop/udp.h"

namespace re6st::babel {

struct DriverOptions {
  // Preferred source of installed routes (the node address): traffic the node itself
  // originates over the overlay then leaves from its stable address (re6stnet's babeld
  // is run with the same intent). Per family; unset = kernel's choice.
  std::optional<Ipv6> prefsrc6;
  std::optional<Ipv6> prefsrc4;
  uint32_t table = kernel::kTableMain;
  uint8_t protocol = kernel::kProtoRe6st;
  uint32_t kernelMetric = 0;  // RTA_PRIORITY of every route (babeld: kernel-priority 0)
  // Interfaces are re-checked on every link/address notification from the kernel and
  // at least this often: one that appears, comes up or gets its link-local address
  // joins; one that vanishes or goes down leaves.
  Duration interfaceCheck = seconds(1);
  bool flushOnStart = true;
  // re6stnet runs babeld with `install ip ::/0 eq 0 src-prefix <network>`: a plain IPv6
  // default route learnt from Babel (what a re6stnet gateway announces) is installed as
  // ::/0 from this prefix, so only overlay-sourced traffic uses it.
  std::optional<Prefix> defaultSource;
  // re6stnet's --default: IPv6 default routes are installed without a source prefix
  // (all of the node's traffic goes through the overlay), whatever Babel says.
  bool plainDefault = false;
};

// A snapshot of one interface as the driver sees it (for dumps and tests).
struct DriverInterface {
  std::string name;
  IfType type = IfType::kWired;
  int ifindex = 0;  // 0 while the interface is absent
  bool active = false;  // socket open and known to the core
  std::optional<Ipv6> linkLocal;
};

class Driver {
 public:
  Driver(loop::Loop& loop, Router& router, kernel::Routes& kernel, DriverOptions options);
  ~Driver();  // stop() if still running
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  // Flushes stale routes of our protocol (a previous run that crashed), starts the
  // timers. Interfaces may be added before or after.
  Status start();
  // Clean exit: the core's shutdown() goodbye (retractions, resent a few times within
  // ~30 ms, stop() blocks for them), removes every interface from the core, deletes
  // every route we installed, flushes our protocol and stops the timers. Idempotent.
  // The Router stays shut down: a restart needs a new Router and Driver.
  void stop();

  // Interfaces by name; an interface that does not exist yet or has no link-local
  // address is remembered and joins when it is ready.
  void addInterface(const std::string& name, IfType type);
  void removeInterface(const std::string& name);
  std::vector<DriverInterface> interfaces() const;

  // Drains the core's actions and re-arms the timer: call after changing the core
  // directly (setRedistributed, setCostMultiplier…).
  void kick();

  uint64_t installedRoutes() const { return installed_.size(); }
  uint64_t kernelErrors() const { return kernelErrors_; }

 private:
  struct Iface;
  using RouteKey = std::pair<Prefix, Prefix>;

  void startMonitor();
  void checkInterfaces();
  void activate(Iface& ifc, const kernel::Link& link, const Ipv6& ll);
  void deactivate(Iface& ifc);
  void onDatagram(Iface& ifc, const loop::Datagram& d);
  void send(const SendPacket& p);
  void install(const InstallRoute& r);
  void remove(const RemoveRoute& r);
  kernel::Route kernelRoute(const Prefix& dst, const Prefix& src, const Ipv6& nexthop,
                            int ifindex) const;
  void deleteInstalled();
  void arm();

  loop::Loop& loop_;
  Router& router_;
  kernel::Routes& kernel_;
  DriverOptions opt_;
  loop::Timer timer_;
  loop::Timer check_;
  std::unique_ptr<kernel::LinkMonitor> monitor_;  // null if notifications are unavailable
  std::unique_ptr<loop::Poll> monitorPoll_;       // declared after monitor_: closed first
  std::map<std::string, std::unique_ptr<Iface>> ifaces_;
  std::map<RouteKey, kernel::Route> installed_;
  uint64_t kernelErrors_ = 0;
  bool running_ = false;
  bool inKick_ = false;
};

}  // namespace re6st::babel
