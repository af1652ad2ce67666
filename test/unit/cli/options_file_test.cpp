#include "re6st/cli/options_file.h"

#include <catch2/catch.hpp>

#include "cli_fake_files.h"

using namespace re6st;
using namespace re6st::cli;
using Words = std::vector<std::string>;

namespace {
bool knownLong(std::string_view n) { return n == "registry" || n == "ca" || n == "verbose"; }
}  // namespace

TEST_CASE("shellSplit splits on blanks and honours shlex quoting", "[cli]") {
  CHECK(shellSplit("a  b\tc").value() == Words{"a", "b", "c"});
  CHECK(shellSplit("'a b' \"c d\"").value() == Words{"a b", "c d"});
  CHECK(shellSplit("a'b c'd").value() == Words{"ab cd"});
  CHECK(shellSplit(R"(a\ b)").value() == Words{"a b"});
  CHECK(shellSplit(R"("x\"y\\z\n")").value() == Words{"x\"y\\z\\n"});
  CHECK(shellSplit(R"('a\b')").value() == Words{"a\\b"});
  CHECK(shellSplit("''").value() == Words{""});
  CHECK(shellSplit("").value().empty());
}

TEST_CASE("shellSplit treats # at the start of a word as a comment", "[cli]") {
  CHECK(shellSplit("ca ca.crt # the CA").value() == Words{"ca", "ca.crt"});
  CHECK(shellSplit("# all comment").value().empty());
  CHECK(shellSplit("smtp-pwd pa#ss").value() == Words{"smtp-pwd", "pa#ss"});
  CHECK(shellSplit("x '#not'").value() == Words{"x", "#not"});
}

TEST_CASE("shellSplit rejects unterminated quotes and a trailing backslash", "[cli]") {
  CHECK(shellSplit("a 'b").error().message == "no closing quotation");
  CHECK(shellSplit("a \"b").error().message == "no closing quotation");
  CHECK(!shellSplit("a\\").ok());
}

TEST_CASE("convertLine maps 'name value' to '--name value' or a short option", "[cli]") {
  CHECK(convertLine("registry http://x/", knownLong).value() == Words{"--registry", "http://x/"});
  CHECK(convertLine("O--verb", knownLong).value() == Words{"-O--verb"});
  CHECK(convertLine("v 3", knownLong).value() == Words{"-v", "3"});
  CHECK(convertLine("ovpnlog", knownLong).value() == Words{"-ovpnlog"});
  CHECK(convertLine("   # comment", knownLong).value().empty());
  CHECK(convertLine("@other.conf  ", knownLong).value() == Words{"@other.conf"});
}

TEST_CASE("splitLines handles LF, CRLF and CR", "[cli]") {
  auto l = splitLines("a\nb\r\nc\rd");
  REQUIRE(l.size() == 4);
  CHECK(l[3] == "d");
  CHECK(splitLines("a\n").size() == 1);
}

TEST_CASE("expandArgs reads nested files and records FILE:LINE", "[cli]") {
  auto reader = testing::memoryFiles(
      {{"main.conf", "# top\nregistry http://r/\n@inc.conf\n"}, {"inc.conf", "\n\nca ca.crt\n"}});
  auto r = expandArgs({"-v", "@main.conf"}, knownLong, reader);
  REQUIRE(r.ok());
  const auto& a = r.value();
  REQUIRE(a.size() == 5);
  CHECK(a[0].text == "-v");
  CHECK(a[0].origin.empty());
  CHECK(a[1].text == "--registry");
  CHECK(a[1].origin == "main.conf:2");
  CHECK(a[3].text == "--ca");
  CHECK(a[3].origin == "inc.conf:3");
  CHECK(a[4].text == "ca.crt");
}

TEST_CASE("expandArgs reports missing files, syntax errors and include loops", "[cli]") {
  auto reader = testing::memoryFiles(
      {{"bad.conf", "ca 'x\n"}, {"loop.conf", "@loop.conf\n"}, {"miss.conf", "\n@nope\n"}});
  CHECK(expandArgs({"@nope"}, knownLong, reader).error().message ==
        "@nope: nope: cannot open options file");
  CHECK(expandArgs({"@bad.conf"}, knownLong, reader).error().message ==
        "bad.conf:1: no closing quotation");
  auto loop = expandArgs({"@loop.conf"}, knownLong, reader);
  REQUIRE(!loop.ok());
  CHECK(loop.error().message.find("nested too deep") != std::string::npos);
  CHECK(expandArgs({"@miss.conf"}, knownLong, reader).error().message.rfind("miss.conf:2: ", 0) ==
        0);
}

TEST_CASE("expandArgs bounds self-including files", "[cli]") {
  std::string body;
  for (int i = 0; i < 50; ++i) body += "@self\n";
  auto reader = testing::memoryFiles({{"self", body}});
  auto r = expandArgs({"@self"}, knownLong, reader);
  REQUIRE(!r.ok());
}

TEST_CASE("readFileFromDisk reads files and refuses endless ones", "[cli]") {
  CHECK(readFileFromDisk("/dev/zero").error().message == "/dev/zero: options file too large");
  CHECK(readFileFromDisk("/nonexistent-r6cli").error().code == Code::kNotFound);
  CHECK(readFileFromDisk("/dev/null").value().empty());
}
