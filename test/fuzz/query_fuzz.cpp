// Fuzz target: bytes as a query string (and as a URL). parseQuery must not crash, and
// whatever it accepts must survive encodeQuery → parseQuery unchanged (the registry
// re-encodes parameters when it forwards or signs them). A URL that parses must parse
// again, identically, from its origin() + target.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "re6st/http/query.h"
#include "re6st/http/url.h"

using namespace re6st::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  for (std::string text : {std::string(s), "http://" + std::string(s)}) {
    auto u = parseUrl(text);
    if (!u.ok()) continue;
    auto again = parseUrl(u->origin() + u->target);
    if (!again.ok() || again->host != u->host || again->port != u->port ||
        again->target != u->target || again->tls != u->tls)
      abort();
    (void)joinTarget(*u, "/getCa?x=1");
  }
  auto q = parseQuery(s);
  if (!q.ok()) return 0;
  auto again = parseQuery(encodeQuery(*q), 1 << 20);
  if (!again.ok() || again->items != q->items) abort();
  // Decoding never grows the text; encoding output is plain ASCII without separators
  // other than the ones it writes.
  if (percentDecode(s, true).size() > s.size()) abort();
  for (char c : percentEncode(s, true))
    if (c == '&' || c == '=' || c == ' ' || static_cast<unsigned char>(c) >= 127) abort();
  return 0;
}
