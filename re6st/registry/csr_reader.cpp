#include "re6st/registry/csr_reader.h"

#include <mbedtls/asn1.h>
#include <mbedtls/md.h>
#include <mbedtls/pem.h>
#include <mbedtls/platform.h>
#include <mbedtls/x509.h>

#include <string>

#include "re6st/crypto/name.h"

namespace re6st::registry {
namespace {

Error bad(const std::string& why) { return makeError(Code::kInvalid, "bad certificate request: " + why); }

struct Pem {
  mbedtls_pem_context ctx;
  Pem() { mbedtls_pem_init(&ctx); }
  ~Pem() { mbedtls_pem_free(&ctx); }
};

// Names parsed by mbedtls_x509_get_name: the first node is ours, the rest heap-allocated.
struct NameList {
  mbedtls_x509_name head{};
  ~NameList() {
    for (mbedtls_x509_name* n = head.next; n;) {
      mbedtls_x509_name* next = n->next;
      mbedtls_free(n);
      n = next;
    }
  }
};

Result<Bytes> pemToDer(std::string_view pem) {
  if (pem.size() > 64 * 1024) return bad("too large");
  std::string text(pem);  // mbedtls_pem_read_buffer wants a NUL-terminated buffer
  for (const char* kind : {"CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"}) {
    Pem p;
    size_t used = 0;
    std::string h = std::string("-----BEGIN ") + kind + "-----", f = std::string("-----END ") + kind + "-----";
    int rc = mbedtls_pem_read_buffer(&p.ctx, h.c_str(), f.c_str(), reinterpret_cast<const unsigned char*>(text.c_str()),
                                     nullptr, 0, &used);
    if (rc == 0) return Bytes(p.ctx.buf, p.ctx.buf + p.ctx.buflen);
  }
  return bad("not a PEM certificate request");
}

// RFC 2986 §4.2: CertificationRequest ::= SEQUENCE { info, signatureAlgorithm, signature }.
Status verifySignature(const crypto::PublicKey& key, ByteSpan info, unsigned char** p, const unsigned char* end) {
  mbedtls_x509_buf oid{}, params{}, sig{};
  if (mbedtls_x509_get_alg(p, end, &oid, &params) || mbedtls_x509_get_sig(p, end, &sig))
    return bad("malformed signature");
  mbedtls_md_type_t md = MBEDTLS_MD_NONE;
  mbedtls_pk_type_t pk = MBEDTLS_PK_NONE;
  void* opts = nullptr;
  if (mbedtls_x509_get_sig_alg(&oid, &params, &md, &pk, &opts)) return bad("unknown signature algorithm");
  mbedtls_free(opts);
  if (pk != MBEDTLS_PK_RSA) return bad("only RSA PKCS#1 v1.5 signatures are accepted");
  const mbedtls_md_info_t* mi = mbedtls_md_info_from_type(md);
  if (!mi) return bad("unknown digest");
  unsigned char hash[MBEDTLS_MD_MAX_SIZE];
  if (mbedtls_md(mi, info.data(), info.size(), hash)) return bad("cannot hash");
  if (mbedtls_pk_verify(key.raw(), md, hash, mbedtls_md_get_size(mi), sig.p, sig.len))
    return bad("signature does not match the request's key");
  return {};
}

}  // namespace

Result<NodeRequest> parseNodeRequest(std::string_view pem) {
  auto der = pemToDer(pem);
  if (!der) return der.error();
  unsigned char* p = der->data();
  const unsigned char* end = p + der->size();
  size_t len = 0;
  if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) || p + len != end)
    return bad("not a DER SEQUENCE");
  unsigned char* info_start = p;
  if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
    return bad("no request info");
  const unsigned char* info_end = p + len;
  int version = -1;
  if (mbedtls_asn1_get_int(&p, info_end, &version) || version != 0) return bad("version must be 1");
  // Subject: possibly an empty SEQUENCE.
  if (mbedtls_asn1_get_tag(&p, info_end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
    return bad("no subject");
  NameList names;
  crypto::Name subject;
  if (len) {
    if (mbedtls_x509_get_name(&p, p + len, &names.head)) return bad("malformed subject");
    subject = crypto::nameFromMbed(&names.head);
  }
  crypto::PkPtr pk = crypto::newPk();
  if (mbedtls_pk_parse_subpubkey(&p, info_end, pk.get())) return bad("malformed public key");
  if (mbedtls_pk_get_type(pk.get()) != MBEDTLS_PK_RSA) return bad("node keys must be RSA");
  crypto::PublicKey key(std::move(pk));
  // Attributes [0] are ignored (re6st-conf sends none).
  p = const_cast<unsigned char*>(info_end);
  RE6ST_TRY(verifySignature(key, ByteSpan(info_start, size_t(info_end - info_start)), &p, end));
  if (p != end) return bad("trailing data");
  return NodeRequest{std::move(subject), std::move(key)};
}

}  // namespace re6st::registry
