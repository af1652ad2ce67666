// The registry client used by `re6st conf` (blocking) and the node (asynchronous, on
// the loop): GET /<method>?<query> on the registry URL, Re6stHMAC sessions for methods
// with a `cn` parameter (hello first, one retry with a fresh hello when a cached key is
// refused), status handling as re6stnet's RegistryClient (REGISTRY-PROTOCOL.md §1).
// Single-threaded: use a client from one thread; it must outlive its pending calls.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "re6st/base/clock.h"
#include "re6st/base/result.h"
#include "re6st/client/session.h"
#include "re6st/crypto/pk.h"
#include "re6st/crypto/x509.h"
#include "re6st/http/client.h"
#include "re6st/http/url.h"

namespace re6st::client {

// Carries one GET to the registry. target is "/method?query" relative to the registry URL.
class Transport {
 public:
  using Callback = std::function<void(Result<http::Response>)>;
  virtual ~Transport() = default;
  // cb runs exactly once: before get() returns (blocking transports) or later on the loop.
  virtual void get(const std::string& target, const http::Headers& headers, Callback cb) = 0;
};

// Blocking transport over http::fetch (one private loop per request): for `re6st conf`.
class FetchTransport final : public Transport {
 public:
  static Result<FetchTransport> create(const std::string& registry_url,
                                       Duration timeout = seconds(60),
                                       std::string ca_file = http::kSystemCaBundle);
  void get(const std::string& target, const http::Headers& headers, Callback cb) override;

 private:
  FetchTransport(http::Url base, Duration timeout, std::string ca_file)
      : base_(std::move(base)), timeout_(timeout), ca_file_(std::move(ca_file)) {}
  http::Url base_;
  Duration timeout_;
  std::string ca_file_;
};

// Asynchronous transport over an http::Client on the caller's loop: for the node.
class LoopTransport final : public Transport {
 public:
  LoopTransport(http::Client& client, http::Url base, http::ClientOptions options = {})
      : client_(client), base_(std::move(base)), options_(std::move(options)) {}
  void get(const std::string& target, const http::Headers& headers, Callback cb) override;

 private:
  http::Client& client_;
  http::Url base_;
  http::ClientOptions options_;
};

class RegistryClient {
 public:
  using BodyCallback = std::function<void(Result<Bytes>)>;

  explicit RegistryClient(Transport& transport);

  // The node's identity for authenticated calls: its prefix bits (the cn), its key and
  // the CA certificate (to check hello signatures). Pointers must stay valid.
  void setIdentity(std::string prefix_bits, const crypto::PrivateKey* key,
                   const crypto::Certificate* ca);
  const std::string& prefixBits() const { return prefix_; }
  const crypto::PrivateKey* nodeKey() const { return key_; }

  // Any RPC. 200/204 → body (empty for 204); 403 → kPermission; any other status, or a
  // missing/wrong response MAC → kProtocol. Params must be in the method's order.
  void call(const std::string& method, Params params, BodyCallback cb);
  // Blocking form: needs a transport that completes synchronously (FetchTransport).
  Result<Bytes> callSync(const std::string& method, Params params);

  // Blocking helpers for re6st conf.
  Result<std::string> getCa();
  Status requestToken(const std::string& email);
  // nullopt: the registry answered 204 (unknown or used token).
  Result<std::optional<std::string>> requestCertificate(const std::string& token,
                                                        const std::string& csr_pem,
                                                        const std::string& location = "",
                                                        const std::string& ip = "");

 private:
  void authCall(const std::string& method, const Params& params, bool may_retry, BodyCallback cb);
  void hello(std::function<void(Status)> then);
  static Result<Bytes> checkStatus(const std::string& method, const Result<http::Response>& r);

  Transport& transport_;
  HmacChain chain_;
  std::string prefix_;
  const crypto::PrivateKey* key_ = nullptr;
  const crypto::Certificate* ca_ = nullptr;
};

}  // namespace re6st::client
