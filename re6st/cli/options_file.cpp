// Options files: line splitting, shlex-like word splitting and @FILE expansion.
#include "re6st/cli/options_file.h"

#include <fstream>

namespace re6st::cli {

Result<std::string> readFileFromDisk(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(Code::kNotFound, path + ": cannot open options file");
  // Bounded read: "@/dev/zero" must fail, not fill the memory.
  std::string data(kMaxOptionsFileBytes + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  if (in.bad()) return makeError(Code::kIo, path + ": read error");
  if (static_cast<size_t>(in.gcount()) > kMaxOptionsFileBytes)
    return makeError(Code::kInvalid, path + ": options file too large");
  data.resize(static_cast<size_t>(in.gcount()));
  return data;
}

std::vector<std::string_view> splitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n' && text[i] != '\r') continue;
    lines.push_back(text.substr(start, i - start));
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

// A small state machine over the characters: outside a word, inside a word, inside '...'
// and inside "..."; `in_word` records that a (possibly empty) quoted word was started.
Result<std::vector<std::string>> shellSplit(std::string_view line) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  size_t i = 0;
  const size_t n = line.size();
  while (i < n) {
    char c = line[i];
    if (isSpace(c)) {
      if (in_word) words.push_back(std::move(cur)), cur.clear(), in_word = false;
      ++i;
    } else if (c == '#' && !in_word) {
      break;  // comment to end of line
    } else if (c == '\\') {
      if (i + 1 >= n) return makeError(Code::kInvalid, "no escaped character after '\\'");
      cur += line[i + 1];
      in_word = true;
      i += 2;
    } else if (c == '\'') {
      size_t end = line.find('\'', i + 1);
      if (end == std::string_view::npos) return makeError(Code::kInvalid, "no closing quotation");
      cur.append(line.substr(i + 1, end - i - 1));
      in_word = true;
      i = end + 1;
    } else if (c == '"') {
      ++i;
      for (;;) {
        if (i >= n) return makeError(Code::kInvalid, "no closing quotation");
        char d = line[i];
        if (d == '"') break;
        if (d == '\\' && i + 1 < n && (line[i + 1] == '"' || line[i + 1] == '\\')) d = line[++i];
        cur += d;
        ++i;
      }
      ++i;
      in_word = true;
    } else {
      cur += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) words.push_back(std::move(cur));
  return words;
}

Result<std::vector<std::string>> convertLine(
    std::string_view line, const std::function<bool(std::string_view)>& isLongOption) {
  if (!line.empty() && line[0] == '@') {
    // An include: the rest of the line is the path (trailing blanks removed).
    size_t end = line.find_last_not_of(" \t");
    return std::vector<std::string>{std::string(line.substr(0, end + 1))};
  }
  auto words = shellSplit(line);
  if (!words.ok()) return words.error();
  auto& w = words.value();
  if (w.empty()) return w;
  if (w[0].empty()) return makeError(Code::kInvalid, "empty option name");
  w[0] = (isLongOption(w[0]) ? "--" : "-") + w[0];
  return w;
}

namespace {

// Bounds the work a hostile set of files can cause (a file including itself many times).
constexpr int kMaxFileReads = 256;

Status expandInto(const std::string& arg, const std::string& origin, int depth, int& reads,
                  const std::function<bool(std::string_view)>& isLongOption,
                  const FileReader& reader, std::vector<Arg>& out) {
  if (arg.size() < 2 || arg[0] != '@') {
    out.push_back({arg, origin});
    return {};
  }
  std::string path = arg.substr(1);
  std::string where = origin.empty() ? path : origin;
  if (depth >= kMaxIncludeDepth)
    return makeError(Code::kInvalid, where + ": options files nested too deep (include loop?)");
  if (++reads > kMaxFileReads)
    return makeError(Code::kInvalid, where + ": too many options files included");
  auto text = reader(path);
  if (!text.ok()) return text.error().wrap(origin.empty() ? std::string("@") + path : origin);
  auto lines = splitLines(text.value());
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string here = path + ":" + std::to_string(i + 1);
    auto words = convertLine(lines[i], isLongOption);
    if (!words.ok()) return words.error().wrap(here);
    for (const auto& w : words.value())
      RE6ST_TRY(expandInto(w, here, depth + 1, reads, isLongOption, reader, out));
  }
  return {};
}

}  // namespace

Result<std::vector<Arg>> expandArgs(const std::vector<std::string>& args,
                                    const std::function<bool(std::string_view)>& isLongOption,
                                    const FileReader& reader) {
  std::vector<Arg> out;
  int reads = 0;
  for (const auto& a : args) RE6ST_TRY(expandInto(a, "", 0, reads, isLongOption, reader, out));
  return out;
}

}  // namespace re6st::cli
