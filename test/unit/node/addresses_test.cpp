// The node's address list (cli/node.py ip_changed rules).
#include <catch2/catch.hpp>

#include "re6st/loop/sock_addr.h"
#include "re6st/node/addresses.h"

using namespace re6st;
using node::AddressBook;

namespace {
const std::vector<cli::PortProto> kServed = {{1194, "udp"}, {1194, "tcp"}, {1195, "tcp6"}};
}

TEST_CASE("--ip gives one entry per served IPv4 port; nothing IPv4 is learnt") {
  AddressBook b(kServed, {"198.18.0.5"}, {});
  CHECK(!b.wantsUpnp());
  CHECK(b.str() == "198.18.0.5,1194,udp;198.18.0.5,1194,tcp");
  CHECK(!b.observed("203.0.113.9"));
  CHECK(b.observed("2001:db8::7"));  // IPv6 is still learnt
  CHECK(b.str() == "198.18.0.5,1194,udp;198.18.0.5,1194,tcp;2001:db8::7,1195,tcp6");
  CHECK(!b.observed("2001:db8::7"));  // unchanged
}

TEST_CASE("--ip any learns what peers see; no --ip tries UPnP, then learns") {
  AddressBook any(kServed, {"any"}, {});
  CHECK(!any.wantsUpnp());
  CHECK(any.str().empty());
  CHECK(any.observed("203.0.113.9"));
  CHECK(any.str() == "203.0.113.9,1194,udp;203.0.113.9,1194,tcp");
  CHECK(!any.observed("not an ip"));

  AddressBook none(kServed, {}, {}, "FR");
  CHECK(none.wantsUpnp());
  CHECK(!none.observed("203.0.113.9"));  // waiting for UPnP
  none.setUpnp("192.0.2.1", {{40000, "udp"}, {40001, "tcp"}});
  CHECK(none.str() == "192.0.2.1,40000,udp,FR;192.0.2.1,40001,tcp,FR");
  CHECK(!none.observed("203.0.113.9"));  // the IGD knows better

  AddressBook noIgd(kServed, {}, {});
  noIgd.upnpFailed();
  CHECK(noIgd.observed("203.0.113.9"));
  AddressBook explicitUpnp(kServed, {"upnp"}, {});
  explicitUpnp.upnpFailed();
  CHECK(!explicitUpnp.observed("203.0.113.9"));
  CHECK(explicitUpnp.ipv4Served().size() == 2);
}

TEST_CASE("host part of an observed address (loop::SockAddr, as the node reads it)") {
  CHECK(loop::SockAddr::parseHostPort("198.18.0.1:1194")->host() == "198.18.0.1");
  CHECK(loop::SockAddr::parseHostPort("[2001:db8::1]:1194")->host() == "2001:db8::1");
  CHECK(!loop::SockAddr::parseHostPort("[2001:db8::1").ok());
}
