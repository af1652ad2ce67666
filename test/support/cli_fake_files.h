// In-memory options files for cli tests: a FileReader over a path → content map, so
// option parsing is tested without touching the disk.
#pragma once

#include <map>
#include <string>

#include "re6st/cli/options_file.h"

namespace re6st::cli::testing {

inline FileReader memoryFiles(std::map<std::string, std::string> files) {
  return [files = std::move(files)](const std::string& path) -> Result<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return makeError(Code::kNotFound, path + ": cannot open options file");
    return it->second;
  };
}

}  // namespace re6st::cli::testing
