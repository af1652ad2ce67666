// Country lookups in a MaxMind DB file (GeoIP2/GeoLite2 Country or City .mmdb, format
// 2.0: https://maxmind.github.io/MaxMind-DB/), what re6st-registry does through the
// geoip2 module when GEOIP2_MMDB names such a file (registry.py _geoiplookup). Pure: the
// file's bytes in, (country ISO code, continent code) out; every offset is checked, so a
// corrupt or hostile file gives errors, never a crash. Immutable after open; any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "re6st/base/bytes.h"
#include "re6st/base/result.h"

namespace re6st::registry {

class GeoIp {
 public:
  static Result<GeoIp> open(Bytes file);

  // registry.py geoiplookup: (country.iso_code, continent.code) of an IPv4 or IPv6
  // address; ("*", "*") when the address is not in the database or not an address.
  std::pair<std::string, std::string> lookup(const std::string& ip) const;

  // The data record of an address (nullopt: not found); errors for a corrupt file.
  Result<std::optional<nlohmann::json>> record(const std::string& ip) const;
  const std::string& databaseType() const { return type_; }

 private:
  GeoIp() = default;
  Result<uint32_t> child(uint32_t node, int bit) const;

  Bytes db_;
  size_t tree_size_ = 0, data_start_ = 0, data_end_ = 0;
  uint32_t node_count_ = 0, ipv4_start_ = 0;
  int record_size_ = 0, ip_version_ = 0;
  std::string type_;
};

}  // namespace re6st::registry
