// The node's blocking start phase (re6stnet's cli/node.py main up to the main loop and
// cache.py Cache.__init__): directories, certificate files, cache.db, the network
// configuration (cached and verified by its CA-signed version, else fetched from the
// registry, retrying), certificate and CA renewal (x509.py maybe_renew) and the
// protocol checks. Blocking I/O; `stopping` is polled so SIGTERM ends the retries.
#pragma once

#include <functional>

#include "re6st/node/node.h"

namespace re6st::node {

constexpr int64_t kRenewPeriod = 30 * 86400;  // re6st/registry.py RENEW_PERIOD

Result<NodeSetup> prepareNode(const cli::NodeOptions& options,
                              const std::function<bool()>& stopping);

// mkdir -p with mode for the last component.
Status makeDirs(const std::string& path, int mode = 0755);

}  // namespace re6st::node
