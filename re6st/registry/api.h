// The registry RPC core (REGISTRY-PROTOCOL.md §1-§12): a request (raw target, peer
// address, a few headers, wall time) plus the Store gives an Outcome (status, body,
// Re6stHMAC) and the side work the driver must do (mail a token, notify or query the
// local node). No sockets, no clock, no files: the driver passes them in. Single thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "re6st/base/bytes.h"
#include "re6st/base/random.h"
#include "re6st/base/result.h"
#include "re6st/crypto/pk.h"
#include "re6st/crypto/x509.h"
#include "re6st/http/query.h"
#include "re6st/registry/allocator.h"
#include "re6st/registry/geoip.h"
#include "re6st/registry/netconfig.h"
#include "re6st/registry/node_query.h"
#include "re6st/registry/session.h"
#include "re6st/registry/store.h"

namespace re6st::registry {

inline constexpr int64_t kCertDuration = 365 * 86400;
inline constexpr int64_t kRenewPeriod = 30 * 86400;
inline constexpr int64_t kDefaultGracePeriod = 100 * 86400;

struct ApiOptions {
  int prefix_length = 16;           // 0: registration by email disabled
  int anonymous_prefix_length = 0;  // 0: anonymous registration disabled
  NetworkParams net;
  std::vector<std::string> authorized_origin{"127.0.0.1", "::1"};
  bool mail_enabled = false;        // --mailhost given
  int64_t grace_period = kDefaultGracePeriod;
  std::string dh;                   // content of --dh, served byte for byte
  CommunityMap communities;
  // The GEOIP2_MMDB database: getCountry, and the community of a request without a
  // location. Without one getCountry is 400, as from re6st-registry.
  std::shared_ptr<const GeoIp> geoip;
};

struct ApiRequest {
  std::string target;     // raw request target as sent ("/hello?client_prefix=...")
  std::string peer_ip;    // TCP peer address, no port ("127.0.0.1", "::1")
  std::optional<std::string> forwarded_for, host, hmac;
  int64_t now_us = 0;     // wall clock, microseconds since the epoch
};

struct ApiResponse {
  int status = 200;
  Bytes body;
  std::optional<std::string> hmac;  // Re6stHMAC response header
};

// Node conversations the driver runs on UDP [::1]:326 (§12) before answering.
struct NodeWork {
  enum Kind { kBootstrapPeer, kVersions, kTopology, kIpv4Info } kind = kBootstrapPeer;
  std::string cn;          // caller (kBootstrapPeer)
  std::string peer;        // prefix to ask (kIpv4Info; kBootstrapPeer: chosen later)
  std::optional<Bytes> response_key;  // signs the eventual answer
  int protocol = 1;
};

struct MailWork {
  std::string to, token;
};

struct Outcome {
  ApiResponse response;               // final unless mail or node is set
  std::optional<MailWork> mail;       // answer 204 once sent, 500 if sending fails
  std::optional<NodeWork> node;       // answer through finishNode()
  bool notify_node = false;           // send code 0 (config changed) to the registry node
};

class Api {
 public:
  // Loads CA, checks the database (communities, registry prefix, Babel HMAC key), and
  // refreshes the network config; now_us is the wall clock.
  static Result<std::unique_ptr<Api>> create(ApiOptions options, Store& store, crypto::Certificate ca,
                                             crypto::PrivateKey ca_key, Random& random, int64_t now_us);

  Outcome handle(const ApiRequest& request);

  // Completes NodeWork. reply: the node's answer payload, or nullopt after the timeout.
  ApiResponse finishBootstrap(const NodeWork& w, const std::optional<std::string>& reply);
  ApiResponse finishJson(const NodeWork& w, const std::string& json);
  ApiResponse finishIpv4(const NodeWork& w, const std::optional<std::string>& reply);

  // getBootstrapPeer's peer (registry.py): the routed prefixes are read again only when
  // the 60-second candidate list is stale or used up (routes: the registry node's).
  bool bootstrapPeersStale(int64_t now_s) const { return bootstrap_.stale(now_s); }
  std::string bootstrapPeer(const std::string& cn, int64_t now_s,
                            const std::optional<std::vector<std::string>>& routes);

  // Deletes tokens and certificates expired for more than the grace period; returns the
  // wall time (seconds) of the next expiry to check, or 0 when nothing is pending.
  Result<int64_t> cleanup(int64_t now_s);

  const std::string& registryPrefix() const { return prefix_; }
  const std::string& networkBits() const { return network_; }
  const std::string& caEmail() const { return ca_email_; }
  uint64_t version() const;
  size_t issuedCount() const { return info_.size(); }

  // RPC table: name -> (parameters with default or not, private?, needs HMAC)
  struct Param {
    std::string name;
    std::optional<std::string> default_value;
  };
  struct Method {
    std::vector<Param> params;
    bool is_private = false;
  };
  static const std::map<std::string, Method>& methods();

 private:
  struct CertInfo {
    int64_t serial = 0, not_after = 0;
    std::optional<int64_t> subject_serial;
  };
  using Args = std::map<std::string, std::string>;
  Api(ApiOptions o, Store& s, crypto::Certificate ca, crypto::PrivateKey key, Random& r);

  Status load(int64_t now_us);
  Outcome call(const std::string& method, Args& args, const ApiRequest& req,
               const std::optional<Sessions::Match>& auth);
  // RPCs (api.cpp: tokens, small ones; api_cert.cpp: certificates and config).
  Outcome requestToken(const Args& a, int64_t now_us);
  Outcome addToken(const Args& a, int64_t now_us);
  Outcome isToken(const Args& a);
  Outcome deleteToken(const Args& a);
  Outcome getNodePrefix(const Args& a, bool as_address);
  Outcome hello(const Args& a, int64_t now_us);
  Outcome requestCertificate(const Args& a, int64_t now_us);
  Outcome renewCertificate(const Args& a, int64_t now_us);
  Outcome getNetworkConfig(const Args& a);
  Outcome revoke(const Args& a, int64_t now_us);
  Outcome updateHMAC(int64_t now_us);

  Result<crypto::Certificate> issue(const std::string& prefix, crypto::Name subject, const crypto::PublicKey& key,
                            int64_t now_s, std::optional<int64_t> not_after);
  int64_t smallestSubjectSerial() const;
  std::optional<std::string> communityOf(const std::string& location, const std::string& ip) const;
  // Recomputes the network config; bumps and re-signs the version when it changed.
  Result<bool> updateNetworkConfig();
  Status increaseVersion();
  Result<std::optional<std::string>> certPem(const std::string& prefix);
  Status freeRow(const std::string& prefix);

  // The in-memory mirror of config rows (registry prefix, network config, version blob):
  // a request saves it before its transaction and puts it back when the transaction
  // does not commit, so memory never runs ahead of the database.
  struct Mirror {
    std::string prefix;
    JsonItems config;
    Bytes version;
  };
  Mirror mirror() const { return {prefix_, config_, version_}; }
  void restore(Mirror m);

  ApiOptions opt_;
  Store& store_;
  crypto::Certificate ca_;
  crypto::PrivateKey ca_key_;
  Random& random_;
  Allocator allocator_;
  Sessions sessions_;
  std::string network_, prefix_, ca_email_, ca_pem_;
  Bytes version_;
  JsonItems config_;                        // network config without version fields
  std::map<std::string, CertInfo> info_;    // issued certificates by prefix
  BootstrapPeers bootstrap_;
};

}  // namespace re6st::registry
