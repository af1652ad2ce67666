// --help text for a CommandSpec, laid out by cxxopts (groups, metavars, defaults), with
// the options-file note re6stnet's ArgParser prints as its epilog.
#include <cxxopts.hpp>
#include <exception>

#include "re6st/cli/options.h"

namespace re6st::cli {

namespace {

std::string cxxoptsNames(const OptionSpec& o) {
  std::string names;
  if (o.short_name) names += o.short_name;
  if (!o.long_name.empty()) names += (names.empty() ? "" : ",") + o.long_name;
  return names;
}

std::string helpLine(const OptionSpec& o) {
  std::string h = o.help;
  if (o.kind == Kind::kAppend) h += " (repeatable)";
  if (!o.choices.empty()) {
    std::string list;
    for (const auto& c : o.choices) list += (list.empty() ? "" : ", ") + c;
    h += " (choices: " + list + ")";
  }
  if (o.required) h += " (required)";
  return h;
}

}  // namespace

std::string helpText(const CommandSpec& spec) {
  try {
    cxxopts::Options opts(spec.prog, spec.description);
    opts.custom_help("[@OPTIONS_FILE] [options...]");
    std::vector<std::string> groups{""};
    opts.add_options("")("h,help", "show this help message and exit");
    for (const auto& o : spec.options) {
      bool known = false;
      for (const auto& g : groups) known = known || g == o.group;
      if (!known) groups.push_back(o.group);
      auto adder = opts.add_options(o.group);
      if (o.kind == Kind::kFlag) {
        adder(cxxoptsNames(o), helpLine(o));
        continue;
      }
      auto value = cxxopts::value<std::string>();
      if (!o.default_text.empty()) value->default_value(o.default_text);
      adder(cxxoptsNames(o), helpLine(o), value, o.metavar.empty() ? "VALUE" : o.metavar);
    }
    return opts.help(groups) +
           "\nOptions can be read from a file (one 'name value...' per line, '#' comments):\n"
           "  $ cat OPTIONS_FILE\n  ca /etc/re6stnet/ca.crt\n  $ " +
           spec.prog + " @OPTIONS_FILE\n";
  } catch (const std::exception& e) {
    // Only a malformed table (a programming error) can get here.
    return spec.prog + ": cannot format help: " + e.what() + "\n";
  }
}

}  // namespace re6st::cli
