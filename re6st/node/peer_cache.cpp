// PeerCache on SQLite (see peer_cache.h). The failure marks live in an attached
// in-memory database ("volatile.stat"), exactly like re6stnet's cache.py, so they reset
// on restart while the peer list survives.
#include "re6st/node/peer_cache.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <set>

namespace re6st::node {
namespace {

// A prepared statement that finalizes itself.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) s_ = nullptr;
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return s_ != nullptr; }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bindValue(int i, const ConfigValue& v) {
    if (auto* n = std::get_if<int64_t>(&v)) sqlite3_bind_int64(s_, i, *n);
    else if (auto* d = std::get_if<double>(&v)) sqlite3_bind_double(s_, i, *d);
    else if (auto* t = std::get_if<std::string>(&v)) bind(i, *t);
    else {
      const auto& b = std::get<Bytes>(v);
      sqlite3_bind_blob(s_, i, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
    }
    return *this;
  }
  bool step() { return s_ && sqlite3_step(s_) == SQLITE_ROW; }
  int run() { return s_ ? sqlite3_step(s_) : SQLITE_ERROR; }
  std::string text(int c) const {
    const auto* p = sqlite3_column_text(s_, c);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(s_, c)))
             : std::string();
  }
  int64_t integer(int c) const { return sqlite3_column_int64(s_, c); }
  ConfigValue value(int c) const {
    switch (sqlite3_column_type(s_, c)) {
      case SQLITE_INTEGER: return integer(c);
      case SQLITE_FLOAT: return sqlite3_column_double(s_, c);
      case SQLITE_BLOB: {
        const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(s_, c));
        return Bytes(p, p + sqlite3_column_bytes(s_, c));
      }
      default: return text(c);
    }
  }

 private:
  sqlite3_stmt* s_ = nullptr;
};

Error dbError(sqlite3* db, const std::string& what) {
  return makeError(Code::kIo, what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

Result<sqlite3*> openDb(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    Error e = dbError(db, path);
    sqlite3_close(db);
    return e;
  }
  sqlite3_busy_timeout(db, 2000);
  const char* setup =
      "PRAGMA synchronous = OFF; PRAGMA journal_mode = MEMORY;"
      "CREATE TABLE IF NOT EXISTS peer (prefix TEXT PRIMARY KEY NOT NULL,"
      " address TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS config (name TEXT PRIMARY KEY NOT NULL, value);"
      "ATTACH DATABASE ':memory:' AS volatile;"
      "CREATE TABLE volatile.stat (peer TEXT PRIMARY KEY NOT NULL,"
      " try INTEGER NOT NULL DEFAULT 0);"
      "CREATE INDEX volatile.stat_try ON stat(try);"
      "INSERT INTO volatile.stat (peer) SELECT prefix FROM peer WHERE prefix != '';";
  char* err = nullptr;
  if (sqlite3_exec(db, setup, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    sqlite3_close(db);
    return makeError(Code::kInvalid, path + ": " + msg);
  }
  return db;
}

}  // namespace

Result<std::unique_ptr<PeerCache>> PeerCache::open(const std::string& path,
                                                   const std::string& myPrefix, int maxPeers) {
  auto db = openDb(path);
  if (!db.ok() && path != ":memory:") {
    // re6stnet: a cache it cannot read is set aside and the node starts with an empty one.
    std::string bak = path + ".bak";
    if (std::rename(path.c_str(), bak.c_str()) == 0) db = openDb(path);
  }
  if (!db.ok()) return db.error();
  return std::unique_ptr<PeerCache>(new PeerCache(*db, myPrefix, maxPeers));
}

PeerCache::PeerCache(sqlite3* db, std::string myPrefix, int maxPeers)
    : db_(db), myPrefix_(std::move(myPrefix)), maxPeers_(maxPeers) {}

PeerCache::~PeerCache() { sqlite3_close(db_); }

Status PeerCache::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return makeError(Code::kIo, "cache: " + msg);
  }
  return {};
}

Status PeerCache::minimize(int size) {
  // Keep `size` peers: drop failed ones first, then random ones.
  Stmt s(db_, "SELECT peer FROM volatile.stat ORDER BY try, RANDOM() LIMIT ?,-1");
  s.bind(1, static_cast<int64_t>(size));
  std::vector<std::string> drop;
  while (s.step()) drop.push_back(s.text(0));
  for (const auto& p : drop) {
    Stmt d1(db_, "DELETE FROM peer WHERE prefix=?");
    d1.bind(1, p).run();
    Stmt d2(db_, "DELETE FROM volatile.stat WHERE peer=?");
    d2.bind(1, p).run();
  }
  return {};
}

Status PeerCache::addPeer(const std::string& prefix, const std::string& address,
                          bool setPreferred) {
  if (prefix.empty() || address.empty())
    return makeError(Code::kInvalid, "cache: empty peer prefix or address");
  RE6ST_TRY(exec("BEGIN"));
  std::optional<std::string> old;
  {
    Stmt s(db_, "SELECT address FROM peer WHERE prefix=?");
    s.bind(1, prefix);
    if (s.step()) old = s.text(0);
  }
  std::string merged = address;
  if (old) {
    // Order the new list by the position of each address in the preferred list.
    auto preferred = split(setPreferred ? address : *old, ';');
    auto list = split(setPreferred ? *old : address, ';');
    auto rank = [&](const std::string& a) {
      auto it = std::find(preferred.begin(), preferred.end(), a);
      return static_cast<size_t>(it - preferred.begin());
    };
    std::stable_sort(list.begin(), list.end(),
                     [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
    merged.clear();
    for (const auto& a : list) merged += (merged.empty() ? "" : ";") + a;
  } else {
    (void)minimize(maxPeers_ > 0 ? maxPeers_ - 1 : 0);  // room for the new one
  }
  if (!old || *old != merged) {
    Stmt s(db_, "INSERT OR REPLACE INTO peer VALUES (?,?)");
    s.bind(1, prefix).bind(2, merged).run();
  }
  Stmt s(db_, "INSERT OR REPLACE INTO volatile.stat VALUES (?,0)");
  s.bind(1, prefix).run();
  return exec("COMMIT");
}

Status PeerCache::removePeer(const std::string& prefix) {
  Stmt d1(db_, "DELETE FROM peer WHERE prefix=?");
  d1.bind(1, prefix).run();
  Stmt d2(db_, "DELETE FROM volatile.stat WHERE peer=?");
  d2.bind(1, prefix).run();
  return {};
}

std::optional<std::string> PeerCache::address(const std::string& prefix) const {
  Stmt s(db_,
         "SELECT address FROM peer, volatile.stat WHERE prefix=? AND prefix=peer AND try=0");
  s.bind(1, prefix);
  if (s.step()) return s.text(0);
  return std::nullopt;
}

std::vector<CachedPeer> PeerCache::peers(Random& random, int failed) const {
  Stmt s(db_,
         "SELECT prefix, address FROM peer, volatile.stat"
         " WHERE prefix=peer AND prefix!=? AND try=? ORDER BY prefix");
  s.bind(1, myPrefix_).bind(2, static_cast<int64_t>(failed));
  std::vector<CachedPeer> out;
  while (s.step()) out.push_back({s.text(0), s.text(1)});
  shuffle(out, random);
  return out;
}

int PeerCache::peerCount(int failed) const {
  Stmt s(db_,
         "SELECT COUNT(*) FROM peer, volatile.stat WHERE prefix=peer AND prefix!=? AND try=?");
  s.bind(1, myPrefix_).bind(2, static_cast<int64_t>(failed));
  return s.step() ? static_cast<int>(s.integer(0)) : 0;
}

void PeerCache::connecting(const std::string& prefix, int mark) {
  Stmt s(db_, "UPDATE volatile.stat SET try=? WHERE peer=?");
  s.bind(1, static_cast<int64_t>(mark)).bind(2, prefix).run();
}

void PeerCache::resetConnecting() { (void)exec("UPDATE volatile.stat SET try=0"); }

std::optional<std::string> PeerCache::myAddress() const {
  Stmt s(db_, "SELECT address FROM peer WHERE prefix=''");
  if (s.step()) return s.text(0);
  return std::nullopt;
}

Status PeerCache::setMyAddress(const std::string& address) {
  if (address.empty()) return exec("DELETE FROM peer WHERE prefix=''");
  Stmt s(db_, "INSERT OR REPLACE INTO peer VALUES ('', ?)");
  if (s.bind(1, address).run() != SQLITE_DONE) return dbError(db_, "cache");
  return {};
}

ConfigMap PeerCache::config() const {
  ConfigMap out;
  Stmt s(db_, "SELECT name, value FROM config");
  while (s.step()) out[s.text(0)] = s.value(1);
  return out;
}

Result<std::vector<std::string>> PeerCache::replaceConfig(const ConfigMap& config) {
  ConfigMap old = this->config();
  std::vector<std::string> changed;
  RE6ST_TRY(exec("BEGIN"));
  for (const auto& [k, v] : old) {
    if (config.count(k)) continue;
    Stmt d(db_, "DELETE FROM config WHERE name=?");
    d.bind(1, k).run();
    changed.push_back(k);
  }
  for (const auto& [k, v] : config) {
    auto it = old.find(k);
    if (it != old.end() && it->second == v) continue;
    Stmt s(db_, "INSERT OR REPLACE INTO config VALUES (?,?)");
    s.bind(1, k).bindValue(2, v);
    if (s.run() != SQLITE_DONE) {
      Error e = dbError(db_, "cache config " + k);
      (void)exec("ROLLBACK");
      return e;
    }
    changed.push_back(k);
  }
  RE6ST_TRY(exec("COMMIT"));
  std::sort(changed.begin(), changed.end());
  return changed;
}

}  // namespace re6st::node
