// File helpers for key and certificate files: whole-file reads with a size cap and
// atomic replacement (write a temporary in the same directory, fsync, rename), so a
// crash never leaves a truncated key. Errors name the path. Blocking I/O: startup only.
#pragma once

#include <string>
#include <sys/types.h>

#include "re6st/base/result.h"

namespace re6st::crypto {

// Refuses files larger than max_bytes (a PEM file is a few KiB; this guards memory).
Result<std::string> readFile(const std::string& path, size_t max_bytes = 1 << 20);

// Writes data to path atomically with the given permission bits (e.g. 0600 for keys).
Status writeFileAtomic(const std::string& path, const std::string& data, mode_t mode);

}  // namespace re6st::crypto
