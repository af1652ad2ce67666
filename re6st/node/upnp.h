// UPnP IGD port mapping for `--ip upnp` (re6stnet's re6st/upnpigd.py Forwarder): map each
// tunnel server port on the LAN's Internet Gateway Device, renew before the lease ends,
// rediscover with backoff when the IGD goes away, and delete the mappings at exit.
// UpnpCore decides (sans-I/O); UpnpGateway does the blocking miniupnpc calls on a worker
// thread; Upnp (loop thread only) joins them and never blocks the loop except in stop().
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "re6st/base/clock.h"
#include "re6st/base/random.h"
#include "re6st/base/result.h"
#include "re6st/cli/node_options.h"
#include "re6st/loop/loop.h"

namespace re6st::node {

enum class UpnpProto { kUdp, kTcp };
const char* upnpProtoName(UpnpProto p);  // "udp" / "tcp" (the IGD wants "UDP" / "TCP")

// A local server port to expose (re6stnet: one rule per --pp PORT udp|tcp).
struct UpnpRule {
  uint16_t internalPort = 0;
  UpnpProto proto = UpnpProto::kUdp;
};

// A mapping in place: the IGD forwards externalIp:externalPort to us:internalPort.
struct UpnpMapping {
  uint16_t externalPort = 0;
  uint16_t internalPort = 0;
  UpnpProto proto = UpnpProto::kUdp;
  bool operator==(const UpnpMapping&) const = default;
};

struct UpnpOptions {
  // SSDP wait per searched device type (miniupnpc 2.2 tries up to 4 types in turn and
  // waits at least 1 s each: ~4 s without an IGD). re6stnet's discoverdelay: 200 ms.
  Duration discoverDelay = milliseconds(200);
  Duration refresh = seconds(500);  // re6stnet re-adds every rule every 500 s
  uint32_t leaseSeconds = 3600;     // 0 = permanent (re6stnet's choice); see upnp_core.cpp
  Duration retryMin = seconds(10);  // discovery backoff: 10, 20, 40, 60, 60 … s
  Duration retryMax = seconds(60);  // re6stnet retries every 60 s
  int portTries = 15;               // re6stnet: at most 15 conflicting ports per cycle
};

// One blocking call for the worker. The gateway keeps the selected IGD between calls.
struct UpnpCommand {
  enum class Kind { kDiscover, kExternalIp, kAdd, kDelete } kind = Kind::kDiscover;
  Duration delay{};           // kDiscover
  uint16_t externalPort = 0;  // kAdd, kDelete
  uint16_t internalPort = 0;  // kAdd
  UpnpProto proto = UpnpProto::kUdp;
  std::string lanAddr;        // kAdd: the internal client (our address towards the IGD)
  std::string description;    // kAdd
  uint32_t leaseSeconds = 0;  // kAdd
};

// The IGD behind an interface (miniupnpc in production, fakes in tests). Blocking; used
// by one thread at a time. Errors: kExists = ConflictInMappingEntry (718), kUnsupported =
// OnlyPermanentLeasesSupported (725), anything else = the IGD failed.
class UpnpGateway {
 public:
  virtual ~UpnpGateway() = default;
  // Finds and selects an IGD; returns our LAN address as the IGD sees it.
  virtual Result<std::string> discover(Duration delay) = 0;
  virtual Result<std::string> externalIp() = 0;
  virtual Status addMapping(const UpnpCommand& add) = 0;
  virtual Status deleteMapping(uint16_t externalPort, UpnpProto proto) = 0;
};
std::unique_ptr<UpnpGateway> makeMiniupnpcGateway();
// Runs one command (the worker's whole job). Success value: LAN address / external IP / "".
Result<std::string> runUpnpCommand(UpnpGateway& gw, const UpnpCommand& c);

struct UpnpEvent {
  enum class Kind { kMapped, kLost } kind = Kind::kMapped;
  std::string externalIp;             // kMapped
  std::vector<UpnpMapping> mappings;  // kMapped, in rule order
  std::string reason;                 // kLost
};

// The decisions of re6stnet's Forwarder without its I/O: which command next, which
// external port to try, when to renew, when to retry. At most one command outstanding:
// pollCommand() gives it, handleReply() takes its result.
class UpnpCore {
 public:
  UpnpCore(UpnpOptions opt, Random& random);
  // Starts mapping `rules` (a cycle begins at `now`). Description: "DESC (PORT/proto)".
  void start(Time now, std::vector<UpnpRule> rules, std::string description);
  std::optional<UpnpCommand> pollCommand();
  void handleReply(Time now, const Result<std::string>& reply);
  void handleTimeout(Time now);
  std::optional<Time> nextTimeout() const;
  std::optional<UpnpEvent> pollEvent();
  // Ends refreshes and queues a delete for every mapping (and for one being added).
  void stop();
  // After stop(): every delete was sent and answered, and no addition is in flight.
  bool stopped() const;
  bool busy() const { return outstanding_.has_value(); }
  bool mapped() const { return mapped_; }
  const std::string& externalIp() const { return ip_; }
  std::vector<UpnpMapping> mappings() const;

 private:
  struct RuleState {
    UpnpRule rule;
    uint16_t external = 0;  // 0 = not mapped
  };
  void beginCycle(Time now);
  void next(Time now);
  void addRule(Time now);
  void pushAdd(const UpnpRule& rule);
  void onAdd(Time now, const Result<std::string>& reply);
  void fail(Time now, const std::string& reason);
  void queueDeletes();
  uint16_t nextPort();
  void emitMappedIfChanged();
  void push(UpnpCommand c) { queue_.push_back(std::move(c)); }

  UpnpOptions opt_;
  Random& random_;
  std::vector<RuleState> rules_;
  std::string description_;
  std::deque<UpnpCommand> queue_;
  std::optional<UpnpCommand> outstanding_;
  std::deque<UpnpEvent> events_;
  std::optional<Time> timer_;
  bool running_ = false, stopping_ = false;
  bool discovered_ = false;  // lanAddr_ comes from a discovery still trusted
  bool freshDiscovery_ = false;
  std::string lanAddr_, ip_;
  size_t ruleIndex_ = 0;
  int triesLeft_ = 0;
  uint16_t candidate_ = 0;
  uint32_t lease_ = 0;
  Duration backoff_{};
  bool mapped_ = false, lostReported_ = false;
  std::string reportedIp_;
  std::vector<UpnpMapping> reported_;
  // re6stnet's port LCG: full period over 8192 ports from 32768 (Hull–Dobell).
  bool lcgSeeded_ = false;
  uint32_t lcgN_ = 0, lcgA_ = 0, lcgC_ = 0;
};

// The driver: one worker thread runs the commands, results come back to the loop thread
// through an eventfd. Handlers run on the loop thread, never after stop(); they may call
// stop() but must not destroy the Upnp.
class Upnp {
 public:
  struct Handlers {
    std::function<void(const std::string& externalIp, const std::vector<UpnpMapping>&)> onMapped;
    std::function<void(const std::string& reason)> onLost;  // also: first attempt failed
  };
  // gateway = nullptr: miniupnpc. random = nullptr: an internal CSPRNG-seeded generator.
  Upnp(loop::Loop& loop, Handlers handlers, UpnpOptions opt = {},
       std::unique_ptr<UpnpGateway> gateway = nullptr, Random* random = nullptr);
  ~Upnp();  // stop(kStopBudget) if still running
  Upnp(const Upnp&) = delete;
  Upnp& operator=(const Upnp&) = delete;

  Status start(std::vector<UpnpRule> rules, std::string description);
  // Deletes the mappings, blocking at most `budget` (callable at exit, loop running or
  // not). A worker stuck in a slow IGD call is abandoned (detached) after the budget.
  void stop(Duration budget = kStopBudget);
  bool mapped() const { return core_.mapped(); }
  static constexpr Duration kStopBudget = seconds(5);

 private:
  struct Shared;
  static void worker(const std::shared_ptr<Shared>& s);
  void pump();
  void onWake();
  void deliver();
  void arm();
  loop::Loop& loop_;
  Handlers handlers_;
  std::unique_ptr<Random> ownRandom_;
  UpnpCore core_;
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<loop::Poll> poll_;
  loop::Timer timer_;
  bool started_ = false, stopped_ = false;
};

// For `re6st node` (re6stnet's --ip upnp / no --ip): maps the IPv4 servers `served`
// (PortProto udp|tcp; others ignored) with description "re6stnet", reports external
// ports through `mapped` (same shape) and failures through `failed`. Null when nothing
// is mappable. Destroying the handle removes the mappings (bounded by kStopBudget).
std::shared_ptr<void> startNodeUpnp(
    loop::Loop& loop, const std::vector<cli::PortProto>& served,
    std::function<void(const std::string& ip, const std::vector<cli::PortProto>& mapped)> mapped,
    std::function<void(const std::string& reason)> failed, UpnpOptions opt = {},
    std::unique_ptr<UpnpGateway> gateway = nullptr);

}  // namespace re6st::node
