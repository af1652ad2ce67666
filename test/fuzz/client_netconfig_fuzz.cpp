// Fuzz target for the node's decoding of getNetworkConfig answers: the input is tried
// both as the zlib body and as the JSON text. No node key (RSA is not the target here).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "re6st/client/network_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace re6st;
  auto a = client::decodeNetworkConfig(ByteSpan(data, size), nullptr);
  auto b = client::parseNetworkConfig(std::string_view(reinterpret_cast<const char*>(data), size),
                                      nullptr);
  (void)a;
  (void)b;
  return 0;
}
