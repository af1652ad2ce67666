#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "crypto_fixtures.h"
#include "re6st/crypto/cert_store.h"
#include "re6st/crypto/file.h"

using namespace re6st;
using namespace re6st::crypto;
using namespace re6st::crypto::test;

namespace {
struct NodeDir {
  TempDir dir;
  CertPaths paths = CertPaths::inDir(dir.path.string());
  NodeDir(const Certificate& ca, const PrivateKey& key, const Certificate& cert) {
    REQUIRE(writeFileAtomic(paths.ca, ca.pem(), 0644).ok());
    REQUIRE(writeFileAtomic(paths.cert, cert.pem(), 0644).ok());
    REQUIRE(key.saveAtomic(paths.key).ok());
  }
};
}  // namespace

TEST_CASE("a consistent node directory loads with network and prefix") {
  Certificate cert = issue(testCa(), testKey(0), testKey(1), "5/16", 3);
  NodeDir d(testCa(), testKey(1), cert);
  CertStore s = must(CertStore::load(d.paths, kNow));
  CHECK(s.hasCert());
  CHECK(s.cert().der() == cert.der());
  CHECK(must(s.networkBits()) == must(parsePrefix("2001:db8:42::/48")).bits());
  CHECK(must(s.prefixBits()) == "0000000000000101");
  CHECK(d.paths.ca.ends_with("/ca.crt"));
}

TEST_CASE("a key that does not match the certificate is reported with both files") {
  Certificate cert = issue(testCa(), testKey(0), testKey(1), "5/16", 3);
  NodeDir d(testCa(), testKey(2), cert);
  auto s = CertStore::load(d.paths, kNow);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message == d.paths.cert + ": certificate does not match the key in " + d.paths.key);
}

TEST_CASE("a certificate of another CA or an expired one is refused at load") {
  Certificate other = makeCa(testKey(3), "2001:db8:43::/48", kNow - 86400, kNow + 86400,
                             "other@example.com");
  NodeDir d(testCa(), testKey(1), issue(other, testKey(3), testKey(1), "5/16", 3));
  auto s = CertStore::load(d.paths, kNow);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message.find("issued by another CA") != std::string::npos);
  CHECK(s.error().message.find(d.paths.cert) == 0);

  NodeDir e(testCa(), testKey(1), issue(testCa(), testKey(0), testKey(1), "5/16", 3));
  auto late = CertStore::load(e.paths, kNow + 86400 * 2);
  REQUIRE_FALSE(late.ok());
  CHECK(late.error().message.find("expired") != std::string::npos);
  // Without the certificate the same directory still loads.
  CHECK(CertStore::loadWithoutCert(e.paths).ok());
}

TEST_CASE("missing and corrupt files name the file") {
  Certificate cert = issue(testCa(), testKey(0), testKey(1), "5/16", 3);
  NodeDir d(testCa(), testKey(1), cert);
  REQUIRE(writeFileAtomic(d.paths.ca, "garbage\n", 0644).ok());
  auto s = CertStore::load(d.paths, kNow);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message.rfind(d.paths.ca + ":", 0) == 0);
  std::filesystem::remove(d.paths.ca);
  auto m = CertStore::load(d.paths, kNow);
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().code == Code::kNotFound);
}

TEST_CASE("replaceCert checks the new certificate before writing it") {
  Certificate cert = issue(testCa(), testKey(0), testKey(1), "5/16", 3);
  NodeDir d(testCa(), testKey(1), cert);
  CertStore s = must(CertStore::load(d.paths, kNow));
  Certificate renewed = issue(testCa(), testKey(0), testKey(1), "5/16", 4, kNow, kNow + 86400 * 30);
  REQUIRE(s.replaceCert(renewed.pem(), kNow).ok());
  CHECK(s.cert().serialHex() == "4");
  CHECK(must(Certificate::load(d.paths.cert)).serialHex() == "4");
  Certificate foreign = issue(testCa(), testKey(0), testKey(2), "6/16", 5);
  CHECK_FALSE(s.replaceCert(foreign.pem(), kNow).ok());
  CHECK(must(Certificate::load(d.paths.cert)).serialHex() == "4");  // untouched
  CHECK_FALSE(s.replaceCert("not a certificate", kNow).ok());
}

TEST_CASE("replaceCa refuses a CA for another network") {
  Certificate cert = issue(testCa(), testKey(0), testKey(1), "5/16", 3);
  NodeDir d(testCa(), testKey(1), cert);
  CertStore s = must(CertStore::load(d.paths, kNow));
  auto r = s.replaceCa(makeCa(testKey(3), "2001:db8:43::/48").pem());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("network prefix changed") != std::string::npos);
  // A renewed CA (same key, same network, longer validity) is accepted.
  Certificate renewed = makeCa(testKey(0), "2001:db8:42::/48", kNow, kNow + 86400 * 3650);
  REQUIRE(s.replaceCa(renewed.pem()).ok());
  CHECK(must(Certificate::load(d.paths.ca)).notAfter() == kNow + 86400 * 3650);
}
