// Error values: every fallible operation returns Result<T> instead of throwing.
// Error carries a code (for callers to branch on) and a one-line message (for people).
// Header-only, no I/O, no globals; safe to use from any thread.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace re6st {

enum class Code {
  kInvalid,      // malformed input (packet, file, option, request)
  kNotFound,     // missing file, key, row, route
  kIo,           // system call failed
  kCrypto,       // signature, decryption, verification failure
  kProtocol,     // well-formed but not allowed by the protocol
  kExists,       // would overwrite / duplicate
  kPermission,   // not authorized
  kTimeout,
  kUnsupported,
  kInternal,
};

const char* codeName(Code code);

struct Error {
  Code code = Code::kInternal;
  std::string message;

  // Prefixes the message with context: Error{..,"bad PEM"}.wrap("ca.crt") -> "ca.crt: bad PEM".
  Error wrap(const std::string& context) const { return {code, context + ": " + message}; }
};

inline Error makeError(Code code, std::string message) { return Error{code, std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : err_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return err_; }

 private:
  Error err_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace re6st

// Propagates an error from an expression returning Result<...>.
#define RE6ST_TRY(expr)                          \
  do {                                           \
    auto re6st_try_r_ = (expr);                  \
    if (!re6st_try_r_.ok()) return re6st_try_r_.error(); \
  } while (0)
