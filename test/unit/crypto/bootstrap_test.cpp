#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "crypto_fixtures.h"
#include "re6st/crypto/bootstrap.h"
#include "re6st/crypto/file.h"

using namespace re6st;
using namespace re6st::crypto;
using namespace re6st::crypto::test;

static NewNetwork spec(const TempDir& dir, const std::string& net = "2001:db8:42::/48") {
  NewNetwork n;
  n.network = must(parsePrefix(net));
  n.email = "admin@example.com";
  n.dir = dir.file("ca");
  n.bits = 1024;
  n.days = 10;
  n.now = kNow;
  return n;
}

static unsigned modeOf(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_mode & 0777 : 0;
}

TEST_CASE("createNetwork writes the CA key 0600, the CA, DH params and registry options") {
  TempDir dir;
  NewNetwork n = spec(dir);
  Certificate ca = must(createNetwork(n));
  NetworkFiles f = NetworkFiles::inDir(n.dir);
  CHECK(modeOf(f.key) == 0600);
  CHECK(modeOf(f.cert) == 0644);
  Certificate onDisk = must(Certificate::load(f.cert));
  CHECK(onDisk.der() == ca.der());
  CHECK(onDisk.serialHex() == "120010db80042");
  CHECK(onDisk.subjectField("emailAddress") == "admin@example.com");
  CHECK(onDisk.notBefore() == kNow);
  CHECK(onDisk.notAfter() == kNow + 10 * 86400);
  CHECK(must(PrivateKey::load(f.key)).matches(onDisk.publicKey()));
  CHECK(must(readFile(f.dh)).find("BEGIN DH PARAMETERS") != std::string::npos);
  std::string text = must(describeCa(onDisk, kNow));
  CHECK(text.find("network    2001:db8:42::/48\n") != std::string::npos);
  CHECK(text.find("10 days left") != std::string::npos);
  CHECK(must(describeCa(onDisk, kNow + 11 * 86400)).find("expired") != std::string::npos);
}

TEST_CASE("createNetwork refuses to overwrite unless forced") {
  TempDir dir;
  NewNetwork n = spec(dir);
  Certificate first = must(createNetwork(n));
  auto again = createNetwork(n);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == Code::kExists);
  CHECK(again.error().message.find("ca.key: already exists") != std::string::npos);
  // Nothing was touched.
  CHECK(must(Certificate::load(NetworkFiles::inDir(n.dir).cert)).der() == first.der());
  n.force = true;
  Certificate second = must(createNetwork(n));
  CHECK(second.der() != first.der());
}

TEST_CASE("network prefixes that leave no room for nodes are refused") {
  CHECK(checkNetworkPrefix(must(parsePrefix("2001:db8::/126"))).ok());
  CHECK_FALSE(checkNetworkPrefix(must(parsePrefix("2001:db8::/127"))).ok());
  CHECK_FALSE(checkNetworkPrefix(must(parsePrefix("2001:db8::1/128"))).ok());
  TempDir dir;
  CHECK_FALSE(createNetwork(spec(dir, "2001:db8::/127")).ok());
  CHECK_FALSE(std::filesystem::exists(dir.file("ca/ca.key")));
}

TEST_CASE("the registry options file names the files by absolute path") {
  TempDir dir;
  NewNetwork n = spec(dir);
  REQUIRE(createNetwork(n).ok());
  NetworkFiles f = NetworkFiles::inDir(n.dir);
  std::string conf = must(readFile(f.conf));
  CHECK(conf.find("\nca " + f.cert + "\n") != std::string::npos);
  CHECK(conf.find("\nkey " + f.key + "\n") != std::string::npos);
  CHECK(conf.find("\ndh " + f.dh + "\n") != std::string::npos);
  CHECK(conf.find("\nprefix-length 16\n") != std::string::npos);
  // A /120 network gets shorter node prefixes.
  std::string small = registryConf(f, must(parsePrefix("2001:db8::/120")));
  CHECK(small.find("\nprefix-length 7\n") != std::string::npos);
}
