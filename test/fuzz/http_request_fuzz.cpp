// Fuzz target: raw bytes into the HTTP request parser (and, with the same bytes, the
// response parser). The first byte picks a feeding chunk size so that split points are
// exercised; every event must be well-formed and parsing must end (no hang, no leak).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "re6st/http/parser.h"

using namespace re6st;
using namespace re6st::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t chunk = 1 + data[0] % 64;
  ByteSpan in(data + 1, size - 1);
  Limits limits;
  limits.maxHeaderBytes = 2048;
  limits.maxBodyBytes = 1024;
  RequestParser p(limits);
  int events = 0;
  for (size_t pos = 0; pos <= in.size(); pos += chunk) {
    if (pos < in.size())
      p.feed(in.subspan(pos, std::min(chunk, in.size() - pos)));
    else
      p.feedEof();
    while (true) {
      auto e = p.next();
      if (++events > 100000) abort();  // each call must make progress
      if (e.kind == RequestParser::Kind::kRequest) {
        // Parsed requests are internally consistent.
        if (e.request.body.size() > limits.maxBodyBytes) abort();
        if (e.request.target.compare(0, e.request.path.size(), e.request.path) != 0) abort();
        Response r = Response::text(200, e.request.target);
        (void)serializeResponse(r, e.request.keepAlive);
        continue;
      }
      if (e.kind == RequestParser::Kind::kError && e.status != 400 && e.status != 413 &&
          e.status != 431)
        abort();
      break;
    }
  }
  ResponseParser rp(1024, 2048);
  auto e = rp.feed(in, true);
  if (e.kind == ResponseParser::Kind::kNeedData) abort();  // EOF always concludes
  return 0;
}
