// Distinguished names (certificate subjects and issuers) as ordered lists of fields, and
// their conversion to and from mbedTLS' name lists. Field names follow OpenSSL's short
// names ("CN", "serialNumber", "emailAddress" ...) so subjects print as re6stnet's do.
// Pure; no I/O.
#pragma once

#include <mbedtls/asn1.h>
#include <mbedtls/x509.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "re6st/base/result.h"

namespace re6st::crypto {

// One attribute. name is a short name ("CN", "O", "OU", "C", "L", "ST", "serialNumber",
// "emailAddress", "title", "SN", "GN", "DC" ...) or a dotted OID ("1.2.3.4") for others.
// tag is the ASN.1 string type (0: the usual type for that attribute when writing).
struct NameField {
  std::string name;
  std::string value;
  int tag = 0;
  bool operator==(const NameField& o) const { return name == o.name && value == o.value; }
};
using Name = std::vector<NameField>;

// First value of a field, or nullopt.
std::optional<std::string> nameField(const Name& name, std::string_view field);
// Sets (replaces the first occurrence, or appends) a field.
void setNameField(Name& name, std::string_view field, std::string value);
// "CN=1/16, serialNumber=3" for logs and --show.
std::string nameString(const Name& name);

// Converts a parsed mbedTLS name list, keeping order and string tags.
Name nameFromMbed(const mbedtls_x509_name* n);

// An owned mbedTLS name list built for the certificate/CSR writers, which take the
// list over (release()) and free it with mbedtls_asn1_free_named_data_list.
class MbedName {
 public:
  static Result<MbedName> build(const Name& name);
  ~MbedName();
  MbedName(MbedName&& o) noexcept : head_(o.head_) { o.head_ = nullptr; }
  MbedName& operator=(MbedName&&) = delete;
  mbedtls_asn1_named_data* release() {
    auto* h = head_;
    head_ = nullptr;
    return h;
  }

 private:
  MbedName() = default;
  mbedtls_asn1_named_data* head_ = nullptr;
};

// Dotted OID text -> DER content bytes ("2.5.4.3" -> 55 04 03); nullopt when malformed.
std::optional<std::string> oidFromDotted(std::string_view dotted);

}  // namespace re6st::crypto
