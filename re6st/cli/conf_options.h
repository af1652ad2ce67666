// Options of `re6st conf` (drop-in for re6st-conf: re6st/cli/conf.py): every option with
// re6st-conf's name and meaning, plus its argument checks (--fingerprint ALG:HEX syntax,
// --anonymous vs --email/--token). No I/O except reading @options files.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "re6st/base/bytes.h"
#include "re6st/base/result.h"
#include "re6st/cli/options.h"

namespace re6st::cli {

struct ConfOptions {
  bool help = false;

  std::optional<std::string> fingerprint;  // --fingerprint ALG:FINGERPRINT, as given
  std::string fingerprint_alg;             // lower-case algorithm (sha256, sha1, ...)
  Bytes fingerprint_digest;                // decoded hex, size checked against the algorithm
  std::string registry;                    // --registry URL (required)
  bool is_needed = false;                  // --is-needed
  bool ca_only = false;                    // --ca-only
  std::optional<std::string> dir;          // -d/--dir
  std::vector<std::pair<std::string, std::string>> req;  // -r/--req KEY VALUE (repeatable)
  std::optional<std::string> email;                      // --email
  std::optional<std::string> token;                      // --token
  bool anonymous = false;                                // --anonymous
  std::optional<std::string> location;                   // --location (sent to requestCertificate)
  // --registry-ca FILE (our addition): CA bundle for an https registry URL; default: the
  // system bundle.
  std::optional<std::string> registry_ca;
};

const CommandSpec& confCommandSpec();
Result<ConfOptions> parseConfOptions(const std::vector<std::string>& args,
                                     const FileReader& reader = readFileFromDisk);

// Digest size in bytes of a hash name re6st-conf accepts (hashlib names), 0 if unknown.
size_t digestSize(std::string_view alg);

}  // namespace re6st::cli
