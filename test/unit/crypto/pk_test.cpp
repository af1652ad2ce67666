#include <sys/stat.h>

#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "crypto_fixtures.h"
#include "re6st/crypto/file.h"
#include "re6st/crypto/pk.h"
#include "re6st/crypto/random.h"

using namespace re6st;
using namespace re6st::crypto;
using namespace re6st::crypto::test;

TEST_CASE("generated RSA key has the requested size and round-trips through PEM") {
  const PrivateKey& key = testKey(1);
  CHECK(key.bits() == 1024);
  std::string pem = must(key.pem());
  CHECK(pem.rfind("-----BEGIN RSA PRIVATE KEY-----", 0) == 0);
  PrivateKey again = must(PrivateKey::parsePem(pem));
  CHECK(must(again.publicDer()) == must(key.publicDer()));
  CHECK(again.matches(must(key.publicKey())));
  CHECK_FALSE(again.matches(must(testKey(2).publicKey())));
}

TEST_CASE("key sizes outside 1024..8192 are refused") {
  CHECK_FALSE(PrivateKey::generateRsa(512).ok());
  CHECK_FALSE(PrivateKey::generateRsa(16384).ok());
}

TEST_CASE("RSA PKCS#1 v1.5 encryption round-trips and is randomised") {
  PublicKey pub = must(testKey(1).publicKey());
  Bytes secret = toBytes("0123456789abcdef0123");
  Bytes c1 = must(pub.encrypt(secret));
  Bytes c2 = must(pub.encrypt(secret));
  CHECK(c1.size() == 128);
  CHECK(c1 != c2);  // random padding
  CHECK(must(testKey(1).decrypt(c1)) == secret);
  CHECK_FALSE(testKey(2).decrypt(c1).ok());  // wrong key
  c1[5] ^= 1;
  CHECK_FALSE(testKey(1).decrypt(c1).ok());
  CHECK_FALSE(testKey(1).decrypt(Bytes(5, 1)).ok());  // bad length
}

TEST_CASE("RSA encryption refuses plaintext longer than k - 11 bytes") {
  PublicKey pub = must(testKey(1).publicKey());
  CHECK(pub.encrypt(Bytes(117, 7)).ok());
  auto r = pub.encrypt(Bytes(118, 7));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("too long") != std::string::npos);
}

TEST_CASE("RSA-SHA512 signatures verify and detect tampering") {
  Bytes data = toBytes("network configuration version");
  Bytes sig = must(testKey(1).signSha512(data));
  CHECK(sig.size() == 128);
  PublicKey pub = must(testKey(1).publicKey());
  CHECK(pub.verifySha512(data, sig).ok());
  Bytes other = data;
  other[0] ^= 1;
  CHECK_FALSE(pub.verifySha512(other, sig).ok());
  Bytes bad = sig;
  bad[100] ^= 0x40;
  CHECK_FALSE(pub.verifySha512(data, bad).ok());
  CHECK_FALSE(pub.verifySha512(data, Bytes(sig.begin(), sig.end() - 1)).ok());
  CHECK_FALSE(must(testKey(2).publicKey()).verifySha512(data, sig).ok());
}

TEST_CASE("public keys compare by key material and round-trip PEM and DER") {
  PublicKey a = must(testKey(1).publicKey());
  PublicKey b = must(PublicKey::parsePem(must(a.pem())));
  PublicKey c = must(PublicKey::parseDer(must(a.der())));
  CHECK(a == b);
  CHECK(a == c);
  CHECK_FALSE(a == must(testKey(2).publicKey()));
  CHECK(a.bits() == 1024);
  CHECK(a.isRsa());
}

TEST_CASE("saveAtomic writes the key with mode 0600 and load reads it back") {
  TempDir dir;
  std::string path = dir.file("cert.key");
  umask(022);
  REQUIRE(testKey(1).saveAtomic(path).ok());
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  PrivateKey k = must(PrivateKey::load(path));
  CHECK(k.matches(must(testKey(1).publicKey())));
  // Overwrite keeps a single file and the mode.
  REQUIRE(testKey(2).saveAtomic(path).ok());
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(must(PrivateKey::load(path)).matches(must(testKey(2).publicKey())));
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path)) files += e.is_regular_file();
  CHECK(files == 1);
}

TEST_CASE("loading bad keys names the file and the problem") {
  TempDir dir;
  auto missing = PrivateKey::load(dir.file("nope.key"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Code::kNotFound);
  CHECK(missing.error().message.find("nope.key") != std::string::npos);

  std::string pem = must(testKey(1).pem());
  pem[pem.size() / 2] = '!';
  REQUIRE(writeFileAtomic(dir.file("bad.key"), pem, 0600).ok());
  auto bad = PrivateKey::load(dir.file("bad.key"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("bad.key: bad private key") != std::string::npos);
  CHECK(bad.error().message.find('\n') == std::string::npos);

  CHECK_FALSE(PrivateKey::parsePem("").ok());
  CHECK_FALSE(PrivateKey::parsePem("-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----\n").ok());
  CHECK_FALSE(PrivateKey::parseDer(Bytes{0x30, 0x03, 0x02, 0x01}).ok());
  CHECK_FALSE(PrivateKey::load(dir.path.string()).ok());  // a directory
}

TEST_CASE("Csprng fills buffers with fresh bytes and serves as a Random") {
  Csprng& r = Csprng::local();
  Bytes a(2000), b(2000);  // larger than one CTR_DRBG request
  r.fill(a);
  r.fill(b);
  CHECK(a != b);
  CHECK(a != Bytes(2000, 0));
  Random& base = r;
  for (int i = 0; i < 100; ++i) CHECK(base.below(10) < 10);
  unsigned char c[16] = {};
  CHECK(Csprng::mbedRandom(nullptr, c, sizeof c) == 0);
  CHECK(kernelEntropy(c, sizeof c));
}

TEST_CASE("each thread has its own Csprng and they produce different streams") {
  Bytes a(64), b(64);
  Csprng* pa = nullptr;
  Csprng* pb = nullptr;
  std::thread t1([&] { pa = &Csprng::local(); pa->fill(a); });
  t1.join();
  std::thread t2([&] { pb = &Csprng::local(); pb->fill(b); });
  t2.join();
  CHECK(a != b);
  CHECK(&Csprng::local() != nullptr);
  // RSA operations from several threads at once (registry worker threads) stay correct.
  PublicKey pub = must(testKey(1).publicKey());
  Bytes secret = toBytes("shared secret");
  std::vector<std::thread> ts;
  std::atomic<int> good{0};
  for (int i = 0; i < 4; ++i)
    ts.emplace_back([&] {
      auto c = pub.encrypt(secret);
      if (c.ok() && testKey(1).decrypt(*c).ok() && *testKey(1).decrypt(*c) == secret) ++good;
    });
  for (auto& t : ts) t.join();
  CHECK(good == 4);
}
