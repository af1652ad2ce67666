// The network configuration document of getNetworkConfig (REGISTRY-PROTOCOL.md §4):
// JSON text exactly as Python's json.dumps writes it (", " and ": " separators, ASCII,
// insertion order), and the sorted variant stored as config 'last_config' to decide
// when the version must be bumped (§5). Pure string building.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace re6st::registry {

inline constexpr int kProtocol = 10;  // re6st protocol spoken by this registry
inline constexpr int kMinProtocol = 1;
inline constexpr const char* kBabelDefault = "max-rtt-penalty 5000 rtt-max 500 rtt-decay 125";

struct NetworkParams {
  std::optional<std::pair<std::string, int>> ipv4;  // "10.42.0.0/16", sublen
  std::vector<std::string> same_country;
  int client_count = 10;
  bool encrypt = false;
  int hello = 15;
  int max_clients = 20;
  int min_protocol = 1;
  int tunnel_refresh = 300;
};

// Python json.dumps of a str (ensure_ascii: non-ASCII and controls as \uXXXX).
std::string jsonString(std::string_view s);
// Python repr of a float ("1795544389.9427462", "5.0").
std::string jsonFloat(double v);

// Ordered (key, JSON value text) pairs of the config without version/keys.
using JsonItems = std::vector<std::pair<std::string, std::string>>;
JsonItems baseConfig(const NetworkParams& p, const std::vector<int64_t>& crl,
                     const std::string& registry_prefix);
// {"k": v, ...} in the given order, or sorted by key (sort_keys=True).
std::string jsonObject(const JsonItems& items, bool sort_keys);

}  // namespace re6st::registry
