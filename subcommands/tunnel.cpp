// `re6st tunnel`: a hidden test entry that brings up tunnels of the built-in transport
// between two hosts without the rest of the node (no Babel, no registry). Used by the
// namespace tests and the benchmark. Prints one line per event on stdout:
//   up id=1 dev=re6stnet1 peer=2/16 serial=c remote=198.18.0.2:1194 seen-as=… offload=on
//   down id=1 dev=re6stnet1 reason=… tx=… rx=…
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <map>
#include <memory>

#include "re6st/base/log.h"
#include "re6st/loop/loop.h"
#include "re6st/tunnel/driver.h"
#include "subcommands/subcommand.h"

namespace re6st::cmd {
namespace {

const char kUsage[] =
    "usage: re6st tunnel --ca CA --cert CERT --key KEY --proto udp|udp6|tcp|tcp6\n"
    "         (--listen PORT | --connect HOST:PORT --peer-cn CN)... [options]\n"
    "  --listen PORT       accept tunnels on PORT (0: any port, printed)\n"
    "  --connect H:P       open a tunnel to H:P (repeatable, each with its --peer-cn)\n"
    "  --peer-cn CN        certificate CN the peer must have\n"
    "  --bind ADDR         local underlay address (default 0.0.0.0 or ::)\n"
    "  --dev PREFIX        tunnel interface names PREFIX1, PREFIX2, … (default re6stnet)\n"
    "  --ip6 ADDR/PLEN     address for every tunnel interface (repeatable)\n"
    "  --mtu N             tunnel MTU (default 1420)\n"
    "  --keepalive S       idle seconds before a keepalive (default 10)\n"
    "  --timeout S         silence in seconds before the peer is dead (default 60)\n"
    "  --retry S           reconnect S seconds after an outgoing tunnel went down (default 2)\n"
    "  --revoke SERIAL     refuse this certificate serial (hex, repeatable)\n"
    "  --offload on|off    TUN offloads (TSO/GRO through the TUN; default on)\n"
    "  -v N                verbosity (0..4, default 1)\n";

struct Options {
  std::string ca, cert, key, proto = "udp", bind, dev = "re6stnet";
  int listen = -1, mtu = 1420, verbose = 1;
  bool offload = true;
  double keepalive = 10, timeout = 60, retry = 2;
  std::vector<std::pair<std::string, std::string>> connect;  // host:port, cn
  std::vector<std::string> ip6, revoke;
};

Result<Options> parse(const Args& args) {
  Options o;
  std::vector<std::string> peers, cns;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") return makeError(Code::kInvalid, "");
    if (i + 1 >= args.size()) return makeError(Code::kInvalid, a + " needs a value");
    const std::string& v = args[++i];
    try {
      if (a == "--ca") o.ca = v;
      else if (a == "--cert") o.cert = v;
      else if (a == "--key") o.key = v;
      else if (a == "--proto") o.proto = v;
      else if (a == "--bind") o.bind = v;
      else if (a == "--dev") o.dev = v;
      else if (a == "--listen") o.listen = std::stoi(v);
      else if (a == "--connect") peers.push_back(v);
      else if (a == "--peer-cn") cns.push_back(v);
      else if (a == "--ip6") o.ip6.push_back(v);
      else if (a == "--revoke") o.revoke.push_back(v);
      else if (a == "--mtu") o.mtu = std::stoi(v);
      else if (a == "--keepalive") o.keepalive = std::stod(v);
      else if (a == "--timeout") o.timeout = std::stod(v);
      else if (a == "--retry") o.retry = std::stod(v);
      else if (a == "-v") o.verbose = std::stoi(v);
      else if (a == "--offload" && (v == "on" || v == "off")) o.offload = v == "on";
      else return makeError(Code::kInvalid, "unknown option " + a);
    } catch (const std::exception&) {
      return makeError(Code::kInvalid, "bad value for " + a + ": " + v);
    }
  }
  if (o.ca.empty() || o.cert.empty() || o.key.empty())
    return makeError(Code::kInvalid, "--ca, --cert and --key are required");
  if (peers.size() != cns.size())
    return makeError(Code::kInvalid, "each --connect needs its --peer-cn");
  if (peers.empty() && o.listen < 0)
    return makeError(Code::kInvalid, "nothing to do: give --listen or --connect");
  if (o.listen > 65535) return makeError(Code::kInvalid, "--listen must be a port (0..65535)");
  // `!(x > 0)` also refuses NaN, which would make the Duration casts below undefined.
  if (!(o.keepalive > 0) || !(o.timeout > 0) || !(o.retry >= 0) || o.keepalive > 1e6 ||
      o.timeout > 1e6 || o.retry > 1e6)
    return makeError(Code::kInvalid, "--keepalive, --timeout and --retry must be seconds");
  if (o.proto != "udp" && o.proto != "udp6" && o.proto != "tcp" && o.proto != "tcp6")
    return makeError(Code::kInvalid, "--proto must be udp, udp6, tcp or tcp6");
  for (size_t i = 0; i < peers.size(); ++i) o.connect.emplace_back(peers[i], cns[i]);
  return o;
}

Result<tunnel::TransportOptions> transportOptions(const Options& o) {
  tunnel::TransportOptions t;
  bool v6 = o.proto.back() == '6';
  t.carrier = o.proto.rfind("tcp", 0) == 0 ? tunnel::Carrier::kStream : tunnel::Carrier::kDatagram;
  uint16_t port = uint16_t(o.listen < 0 ? 0 : o.listen);
  if (o.bind.empty()) {
    t.bind = v6 ? loop::SockAddr::anyV6(port) : loop::SockAddr::anyV4(port);
  } else {
    auto b = loop::SockAddr::parse(o.bind, port);
    if (!b) return b.error().wrap("--bind");
    t.bind = *b;
  }
  t.listen = o.listen >= 0;
  t.mtu = o.mtu;
  t.offload = o.offload;
  t.ifPrefix = o.dev;
  t.session.keepalive = Duration(int64_t(o.keepalive * 1e6));
  t.session.timeout = Duration(int64_t(o.timeout * 1e6));
  for (const auto& text : o.ip6) {
    auto slash = text.find('/');
    auto ip = parseIpv6(text.substr(0, slash));
    // from_chars, not stoi: a bad length is a refused option, not an exception.
    std::string_view len = slash == std::string::npos ? "" : std::string_view(text).substr(slash + 1);
    int plen = -1;
    auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), plen);
    if (!ip || len.empty() || ec != std::errc() || end != len.data() + len.size() || plen < 0 ||
        plen > 128)
      return makeError(Code::kInvalid, "bad --ip6 " + text);
    t.addresses.emplace_back(*ip, plen);
  }
  return t;
}

std::string describe(const tunnel::TunnelEvent& e) {
  const auto& i = e.info;
  std::string line = std::string(e.kind == tunnel::TunnelEvent::Kind::kUp ? "up" : "down") +
                     " id=" + std::to_string(i.id) + " dev=" + i.ifname + " peer=" + i.peerCn;
  if (e.kind == tunnel::TunnelEvent::Kind::kUp)
    return line + " serial=" + i.peerSerial + " remote=" + i.remote.str() + " seen-as=" +
           i.observedSelf + " offload=" + (i.offload ? "on" : "off");
  return line + " remote=" + i.remote.str() + " tx=" + std::to_string(i.counters.txPackets) +
         " rx=" + std::to_string(i.counters.rxPackets) + " reason=" + e.reason;
}

// Connects the --connect peers and reconnects them after they go down.
class Runner {
 public:
  Runner(loop::Loop& loop, const Options& o, Io& io) : loop_(loop), o_(o), io_(io) {}
  Status run(std::shared_ptr<tunnel::Credentials> creds, tunnel::TransportOptions topt) {
    transport_ = std::make_unique<tunnel::Transport>(
        loop_, std::move(creds), std::move(topt), [this](const tunnel::TunnelEvent& e) { onEvent(e); });
    RE6ST_TRY(transport_->start());
    io_.out << "listening proto=" << o_.proto << " port=" << transport_->localPort() << std::endl;
    for (size_t k = 0; k < o_.connect.size(); ++k) connect(k);
    loop::Signal sigint(loop_), sigterm(loop_);
    auto stop = [this](int) {
      stopping_ = true;
      transport_.reset();  // closes every tunnel (the peers get a close record)
      retries_.clear();
      loop_.stop();
    };
    RE6ST_TRY(sigint.start(SIGINT, stop));
    RE6ST_TRY(sigterm.start(SIGTERM, stop));
    loop_.run();
    return {};
  }

 private:
  void connect(size_t k) {
    const auto& [hostPort, cn] = o_.connect[k];
    auto addr = loop::SockAddr::parseHostPort(hostPort);
    if (!addr) {
      io_.err << "re6st tunnel: " << hostPort << ": " << addr.error().message << std::endl;
      return;
    }
    auto id = transport_->connect(*addr, cn);
    if (id) byId_[*id] = k;
    else scheduleRetry(k);
  }
  void scheduleRetry(size_t k) {
    if (stopping_) return;
    auto& timer = retries_[k];
    if (!timer) timer = std::make_unique<loop::Timer>(loop_);
    timer->start(Duration(int64_t(o_.retry * 1e6)), [this, k] { connect(k); });
  }
  void onEvent(const tunnel::TunnelEvent& e) {
    io_.out << describe(e) << std::endl;
    if (e.kind != tunnel::TunnelEvent::Kind::kDown) return;
    auto it = byId_.find(e.info.id);
    if (it == byId_.end()) return;
    size_t k = it->second;
    byId_.erase(it);
    scheduleRetry(k);
  }
  loop::Loop& loop_;
  const Options& o_;
  Io& io_;
  std::unique_ptr<tunnel::Transport> transport_;
  std::map<uint64_t, size_t> byId_;
  std::map<size_t, std::unique_ptr<loop::Timer>> retries_;
  bool stopping_ = false;
};

}  // namespace

int runTunnel(const Args& args, Io& io) {
  auto o = parse(args);
  if (!o) {
    if (!o.error().message.empty()) io.err << "re6st tunnel: " << o.error().message << "\n";
    io.err << kUsage;
    return 2;
  }
  log::setup(o->verbose);
  auto creds = tunnel::Credentials::load(o->ca, o->cert, o->key);
  if (!creds) {
    io.err << "re6st tunnel: " << creds.error().message << "\n";
    return 1;
  }
  for (const auto& s : o->revoke) (*creds)->revoked.insert(s);
  auto topt = transportOptions(*o);
  if (!topt) {
    io.err << "re6st tunnel: " << topt.error().message << "\n";
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  loop::Loop loop;
  Runner runner(loop, *o, io);
  if (auto s = runner.run(std::move(*creds), std::move(*topt)); !s) {
    io.err << "re6st tunnel: " << s.error().message << "\n";
    return 1;
  }
  return 0;
}

}  // namespace re6st::cmd
