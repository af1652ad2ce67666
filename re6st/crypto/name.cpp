#include "re6st/crypto/name.h"

#include <mbedtls/oid.h>

#include <cctype>
#include <cstdlib>
#include <cstring>

namespace re6st::crypto {
namespace {

struct Attr {
  const char* name;
  std::string_view oid;
  int tag;  // default string type when writing (RFC 5280 Appendix A upper bounds aside)
};

#define RE6ST_OID(s) std::string_view(s, sizeof(s) - 1)
const Attr kAttrs[] = {
    {"CN", RE6ST_OID(MBEDTLS_OID_AT_CN), MBEDTLS_ASN1_UTF8_STRING},
    {"SN", RE6ST_OID(MBEDTLS_OID_AT_SUR_NAME), MBEDTLS_ASN1_UTF8_STRING},
    {"serialNumber", RE6ST_OID(MBEDTLS_OID_AT_SERIAL_NUMBER), MBEDTLS_ASN1_PRINTABLE_STRING},
    {"C", RE6ST_OID(MBEDTLS_OID_AT_COUNTRY), MBEDTLS_ASN1_PRINTABLE_STRING},
    {"L", RE6ST_OID(MBEDTLS_OID_AT_LOCALITY), MBEDTLS_ASN1_UTF8_STRING},
    {"ST", RE6ST_OID(MBEDTLS_OID_AT_STATE), MBEDTLS_ASN1_UTF8_STRING},
    {"O", RE6ST_OID(MBEDTLS_OID_AT_ORGANIZATION), MBEDTLS_ASN1_UTF8_STRING},
    {"OU", RE6ST_OID(MBEDTLS_OID_AT_ORG_UNIT), MBEDTLS_ASN1_UTF8_STRING},
    {"title", RE6ST_OID(MBEDTLS_OID_AT_TITLE), MBEDTLS_ASN1_UTF8_STRING},
    {"postalCode", RE6ST_OID(MBEDTLS_OID_AT_POSTAL_CODE), MBEDTLS_ASN1_UTF8_STRING},
    {"GN", RE6ST_OID(MBEDTLS_OID_AT_GIVEN_NAME), MBEDTLS_ASN1_UTF8_STRING},
    {"initials", RE6ST_OID(MBEDTLS_OID_AT_INITIALS), MBEDTLS_ASN1_UTF8_STRING},
    {"generationQualifier", RE6ST_OID(MBEDTLS_OID_AT_GENERATION_QUALIFIER),
     MBEDTLS_ASN1_UTF8_STRING},
    {"dnQualifier", RE6ST_OID(MBEDTLS_OID_AT_DN_QUALIFIER), MBEDTLS_ASN1_PRINTABLE_STRING},
    {"pseudonym", RE6ST_OID(MBEDTLS_OID_AT_PSEUDONYM), MBEDTLS_ASN1_UTF8_STRING},
    {"DC", RE6ST_OID(MBEDTLS_OID_DOMAIN_COMPONENT), MBEDTLS_ASN1_IA5_STRING},
    {"emailAddress", RE6ST_OID(MBEDTLS_OID_PKCS9_EMAIL), MBEDTLS_ASN1_IA5_STRING},
};
#undef RE6ST_OID

const Attr* attrByName(std::string_view name) {
  for (const auto& a : kAttrs)
    if (name == a.name) return &a;
  return nullptr;
}

const Attr* attrByOid(std::string_view oid) {
  for (const auto& a : kAttrs)
    if (oid == a.oid) return &a;
  return nullptr;
}

// X.680 PrintableString alphabet; values outside it are written as UTF8String.
bool isPrintableString(std::string_view v) {
  for (char c : v) {
    if (std::isalnum(static_cast<unsigned char>(c))) continue;
    if (!std::strchr(" '()+,-./:=?", c) || c == '\0') return false;
  }
  return true;
}

bool isAscii(std::string_view v) {
  for (char c : v)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

std::string dottedFromOid(const mbedtls_asn1_buf& oid) {
  char buf[128];
  int n = mbedtls_oid_get_numeric_string(buf, sizeof buf, &oid);
  return n > 0 ? std::string(buf, size_t(n)) : std::string("?");
}

}  // namespace

std::optional<std::string> nameField(const Name& name, std::string_view field) {
  for (const auto& f : name)
    if (f.name == field) return f.value;
  return std::nullopt;
}

void setNameField(Name& name, std::string_view field, std::string value) {
  for (auto& f : name)
    if (f.name == field) {
      f.value = std::move(value);
      f.tag = 0;
      return;
    }
  name.push_back({std::string(field), std::move(value), 0});
}

std::string nameString(const Name& name) {
  std::string s;
  for (const auto& f : name) {
    if (!s.empty()) s += ", ";
    s += f.name + "=" + f.value;
  }
  return s;
}

Name nameFromMbed(const mbedtls_x509_name* n) {
  Name out;
  for (; n != nullptr; n = n->next) {
    if (n->oid.p == nullptr) continue;
    std::string_view oid(reinterpret_cast<const char*>(n->oid.p), n->oid.len);
    const Attr* a = attrByOid(oid);
    NameField f;
    f.name = a ? a->name : dottedFromOid(n->oid);
    f.value.assign(reinterpret_cast<const char*>(n->val.p), n->val.len);
    f.tag = n->val.tag;
    out.push_back(std::move(f));
  }
  return out;
}

std::optional<std::string> oidFromDotted(std::string_view dotted) {
  std::vector<uint64_t> arcs;
  uint64_t cur = 0;
  bool digit = false;
  for (char c : dotted) {
    if (c == '.') {
      if (!digit) return std::nullopt;
      arcs.push_back(cur);
      cur = 0;
      digit = false;
    } else if (c >= '0' && c <= '9') {
      if (cur > (UINT64_MAX - 9) / 10) return std::nullopt;
      cur = cur * 10 + uint64_t(c - '0');
      digit = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digit) return std::nullopt;
  arcs.push_back(cur);
  // X.690 §8.19: the first two arcs share one subidentifier 40*a + b.
  if (arcs.size() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40)) return std::nullopt;
  if (arcs[1] > UINT64_MAX - 80) return std::nullopt;
  std::string out;
  for (size_t i = 1; i < arcs.size(); ++i) {
    uint64_t v = i == 1 ? arcs[0] * 40 + arcs[1] : arcs[i];
    char tmp[10];
    int n = 0;
    do {
      tmp[n++] = char(v & 0x7f);
      v >>= 7;
    } while (v);
    while (n > 1) out += char(tmp[--n] | 0x80);
    out += tmp[0];
  }
  return out;
}

MbedName::~MbedName() { mbedtls_asn1_free_named_data_list(&head_); }

static char* dupBytes(std::string_view s) {
  // mbedtls_asn1_free_named_data_list releases these with mbedtls_free (= free here).
  char* p = static_cast<char*>(std::calloc(1, s.size() + 1));
  if (p) std::memcpy(p, s.data(), s.size());
  return p;
}

Result<MbedName> MbedName::build(const Name& name) {
  MbedName out;
  // The mbedTLS writers emit the list from its head backwards, so prepending each field
  // in order yields the fields in their given order in the DER.
  for (const auto& f : name) {
    std::string oid;
    int tag = f.tag;
    if (const Attr* a = attrByName(f.name)) {
      oid = std::string(a->oid);
      if (tag == 0) tag = a->tag;
    } else if (auto o = oidFromDotted(f.name)) {
      oid = *o;
    } else {
      return Error{Code::kInvalid, "unknown subject field '" + f.name + "'"};
    }
    if (tag == 0) tag = MBEDTLS_ASN1_UTF8_STRING;
    if (tag == MBEDTLS_ASN1_PRINTABLE_STRING && !isPrintableString(f.value))
      tag = MBEDTLS_ASN1_UTF8_STRING;
    if (tag == MBEDTLS_ASN1_IA5_STRING && !isAscii(f.value)) tag = MBEDTLS_ASN1_UTF8_STRING;
    auto* node = static_cast<mbedtls_asn1_named_data*>(std::calloc(1, sizeof(mbedtls_asn1_named_data)));
    if (!node) return Error{Code::kInternal, "out of memory"};
    node->next = out.head_;
    out.head_ = node;
    node->oid.p = reinterpret_cast<unsigned char*>(dupBytes(oid));
    node->oid.len = oid.size();
    node->oid.tag = MBEDTLS_ASN1_OID;
    node->val.p = reinterpret_cast<unsigned char*>(dupBytes(f.value));
    node->val.len = f.value.size();
    node->val.tag = tag;
    if (!node->oid.p || !node->val.p) return Error{Code::kInternal, "out of memory"};
  }
  return out;
}

}  // namespace re6st::crypto
