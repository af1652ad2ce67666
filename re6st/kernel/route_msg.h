// rtnetlink message bodies (linux/rtnetlink.h, linux/if_addr.h, linux/if_link.h):
// Route/Address/Link values to RTM_* requests and kernel replies back to values.
// Pure: no socket. routes_linux.cpp sends what these build; the netlink fuzz target
// feeds the decoders hostile bytes.
#pragma once

#include <cstdint>

#include "re6st/kernel/netlink.h"
#include "re6st/kernel/routes.h"

namespace re6st::kernel {

// RTM_NEWROUTE / RTM_DELROUTE request for r (type selects which; flags are the
// NLM_F_* creation flags on top of REQUEST|ACK).
NlRequest routeRequest(uint16_t type, uint16_t flags, const Route& r);
// RTM_GETROUTE dump of one family.
NlRequest routeDumpRequest(bool v4);
// Decodes an RTM_NEWROUTE message; kUnsupported for routes we cannot represent
// (multipath, other families), which callers skip.
Result<Route> decodeRoute(const NlMessage& m);

NlRequest addressRequest(uint16_t type, uint16_t flags, const Address& a);
NlRequest addressDumpRequest(bool v4);
Result<Address> decodeAddress(const NlMessage& m);

// RTM_GETLINK for one link by name (ifindex 0) or by index.
NlRequest linkGetRequest(int ifindex, const std::string& name);
NlRequest linkDumpRequest();
// RTM_NEWLINK (set) changing IFF_UP and/or the MTU (mtu 0 = unchanged).
NlRequest linkSetRequest(int ifindex, std::optional<bool> up, uint32_t mtu);
Result<Link> decodeLink(const NlMessage& m);

}  // namespace re6st::kernel
