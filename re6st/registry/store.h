// The registry database: SQLite with re6st-registry's exact schema (config, token, cert,
// crl; REGISTRY-PROTOCOL.md §13), so an existing registry.db opens as is. Every state
// change runs inside a Transaction; WAL + synchronous=FULL keeps commits across kill -9.
// Single-threaded: one Store per registry loop; no method touches the clock.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "re6st/base/bytes.h"
#include "re6st/base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace re6st::registry {

struct TokenRow {
  std::string token, email;
  int64_t prefix_len = 0, date = 0;
};

// One row of the prefix tree: cert is NULL (free), "reserved", or a PEM certificate.
struct CertRow {
  std::string prefix;
  std::optional<std::string> email, cert;
  bool issued() const { return cert && *cert != "reserved"; }
};

class Store {
 public:
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Opens (creating the file and its directory entries if needed) and checks/creates
  // the four tables with the byte-exact schema; a different schema is refused.
  static Result<std::unique_ptr<Store>> open(const std::string& path);

  Status begin();
  Status commit();
  void rollback();

  // config table (value column is untyped: text, integer, blob or real).
  Result<std::optional<std::string>> getText(const std::string& name);
  Result<std::optional<int64_t>> getInt(const std::string& name);
  Result<std::optional<Bytes>> getBlob(const std::string& name);
  Result<std::optional<double>> getReal(const std::string& name);
  Status setText(const std::string& name, const std::string& v);
  Status setInt(const std::string& name, int64_t v);
  Status setBlob(const std::string& name, ByteSpan v);
  Status setReal(const std::string& name, double v);
  Status delConfig(const std::string& name);

  // token table. insertToken fails with kExists when the token is already there.
  Status insertToken(const TokenRow& t);
  Result<std::optional<TokenRow>> findToken(const std::string& token);
  Status deleteToken(const std::string& token);
  Result<std::vector<TokenRow>> tokens();

  // cert table.
  Result<std::optional<CertRow>> findRow(const std::string& prefix);
  Result<std::vector<CertRow>> rows();  // every row, ordered by prefix
  Result<std::optional<CertRow>> rowByEmail(const std::string& email);
  // Longest free row of length <= max_len starting with community (allocator query).
  Result<std::optional<std::string>> longestFree(size_t max_len, const std::string& community);
  Status insertRow(const std::string& prefix, const std::optional<std::string>& email,
                   const std::optional<std::string>& cert);
  Status renameRow(const std::string& from, const std::string& to);
  Status setRow(const std::string& prefix, const std::optional<std::string>& email,
                const std::optional<std::string>& cert);
  Status deleteRow(const std::string& prefix);
  Result<bool> anyIssuedUnder(const std::string& community);

  // crl table. insertCrl fails with kExists for a serial already revoked.
  Status insertCrl(int64_t serial, int64_t date);
  Result<std::vector<int64_t>> crlSerials();
  Result<bool> inCrl(int64_t serial);

  // Runs arbitrary SQL (tests, PRAGMA checks).
  Status exec(const std::string& sql);

 private:
  explicit Store(sqlite3* db) : db_(db) {}
  Result<sqlite3_stmt*> prepare(const char* sql);
  Status createTable(const char* name, const char* sql);
  Status stepDone(sqlite3_stmt* st);
  Error dbError(const std::string& what) const;
  Result<std::optional<CertRow>> oneRow(const char* sql, const std::string& arg);

  sqlite3* db_;
};

// Commits on commit(), rolls back otherwise (early return on error).
class Transaction {
 public:
  explicit Transaction(Store& s) : s_(s) { status_ = s_.begin(); }
  ~Transaction() {
    if (status_.ok() && !done_) s_.rollback();
  }
  const Status& status() const { return status_; }
  Status commit() {
    done_ = true;
    return s_.commit();
  }

 private:
  Store& s_;
  Status status_;
  bool done_ = false;
};

}  // namespace re6st::registry
