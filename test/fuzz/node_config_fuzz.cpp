// Fuzz target for the node's network configuration path: the input, deflated, is a
// getNetworkConfig answer turned into cache.db rows (configRowsFromBody), and the rows
// are read back (configFromRows) as after a restart. The input is also tried as the
// raw body. A fixed 1024-bit key decrypts babel_hmac_* (any ciphertext must fail cleanly).
#include <zlib.h>

#include <cstddef>
#include <cstdint>

#include "re6st/crypto/pk.h"
#include "re6st/node/netconfig.h"

namespace {
const re6st::crypto::PrivateKey& key() {
  static auto k = re6st::crypto::PrivateKey::generateRsa(1024);
  return *k;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace re6st;
  if (size > 1 << 16) return 0;
  uLongf n = compressBound(uLong(size));
  Bytes body(n);
  if (compress2(body.data(), &n, data, uLong(size), 1) != Z_OK) return 0;
  body.resize(n);
  int delay = 0;
  if (auto rows = node::configRowsFromBody(body, key(), &delay)) {
    auto c = node::configFromRows(*rows);
    if (c) (void)node::crlHex(*c);
  }
  (void)node::configRowsFromBody(ByteSpan(data, size), key());
  return 0;
}
