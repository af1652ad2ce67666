// Fuzz target: a GEOIP2_MMDB file (MaxMind DB) as the registry reads it: metadata,
// search tree and data section, then lookups of IPv4 and IPv6 addresses.
#include <cstddef>
#include <cstdint>

#include "re6st/registry/geoip.h"

using namespace re6st;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto g = registry::GeoIp::open(Bytes(data, data + size));
  if (!g) return 0;
  for (const char* ip :
       {"198.51.100.7", "192.0.2.200", "203.0.113.9", "2001:db8:1::1", "0.0.0.0", "::"})
    (void)g->lookup(ip);
  return 0;
}
