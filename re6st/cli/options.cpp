// Argument parsing with argparse's rules (the behaviour re6stnet users rely on):
// "--name value", "--name=value", "-X value", "-Xvalue", unique prefixes of long names,
// a value may not start with '-' unless it is a negative number or "-" itself.
#include "re6st/cli/options.h"

#include <charconv>
#include <limits>

namespace re6st::cli {

const OptionSpec* CommandSpec::findKey(const std::string& k) const {
  for (const auto& o : options)
    if (optionKey(o) == k) return &o;
  return nullptr;
}

const OptionSpec* CommandSpec::findLongExact(std::string_view name) const {
  if (name == "help") return nullptr;
  for (const auto& o : options)
    if (!o.long_name.empty() && o.long_name == name) return &o;
  return nullptr;
}

const OptionSpec* CommandSpec::findShort(char c) const {
  for (const auto& o : options)
    if (o.short_name != 0 && o.short_name == c) return &o;
  return nullptr;
}

std::optional<std::string> Parsed::last(const std::string& key) const {
  auto it = m_.find(key);
  if (it == m_.end() || it->second.empty() || it->second.back().values.empty()) return std::nullopt;
  return it->second.back().values.front();
}

std::optional<int> Parsed::lastInt(const std::string& key) const {
  auto v = last(key);
  if (!v) return std::nullopt;
  return parseIntValue(*v);
}

std::vector<std::string> Parsed::all(const std::string& key) const {
  std::vector<std::string> out;
  if (auto* occ = occurrences(key))
    for (const auto& o : *occ)
      if (!o.values.empty()) out.push_back(o.values.front());
  return out;
}

std::vector<std::vector<std::string>> Parsed::groups(const std::string& key) const {
  std::vector<std::vector<std::string>> out;
  if (auto* occ = occurrences(key))
    for (const auto& o : *occ) out.push_back(o.values);
  return out;
}

const std::vector<Occurrence>* Parsed::occurrences(const std::string& key) const {
  auto it = m_.find(key);
  return it == m_.end() ? nullptr : &it->second;
}

std::optional<int> parseIntValue(std::string_view text) {
  // Python's int() tolerates surrounding blanks and a '+' sign.
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty() || text.front() == '+') return std::nullopt;
  long long v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
    return std::nullopt;
  return static_cast<int>(v);
}

std::string optionKey(const OptionSpec& o) {
  if (!o.key.empty()) return o.key;
  std::string k = o.long_name;
  for (auto& c : k)
    if (c == '-') c = '_';
  return k;
}

namespace {

std::string displayName(const OptionSpec& o) {
  if (!o.long_name.empty()) return "--" + o.long_name;
  return std::string("-") + o.short_name;
}

Error errorAt(const std::string& origin, const std::string& message) {
  return makeError(Code::kInvalid, origin.empty() ? message : origin + ": " + message);
}

bool isNegativeNumber(std::string_view s) {
  if (s.size() < 2 || s[0] != '-') return false;
  for (size_t i = 1; i < s.size(); ++i)
    if ((s[i] < '0' || s[i] > '9') && s[i] != '.') return false;
  return true;
}

// A word that argparse would take as an option rather than as a value: "-x…", except
// negative numbers when no option looks like one (re6st-registry has -4 and -6).
bool looksLikeOption(std::string_view s, bool numeric_options) {
  return s.size() > 1 && s[0] == '-' && (numeric_options || !isNegativeNumber(s));
}

bool hasNumericOption(const CommandSpec& spec) {
  for (const auto& o : spec.options)
    if (o.short_name >= '0' && o.short_name <= '9') return true;
  return false;
}

// Resolves "--name" exactly or by unique prefix (argparse allow_abbrev).
Result<const OptionSpec*> resolveLong(const CommandSpec& spec, std::string_view name,
                                      const std::string& origin) {
  if (const auto* o = spec.findLongExact(name)) return o;
  const OptionSpec* match = nullptr;
  int matches = 0;
  std::string candidates;
  for (const auto& o : spec.options) {
    if (o.long_name.empty() || o.long_name.compare(0, name.size(), name) != 0) continue;
    candidates += (candidates.empty() ? "" : ", ") + displayName(o);
    match = &o;
    ++matches;
  }
  if (matches > 1)
    return errorAt(origin,
                   "ambiguous option --" + std::string(name) + " (could be " + candidates + ")");
  if (!match) return errorAt(origin, "unrecognized option --" + std::string(name));
  return match;
}

Status checkValue(const OptionSpec& o, const std::string& v, const std::string& origin) {
  if (o.type == Type::kInt && !parseIntValue(v))
    return errorAt(origin, "option " + displayName(o) + ": invalid int value '" + v + "'");
  if (!o.choices.empty()) {
    for (const auto& c : o.choices)
      if (c == v) return {};
    std::string list;
    for (const auto& c : o.choices) list += (list.empty() ? "" : ", ") + c;
    return errorAt(origin, "option " + displayName(o) + ": invalid choice '" + v +
                               "' (choose from " + list + ")");
  }
  return {};
}

struct Cursor {
  std::vector<Arg>& args;
  bool numeric_options = false;
  size_t i = 0;
};

// Collects the values of one occurrence of `o` (the option word is args[cur.i - 1]).
Result<Occurrence> takeValues(const OptionSpec& o, std::optional<std::string> attached, Cursor& cur,
                              const std::string& origin) {
  Occurrence occ{{}, origin};
  if (o.kind == Kind::kFlag) {
    if (attached) return errorAt(origin, "option " + displayName(o) + " takes no value");
    return occ;
  }
  if (attached) occ.values.push_back(*attached);
  while (static_cast<int>(occ.values.size()) < o.nargs && cur.i < cur.args.size() &&
         !looksLikeOption(cur.args[cur.i].text, cur.numeric_options))
    occ.values.push_back(cur.args[cur.i++].text);
  if (static_cast<int>(occ.values.size()) != o.nargs) {
    std::string want = o.nargs == 1 ? "one value" : std::to_string(o.nargs) + " values";
    if (!o.metavar.empty()) want += " (" + o.metavar + ")";
    return errorAt(origin, "option " + displayName(o) + " expects " + want);
  }
  for (const auto& v : occ.values) RE6ST_TRY(checkValue(o, v, origin));
  return occ;
}

// Parses one option word at cur.i and its values.
Status parseOne(const CommandSpec& spec, Cursor& cur, Parsed& out) {
  const Arg a = cur.args[cur.i++];  // a copy: the list may grow below
  const std::string& t = a.text;
  const OptionSpec* o = nullptr;
  std::optional<std::string> attached;
  if (t == "-h" || t == "--help") {
    out.help = true;
    return {};
  }
  if (t.size() > 2 && t[0] == '-' && t[1] == '-') {
    std::string_view body(t);
    body.remove_prefix(2);
    size_t eq = body.find('=');
    if (eq != std::string_view::npos)
      attached = std::string(body.substr(eq + 1)), body = body.substr(0, eq);
    auto r = resolveLong(spec, body, a.origin);
    if (!r.ok()) return r.error();
    o = r.value();
  } else if (looksLikeOption(t, cur.numeric_options)) {
    o = spec.findShort(t[1]);
    // In a file the word was "name" (made "-name" because no long option matched it).
    if (!o)
      return errorAt(a.origin, a.origin.empty() ? "unrecognized option " + t
                                                : "unrecognized option '" + t.substr(1) + "'");
    if (t.size() > 2 && o->kind == Kind::kFlag && spec.findShort(t[2]))
      // A cluster of short options (argparse): -Dv3 is -D then -v3.
      cur.args.insert(cur.args.begin() + static_cast<std::ptrdiff_t>(cur.i),
                      Arg{"-" + t.substr(2), a.origin});
    else if (t.size() > 2)
      attached = t.substr(2);
  } else {
    return errorAt(a.origin, "unrecognized argument '" + t + "'");
  }
  auto occ = takeValues(*o, attached, cur, a.origin);
  if (!occ.ok()) return occ.error();
  // kValue options keep every occurrence too; Parsed::last gives the one that wins.
  out.add(optionKey(*o), std::move(occ.value()));
  return {};
}

}  // namespace

Result<Parsed> parseArgs(const CommandSpec& spec, const std::vector<std::string>& args,
                         const FileReader& reader) {
  auto isLong = [&spec](std::string_view n) {
    return n == "help" || spec.findLongExact(n) != nullptr;
  };
  auto expanded = expandArgs(args, isLong, reader);
  if (!expanded.ok()) return expanded.error();
  Parsed out;
  Cursor cur{expanded.value(), hasNumericOption(spec)};
  while (cur.i < cur.args.size()) RE6ST_TRY(parseOne(spec, cur, out));
  if (out.help) return out;
  for (const auto& o : spec.options)
    if (o.standalone && out.has(optionKey(o))) return out;
  std::string missing;
  for (const auto& o : spec.options)
    if (o.required && !out.has(optionKey(o)))
      missing += (missing.empty() ? "" : ", ") + displayName(o);
  if (!missing.empty())
    return makeError(Code::kInvalid, "the following arguments are required: " + missing);
  return out;
}

}  // namespace re6st::cli
