// The one JSON escaper and number format (solver/input/json.hpp) used by every --json output.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "solver/input/json.hpp"

using calcikin::input::json_number;
using calcikin::input::json_string;

TEST(Json, StringsEscapeQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(json_string("Ca+2"), "\"Ca+2\"");
  EXPECT_EQ(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_string("x\ny\tz\r"), "\"x\\ny\\tz\\r\"");
  EXPECT_EQ(json_string("\x1b[31m"), "\"\\u001b[31m\"");  // no terminal escape passes through
  EXPECT_EQ(json_string("µM"), "\"µM\"");                 // UTF-8 as it is
}

TEST(Json, NumbersReadBackExactlyAndNonFiniteIsNull) {
  for (double x : {0.1, 1.0 / 3.0, 6.02214076e23, -2.5e-308}) {
    EXPECT_EQ(std::strtod(json_number(x).c_str(), nullptr), x);
  }
  EXPECT_EQ(json_number(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(json_number(std::numeric_limits<double>::infinity()), "null");
}
