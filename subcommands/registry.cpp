// `re6st registry` (re6st-registry): options → CA, database, Api core → HTTP service on
// one loop until SIGTERM/SIGINT. SIGUSR1 reopens the log file. Startup errors are one
// line on stderr and exit status 1 (2 for option errors, like argparse).
// Environment: RE6ST_SMTP_CA = CA file to verify a STARTTLS SMTP server with;
// GEOIP2_MMDB = MaxMind country database for getCountry (as re6st-registry).
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "re6st/base/clock.h"
#include "re6st/base/log.h"
#include "re6st/cli/registry_options.h"
#include "re6st/crypto/ca.h"
#include "re6st/crypto/file.h"
#include "re6st/crypto/random.h"
#include "re6st/loop/loop.h"
#include "re6st/registry/api.h"
#include "re6st/registry/service.h"
#include "re6st/registry/store.h"
#include "subcommands/subcommand.h"

namespace re6st::cmd {
namespace {

using registry::ApiOptions;

Result<ApiOptions> apiOptions(const cli::RegistryOptions& o, size_t network_len) {
  ApiOptions a;
  a.prefix_length = o.prefix_length;
  a.anonymous_prefix_length = o.anonymous_prefix_length.value_or(0);
  size_t max_len = 128 - network_len;
  if (a.prefix_length < 0 || size_t(a.prefix_length) > max_len || a.anonymous_prefix_length < 0 ||
      size_t(a.anonymous_prefix_length) > max_len)
    return makeError(Code::kInvalid, "prefix lengths must be between 0 and " + std::to_string(max_len));
  if (o.ipv4) a.net.ipv4 = std::make_pair(o.ipv4->network, o.ipv4->plen);
  a.net.same_country = o.same_country;
  a.net.client_count = o.client_count;
  a.net.encrypt = o.encrypt;
  a.net.hello = o.hello;
  a.net.max_clients = o.max_clients;
  a.net.min_protocol = o.min_protocol;
  a.net.tunnel_refresh = o.tunnel_refresh;
  a.authorized_origin = o.authorized_origin;
  a.mail_enabled = o.mailhost.has_value() && !o.mailhost->empty();
  a.grace_period = o.grace_period;
  if (o.dh) {
    auto dh = crypto::readFile(*o.dh);
    if (!dh) return dh.error();
    a.dh = *dh;
  }
  if (o.community) {
    auto text = crypto::readFile(*o.community);
    if (!text) return text.error();
    auto map = registry::parseCommunities(*text, max_len);
    if (!map) return map.error().wrap(*o.community);
    a.communities = *map;
  }
  // registry.py: a GeoIP2 country database named by the environment, as for the nodes.
  if (const char* mmdb = getenv("GEOIP2_MMDB"); mmdb && *mmdb) {
    auto bytes = crypto::readFile(mmdb, size_t(512) << 20);  // GeoLite2-City is ~70 MB
    if (!bytes) return bytes.error().wrap("GEOIP2_MMDB");
    auto db = registry::GeoIp::open(toBytes(*bytes));
    if (!db) return db.error().wrap(std::string("GEOIP2_MMDB ") + mmdb);
    a.geoip = std::make_shared<const registry::GeoIp>(std::move(*db));
  } else if (!o.same_country.empty()) {
    return makeError(Code::kUnsupported, "Can not respect 'same_country' network configuration (GEOIP2_MMDB not set)");
  }
  return a;
}

Result<std::vector<loop::SockAddr>> listenAddresses(const cli::RegistryOptions& o) {
  if (o.port < 0 || o.port > 65535) return makeError(Code::kInvalid, "--port out of range");
  std::vector<loop::SockAddr> out;
  for (auto* host : {&o.bind4, &o.bind6}) {
    if (host->empty()) continue;
    auto a = loop::SockAddr::parse(*host, uint16_t(o.port));
    if (!a) return a.error().wrap(host == &o.bind4 ? "-4" : "-6");
    if (host == &o.bind4 ? !a->isV4() : !a->isV6())
      return makeError(Code::kInvalid, *host + " is not an IPv" + (host == &o.bind4 ? "4" : "6") + " address");
    out.push_back(*a);
  }
  return out;
}

int serve(const cli::RegistryOptions& o, Io& io) {
  auto fail = [&](const Error& e) {
    io.err << "re6st registry: " << e.message << "\n";
    LOG_ERROR(e.message);
    return 1;
  };
  auto ca = crypto::Certificate::load(o.ca);
  if (!ca) return fail(ca.error());
  auto key = crypto::PrivateKey::load(o.key);
  if (!key) return fail(key.error());
  auto network = crypto::networkFromCa(*ca);
  if (!network) return fail(network.error().wrap(o.ca));
  auto opts = apiOptions(o, size_t(network->len));
  if (!opts) return fail(opts.error());
  auto listen = listenAddresses(o);
  if (!listen) return fail(listen.error());
  std::error_code ec;
  auto dir = std::filesystem::path(o.db).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  auto store = registry::Store::open(o.db);
  if (!store) return fail(store.error());
  SystemClock clock;
  auto api = registry::Api::create(std::move(*opts), **store, std::move(*ca), std::move(*key),
                                   crypto::Csprng::local(), clock.wallSeconds() * 1000000);
  if (!api) return fail(api.error());
  LOG_INFO("Network: " + network->str());
  loop::Loop loop;
  registry::ServiceOptions so;
  so.listen = *listen;
  so.mailhost = o.mailhost;
  // re6st-registry reads babeld's socket in --run; our node answers on re6st.sock there.
  so.control_socket = (std::filesystem::path(o.run) / "re6st.sock").string();
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  so.smtp = {host, o.smtp_starttls, o.smtp_user, o.smtp_pwd};
  // STARTTLS verifies the SMTP server against the system CA bundle, or this file.
  if (const char* ca_file = getenv("RE6ST_SMTP_CA")) so.smtp_ca_file = ca_file;
  registry::Service service(loop, **api, so, clock);
  if (auto s = service.start(); !s) return fail(s.error());
  loop::Signal term(loop), intr(loop), usr1(loop);
  auto stop = [&](int) {
    LOG_INFO("registry stopping");
    service.close();
    loop.stop();
  };
  (void)term.start(SIGTERM, stop);
  (void)intr.start(SIGINT, stop);
  (void)usr1.start(SIGUSR1, [](int) { log::reopen(); });
  loop.run();
  return 0;
}

}  // namespace

int runRegistry(const Args& args, Io& io) {
  auto parsed = cli::parseRegistryOptions(args);
  if (!parsed) {
    io.err << "re6st registry: error: " << parsed.error().message << "\n";
    return 2;
  }
  if (parsed->help) {
    io.out << cli::helpText(cli::registryCommandSpec());
    return 0;
  }
  log::setup(parsed->verbose, parsed->logfile);
  try {
    return serve(*parsed, io);
  } catch (const std::exception& e) {
    io.err << "re6st registry: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace re6st::cmd
