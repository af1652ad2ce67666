// Helpers for Babel tests on the simulator: prefixes per router index and a base config.
#pragma once

#include <string>

#include "re6st/babel/router.h"
#include "re6st/base/prefix.h"

namespace re6st::test {

// 2001:db8:<i>::/48 for router i (i < 65536).
inline Prefix babelPrefix(size_t i) {
  Prefix p;
  p.addr = {0x20, 0x01, 0x0d, 0xb8, uint8_t(i >> 8), uint8_t(i)};
  p.len = 48;
  return p;
}

inline babel::Config babelConfig(Duration hello = seconds(1)) {
  babel::Config c;
  c.helloInterval = hello;
  return c;
}

}  // namespace re6st::test
