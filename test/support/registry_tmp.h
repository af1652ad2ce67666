// Test helper for the registry tests: a temporary directory removed with its content at
// scope exit. Test-only; not thread-safe.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

struct TmpDir {
  std::string path;
  TmpDir() {
    char tmpl[] = "/tmp/r6reg-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TmpDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TmpDir(const TmpDir&) = delete;
  TmpDir& operator=(const TmpDir&) = delete;
};
