// `re6st conf` / re6st-conf: options → registry transport → the enrolment flow
// (re6st/client/enroll.h). Exit 2 on an option error, 1 on a failure, 0 when done.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "re6st/base/prefix.h"
#include "re6st/cli/conf_options.h"
#include "re6st/client/enroll.h"
#include "subcommands/subcommand.h"

namespace re6st::cmd {

namespace {

Ipv6 toIpv6(const in6_addr& a) {
  Ipv6 out;
  std::copy(std::begin(a.s6_addr), std::end(a.s6_addr), out.begin());
  return out;
}

// An address of this machine inside the network: re6st runs here.
bool localAddressIn(const Prefix& net) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return false;
  bool found = false;
  for (ifaddrs* i = list; i && !found; i = i->ifa_next)
    if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET6)
      found = net.contains(toIpv6(reinterpret_cast<const sockaddr_in6*>(i->ifa_addr)->sin6_addr));
  ::freeifaddrs(list);
  return found;
}

// --is-needed: are we already part of the network? Either an address of ours is inside
// it, or the source address the kernel picks to reach it is (we sit behind a re6st
// router). re6st-conf asks `ip -6 route get`; connect() on a UDP socket gives the same
// answer without running a program, and sends nothing.
bool insideNetwork(const std::string& network_bits) {
  auto net = prefixFromBits(network_bits);
  if (!net.ok()) return false;
  if (localAddressIn(net.value())) return true;
  int fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in6 dst{};
  dst.sin6_family = AF_INET6;
  dst.sin6_port = htons(326);
  std::copy(net->addr.begin(), net->addr.end(), dst.sin6_addr.s6_addr);
  sockaddr_in6 src{};
  socklen_t len = sizeof src;
  bool routed = ::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) == 0 &&
                ::getsockname(fd, reinterpret_cast<sockaddr*>(&src), &len) == 0;
  ::close(fd);
  return routed && net->contains(toIpv6(src.sin6_addr));
}

}  // namespace

int runConf(const Args& args, Io& io) {
  auto opts = cli::parseConfOptions(args);
  if (!opts.ok()) {
    io.err << "re6st conf: error: " << opts.error().message << "\n";
    return 2;
  }
  if (opts->help) {
    io.out << cli::helpText(cli::confCommandSpec());
    return 0;
  }
  auto transport = opts->registry_ca ? client::FetchTransport::create(opts->registry, seconds(60),
                                                                      *opts->registry_ca)
                                     : client::FetchTransport::create(opts->registry);
  if (!transport.ok()) {
    io.err << "re6st conf: error: " << transport.error().message << "\n";
    return 2;
  }
  client::EnrollIo eio{io.in, io.out, io.err, 0, insideNetwork};
  return client::enroll(opts.value(), transport.value(), eio);
}

}  // namespace re6st::cmd
