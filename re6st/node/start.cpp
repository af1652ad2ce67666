#include "re6st/node/start.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <thread>

#include "re6st/base/log.h"
#include "re6st/crypto/verify.h"
#include "re6st/crypto/x509.h"
#include "re6st/node/netconfig.h"

namespace re6st::node {
namespace {

int64_t nowUnix() { return int64_t(std::time(nullptr)); }

// Sleeps up to `s` seconds, returning early when asked to stop.
bool sleepUnlessStopping(int s, const std::function<bool()>& stopping) {
  for (int i = 0; i < s * 10; ++i) {
    if (stopping()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return !stopping();
}

// The certificate files; an expired certificate still loads (re6stnet's non-strict
// loadVerify checks it at its own notBefore) so that it can be renewed.
Result<crypto::CertStore> loadCerts(const cli::NodeOptions& o) {
  crypto::CertPaths paths{o.ca, o.cert, o.key};
  auto store = crypto::CertStore::load(paths, nowUnix());
  if (store) return store;
  auto cert = crypto::Certificate::load(o.cert);
  if (!cert) return store.error();
  auto again = crypto::CertStore::load(paths, cert->notBefore() + 1);
  if (!again) return store.error();
  LOG_WARNING("certificate " + o.cert + ": " + store.error().message + " (will try to renew)");
  return again;
}

Result<client::NetworkConfig> fetchConfig(client::RegistryClient& registry, PeerCache& cache,
                                          const crypto::CertStore& certs,
                                          const std::string& prefix) {
  LOG_INFO("getting new network parameters from registry...");
  auto body = registry.callSync("getNetworkConfig", {{"cn", prefix}});
  if (!body) return body.error();
  auto rows = configRowsFromBody(*body, certs.key());
  if (!rows) return rows.error();
  auto c = configFromRows(*rows);
  if (!c) return c.error();
  if (auto v = client::verifyVersion(c->version, certs.ca().publicKey()); !v) return v.error();
  if (auto ch = cache.replaceConfig(*rows); !ch) return ch.error();
  return c;
}

// x509.py maybe_renew for one file: returns the next renewal date.
int64_t maybeRenew(const std::string& what, int64_t notAfter, bool force,
                   const std::function<Result<std::string>()>& renew,
                   const std::function<Status(const std::string&)>& store) {
  if (!force && nowUnix() < notAfter - kRenewPeriod) return notAfter - kRenewPeriod;
  auto pem = renew();
  if (pem && !pem->empty()) {
    if (auto st = store(*pem); st) {
      LOG_INFO(what + " renewed");
      return 0;  // the caller recomputes from the new file
    } else {
      LOG_ERROR(what + " not renewed: " + st.error().message + ". Will retry tomorrow.");
    }
  } else {
    LOG_ERROR(what + " not renewed" + (pem ? std::string() : ": " + pem.error().message) +
              ". Will retry tomorrow.");
  }
  return nowUnix() + 86400;
}

}  // namespace

Status makeDirs(const std::string& path, int mode) {
  if (path.empty()) return {};
  std::string cur;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    cur = path.substr(0, pos);
    if (cur.empty()) continue;
    if (::mkdir(cur.c_str(), pos == std::string::npos ? mode_t(mode) : 0755) != 0 && errno != EEXIST)
      return makeError(Code::kIo, cur + ": " + std::strerror(errno));
  }
  return {};
}

Result<NodeSetup> prepareNode(const cli::NodeOptions& o, const std::function<bool()>& stopping) {
  NodeSetup s;
  s.options = o;
  RE6ST_TRY(makeDirs(o.state));
  RE6ST_TRY(makeDirs(o.run, 0700));
  auto certs = loadCerts(o);
  if (!certs) return certs.error();
  s.certs = std::make_unique<crypto::CertStore>(std::move(*certs));
  auto network = s.certs->networkBits();
  if (!network) return network.error().wrap(o.ca);
  auto prefix = s.certs->prefixBits();
  if (!prefix) return prefix.error().wrap(o.cert);
  s.network = *network;
  s.prefix = *prefix;
  auto cache = PeerCache::open(o.state + "/cache.db", s.prefix);
  if (!cache) return cache.error();
  s.cache = std::move(*cache);
  auto transport = client::FetchTransport::create(o.registry, seconds(20));
  if (!transport) return transport.error().wrap("--registry");
  client::RegistryClient registry(*transport);
  registry.setIdentity(s.prefix, &s.certs->key(), &s.certs->ca());

  // cache.py: the cached configuration if its version verifies, else the registry's.
  auto cached = configFromRows(s.cache->config());
  bool valid = cached && client::verifyVersion(cached->version, s.certs->ca().publicKey()).ok();
  if (valid) {
    s.config = *cached;
    if (s.config.protocol < int(peer::kProtocol) || s.prefix == s.config.registry_prefix) {
      if (auto c = fetchConfig(registry, *s.cache, *s.certs, s.prefix)) s.config = *c;
      else LOG_WARNING("network parameters: " + c.error().message + " (using the cached ones)");
    }
  } else {
    for (int retry = 1;; retry = std::min(60, retry * 2)) {
      auto c = fetchConfig(registry, *s.cache, *s.certs, s.prefix);
      if (c) {
        s.config = *c;
        break;
      }
      LOG_WARNING("network parameters: " + c.error().message + "; retrying in " +
                  std::to_string(retry) + " s");
      if (!sleepUnlessStopping(retry, stopping))
        return makeError(Code::kTimeout, "interrupted while getting the network parameters");
    }
  }

  // x509.py Cert.maybeRenew: the certificate (forced when revoked), then the CA.
  auto crl = crlHex(s.config);
  int64_t certRenew = maybeRenew(
      "certificate", s.certs->cert().notAfter(), crl.count(s.certs->cert().serialHex()) > 0,
      [&]() -> Result<std::string> {
        auto b = registry.callSync("renewCertificate", {{"cn", s.prefix}});
        if (!b) return b.error();
        return std::string(b->begin(), b->end());
      },
      [&](const std::string& pem) { return s.certs->replaceCert(pem, nowUnix()); });
  int64_t caRenew = maybeRenew(
      "CA certificate", s.certs->ca().notAfter(), false,
      [&]() -> Result<std::string> { return registry.getCa(); },
      [&](const std::string& pem) { return s.certs->replaceCa(pem); });
  if (!certRenew || !caRenew) {  // a file changed: reload all three
    auto again = loadCerts(o);
    if (!again) return again.error();
    *s.certs = std::move(*again);
    if (!certRenew) certRenew = s.certs->cert().notAfter() - kRenewPeriod;
    if (!caRenew) caRenew = s.certs->ca().notAfter() - kRenewPeriod;
  }
  s.nextRenew = std::min(certRenew, caRenew);
  if (int(peer::kProtocol) < s.config.min_protocol)
    return makeError(Code::kInvalid, "your version of re6st is too old (network needs protocol " +
                                         std::to_string(s.config.min_protocol) + "). Please update.");
  if (int(peer::kProtocol) < s.config.protocol)
    LOG_WARNING("there's a new version of re6stnet: you should update");
  return s;
}

}  // namespace re6st::node
