// The network configuration as the node keeps it (re6stnet's cache.py): the registry's
// getNetworkConfig answer turned into the rows of cache.db's config table (lists as
// "name:json", base64 fields and decrypted babel_hmac_* keys as blobs), the typed view
// of those rows, and which changes need a restart (tunnel.py NEED_RESTART). Pure.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "re6st/base/bytes.h"
#include "re6st/base/result.h"
#include "re6st/client/network_config.h"
#include "re6st/crypto/pk.h"
#include "re6st/node/peer_cache.h"

namespace re6st::node {

// A getNetworkConfig body (zlib JSON) → config rows, as cache.py updateConfig stores
// them. "delay_restart" is taken out into *delayRestart (seconds, 0 when absent).
Result<ConfigMap> configRowsFromBody(ByteSpan body, const crypto::PrivateKey& key,
                                     int* delayRestart = nullptr);
// Rows → the typed configuration (fails when version or protocol is missing).
Result<client::NetworkConfig> configFromRows(const ConfigMap& rows);
// Row names without their ":json" suffix.
std::vector<std::string> changedNames(const std::vector<std::string>& rowNames);
// tunnel.py NEED_RESTART: babel_default, babel_hmac_*, encrypt, hello, ipv4, ipv4_sublen,
// and for a node that makes tunnels also client_count, max_clients, same_country,
// tunnel_refresh.
bool needsRestart(const std::vector<std::string>& changed, bool tunnelManager);
// The revoked serials of a configuration as lowercase hex (crypto::serialToHex).
std::set<std::string> crlHex(const client::NetworkConfig& c);

}  // namespace re6st::node
