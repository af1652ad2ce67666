// TLS 1.2 client session over memory buffers (mbedTLS 2.28): the driver feeds received
// ciphertext and sends what outgoing() returns, so TLS runs on any loop::TcpStream.
// The server certificate is verified against a CA file (default: Debian's bundle) and the
// URL's host name (RFC 6125), which is also sent as SNI (RFC 6066 §3). Move-less; one
// connection per object; loop thread only.
#pragma once

#include <memory>
#include <string>

#include "re6st/base/bytes.h"
#include "re6st/base/result.h"

namespace re6st::http {

inline constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

class TlsClient {
 public:
  TlsClient();
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  // Loads the CA file and sets the expected server name. Call once, before anything else.
  Status setup(const std::string& caFile, const std::string& serverName);

  // Advances the handshake; true once it is complete. An error is final (bad certificate,
  // protocol failure).
  Result<bool> handshake();
  // Encrypts application data (after the handshake).
  Status write(ByteSpan plain);
  // Received ciphertext from the socket.
  void feed(ByteSpan cipher);
  // Decrypts what it can; `closed` becomes true on the peer's close_notify.
  Result<Bytes> read(bool& closed);
  // Ciphertext to send now (emptied by the call).
  Bytes takeOutgoing();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace re6st::http
