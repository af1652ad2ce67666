// The network configuration as the node keeps it (re6stnet's cache.py): the registry's
// getNetworkConfig answer turned into the rows of cache.db's config table (lists as
// "name:json", base64 fields and decrypted babel_hmac_* keys as blobs), the typed view
// of those rows, and which changes need a restart (tunnel.py NEED_RESTART). Pure.
#pragma once

#include <optional>
#include <set>
#include <string_view>
#include <string>
#include <vector>

#include "re6st/base/bytes.h"
#include "re6st/base/prefix.h"
#include "re6st/base/result.h"
#include "re6st/client/network_config.h"
#include "re6st/crypto/pk.h"
#include "re6st/node/peer_cache.h"

namespace re6st::node {

// A getNetworkConfig body (zlib JSON) → config rows, as cache.py updateConfig stores
// them. "delay_restart" is taken out into *delayRestart (seconds, 0 when absent).
Result<ConfigMap> configRowsFromBody(ByteSpan body, const crypto::PrivateKey& key,
                                     int* delayRestart = nullptr);
// Rows → the typed configuration (fails when version or protocol is missing, or when a
// parameter is outside what a node can use, e.g. hello 0 or an hour of silence).
Result<client::NetworkConfig> configFromRows(const ConfigMap& rows);
// Row names without their ":json" suffix.
std::vector<std::string> changedNames(const std::vector<std::string>& rowNames);
// tunnel.py NEED_RESTART: babel_default, babel_hmac_*, encrypt, hello, ipv4, ipv4_sublen,
// and for a node that makes tunnels also client_count, max_clients, same_country,
// tunnel_refresh.
bool needsRestart(const std::vector<std::string>& changed, bool tunnelManager);
// The node's IPv4 overlay address and prefix length (cli/node.py): network ipv4 with
// ipv4_sublen more bits taken from the certificate's subject serialNumber, last bit set
// when the block has room (n < 31). nullopt when the configuration has no IPv4 overlay
// or its parameters (or the serialNumber text) do not allow one.
struct Ipv4Overlay {
  Prefix network;  // ipv4 (IPv4-mapped)
  Ipv6 address{};  // IPv4-mapped
  int len = 0;     // IPv4 prefix length n
};
std::optional<Ipv4Overlay> ipv4Overlay(const client::NetworkConfig& c,
                                       std::optional<std::string_view> subjectSerial);

// The revoked serials of a configuration as lowercase hex (crypto::serialToHex).
std::set<std::string> crlHex(const client::NetworkConfig& c);

}  // namespace re6st::node
