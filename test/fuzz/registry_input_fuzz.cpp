// Fuzz target: registry inputs that are not HTTP framing: certificate requests (PEM and
// DER walk, self-signature), --community files, SMTP server replies, query strings.
#include <cstddef>
#include <cstdint>
#include <string>

#include "re6st/http/query.h"
#include "re6st/registry/allocator.h"
#include "re6st/registry/csr_reader.h"
#include "re6st/registry/smtp.h"

using namespace re6st;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  (void)registry::parseNodeRequest(in);
  (void)registry::parseCommunities(in, 80);
  (void)http::parseQuery(in);
  registry::SmtpSession s({"h", true, std::string("u"), std::string("p")}, "a@x", "b@y", in);
  // Replies in small pieces, as TCP may deliver them; TLS "completes" when asked.
  for (size_t i = 0; i < size && s.state() == registry::SmtpSession::State::kRunning; i += 7) {
    s.feed(ByteSpan(data + i, std::min<size_t>(7, size - i)));
    if (s.tlsRequested()) s.tlsReady();
    (void)s.takeOutgoing();
  }
  return 0;
}
