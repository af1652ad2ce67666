#include "re6st/registry/store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "registry_tmp.h"
#include "re6st/base/prefix.h"
#include "re6st/registry/allocator.h"

using namespace re6st;
using namespace re6st::registry;

TEST_CASE("store creates re6st-registry's exact schema", "[store]") {
  TmpDir dir;
  auto db = dir.path + "/registry.db";
  {
    auto s = Store::open(db);
    REQUIRE(s.ok());
  }
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(raw, "SELECT sql FROM sqlite_master WHERE name='cert'", -1, &st, nullptr);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) ==
        "CREATE TABLE cert (\n  prefix TEXT PRIMARY KEY NOT NULL,\n  email TEXT,\n  cert TEXT)");
  sqlite3_finalize(st);
  sqlite3_close(raw);
  // Reopening an existing database works; a foreign schema is refused.
  REQUIRE(Store::open(db).ok());
  auto bad = dir.path + "/bad.db";
  REQUIRE(sqlite3_open(bad.c_str(), &raw) == SQLITE_OK);
  sqlite3_exec(raw, "CREATE TABLE token (token TEXT)", nullptr, nullptr, nullptr);
  sqlite3_close(raw);
  auto r = Store::open(bad);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("unexpected schema") != std::string::npos);
}

TEST_CASE("store config values keep their SQLite types", "[store]") {
  TmpDir dir;
  auto s = Store::open(dir.path + "/r.db").value();
  REQUIRE(s->setInt("serial", 41).ok());
  REQUIRE(s->setText("prefix", "0101").ok());
  Bytes blob{0, 1, 2};
  REQUIRE(s->setBlob("version", blob).ok());
  CHECK(**s->getInt("serial") == 41);
  CHECK(**s->getText("prefix") == "0101");
  CHECK(**s->getBlob("version") == blob);
  CHECK_FALSE(s->getInt("nothing")->has_value());
  REQUIRE(s->delConfig("serial").ok());
  CHECK_FALSE(s->getInt("serial")->has_value());
}

TEST_CASE("tokens are unique and transactions roll back", "[store]") {
  TmpDir dir;
  auto s = Store::open(dir.path + "/r.db").value();
  REQUIRE(s->insertToken({"abcdefgh", "a@x", 16, 100}).ok());
  auto dup = s->insertToken({"abcdefgh", "b@x", 16, 100});
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == Code::kExists);
  {
    Transaction t(*s);
    REQUIRE(t.status().ok());
    REQUIRE(s->deleteToken("abcdefgh").ok());
  }  // no commit: rolled back
  CHECK(s->findToken("abcdefgh")->has_value());
  {
    Transaction t(*s);
    REQUIRE(s->deleteToken("abcdefgh").ok());
    REQUIRE(t.commit().ok());
  }
  CHECK_FALSE(s->findToken("abcdefgh")->has_value());
}

namespace {
std::vector<std::string> leaves(Store& s) {
  std::vector<std::string> out;
  auto rows = s.rows().value();
  for (auto& r : rows) out.push_back(r.prefix + (r.cert ? "*" : ""));
  return out;
}
}  // namespace

TEST_CASE("allocator reproduces re6st-registry's observed order", "[allocator]") {
  TmpDir dir;
  auto s = Store::open(dir.path + "/r.db").value();
  Allocator a(*s, 80, {});
  REQUIRE(a.init().ok());
  CHECK(leaves(*s) == std::vector<std::string>{""});
  auto take = [&](size_t len) {
    auto p = a.newPrefix(len, "");
    REQUIRE(p.ok());
    REQUIRE(s->setRow(*p, std::nullopt, std::string("PEM")).ok());
    return re6st::cnFromBits(*p);
  };
  // REGISTRY-PROTOCOL.md §7: anon /20, email /16, token /16, anon /20.
  CHECK(take(20) == "0/20");
  CHECK(take(16) == "1/16");
  CHECK(take(16) == "2/16");
  CHECK(take(20) == "1/20");
  // Freeing 2/16 merges it with its free sibling 3/16 into one /15 row.
  REQUIRE(s->setRow("0000000000000010", std::nullopt, std::nullopt).ok());
  REQUIRE(a.merge().ok());
  auto rows = leaves(*s);
  CHECK(std::count(rows.begin(), rows.end(), "000000000000001") == 1);
  CHECK(std::count(rows.begin(), rows.end(), "0000000000000010") == 0);
}

TEST_CASE("allocator reserves the all-zero maximum-length prefix", "[allocator]") {
  TmpDir dir;
  auto s = Store::open(dir.path + "/r.db").value();
  Allocator a(*s, 4, {});
  REQUIRE(a.init().ok());
  auto p = a.newPrefix(4, "");
  REQUIRE(p.ok());
  CHECK(*p == "0001");
  CHECK((*s->findRow("0000"))->cert == std::string("reserved"));
  REQUIRE(s->setRow(*p, std::nullopt, std::string("PEM")).ok());
  // 15 usable /4 prefixes, then the space is exhausted.
  for (int i = 0; i < 14; ++i) {
    auto q = a.newPrefix(4, "");
    REQUIRE(q.ok());
    REQUIRE(s->setRow(*q, std::nullopt, std::string("PEM")).ok());
  }
  CHECK(a.newPrefix(4, "").error().code == Code::kNotFound);
}

TEST_CASE("allocator keeps a partition under random allocate/free", "[allocator]") {
  TmpDir dir;
  auto s = Store::open(dir.path + "/r.db").value();
  Allocator a(*s, 12, {});
  REQUIRE(a.init().ok());
  std::vector<std::string> held;
  srand(7);
  for (int step = 0; step < 400; ++step) {
    if (held.empty() || rand() % 3) {
      auto p = a.newPrefix(size_t(6 + rand() % 7), "");
      if (!p.ok()) continue;
      REQUIRE(s->setRow(*p, std::nullopt, std::string("PEM")).ok());
      held.push_back(*p);
    } else {
      size_t i = size_t(rand()) % held.size();
      REQUIRE(s->setRow(held[i], std::nullopt, std::nullopt).ok());
      held.erase(held.begin() + long(i));
      REQUIRE(a.merge().ok());
    }
    // Leaves cover the space exactly: sum of 2^(12-len) == 2^12, no leaf contains another.
    uint64_t total = 0;
    auto rows = *s->rows();
    for (size_t i = 0; i < rows.size(); ++i) {
      total += uint64_t(1) << (12 - rows[i].prefix.size());
      if (i) REQUIRE(rows[i].prefix.compare(0, rows[i - 1].prefix.size(), rows[i - 1].prefix) != 0);
    }
    REQUIRE(total == 4096);
  }
}

TEST_CASE("communities pin subtrees and parse strictly", "[allocator]") {
  auto ok = parseCommunities("# comment\n0 FR @EU\n10 *\n", 16);
  REQUIRE(ok.ok());
  CHECK(ok->at("0") == std::vector<std::string>{"FR", "@EU"});
  CHECK_FALSE(parseCommunities("0 FR\n01 DE\n", 16).ok());      // overlap
  CHECK_FALSE(parseCommunities("0x1 FR\n", 16).ok());           // not bits
  CHECK_FALSE(parseCommunities("01\n", 16).ok());               // no location
  CHECK(complementPrefixes({"0", "10"}) == std::vector<std::string>{"11"});
  TmpDir dir;
  auto s = Store::open(dir.path + "/r.db").value();
  Allocator a(*s, 16, *ok);
  REQUIRE(a.init().ok());
  CHECK(leaves(*s) == std::vector<std::string>{"0", "10", "11"});
  CHECK(a.communityFor("FR", "@EU") == "0");
  CHECK(a.communityFor("US", "@NA") == "10");
  auto p = a.newPrefix(2 + 8, "10");
  REQUIRE(p.ok());
  CHECK(p->substr(0, 2) == "10");
  CHECK(p->size() == 10);
}
