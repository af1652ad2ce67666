#include "re6st/registry/store.h"

#include <sqlite3.h>

namespace re6st::registry {
namespace {

// REGISTRY-PROTOCOL.md §13: re6st's sqliteCreateTable compares sqlite_master.sql byte for
// byte, so these strings must not change (newline + two spaces before each column).
const char* const kSchema[][2] = {
    {"config", "CREATE TABLE config (\n  name TEXT PRIMARY KEY NOT NULL,\n  value)"},
    {"token",
     "CREATE TABLE token (\n  token TEXT PRIMARY KEY NOT NULL,\n  email TEXT NOT NULL,\n"
     "  prefix_len INTEGER NOT NULL,\n  date INTEGER NOT NULL)"},
    {"cert", "CREATE TABLE cert (\n  prefix TEXT PRIMARY KEY NOT NULL,\n  email TEXT,\n  cert TEXT)"},
    {"crl", "CREATE TABLE crl (\n  serial INTEGER PRIMARY KEY NOT NULL,\n  date INTEGER NOT NULL)"},
};

// Finalizes a prepared statement on scope exit.
struct Stmt {
  sqlite3_stmt* st = nullptr;
  ~Stmt() { sqlite3_finalize(st); }
};

void bindText(sqlite3_stmt* st, int i, const std::string& s) {
  sqlite3_bind_text(st, i, s.data(), int(s.size()), SQLITE_TRANSIENT);
}
void bindOptText(sqlite3_stmt* st, int i, const std::optional<std::string>& s) {
  if (s)
    bindText(st, i, *s);
  else
    sqlite3_bind_null(st, i);
}
std::string colText(sqlite3_stmt* st, int i) {
  auto p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
  return p ? std::string(p, size_t(sqlite3_column_bytes(st, i))) : std::string();
}
std::optional<std::string> colOptText(sqlite3_stmt* st, int i) {
  if (sqlite3_column_type(st, i) == SQLITE_NULL) return std::nullopt;
  return colText(st, i);
}
CertRow readRow(sqlite3_stmt* st) { return {colText(st, 0), colOptText(st, 1), colOptText(st, 2)}; }

}  // namespace

Store::~Store() { sqlite3_close_v2(db_); }

Error Store::dbError(const std::string& what) const {
  return makeError(Code::kIo, "registry db: " + what + ": " + sqlite3_errmsg(db_));
}

Result<sqlite3_stmt*> Store::prepare(const char* sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) return dbError(sql);
  return st;
}

Status Store::stepDone(sqlite3_stmt* st) {
  int rc = sqlite3_step(st);
  if (rc == SQLITE_DONE) return {};
  if (rc == SQLITE_CONSTRAINT) return makeError(Code::kExists, "registry db: duplicate key");
  return dbError(sqlite3_sql(st));
}

Status Store::exec(const std::string& sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg ? msg : "?";
    sqlite3_free(msg);
    return makeError(Code::kIo, "registry db: " + m);
  }
  return {};
}

Status Store::createTable(const char* name, const char* sql) {
  auto p = prepare("SELECT sql FROM sqlite_master WHERE type='table' AND name=?");
  if (!p) return p.error();
  Stmt s{*p};
  bindText(s.st, 1, name);
  if (sqlite3_step(s.st) == SQLITE_ROW) {
    if (colText(s.st, 0) != sql)
      return makeError(Code::kInvalid,
                       std::string("table '") + name + "' already exists with unexpected schema");
    return {};
  }
  return exec(sql);
}

Result<std::unique_ptr<Store>> Store::open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<Store> s(new Store(db));
  if (rc != SQLITE_OK) return s->dbError("open " + path);
  sqlite3_busy_timeout(db, 5000);
  // WAL survives kill -9 (and with synchronous=FULL, power loss) and lets readers
  // (sqlite3 CLI, backups) look while the registry writes.
  RE6ST_TRY(s->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"));
  for (auto& t : kSchema) RE6ST_TRY(s->createTable(t[0], t[1]));
  return s;
}

Status Store::begin() { return exec("BEGIN IMMEDIATE"); }
Status Store::commit() { return exec("COMMIT"); }
void Store::rollback() { (void)exec("ROLLBACK"); }

// ---- config ----

Result<std::optional<std::string>> Store::getText(const std::string& name) {
  auto p = prepare("SELECT value FROM config WHERE name=?");
  if (!p) return p.error();
  Stmt s{*p};
  bindText(s.st, 1, name);
  if (sqlite3_step(s.st) != SQLITE_ROW) return std::optional<std::string>();
  return colOptText(s.st, 0);
}

Result<std::optional<int64_t>> Store::getInt(const std::string& name) {
  auto p = prepare("SELECT value FROM config WHERE name=?");
  if (!p) return p.error();
  Stmt s{*p};
  bindText(s.st, 1, name);
  if (sqlite3_step(s.st) != SQLITE_ROW || sqlite3_column_type(s.st, 0) == SQLITE_NULL)
    return std::optional<int64_t>();
  return std::optional<int64_t>(sqlite3_column_int64(s.st, 0));
}

Result<std::optional<Bytes>> Store::getBlob(const std::string& name) {
  auto p = prepare("SELECT value FROM config WHERE name=?");
  if (!p) return p.error();
  Stmt s{*p};
  bindText(s.st, 1, name);
  if (sqlite3_step(s.st) != SQLITE_ROW || sqlite3_column_type(s.st, 0) == SQLITE_NULL)
    return std::optional<Bytes>();
  auto d = static_cast<const uint8_t*>(sqlite3_column_blob(s.st, 0));
  return std::optional<Bytes>(Bytes(d, d + sqlite3_column_bytes(s.st, 0)));
}

Result<std::optional<double>> Store::getReal(const std::string& name) {
  auto p = prepare("SELECT value FROM config WHERE name=?");
  if (!p) return p.error();
  Stmt s{*p};
  bindText(s.st, 1, name);
  if (sqlite3_step(s.st) != SQLITE_ROW || sqlite3_column_type(s.st, 0) == SQLITE_NULL)
    return std::optional<double>();
  return std::optional<double>(sqlite3_column_double(s.st, 0));
}

namespace {
template <class Bind>
Status setValue(sqlite3* db, const std::string& name, Bind bind) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO config VALUES (?, ?)", -1, &st, nullptr) !=
      SQLITE_OK)
    return makeError(Code::kIo, std::string("registry db: ") + sqlite3_errmsg(db));
  Stmt s{st};
  bindText(st, 1, name);
  bind(st);
  if (sqlite3_step(st) != SQLITE_DONE)
    return makeError(Code::kIo, std::string("registry db: ") + sqlite3_errmsg(db));
  return {};
}
}  // namespace

Status Store::setText(const std::string& name, const std::string& v) {
  return setValue(db_, name, [&](sqlite3_stmt* st) { bindText(st, 2, v); });
}
Status Store::setInt(const std::string& name, int64_t v) {
  return setValue(db_, name, [&](sqlite3_stmt* st) { sqlite3_bind_int64(st, 2, v); });
}
Status Store::setBlob(const std::string& name, ByteSpan v) {
  return setValue(db_, name, [&](sqlite3_stmt* st) {
    sqlite3_bind_blob(st, 2, v.empty() ? "" : static_cast<const void*>(v.data()), int(v.size()),
                      SQLITE_TRANSIENT);
  });
}
Status Store::setReal(const std::string& name, double v) {
  return setValue(db_, name, [&](sqlite3_stmt* st) { sqlite3_bind_double(st, 2, v); });
}

Status Store::delConfig(const std::string& name) {
  auto p = prepare("DELETE FROM config WHERE name=?");
  if (!p) return p.error();
  Stmt s{*p};
  bindText(s.st, 1, name);
  return stepDone(s.st);
}

// ---- token ----

Status Store::insertToken(const TokenRow& t) {
  auto p = prepare("INSERT INTO token VALUES (?,?,?,?)");
  if (!p) return p.error();
  Stmt s{*p};
  bindText(s.st, 1, t.token);
  bindText(s.st, 2, t.email);
  sqlite3_bind_int64(s.st, 3, t.prefix_len);
  sqlite3_bind_int64(s.st, 4, t.date);
  return stepDone(s.st);
}

Result<std::optional<TokenRow>> Store::findToken(const std::string& token) {
  auto p = prepare("SELECT token, email, prefix_len, date FROM token WHERE token=?");
  if (!p) return p.error();
  Stmt s{*p};
  bindText(s.st, 1, token);
  if (sqlite3_step(s.st) != SQLITE_ROW) return std::optional<TokenRow>();
  return std::optional<TokenRow>(TokenRow{colText(s.st, 0), colText(s.st, 1),
                                          sqlite3_column_int64(s.st, 2),
                                          sqlite3_column_int64(s.st, 3)});
}

Status Store::deleteToken(const std::string& token) {
  auto p = prepare("DELETE FROM token WHERE token=?");
  if (!p) return p.error();
  Stmt s{*p};
  bindText(s.st, 1, token);
  return stepDone(s.st);
}

Result<std::vector<TokenRow>> Store::tokens() {
  auto p = prepare("SELECT token, email, prefix_len, date FROM token");
  if (!p) return p.error();
  Stmt s{*p};
  std::vector<TokenRow> out;
  while (sqlite3_step(s.st) == SQLITE_ROW)
    out.push_back({colText(s.st, 0), colText(s.st, 1), sqlite3_column_int64(s.st, 2),
                   sqlite3_column_int64(s.st, 3)});
  return out;
}

// ---- cert ----

Result<std::optional<CertRow>> Store::oneRow(const char* sql, const std::string& arg) {
  auto p = prepare(sql);
  if (!p) return p.error();
  Stmt s{*p};
  bindText(s.st, 1, arg);
  if (sqlite3_step(s.st) != SQLITE_ROW) return std::optional<CertRow>();
  return std::optional<CertRow>(readRow(s.st));
}

Result<std::optional<CertRow>> Store::findRow(const std::string& prefix) {
  return oneRow("SELECT prefix, email, cert FROM cert WHERE prefix=?", prefix);
}

Result<std::optional<CertRow>> Store::rowByEmail(const std::string& email) {
  return oneRow("SELECT prefix, email, cert FROM cert WHERE email=? AND cert IS NOT NULL", email);
}

Result<std::vector<CertRow>> Store::rows() {
  auto p = prepare("SELECT prefix, email, cert FROM cert ORDER BY prefix");
  if (!p) return p.error();
  Stmt s{*p};
  std::vector<CertRow> out;
  while (sqlite3_step(s.st) == SQLITE_ROW) out.push_back(readRow(s.st));
  return out;
}

Result<std::optional<std::string>> Store::longestFree(size_t max_len, const std::string& community) {
  // substr() instead of LIKE: no wildcard surprises and the same result for bit strings.
  auto p = prepare(
      "SELECT prefix FROM cert WHERE length(prefix) <= ? AND cert IS NULL"
      " AND substr(prefix, 1, ?) = ? ORDER BY length(prefix) DESC LIMIT 1");
  if (!p) return p.error();
  Stmt s{*p};
  sqlite3_bind_int64(s.st, 1, int64_t(max_len));
  sqlite3_bind_int64(s.st, 2, int64_t(community.size()));
  bindText(s.st, 3, community);
  if (sqlite3_step(s.st) != SQLITE_ROW) return std::optional<std::string>();
  return std::optional<std::string>(colText(s.st, 0));
}

Status Store::insertRow(const std::string& prefix, const std::optional<std::string>& email,
                        const std::optional<std::string>& cert) {
  auto p = prepare("INSERT INTO cert VALUES (?,?,?)");
  if (!p) return p.error();
  Stmt s{*p};
  bindText(s.st, 1, prefix);
  bindOptText(s.st, 2, email);
  bindOptText(s.st, 3, cert);
  return stepDone(s.st);
}

Status Store::renameRow(const std::string& from, const std::string& to) {
  auto p = prepare("UPDATE cert SET prefix=? WHERE prefix=?");
  if (!p) return p.error();
  Stmt s{*p};
  bindText(s.st, 1, to);
  bindText(s.st, 2, from);
  return stepDone(s.st);
}

Status Store::setRow(const std::string& prefix, const std::optional<std::string>& email,
                     const std::optional<std::string>& cert) {
  auto p = prepare("UPDATE cert SET email=?, cert=? WHERE prefix=?");
  if (!p) return p.error();
  Stmt s{*p};
  bindOptText(s.st, 1, email);
  bindOptText(s.st, 2, cert);
  bindText(s.st, 3, prefix);
  return stepDone(s.st);
}

Status Store::deleteRow(const std::string& prefix) {
  auto p = prepare("DELETE FROM cert WHERE prefix=?");
  if (!p) return p.error();
  Stmt s{*p};
  bindText(s.st, 1, prefix);
  return stepDone(s.st);
}

Result<bool> Store::anyIssuedUnder(const std::string& community) {
  auto p = prepare("SELECT 1 FROM cert WHERE cert IS NOT NULL AND substr(prefix, 1, ?) = ? LIMIT 1");
  if (!p) return p.error();
  Stmt s{*p};
  sqlite3_bind_int64(s.st, 1, int64_t(community.size()));
  bindText(s.st, 2, community);
  return sqlite3_step(s.st) == SQLITE_ROW;
}

// ---- crl ----

Status Store::insertCrl(int64_t serial, int64_t date) {
  auto p = prepare("INSERT INTO crl VALUES (?,?)");
  if (!p) return p.error();
  Stmt s{*p};
  sqlite3_bind_int64(s.st, 1, serial);
  sqlite3_bind_int64(s.st, 2, date);
  return stepDone(s.st);
}

Result<std::vector<int64_t>> Store::crlSerials() {
  auto p = prepare("SELECT serial FROM crl ORDER BY serial");
  if (!p) return p.error();
  Stmt s{*p};
  std::vector<int64_t> out;
  while (sqlite3_step(s.st) == SQLITE_ROW) out.push_back(sqlite3_column_int64(s.st, 0));
  return out;
}

Result<bool> Store::inCrl(int64_t serial) {
  auto p = prepare("SELECT 1 FROM crl WHERE serial=?");
  if (!p) return p.error();
  Stmt s{*p};
  sqlite3_bind_int64(s.st, 1, serial);
  return sqlite3_step(s.st) == SQLITE_ROW;
}

}  // namespace re6st::registry
