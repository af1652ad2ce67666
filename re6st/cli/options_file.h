// Options files as re6stnet reads them (argparse fromfile_prefix_chars='@' with
// re6st.utils.ArgParser.convert_arg_line_to_args): an "@FILE" argument expands to the
// file's lines, each "name value..." becoming "--name value...". Pure: file contents come
// through an injectable reader, so the fuzzer and tests run without a disk.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "re6st/base/result.h"

namespace re6st::cli {

// One command-line word and where it came from: "" for the real command line,
// "FILE:LINE" for a word read from an options file (used in error messages).
struct Arg {
  std::string text;
  std::string origin;
};

// Reads a whole options file; the default reads the disk (paths relative to the current
// directory, as argparse does).
using FileReader = std::function<Result<std::string>(const std::string& path)>;
inline constexpr size_t kMaxOptionsFileBytes = 1 << 20;
Result<std::string> readFileFromDisk(const std::string& path);

// POSIX shell-like word splitting as Python's shlex.split: whitespace separates words,
// '...' is literal, "..." honours only \\ and \" (as shlex), a backslash outside quotes
// escapes the next character. A '#' at the start of a word starts a comment (as in a
// POSIX shell, so "pa#ss" stays one word). Unterminated quotes or a trailing backslash
// are errors.
Result<std::vector<std::string>> shellSplit(std::string_view line);

// Converts one line of an options file to words (convert_arg_line_to_args): blank or
// comment-only lines give nothing; a line starting with '@' gives itself (an include);
// otherwise the first word becomes "--word" if that is an exact long option name
// (isLongOption), else "-word" (a short option, possibly with its value attached, like
// "O--verb" → "-O--verb").
Result<std::vector<std::string>> convertLine(
    std::string_view line, const std::function<bool(std::string_view)>& isLongOption);

// Expands every argument starting with '@' (recursively, at most kMaxIncludeDepth deep)
// into the words of that file, keeping the FILE:LINE origin of each word.
inline constexpr int kMaxIncludeDepth = 8;
Result<std::vector<Arg>> expandArgs(const std::vector<std::string>& args,
                                    const std::function<bool(std::string_view)>& isLongOption,
                                    const FileReader& reader = readFileFromDisk);

// Splits file text into lines like Python's str.splitlines for \n, \r\n and \r.
std::vector<std::string_view> splitLines(std::string_view text);

}  // namespace re6st::cli
