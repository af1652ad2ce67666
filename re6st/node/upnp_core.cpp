// UpnpCore: re6stnet's Forwarder.refresh()/_refresh()/clear() as a state machine.
// A cycle is: [Discover] → GetExternalIPAddress → AddPortMapping for every rule (a renewal
// re-adds the same external port, which the IGD accepts from the same client), then wait
// `refresh`. Any failure deletes what was mapped, forgets the IGD and rediscovers: at once
// if the IGD was known (re6stnet does the same), else after a backoff (re6stnet: 60 s).
#include <arpa/inet.h>

#include <algorithm>

#include "re6st/node/upnp.h"

namespace re6st::node {

const char* upnpProtoName(UpnpProto p) { return p == UpnpProto::kTcp ? "tcp" : "udp"; }

Result<std::string> runUpnpCommand(UpnpGateway& gw, const UpnpCommand& c) {
  switch (c.kind) {
    case UpnpCommand::Kind::kDiscover:
      return gw.discover(c.delay);
    case UpnpCommand::Kind::kExternalIp:
      return gw.externalIp();
    case UpnpCommand::Kind::kAdd:
      if (auto st = gw.addMapping(c); !st.ok()) return st.error();
      return std::string();
    case UpnpCommand::Kind::kDelete:
      if (auto st = gw.deleteMapping(c.externalPort, c.proto); !st.ok()) return st.error();
      return std::string();
  }
  return makeError(Code::kInternal, "unknown UPnP command");
}

namespace {

// The IGD's answer is outside input: only a unicast IPv4 address can be published.
bool usableIpv4(const std::string& s) {
  in_addr a{};
  if (s.size() > 15 || inet_pton(AF_INET, s.c_str(), &a) != 1) return false;
  uint32_t h = ntohl(a.s_addr);
  return h != 0 && (h >> 28) != 14 && h != 0xffffffffu;  // not 0.0.0.0, multicast, broadcast
}

}  // namespace

UpnpCore::UpnpCore(UpnpOptions opt, Random& random) : opt_(opt), random_(random) {
  opt_.portTries = std::max(opt_.portTries, 1);
  if (opt_.retryMin <= Duration::zero()) opt_.retryMin = seconds(1);
  opt_.retryMax = std::max(opt_.retryMax, opt_.retryMin);
  if (opt_.refresh <= Duration::zero()) opt_.refresh = seconds(500);
}

void UpnpCore::start(Time now, std::vector<UpnpRule> rules, std::string description) {
  rules_.clear();
  for (const auto& r : rules) rules_.push_back({r, 0});
  description_ = std::move(description);
  running_ = true;
  stopping_ = false;
  lease_ = opt_.leaseSeconds;
  backoff_ = opt_.retryMin;
  beginCycle(now);
}

std::optional<UpnpCommand> UpnpCore::pollCommand() {
  if (outstanding_ || queue_.empty()) return std::nullopt;
  outstanding_ = std::move(queue_.front());
  queue_.pop_front();
  return outstanding_;
}

std::optional<UpnpEvent> UpnpCore::pollEvent() {
  if (events_.empty()) return std::nullopt;
  UpnpEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

std::optional<Time> UpnpCore::nextTimeout() const { return stopping_ ? std::nullopt : timer_; }

void UpnpCore::handleTimeout(Time now) {
  if (!running_ || !timer_ || now < *timer_ || outstanding_ || !queue_.empty()) return;
  beginCycle(now);
}

void UpnpCore::beginCycle(Time) {
  timer_.reset();
  triesLeft_ = opt_.portTries;
  ruleIndex_ = 0;
  if (discovered_) {
    freshDiscovery_ = false;
    push({.kind = UpnpCommand::Kind::kExternalIp});
  } else {
    freshDiscovery_ = true;
    push({.kind = UpnpCommand::Kind::kDiscover, .delay = opt_.discoverDelay});
  }
}

void UpnpCore::handleReply(Time now, const Result<std::string>& reply) {
  if (!outstanding_) return;  // a reply nobody asked for
  UpnpCommand cmd = std::move(*outstanding_);
  outstanding_.reset();
  if (stopping_) {
    // A mapping that the IGD accepted while we were stopping must not outlive us.
    if (cmd.kind == UpnpCommand::Kind::kAdd && reply.ok())
      push({.kind = UpnpCommand::Kind::kDelete,
            .externalPort = cmd.externalPort,
            .proto = cmd.proto});
    return;
  }
  switch (cmd.kind) {
    case UpnpCommand::Kind::kDelete:
      return;  // best effort, as re6stnet's clear()
    case UpnpCommand::Kind::kDiscover:
      if (!reply.ok()) return fail(now, reply.error().message);
      lanAddr_ = reply.value();
      discovered_ = true;
      lease_ = opt_.leaseSeconds;
      push({.kind = UpnpCommand::Kind::kExternalIp});
      return;
    case UpnpCommand::Kind::kExternalIp:
      if (!reply.ok()) return fail(now, "GetExternalIPAddress: " + reply.error().message);
      if (!usableIpv4(reply.value()))
        return fail(
            now, "the IGD has no usable external address ('" + reply.value().substr(0, 40) + "')");
      ip_ = reply.value();
      return addRule(now);
    case UpnpCommand::Kind::kAdd:
      return onAdd(now, reply);
  }
}

// Maps rules_[ruleIndex_] (a renewal keeps its port) or, past the last rule, ends the
// cycle successfully.
void UpnpCore::addRule(Time now) {
  if (ruleIndex_ >= rules_.size()) {
    backoff_ = opt_.retryMin;
    lostReported_ = false;
    emitMappedIfChanged();
    // Renew before the lease ends: half the lease leaves room for one failed attempt.
    Duration every = opt_.refresh;
    if (lease_ > 0) every = std::min(every, Duration(seconds(lease_)) / 2);
    timer_ = now + std::max(every, Duration(seconds(1)));
    return;
  }
  RuleState& r = rules_[ruleIndex_];
  if (r.external) {
    candidate_ = r.external;
  } else {
    if (triesLeft_ <= 0)
      return fail(now, "no free external port on the IGD for " + description_ + " (" +
                           std::to_string(r.rule.internalPort) + "/" + upnpProtoName(r.rule.proto) +
                           ")");
    --triesLeft_;
    candidate_ = nextPort();
  }
  pushAdd(r.rule);
}

// AddPortMapping for the current candidate port, with the current lease.
void UpnpCore::pushAdd(const UpnpRule& rule) {
  push({.kind = UpnpCommand::Kind::kAdd,
        .externalPort = candidate_,
        .internalPort = rule.internalPort,
        .proto = rule.proto,
        .lanAddr = lanAddr_,
        .description = description_ + " (" + std::to_string(rule.internalPort) + "/" +
                       upnpProtoName(rule.proto) + ")",
        .leaseSeconds = lease_});
}

void UpnpCore::onAdd(Time now, const Result<std::string>& reply) {
  RuleState& r = rules_[ruleIndex_];
  if (reply.ok()) {
    r.external = candidate_;
    ++ruleIndex_;
    return addRule(now);
  }
  if (reply.error().code == Code::kExists) {
    // ConflictInMappingEntry: the port belongs to another client (maybe since our last
    // renewal); re6stnet then tries another random port.
    r.external = 0;
    return addRule(now);
  }
  if (reply.error().code == Code::kUnsupported && lease_ != 0) {
    lease_ = 0;  // OnlyPermanentLeasesSupported (IGD v1 §2.4.16): ask without a lease
    return pushAdd(r.rule);
  }
  fail(now, "AddPortMapping " + std::to_string(candidate_) + "/" + upnpProtoName(r.rule.proto) +
                ": " + reply.error().message);
}

void UpnpCore::fail(Time now, const std::string& reason) {
  bool had = mapped_;
  queueDeletes();
  mapped_ = false;
  reported_.clear();
  reportedIp_.clear();
  ip_.clear();
  if (had || !lostReported_) {
    lostReported_ = true;
    events_.push_back({.kind = UpnpEvent::Kind::kLost, .reason = reason});
  }
  bool wasFresh = freshDiscovery_;
  discovered_ = false;
  if (!wasFresh) {
    // The IGD we knew failed: look for it (or another one) right away.
    triesLeft_ = opt_.portTries;
    ruleIndex_ = 0;
    freshDiscovery_ = true;
    push({.kind = UpnpCommand::Kind::kDiscover, .delay = opt_.discoverDelay});
    return;
  }
  timer_ = now + backoff_;
  backoff_ = std::min(backoff_ * 2, opt_.retryMax);
}

void UpnpCore::queueDeletes() {
  for (auto& r : rules_) {
    if (!r.external) continue;
    push({.kind = UpnpCommand::Kind::kDelete, .externalPort = r.external, .proto = r.rule.proto});
    r.external = 0;
  }
}

void UpnpCore::stop() {
  if (stopping_) return;
  stopping_ = true;
  running_ = false;
  timer_.reset();
  queue_.clear();
  events_.clear();
  if (discovered_) queueDeletes();
  for (auto& r : rules_) r.external = 0;
  mapped_ = false;
}

// A discovery or address query still running cannot leave anything behind on the IGD;
// an addition can (its reply queues a delete), so it is waited for.
bool UpnpCore::stopped() const {
  return stopping_ && queue_.empty() &&
         (!outstanding_ || outstanding_->kind == UpnpCommand::Kind::kDiscover ||
          outstanding_->kind == UpnpCommand::Kind::kExternalIp);
}

std::vector<UpnpMapping> UpnpCore::mappings() const {
  std::vector<UpnpMapping> out;
  for (const auto& r : rules_)
    if (r.external) out.push_back({r.external, r.rule.internalPort, r.rule.proto});
  return out;
}

void UpnpCore::emitMappedIfChanged() {
  auto now = mappings();
  if (mapped_ && ip_ == reportedIp_ && now == reported_) return;
  mapped_ = true;
  reportedIp_ = ip_;
  reported_ = now;
  events_.push_back({.kind = UpnpEvent::Kind::kMapped, .externalIp = ip_, .mappings = now});
}

// re6stnet's _getExternalPort: n ← (a·n + c) mod 8192 with a ≡ 1 (mod 4) and c odd has
// full period, so successive ports never repeat and spread over 32768–40959 randomly.
uint16_t UpnpCore::nextPort() {
  if (!lcgSeeded_) {
    lcgSeeded_ = true;
    lcgA_ = 1 + 4 * static_cast<uint32_t>(random_.below(2048));
    lcgC_ = 1 + 2 * static_cast<uint32_t>(random_.below(4096));
  }
  lcgN_ = (lcgN_ * lcgA_ + lcgC_) % 8192;
  return static_cast<uint16_t>(32768 + lcgN_);
}

}  // namespace re6st::node
