// Test helpers for the tunnel manager core: node prefixes, routing dumps as Babel would
// report them, and action collection. Header-only, used by unit tests and sim tests.
#pragma once

#include <bitset>
#include <string>
#include <vector>

#include "re6st/tunnel/manager.h"

namespace re6st::testing {

// A 16-bit node prefix for node number n ("0000000000000101" for 5).
inline std::string nodePrefix(unsigned n) { return std::bitset<16>(n).to_string(); }

inline std::string nodeAddress(unsigned n, unsigned count = 1) {
  std::string s;
  for (unsigned i = 0; i < count; ++i)
    s += (i ? ";" : "") + std::string("198.18.") + std::to_string(n / 256) + "." +
         std::to_string(n % 256) + "," + std::to_string(1194 + i) + ",udp";
  return s;
}

// Builds the installed-route dump Babel gives the manager.
struct DumpBuilder {
  tunnel::RoutingDump dump;

  // A neighbour on tunnel ifindex that originates `prefix` (refmetric 0) and relays `via`.
  tunnel::NeighbourRef neighbour(uint32_t ifindex, const std::string& prefix,
                                 const std::vector<std::string>& via = {},
                                 uint16_t multiplier = tunnel::kNeutralMultiplier) {
    tunnel::NeighbourRef ref{{0xfe, 0x80}, ifindex};
    ref.address[15] = uint8_t(ifindex);
    dump.neighbours.push_back({ref, multiplier});
    if (!prefix.empty()) dump.routes.push_back({prefix, ref, 0});
    for (const auto& p : via) dump.routes.push_back({p, ref, 256});
    return ref;
  }
  // A neighbour whose own prefix is not routed through it (drained or locked).
  tunnel::NeighbourRef anonymous(uint32_t ifindex, uint16_t multiplier,
                                 const std::vector<std::string>& via = {}) {
    return neighbour(ifindex, "", via, multiplier);
  }
};

inline std::vector<tunnel::Action> drain(tunnel::Manager& m) {
  std::vector<tunnel::Action> out;
  while (auto a = m.pollAction()) out.push_back(std::move(*a));
  return out;
}

template <class T>
std::vector<T> only(const std::vector<tunnel::Action>& actions) {
  std::vector<T> out;
  for (const auto& a : actions)
    if (auto* x = std::get_if<T>(&a)) out.push_back(*x);
  return out;
}

}  // namespace re6st::testing
