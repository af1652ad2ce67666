// Typed registry RPCs on top of RegistryClient, in the form the node needs them
// (asynchronous callbacks; with a blocking transport they complete before returning):
// node RPCs authenticated with the node's prefix as cn, and the private RPCs an
// operator tool calls from an --authorized-origin address (REGISTRY-PROTOCOL.md §2).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "re6st/client/network_config.h"
#include "re6st/client/registry_client.h"

namespace re6st::client {

template <class T>
using Done = std::function<void(Result<T>)>;

// getBootstrapPeer's answer once decrypted: "<prefix bits> <ip,port,proto[,country];...>".
struct BootstrapPeer {
  std::string prefix;     // bits
  std::string addresses;  // re6stnet address list
};
Result<BootstrapPeer> parseBootstrapPeer(std::string_view plain);

class RegistryRpc {
 public:
  // client must have an identity (setIdentity) for the node RPCs.
  explicit RegistryRpc(RegistryClient& client) : c_(client) {}

  // Node RPCs (cn = our prefix).
  void getNetworkConfig(Done<NetworkConfig> done);  // decoded, babel keys decrypted
  void renewCertificate(Done<std::string> done);    // PEM
  void getDh(Done<std::string> done);
  void getCountry(const std::string& address,
                  Done<std::optional<std::string>> done);          // 204 → nullopt
  void getBootstrapPeer(Done<std::optional<BootstrapPeer>> done);  // 204 → nullopt
  void getCa(Done<std::string> done);

  // Private RPCs (no identity needed; the registry checks the caller's address).
  void getNodePrefix(const std::string& email, Done<std::optional<std::string>> done);
  void getIPv6Address(const std::string& email, Done<std::optional<std::string>> done);
  void isToken(const std::string& token, Done<bool> done);
  void addToken(const std::string& email, const std::string& token, Done<bool> done);
  void deleteToken(const std::string& token, Done<bool> done);
  void revoke(const std::string& cn_or_serial, Done<bool> done);
  void updateHMAC(Done<bool> done);
  void versions(Done<std::string> done);  // JSON text
  void topology(Done<std::string> done);  // JSON text

 private:
  void text(const std::string& method, Params p, Done<std::optional<std::string>> done);
  void status(const std::string& method, Params p, Done<bool> done);
  void ack(const std::string& method, Params p, Done<bool> done);
  Params cn() const { return {{"cn", c_.prefixBits()}}; }

  RegistryClient& c_;
};

}  // namespace re6st::client
