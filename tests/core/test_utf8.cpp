// Tests of the strict UTF-8 check that names in weight files and pickled strings must pass.
#include <catch2/catch.hpp>

#include <string>

#include "vgs/core/utf8.h"

using vgs::core::valid_utf8;

TEST_CASE("valid UTF-8 is accepted, from ASCII to four-byte sequences") {
  CHECK(valid_utf8(""));
  CHECK(valid_utf8("plain ascii\n"));
  CHECK(valid_utf8(std::string("nul\0inside", 10)));
  CHECK(valid_utf8("caf\xc3\xa9"));                 // U+00E9
  CHECK(valid_utf8("\xe2\x82\xac"));                // U+20AC
  CHECK(valid_utf8("\xef\xbf\xbd"));                // U+FFFD
  CHECK(valid_utf8("\xf0\x9f\x98\x80"));            // U+1F600
  CHECK(valid_utf8("\xf4\x8f\xbf\xbf"));            // U+10FFFF, the last code point
  CHECK(valid_utf8("\xed\x9f\xbf\xee\x80\x80"));    // U+D7FF and U+E000, either side of the surrogates
}

TEST_CASE("invalid UTF-8 is refused: stray, cut, overlong, surrogate and out-of-range sequences") {
  CHECK_FALSE(valid_utf8("\x80"));                  // a continuation byte alone
  CHECK_FALSE(valid_utf8("\xff"));
  CHECK_FALSE(valid_utf8("cut\xc3"));
  CHECK_FALSE(valid_utf8("\xe2\x82"));
  CHECK_FALSE(valid_utf8("\xe2\x82x"));
  CHECK_FALSE(valid_utf8("\xc0\xaf"));              // '/' in two bytes
  CHECK_FALSE(valid_utf8("\xe0\x80\xaf"));          // '/' in three bytes
  CHECK_FALSE(valid_utf8("\xf0\x80\x80\xaf"));      // '/' in four bytes
  CHECK_FALSE(valid_utf8("\xed\xa0\x80"));          // U+D800
  CHECK_FALSE(valid_utf8("\xed\xbf\xbf"));          // U+DFFF
  CHECK_FALSE(valid_utf8("\xf4\x90\x80\x80"));      // U+110000
  CHECK_FALSE(valid_utf8("\xf8\x88\x80\x80\x80"));  // five-byte forms are gone
}
