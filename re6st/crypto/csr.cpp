#include "re6st/crypto/csr.h"

#include <mbedtls/asn1.h>
#include <mbedtls/md.h>
#include <mbedtls/pem.h>
#include <mbedtls/platform.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_csr.h>

#include "re6st/crypto/random.h"

namespace re6st::crypto {

Result<std::string> createCsr(const PrivateKey& key, const Name& subject) {
  auto name = MbedName::build(subject);
  if (!name) return name.error();
  mbedtls_x509write_csr w;
  mbedtls_x509write_csr_init(&w);
  mbedtls_x509write_csr_set_md_alg(&w, MBEDTLS_MD_SHA512);
  mbedtls_x509write_csr_set_key(&w, key.raw());
  w.subject = name->release();  // freed by mbedtls_x509write_csr_free
  std::string buf(16384, '\0');
  int rc = mbedtls_x509write_csr_pem(&w, reinterpret_cast<unsigned char*>(buf.data()), buf.size(),
                                     Csprng::mbedRandom, nullptr);
  mbedtls_x509write_csr_free(&w);
  if (rc != 0) return mbedFailure(Code::kCrypto, "cannot create certificate request", rc);
  buf.resize(buf.find('\0'));
  return buf;
}

namespace {

// mbedtls_x509_get_name allocates every list node after the first; the values point
// into the parsed buffer, so only the nodes are freed.
struct ParsedName {
  mbedtls_x509_name head{};
  ~ParsedName() {
    for (mbedtls_asn1_named_data* n = head.next; n != nullptr;) {
      mbedtls_asn1_named_data* next = n->next;
      mbedtls_free(n);
      n = next;
    }
  }
};

Error bad(const std::string& what) { return Error{Code::kInvalid, "bad certificate request: " + what}; }

// Fields of a CertificationRequest (RFC 2986 §4) that the checks below need.
struct Parts {
  ByteSpan info;  // DER of certificationRequestInfo: what the signature covers
  mbedtls_x509_buf sig_oid{}, sig_params{}, sig{};
};

// Reads certificationRequestInfo: version 0, subject (possibly empty: mbedTLS' own CSR
// parser refuses that), subjectPKInfo; attributes are skipped.
Status readInfo(unsigned char** p, const unsigned char* end, Parts& parts, ParsedName& name,
                mbedtls_pk_context* pk) {
  unsigned char* start = *p;
  size_t len;
  if (mbedtls_asn1_get_tag(p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
    return bad("no request info");
  const unsigned char* info_end = *p + len;
  parts.info = ByteSpan(start, size_t(info_end - start));
  int version;
  if (mbedtls_asn1_get_int(p, info_end, &version) || version != 0) return bad("version");
  if (mbedtls_asn1_get_tag(p, info_end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
    return bad("subject");
  // mbedtls_x509_get_name reads RDNs until exactly *p + len.
  if (len > 0 && mbedtls_x509_get_name(p, *p + len, &name.head)) return bad("subject");
  int rc = mbedtls_pk_parse_subpubkey(p, info_end, pk);
  if (rc != 0) return mbedFailure(Code::kInvalid, "bad certificate request key", rc);
  *p = const_cast<unsigned char*>(info_end);  // attributes [0]: not used by re6st
  return {};
}

Result<Parts> readRequest(ByteSpan der, ParsedName& name, mbedtls_pk_context* pk) {
  auto* p = const_cast<unsigned char*>(der.data());
  const unsigned char* end = p + der.size();
  size_t len;
  if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) ||
      p + len != end)
    return bad("not a DER SEQUENCE");
  Parts parts;
  RE6ST_TRY(readInfo(&p, end, parts, name, pk));
  if (mbedtls_x509_get_alg(&p, end, &parts.sig_oid, &parts.sig_params))
    return bad("signature algorithm");
  if (mbedtls_x509_get_sig(&p, end, &parts.sig) || p != end) return bad("signature");
  return parts;
}

// PKCS #10 §3: the request is signed with the key it carries (proof of possession).
Status checkSelfSignature(const Parts& parts, mbedtls_pk_context* pk) {
  mbedtls_md_type_t md_alg;
  mbedtls_pk_type_t pk_alg;
  void* opts = nullptr;
  if (mbedtls_x509_get_sig_alg(&parts.sig_oid, &parts.sig_params, &md_alg, &pk_alg, &opts))
    return Error{Code::kUnsupported, "unsupported request signature"};
  const mbedtls_md_info_t* md = mbedtls_md_info_from_type(md_alg);
  int rc = -1;
  if (md != nullptr && mbedtls_pk_can_do(pk, pk_alg)) {
    unsigned char hash[MBEDTLS_MD_MAX_SIZE];
    mbedtls_md(md, parts.info.data(), parts.info.size(), hash);
    rc = mbedtls_pk_verify_ext(pk_alg, opts, pk, md_alg, hash, mbedtls_md_get_size(md),
                               parts.sig.p, parts.sig.len);
  }
  mbedtls_free(opts);  // RSASSA-PSS options, allocated by mbedtls_x509_get_sig_alg
  if (rc != 0) return Error{Code::kCrypto, "certificate request has a bad signature"};
  return {};
}

Result<Bytes> decodePem(std::string_view text) {
  static const char* const kLabels[][2] = {
      {"-----BEGIN CERTIFICATE REQUEST-----", "-----END CERTIFICATE REQUEST-----"},
      {"-----BEGIN NEW CERTIFICATE REQUEST-----", "-----END NEW CERTIFICATE REQUEST-----"}};
  for (const auto& label : kLabels) {
    size_t at = text.find(label[0]);
    if (at == std::string_view::npos) continue;
    std::string z(text.substr(at));  // NUL-terminated for mbedtls_pem_read_buffer
    mbedtls_pem_context ctx;
    mbedtls_pem_init(&ctx);
    size_t used = 0;
    int rc = mbedtls_pem_read_buffer(&ctx, label[0], label[1],
                                     reinterpret_cast<const unsigned char*>(z.c_str()), nullptr,
                                     0, &used);
    Bytes der(ctx.buf, ctx.buf + (rc == 0 ? ctx.buflen : 0));
    mbedtls_pem_free(&ctx);
    if (rc != 0) return mbedFailure(Code::kInvalid, "bad PEM certificate request", rc);
    return der;
  }
  return Error{Code::kInvalid, "no PEM certificate request found"};
}

}  // namespace

Result<Csr> Csr::parse(std::string_view pem_or_der) {
  Bytes der;
  if (pem_or_der.find("-----BEGIN") != std::string_view::npos) {
    auto d = decodePem(pem_or_der);
    if (!d) return d.error();
    der = std::move(*d);
  } else {
    der = toBytes(pem_or_der);
  }
  ParsedName name;
  PkPtr pk = newPk();
  auto parts = readRequest(der, name, pk.get());
  if (!parts) return parts.error();
  RE6ST_TRY(checkSelfSignature(*parts, pk.get()));
  Name subject = nameFromMbed(&name.head);  // copies: the list points into der
  return Csr(std::move(der), std::move(subject), PublicKey(std::move(pk)));
}

std::optional<std::string> Csr::subjectField(std::string_view name) const {
  return nameField(subject_, name);
}

PublicKey Csr::publicKey() const {
  auto der = key_.der();
  PkPtr pk = newPk();
  if (der.ok()) mbedtls_pk_parse_public_key(pk.get(), der->data(), der->size());
  return PublicKey(std::move(pk));
}

}  // namespace re6st::crypto
