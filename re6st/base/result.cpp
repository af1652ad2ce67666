#include "re6st/base/result.h"

namespace re6st {

const char* codeName(Code code) {
  switch (code) {
    case Code::kInvalid: return "invalid";
    case Code::kNotFound: return "not found";
    case Code::kIo: return "I/O error";
    case Code::kCrypto: return "crypto error";
    case Code::kProtocol: return "protocol error";
    case Code::kExists: return "exists";
    case Code::kPermission: return "permission denied";
    case Code::kTimeout: return "timeout";
    case Code::kUnsupported: return "unsupported";
    case Code::kInternal: return "internal error";
  }
  return "?";
}

}  // namespace re6st
