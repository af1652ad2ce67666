#include "re6st/cli/options.h"

#include <catch2/catch.hpp>

#include "cli_fake_files.h"
#include "re6st/cli/conf_options.h"
#include "re6st/cli/node_options.h"
#include "re6st/cli/registry_options.h"

using namespace re6st;
using namespace re6st::cli;
using Args = std::vector<std::string>;

namespace {
const Args kNodeRequired{"--registry", "http://r/", "--ca",  "ca.crt",
                         "--cert",     "c.crt",     "--key", "c.key"};
Args nodeArgs(Args extra) {
  Args a = kNodeRequired;
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}
std::string errorOf(const Result<NodeOptions>& r) { return r.ok() ? "" : r.error().message; }
}  // namespace

TEST_CASE("node options: every default matches re6stnet", "[cli]") {
  auto r = parseNodeOptions(kNodeRequired);
  REQUIRE(r.ok());
  const auto& o = r.value();
  CHECK(o.registry == "http://r/");
  CHECK(o.log == "/var/log/re6stnet");
  CHECK(o.run == "/var/run/re6stnet");
  CHECK(o.state == "/var/lib/re6stnet");
  CHECK(o.verbose == 1);
  CHECK(o.main_interface == "lo");
  CHECK(o.disable_proto == Args{"udp", "udp6"});
  CHECK(!o.client_count);
  CHECK(!o.max_clients);
  CHECK(!o.default_route);
  CHECK(!o.gateway);
  CHECK(o.ip.empty());
  REQUIRE(effectivePortProtos(o).size() == 1);
  CHECK(effectivePortProtos(o)[0].proto == "tcp");
  CHECK(effectivePortProtos(o)[0].port == 1194);
}

TEST_CASE("node options: repeatable, short, attached and nargs options", "[cli]") {
  auto r = parseNodeOptions(nodeArgs({"-i",
                                      "eth0",
                                      "--interface=eth1",
                                      "-v3",
                                      "-O--verb",
                                      "-O",
                                      "3",
                                      "--pp",
                                      "1194",
                                      "tcp",
                                      "--pp",
                                      "1195",
                                      "tcp6",
                                      "--neighbour",
                                      "1/16",
                                      "--neighbour",
                                      "2/16",
                                      "-B",
                                      "x",
                                      "--disable-proto",
                                      "none",
                                      "--client-count",
                                      "5",
                                      "--reg",
                                      "http://z/"}));
  REQUIRE(r.ok());
  const auto& o = r.value();
  CHECK(o.iface_list == Args{"eth0", "eth1"});
  CHECK(o.verbose == 3);
  CHECK(o.openvpn_args == Args{"--verb", "3"});
  REQUIRE(o.pp.size() == 2);
  CHECK(o.pp[1].port == 1195);
  CHECK(o.pp[1].proto == "tcp6");
  CHECK(o.neighbour == Args{"1/16", "2/16"});
  CHECK(o.babel_args == Args{"x"});
  CHECK(o.disable_proto.empty());
  CHECK(*o.client_count == 5);
  CHECK(o.registry == "http://z/");  // unique prefix, last value wins
}

TEST_CASE("node options: errors name the option", "[cli]") {
  CHECK(errorOf(parseNodeOptions(nodeArgs({"--bogus"}))) == "unrecognized option --bogus");
  CHECK(errorOf(parseNodeOptions(nodeArgs({"-v", "lots"}))) ==
        "option --verbose: invalid int value 'lots'");
  CHECK(errorOf(parseNodeOptions(nodeArgs({"--up"}))) == "option --up expects one value (CMD)");
  CHECK(errorOf(parseNodeOptions(nodeArgs({"--registry", "--ca", "x"}))) ==
        "option --registry expects one value (URL)");
  CHECK(errorOf(parseNodeOptions(nodeArgs({"--pp", "1194"}))) ==
        "option --pp expects 2 values (PORT PROTO)");
  CHECK(errorOf(parseNodeOptions(nodeArgs({"--pp", "99999", "udp"}))) ==
        "option --pp: invalid port '99999'");
  CHECK(errorOf(parseNodeOptions(nodeArgs({"--disable-proto", "icmp"})))
            .find("invalid choice 'icmp'") != std::string::npos);
  CHECK(errorOf(parseNodeOptions(nodeArgs({"--ma", "x"}))).rfind("ambiguous option --ma", 0) == 0);
  CHECK(errorOf(parseNodeOptions(nodeArgs({"stray"}))) == "unrecognized argument 'stray'");
  CHECK(errorOf(parseNodeOptions(nodeArgs({"-x"}))) == "unrecognized option -x");
  CHECK(errorOf(parseNodeOptions(nodeArgs({"-Dq"}))) == "option --default takes no value");
  CHECK(errorOf(parseNodeOptions(nodeArgs({"--gateway=yes"}))) ==
        "option --gateway takes no value");
  CHECK(errorOf(parseNodeOptions({"--ca", "x"})) ==
        "the following arguments are required: --registry, --cert, --key");
}

TEST_CASE("node options: clusters of short options", "[cli]") {
  auto r = parseNodeOptions(nodeArgs({"-Dv3"}));
  REQUIRE(r.ok());
  CHECK(r->default_route);
  CHECK(r->verbose == 3);
  auto s = parseNodeOptions(nodeArgs({"-Di", "eth0"}));
  REQUIRE(s.ok());
  CHECK(s->iface_list == Args{"eth0"});
}

TEST_CASE("node options: re6stnet's post-parse rules", "[cli]") {
  CHECK(errorOf(parseNodeOptions(nodeArgs({"-D", "--gateway"}))) ==
        "conflicting options --default and --gateway");
  CHECK(errorOf(parseNodeOptions(nodeArgs({"--pp", "1194", "udp"}))) ==
        "conflicting options --disable-proto udp and --pp 1194 udp");
  CHECK(errorOf(parseNodeOptions(nodeArgs({"--ip", "any", "--ip", "1.2.3.4"}))) ==
        "argument --ip can be given only once with 'any' or 'upnp' value");
  auto t = parseNodeOptions(nodeArgs({"--table", "0", "--disable-proto", "tcp"}));
  REQUIRE(t.ok());
  CHECK(t->default_route);
  CHECK(t->disable_proto == Args{"tcp", "tcp6", "udp6"});
  CHECK(!parseNodeOptions(nodeArgs({"--table", "1"})).ok());
}

TEST_CASE("node options: help and version skip required options", "[cli]") {
  auto h = parseNodeOptions({"--help"});
  REQUIRE(h.ok());
  CHECK(h->help);
  auto v = parseNodeOptions({"-V"});
  REQUIRE(v.ok());
  CHECK(v->version);
  std::string text = helpText(nodeCommandSpec());
  CHECK(text.find("--main-interface") != std::string::npos);
  CHECK(text.find("(default: /var/lib/re6stnet)") != std::string::npos);
  CHECK(text.find("PORT PROTO") != std::string::npos);
  CHECK(text.find("@OPTIONS_FILE") != std::string::npos);
}

TEST_CASE("node options: the re6stnet.conf written by re6st-conf parses", "[cli]") {
  auto reader =
      testing::memoryFiles({{"/etc/re6stnet/re6stnet.conf",
                             "registry http://re6st.example.com/\nca ca.crt\ncert cert.crt\n"
                             "key cert.key\n# increase re6stnet verbosity:\n#verbose 3\n"
                             "# enable OpenVPN logging:\n#ovpnlog\n"
                             "# increase OpenVPN verbosity:\n#O--verb\n#O3\n"
                             "O--verb\nO3\nverbose 2\nneighbour 1/16\ni eth0\n"
                             "pp 1194 tcp\n"}});
  auto r = parseNodeOptions({"@/etc/re6stnet/re6stnet.conf", "-v", "4"}, reader);
  REQUIRE(r.ok());
  CHECK(r->registry == "http://re6st.example.com/");
  CHECK(r->cert == "cert.crt");
  CHECK(r->openvpn_args == Args{"--verb", "3"});
  CHECK(r->verbose == 4);
  CHECK(r->neighbour == Args{"1/16"});
  CHECK(r->iface_list == Args{"eth0"});
  CHECK(!r->ovpnlog);
}

TEST_CASE("node options: errors from a file carry FILE:LINE", "[cli]") {
  auto reader = testing::memoryFiles(
      {{"n.conf", "registry http://r/\n\nverbose high\n"}, {"u.conf", "ca x\nfrobnicate 1\n"}});
  CHECK(errorOf(parseNodeOptions({"@n.conf"}, reader)) ==
        "n.conf:3: option --verbose: invalid int value 'high'");
  CHECK(errorOf(parseNodeOptions({"@u.conf"}, reader)) ==
        "u.conf:2: unrecognized option 'frobnicate'");
}

TEST_CASE("registry options: every default matches re6st-registry", "[cli]") {
  auto r = parseRegistryOptions({"--ca", "ca.crt", "--key", "ca.key"});
  REQUIRE(r.ok());
  const auto& o = r.value();
  CHECK(o.port == 80);
  CHECK(o.bind4 == "0.0.0.0");
  CHECK(o.bind6 == "::");
  CHECK(o.db == "/var/lib/re6stnet/registry.db");
  CHECK(!o.dh);
  CHECK(!o.mailhost);
  CHECK(o.prefix_length == 16);
  CHECK(!o.anonymous_prefix_length);
  CHECK(!o.ipv4);
  CHECK(o.logfile == "/var/log/re6stnet/registry.log");
  CHECK(o.run == "/var/run/re6stnet");
  CHECK(o.verbose == 1);
  CHECK(o.min_protocol == 1);
  CHECK(o.authorized_origin == Args{"127.0.0.1", "::1"});
  CHECK(o.grace_period == 8640000);
  CHECK(o.hello == 15);
  CHECK(!o.encrypt);
  CHECK(o.client_count == 10);
  CHECK(o.max_clients == 20);
  CHECK(o.tunnel_refresh == 300);
  CHECK(o.same_country.empty());
}

TEST_CASE("registry options: values, appends and checks", "[cli]") {
  auto r = parseRegistryOptions({"--ca",
                                 "a",
                                 "--key",
                                 "b",
                                 "-4",
                                 "127.0.0.1",
                                 "-6",
                                 "",
                                 "--port",
                                 "8080",
                                 "--ipv4",
                                 "10.42.0.0/16",
                                 "8",
                                 "--authorized-origin",
                                 "10.0.0.1",
                                 "--client-count",
                                 "4",
                                 "--same-country",
                                 "FR",
                                 "--smtp-starttls",
                                 "--anonymous-prefix-length",
                                 "20"});
  INFO((r.ok() ? "" : r.error().message));
  REQUIRE(r.ok());
  CHECK(r->bind6.empty());
  CHECK(r->port == 8080);
  REQUIRE(r->ipv4);
  CHECK(r->ipv4->network == "10.42.0.0/16");
  CHECK(r->ipv4->plen == 8);
  CHECK(r->authorized_origin == Args{"127.0.0.1", "::1", "10.0.0.1"});
  CHECK(r->max_clients == 8);
  CHECK(r->same_country == Args{"FR"});
  CHECK(r->smtp_starttls);
  CHECK(*r->anonymous_prefix_length == 20);
  Args base{"--ca", "a", "--key", "b"};
  auto with = [&](Args extra) {
    Args a = base;
    a.insert(a.end(), extra.begin(), extra.end());
    auto x = parseRegistryOptions(a);
    return x.ok() ? std::string() : x.error().message;
  };
  CHECK(with({"--ipv4", "10.42.0.0", "8"}) == "invalid argument --ipv4 '10.42.0.0 8'");
  CHECK(with({"--ipv4", "10.42.0.999/16", "8"}) == "invalid argument --ipv4 '10.42.0.999/16 8'");
  CHECK(with({"--min-protocol", "11"}) == "--min-protocol: value must between 1 and 10 (included)");
  CHECK(with({"--client-count", "2147483647"}).empty());
  CHECK(with({"--port", "x"}) == "option --port: invalid int value 'x'");
}

TEST_CASE("conf options: defaults, -r pairs and checks", "[cli]") {
  auto r =
      parseConfOptions({"--registry", "http://r/", "-r", "emailAddress", "a@b", "-r", "O", "Org",
                        "--fingerprint", "SHA256:" + std::string(64, 'a'), "-d", "/tmp/x"});
  REQUIRE(r.ok());
  CHECK(r->req.size() == 2);
  CHECK(r->req[0].second == "a@b");
  CHECK(r->fingerprint_alg == "sha256");
  CHECK(r->fingerprint_digest.size() == 32);
  CHECK(*r->dir == "/tmp/x");
  CHECK(!r->anonymous);
  CHECK(!r->is_needed);
  auto err = [](Args a) {
    auto x = parseConfOptions(a);
    return x.ok() ? std::string() : x.error().message;
  };
  CHECK(err({"--registry", "r", "--anonymous", "--email", "a@b"}) ==
        "--anonymous conflicts with --email/--token");
  CHECK(err({"--registry", "r", "--fingerprint", "sha1:abcd"}) ==
        "invalid fingerprint: wrong size");
  CHECK(err({"--registry", "r", "--fingerprint", "whirl:abcd"}) ==
        "invalid fingerprint: unsupported hash type whirl");
  CHECK(err({"--registry", "r", "--fingerprint", "nocolon"}) ==
        "invalid fingerprint: expected ALG:HEX");
  CHECK(err({"--registry", "r", "-r", "CN", "x"}) == "CN field is reserved.");
  CHECK(err({"--registry", "r", "-r", "O"}) == "option --req expects 2 values (KEY VALUE)");
  CHECK(err({}) == "the following arguments are required: --registry");
  CHECK(helpText(confCommandSpec()).find("--is-needed") != std::string::npos);
  CHECK(helpText(registryCommandSpec()).find("(default: 8640000)") != std::string::npos);
}

TEST_CASE("parseIntValue follows Python int()", "[cli]") {
  CHECK(*parseIntValue(" 42 ") == 42);
  CHECK(*parseIntValue("+7") == 7);
  CHECK(*parseIntValue("-3") == -3);
  CHECK(!parseIntValue("3x"));
  CHECK(!parseIntValue(""));
  CHECK(!parseIntValue("++1"));
  CHECK(!parseIntValue("99999999999"));
}
