// `re6st conf` (re6st-conf): joins a machine to a network through its registry — fetch
// and check the CA, get a token (prompting on the terminal), reuse or create cert.key
// with the CA's key size, request cert.crt, write a sample re6stnet.conf. Never burns a
// token when cert.crt cannot be written. Blocking; output and prompts go to the streams.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>

#include "re6st/cli/conf_options.h"
#include "re6st/client/registry_client.h"

namespace re6st::client {

struct EnrollIo {
  std::istream& in;      // answers to prompts
  std::ostream& out;     // progress messages, as re6st-conf prints them
  std::ostream& err;     // errors
  int64_t now_unix = 0;  // unused for now (dates come from the certificate)
  // Whether the machine already routes the network through re6st (--is-needed): true
  // when the source address the kernel picks for the network lies inside it.
  std::function<bool(const std::string& network_bits)> insideNetwork;
};

// Runs re6st-conf with parsed options against transport. Returns the exit status:
// 0 done, 1 failure (message on err), as re6st-conf.
int enroll(const cli::ConfOptions& options, Transport& transport, EnrollIo& io);

// Digest of data with a hashlib algorithm name (md5, sha1, sha224, sha256, sha384, sha512).
Result<Bytes> digest(const std::string& alg, ByteSpan data);

// time.asctime(time.gmtime(t)): "Wed Nov 25 12:59:19 2026".
std::string asctimeUtc(int64_t unix_seconds);

// The sample options file re6st-conf writes (registry, ca, cert, key + comments).
std::string sampleNodeConf(const std::string& registry);

}  // namespace re6st::client
