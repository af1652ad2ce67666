// The shared option layer: each subcommand declares its options as one table
// (CommandSpec) and gets argparse-compatible parsing (long/short names, unique-prefix
// abbreviations, attached values, nargs, repeated options, @FILE options files) with
// exception-free errors naming the option and FILE:LINE, plus --help text (cxxopts).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "re6st/base/result.h"
#include "re6st/cli/options_file.h"

namespace re6st::cli {

enum class Kind {
  kFlag,    // store_true: no value
  kValue,   // one occurrence kept (the last), nargs values
  kAppend,  // every occurrence kept, nargs values each
};
enum class Type { kString, kInt };

struct OptionSpec {
  std::string long_name;  // without "--"; empty for short-only options (-B, -O, -4, -6)
  char short_name = 0;    // 0 = none
  Kind kind = Kind::kValue;
  std::string key;  // lookup name (argparse dest); defaults to long_name with '_'
  int nargs = 1;
  Type type = Type::kString;
  std::string metavar;  // e.g. "URL" or "PORT PROTO"
  std::string help;
  std::string default_text;  // shown by --help
  std::vector<std::string> choices;
  bool required = false;
  std::string group;        // help section
  bool standalone = false;  // like --help (e.g. --version): no required-option check
};

struct CommandSpec {
  std::string prog;  // e.g. "re6st conf"
  std::string description;
  std::vector<OptionSpec> options;

  const OptionSpec* findKey(const std::string& key) const;
  const OptionSpec* findLongExact(std::string_view name) const;
  const OptionSpec* findShort(char c) const;
};

// One use of an option: its values (nargs of them) and where it was written.
struct Occurrence {
  std::vector<std::string> values;
  std::string origin;  // "" (command line) or "FILE:LINE"
};

class Parsed {
 public:
  bool help = false;

  bool has(const std::string& key) const { return m_.count(key) != 0; }
  // The last occurrence's first value, if any.
  std::optional<std::string> last(const std::string& key) const;
  std::optional<int> lastInt(const std::string& key) const;
  // Every occurrence's first value (append options with nargs 1).
  std::vector<std::string> all(const std::string& key) const;
  // Every occurrence's values (append options with nargs > 1).
  std::vector<std::vector<std::string>> groups(const std::string& key) const;
  const std::vector<Occurrence>* occurrences(const std::string& key) const;

  void add(const std::string& key, Occurrence o) { m_[key].push_back(std::move(o)); }

 private:
  std::map<std::string, std::vector<Occurrence>> m_;
};

// The lookup key of an option: key, or long_name with '-' replaced by '_'.
std::string optionKey(const OptionSpec& o);

// Parses the arguments after the subcommand name. -h/--help sets Parsed::help and skips
// the required-option check. Values of Type::kInt and choices are checked here.
Result<Parsed> parseArgs(const CommandSpec& spec, const std::vector<std::string>& args,
                         const FileReader& reader = readFileFromDisk);

// Python int() for option values: optional sign, decimal digits, within int range.
std::optional<int> parseIntValue(std::string_view text);

// The --help text: usage line, description, options by group with metavars and defaults.
std::string helpText(const CommandSpec& spec);

}  // namespace re6st::cli
