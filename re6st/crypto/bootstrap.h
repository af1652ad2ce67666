// Bootstrapping a new re6st network (`re6st ca`): the CA key, the CA certificate whose
// serial encodes the network prefix, the ffdhe2048 DH file and a commented
// re6st-registry.conf. Blocking file I/O (a one-shot admin command); time passed in.
#pragma once

#include <cstdint>
#include <string>

#include "re6st/base/prefix.h"
#include "re6st/base/result.h"
#include "re6st/crypto/x509.h"

namespace re6st::crypto {

struct NetworkFiles {
  std::string key;   // ca.key
  std::string cert;  // ca.crt
  std::string dh;    // dh2048.pem
  std::string conf;  // re6st-registry.conf
  static NetworkFiles inDir(const std::string& dir);
};

struct NewNetwork {
  Prefix network;
  std::string email;
  std::string dir = ".";
  unsigned bits = 2048;
  int days = 3650;
  bool force = false;  // overwrite existing files
  int64_t now = 0;     // Unix seconds: notBefore
};

// A network prefix must be IPv6 and leave room for node subnets and node addresses
// (node IP = network + subnet bits + a final 1 bit, so at most /126).
Status checkNetworkPrefix(const Prefix& network);

// Writes the four files (key 0600, atomically); refuses existing files unless force.
Result<Certificate> createNetwork(const NewNetwork& spec);

// The re6st-registry options file for these files (one `name value` per line).
std::string registryConf(const NetworkFiles& files, const Prefix& network);

// Lines for `re6st ca --show`: network, serial, subject, validity (UTC) and key size.
Result<std::string> describeCa(const Certificate& ca, int64_t now);

}  // namespace re6st::crypto
