// The node's own address list, answered to peers asking with code 1 and kept in cache.db
// under the empty prefix (re6stnet's BaseTunnelManager._address and cli/node.py
// ip_changed): one entry per served port and protocol, per family, from --ip/--ipv6,
// the UPnP gateway's external address, or learnt from what peers see (--ip any). Pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "re6st/cli/node_options.h"

namespace re6st::node {

class AddressBook {
 public:
  // served: the effective --pp list. ip/ipv6: the --ip/--ipv6 values (may hold "any" or
  // "upnp"). country: --country, appended as 4th field when set.
  AddressBook(std::vector<cli::PortProto> served, const std::vector<std::string>& ip,
              const std::vector<std::string>& ipv6, std::string country = "");

  // Whether UPnP must be tried (--ip upnp, or no --ip at all: re6stnet's default).
  bool wantsUpnp() const { return wantsUpnp_; }
  // The UPnP gateway mapped our IPv4 ports: its external address and the mapped ports.
  void setUpnp(const std::string& externalIp, const std::vector<cli::PortProto>& mapped);
  // No IGD: with an explicit --ip upnp this stays unset; with no --ip, IPv4 is learnt.
  void upnpFailed();
  // An address a peer saw us at (tunnel keepalive). True when our list changed.
  bool observed(const std::string& ip);

  // "ip,port,proto[,country];…", IPv4 entries first.
  std::string str() const;
  // IPv4 ports served (for UPnP mapping).
  std::vector<cli::PortProto> ipv4Served() const;

 private:
  std::vector<std::string> entries(const std::string& ip, bool v6) const;
  std::vector<cli::PortProto> served_;
  std::string country_;
  bool learn4_ = false, learn6_ = false, wantsUpnp_ = false, upnpActive_ = false, noIp_ = false;
  std::map<int, std::vector<std::string>> byFamily_;  // 4/6 → entries
};

}  // namespace re6st::node
