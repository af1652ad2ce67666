#include "re6st/base/bytes.h"

#include <catch2/catch.hpp>

using namespace re6st;

TEST_CASE("Reader reads big-endian and fails stickily", "[bytes]") {
  Bytes b{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  Reader r(b);
  CHECK(r.u8() == 1);
  CHECK(r.u16() == 0x0203);
  CHECK(r.u32() == 0x04050607);
  CHECK(r.ok());
  CHECK(r.u8() == 0);
  CHECK_FALSE(r.ok());
  CHECK(r.take(1).empty());
}

TEST_CASE("Writer round-trips with Reader", "[bytes]") {
  Writer w;
  w.u8(9);
  w.u16(0xbeef);
  w.u32(0xdeadbeef);
  w.u64(0x0102030405060708ULL);
  w.bytes("hi");
  Bytes out = w.take();
  Reader r(out);
  CHECK(r.u8() == 9);
  CHECK(r.u16() == 0xbeef);
  CHECK(r.u32() == 0xdeadbeef);
  CHECK(r.u64() == 0x0102030405060708ULL);
  CHECK(asString(r.rest()) == "hi");
  CHECK(r.ok());
}

TEST_CASE("hex and base64 encode and refuse garbage", "[bytes]") {
  Bytes b;
  CHECK(fromHex("00fFa0", b));
  CHECK(toHex(b) == "00ffa0");
  CHECK_FALSE(fromHex("abc", b));
  CHECK_FALSE(fromHex("zz", b));
  CHECK(base64Encode(asBytes("")) == "");
  CHECK(base64Encode(asBytes("f")) == "Zg==");
  CHECK(base64Encode(asBytes("fo")) == "Zm8=");
  CHECK(base64Encode(asBytes("foo")) == "Zm9v");
  for (const char* s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    Bytes d;
    REQUIRE(base64Decode(base64Encode(asBytes(s)), d));
    CHECK(asString(d) == s);
  }
  Bytes d;
  CHECK_FALSE(base64Decode("Zg=", d));
  CHECK_FALSE(base64Decode("Z===", d));
  CHECK_FALSE(base64Decode("Zg==Zg==", d));
  CHECK_FALSE(base64Decode("Zm9*", d));
}
