// Fuzz target for options files: the input is split at NUL bytes into files named
// "0", "1", … (so "@1" lines include the next one, "@0" loops), then "@0" is parsed with
// the node, registry and conf option tables, and the lines of "0" are parsed as
// command-line words. Parsing must return a value or an error, never crash or hang.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "re6st/cli/conf_options.h"
#include "re6st/cli/node_options.h"
#include "re6st/cli/registry_options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace re6st;
  std::map<std::string, std::string> files;
  std::string cur;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      files.emplace(std::to_string(files.size()), std::move(cur));
      cur.clear();
    } else {
      cur += static_cast<char>(data[i]);
    }
  }
  files.emplace(std::to_string(files.size()), std::move(cur));
  cli::FileReader reader = [&files](const std::string& path) -> Result<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return makeError(Code::kNotFound, path + ": no such file");
    return it->second;
  };
  // Also use the lines of file "0" directly as command-line words.
  std::vector<std::string> words;
  for (auto line : cli::splitLines(files["0"])) words.emplace_back(line);
  for (const auto& args : {std::vector<std::string>{"@0"}, words}) {
    auto n = cli::parseNodeOptions(args, reader);
    auto r = cli::parseRegistryOptions(args, reader);
    auto c = cli::parseConfOptions(args, reader);
    // Every error has a message.
    for (const std::string* m :
         {n.ok() ? nullptr : &n.error().message, r.ok() ? nullptr : &r.error().message,
          c.ok() ? nullptr : &c.error().message})
      if (m && m->empty()) __builtin_trap();
  }
  return 0;
}
