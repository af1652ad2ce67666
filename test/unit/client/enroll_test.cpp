#include "re6st/client/enroll.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_fake_registry.h"
#include "re6st/cli/node_options.h"
#include "re6st/crypto/file.h"

using namespace re6st;
using namespace re6st::client;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/r6cli-enroll-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string& f) const { return path + "/" + f; }
};

struct Run {
  std::istringstream in;
  std::ostringstream out, err;
  int code = -1;
};

std::unique_ptr<Run> enrollWith(testing::FakeRegistry& reg, std::vector<std::string> args,
                                const std::string& input = "", bool inside = false) {
  auto run = std::make_unique<Run>();
  run->in.str(input);
  auto opts = cli::parseConfOptions(args);
  REQUIRE(opts.ok());
  EnrollIo io{run->in, run->out, run->err, 0, [inside](const std::string&) { return inside; }};
  run->code = enroll(opts.value(), reg, io);
  return run;
}

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("enroll anonymously writes ca.crt, cert.key 0600, cert.crt and re6stnet.conf",
          "[client]") {
  testing::FakeRegistry reg;
  TempDir d;
  auto r = enrollWith(
      reg, {"--registry", "http://reg/", "-d", d.path, "--anonymous", "-r", "O", "acme"});
  INFO(r->err.str());
  REQUIRE(r->code == 0);
  std::string out = r->out.str();
  CHECK(contains(out, "WARNING: it is strongly recommended to use --fingerprint option."));
  CHECK(contains(out, "Generating 1024-bit key ..."));
  CHECK(contains(out, "Requesting certificate ..."));
  CHECK(contains(
      out,
      "Setup complete. Certificate is valid until Wed Nov 13 22:13:20 2024 UTC and will be "
      "automatically renewed after Mon Oct 14 22:13:20 2024 UTC."));
  CHECK(contains(out, "Sample configuration file created."));
  CHECK(contains(out, "Your subnet: 2001:db8:42:1::/64 (CN=1/16)"));
  struct stat st {};
  REQUIRE(::stat((d / "cert.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto cert = crypto::Certificate::load(d / "cert.crt");
  REQUIRE(cert.ok());
  CHECK(cert->subjectField("O") == "acme");
  auto key = crypto::PrivateKey::load(d / "cert.key");
  REQUIRE(key.ok());
  CHECK(key->matches(cert->publicKey()));
  CHECK(crypto::Certificate::load(d / "ca.crt")->der() == reg.ca.der());
  CHECK(crypto::readFile(d / "re6stnet.conf").value() == sampleNodeConf("http://reg/"));
}

TEST_CASE("enroll asks for email and token, then reuses the key and subject", "[client]") {
  testing::FakeRegistry reg;
  TempDir d;
  reg.tokens = {"tok1", "tok2"};
  auto r =
      enrollWith(reg, {"--registry", "http://reg/", "-d", d.path, "-r", "emailAddress", "a@b.c"},
                 "a@b.c\n\ntok1\n");
  INFO(r->err.str());
  REQUIRE(r->code == 0);
  CHECK(contains(
      r->out.str(),
      "Please enter your email address: Please enter your token: Please enter your token: "));
  CHECK(contains(reg.targets[1], "/requestToken?email=a%40b.c"));
  auto first_key = crypto::readFile(d / "cert.key").value();
  auto again = enrollWith(reg, {"--registry", "http://reg/", "-d", d.path, "--token", "tok2"});
  INFO(again->err.str());
  REQUIRE(again->code == 0);
  CHECK(contains(again->out.str(), "Reusing existing key."));
  CHECK(!contains(again->out.str(), "Sample configuration file created."));
  CHECK(crypto::readFile(d / "cert.key").value() == first_key);
  auto cert = crypto::Certificate::load(d / "cert.crt");
  CHECK(cert->subjectField("emailAddress") == "a@b.c");  // kept from the old cert.crt
  CHECK(cert->subjectCn() == "2/16");
}

TEST_CASE("enroll refuses a CA whose fingerprint does not match, writing nothing", "[client]") {
  testing::FakeRegistry reg;
  TempDir d;
  auto r = enrollWith(reg, {"--registry", "http://reg/", "-d", d.path, "--anonymous",
                            "--fingerprint", "sha256:" + std::string(64, '0')});
  CHECK(r->code == 1);
  CHECK(r->err.str() == "CA fingerprint doesn't match\n");
  CHECK(fs::is_empty(d.path));
  std::string good = toHex(digest("sha256", reg.ca.der()).value());
  auto ok = enrollWith(reg, {"--registry", "http://reg/", "-d", d.path, "--ca-only",
                             "--fingerprint", "SHA256:" + good});
  CHECK(ok->code == 0);
  CHECK(!contains(ok->out.str(), "WARNING"));
  CHECK(fs::exists(d / "ca.crt"));
  CHECK(!fs::exists(d / "cert.key"));
}

TEST_CASE("enroll with a rejected token removes the empty cert.crt and keeps the key", "[client]") {
  testing::FakeRegistry reg;
  TempDir d;
  auto r = enrollWith(
      reg, {"--registry", "http://reg/", "-d", d.path, "--token", "nosuchtk", "-r", "O", "x"});
  CHECK(r->code == 1);
  CHECK(r->err.str() == "Error: invalid or expired token\n");
  CHECK(!fs::exists(d / "cert.crt"));
  CHECK(fs::exists(d / "cert.key"));
  CHECK(!contains(r->out.str(), "Use --token"));
}

TEST_CASE("enroll never burns a token when cert.crt cannot be written", "[client]") {
  testing::FakeRegistry reg;
  TempDir d;
  reg.tokens = {"tok"};
  fs::create_symlink("/nonexistent-r6cli/cert.crt", d / "cert.crt");  // open(O_CREAT) fails
  auto r =
      enrollWith(reg, {"--registry", "http://reg/", "-d", d.path, "--email", "a@b.c"}, "tok\n");
  CHECK(r->code == 1);
  CHECK(r->err.str() == d / "cert.crt" + ": cannot open for writing\n");
  CHECK(reg.request_certificate_calls == 0);
  CHECK(reg.tokens.count("tok") == 1);
  CHECK(contains(r->out.str(), "Use --token to retry without asking a new token"));
}

TEST_CASE("enroll --is-needed only reports whether the network is already routed", "[client]") {
  testing::FakeRegistry reg;
  TempDir d;
  CHECK(enrollWith(reg, {"--registry", "r", "-d", d.path, "--is-needed"}, "", true)->code == 1);
  CHECK(enrollWith(reg, {"--registry", "r", "-d", d.path, "--is-needed"}, "", false)->code == 0);
  CHECK(fs::is_empty(d.path));
}

TEST_CASE("asctimeUtc matches Python's time.asctime", "[client]") {
  CHECK(asctimeUtc(0) == "Thu Jan  1 00:00:00 1970");
  CHECK(asctimeUtc(1795544389) == "Tue Nov 24 18:19:49 2026");
}

TEST_CASE("the re6stnet.conf written by enroll parses as node options", "[client]") {
  testing::FakeRegistry reg;
  TempDir d;
  auto r = enrollWith(
      reg, {"--registry", "http://reg.example/", "-d", d.path, "--anonymous", "-r", "O", "x"});
  REQUIRE(r->code == 0);
  auto node = cli::parseNodeOptions({"@" + (d / "re6stnet.conf")});
  INFO((node.ok() ? "" : node.error().message));
  REQUIRE(node.ok());
  CHECK(node->registry == "http://reg.example/");
  CHECK(node->ca == "ca.crt");
  CHECK(node->cert == "cert.crt");
  CHECK(node->key == "cert.key");
  CHECK(node->verbose == 1);  // "#verbose 3" is a comment
}
