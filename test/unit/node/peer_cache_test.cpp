// PeerCache against real SQLite files: re6stnet's schema, address preference merging,
// failure marks that do not survive a restart, eviction, config replacement, corrupt files.
#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "re6st/base/random.h"
#include "re6st/node/peer_cache.h"

using namespace re6st;
using namespace re6st::node;

namespace {
std::string tempPath(const char* tag) {
  return "/tmp/re6st-peer-cache-" + std::string(tag) + "-" + std::to_string(getpid()) + ".db";
}
}  // namespace

TEST_CASE("Peers are stored, ordered by preference and filtered by failure marks") {
  auto c = PeerCache::open(":memory:", "7/16");
  REQUIRE(c.ok());
  auto& cache = **c;
  REQUIRE(cache.addPeer("1/16", "198.18.0.1,1194,udp4;198.18.0.1,1194,tcp4").ok());
  REQUIRE(cache.addPeer("2/16", "198.18.0.2,1194,udp4").ok());
  REQUIRE(cache.addPeer("7/16", "198.18.0.7,1194,udp4").ok());  // ourselves: never listed
  CHECK(cache.peerCount() == 2);
  // A new list keeps the order of addresses already known; new ones go last.
  REQUIRE(cache.addPeer("1/16", "198.18.9.9,1194,udp4;198.18.0.1,1194,tcp4;198.18.0.1,1194,udp4").ok());
  CHECK(*cache.address("1/16") ==
        "198.18.0.1,1194,udp4;198.18.0.1,1194,tcp4;198.18.9.9,1194,udp4");
  // ... unless the new order is preferred.
  REQUIRE(cache.addPeer("1/16", "198.18.9.9,1194,udp4", true).ok());
  CHECK(cache.address("1/16")->rfind("198.18.9.9,1194,udp4", 0) == 0);
  cache.connecting("1/16", 1);
  CHECK_FALSE(cache.address("1/16").has_value());
  CHECK(cache.peerCount() == 1);
  CHECK(cache.peerCount(1) == 1);
  SeededRandom rng(1);
  auto failed = cache.peers(rng, 1);
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].prefix == "1/16");
  cache.resetConnecting();
  CHECK(cache.peerCount() == 2);
  CHECK_FALSE(cache.addPeer("", "x").ok());
}

TEST_CASE("The cache survives a restart but failure marks do not") {
  std::string path = tempPath("restart");
  std::remove(path.c_str());
  {
    auto c = PeerCache::open(path, "7/16");
    REQUIRE(c.ok());
    REQUIRE((*c)->addPeer("1/16", "198.18.0.1,1194,udp4").ok());
    REQUIRE((*c)->setMyAddress("198.18.0.7,1194,udp4").ok());
    (*c)->connecting("1/16", 1);
    REQUIRE((*c)->replaceConfig({{"hello", int64_t{15}}, {"crl:json", std::string("[]")},
                                 {"babel_hmac0", Bytes{1, 2, 3}}}).ok());
  }
  auto c = PeerCache::open(path, "7/16");
  REQUIRE(c.ok());
  CHECK((*c)->address("1/16").value() == "198.18.0.1,1194,udp4");
  CHECK((*c)->myAddress().value() == "198.18.0.7,1194,udp4");
  auto cfg = (*c)->config();
  CHECK(std::get<int64_t>(cfg.at("hello")) == 15);
  CHECK(std::get<Bytes>(cfg.at("babel_hmac0")) == Bytes{1, 2, 3});
  auto changed = (*c)->replaceConfig({{"hello", int64_t{15}}, {"max_clients", int64_t{10}}});
  REQUIRE(changed.ok());
  CHECK(*changed == std::vector<std::string>{"babel_hmac0", "crl:json", "max_clients"});
  std::remove(path.c_str());
}

TEST_CASE("A cache.db written by re6stnet's schema opens as is") {
  std::string path = tempPath("legacy");
  std::remove(path.c_str());
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db,
                       "CREATE TABLE peer (prefix TEXT PRIMARY KEY NOT NULL, address TEXT NOT NULL);"
                       "CREATE TABLE config (name TEXT PRIMARY KEY NOT NULL, value);"
                       "INSERT INTO peer VALUES ('3/16', '198.18.0.3,1194,udp4');"
                       "INSERT INTO config VALUES ('version', x'0102');",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto c = PeerCache::open(path, "7/16");
  REQUIRE(c.ok());
  CHECK((*c)->address("3/16").value() == "198.18.0.3,1194,udp4");
  CHECK(std::get<Bytes>((*c)->config().at("version")) == Bytes{1, 2});
  std::remove(path.c_str());
}

TEST_CASE("Beyond the size limit, failed peers are evicted first") {
  auto c = PeerCache::open(":memory:", "0/16", 3);
  REQUIRE(c.ok());
  for (int i = 1; i <= 3; ++i)
    REQUIRE((*c)->addPeer(std::to_string(i) + "/16", "198.18.0." + std::to_string(i) + ",1,udp4").ok());
  (*c)->connecting("2/16", 1);
  REQUIRE((*c)->addPeer("4/16", "198.18.0.4,1,udp4").ok());
  CHECK_FALSE((*c)->address("2/16").has_value());
  CHECK((*c)->peerCount(1) == 0);
  CHECK((*c)->peerCount() == 3);
}

TEST_CASE("A corrupt cache file is set aside and a fresh cache starts") {
  std::string path = tempPath("corrupt");
  {
    std::ofstream f(path);
    f << "this is not an SQLite database, not even close............................";
  }
  auto c = PeerCache::open(path, "7/16");
  REQUIRE(c.ok());
  CHECK((*c)->peerCount() == 0);
  CHECK(access((path + ".bak").c_str(), F_OK) == 0);
  std::remove(path.c_str());
  std::remove((path + ".bak").c_str());
}
