#include <gtest/gtest.h>

#include "solver/input/input_error.hpp"

namespace ci = calcikin::input;

TEST(InputError, FormatsFileLineColumnPathSourceLineCaretAndHint) {
  const ci::InputError e(ci::SourceLocation{"scenarios/x.yaml", 14, 13}, "solution.totals.Mg",
                         "unknown unit 'mMol' in '5 mMol'", "    Mg:   5 mMol",
                         "concentration units: mol/kgw mmol/kgw");
  EXPECT_EQ(std::string(e.what()),
            "error: scenarios/x.yaml:14:13: solution.totals.Mg: unknown unit 'mMol' in '5 mMol'\n"
            "   14 |     Mg:   5 mMol\n"
            "      |             ^\n"
            "hint: concentration units: mol/kgw mmol/kgw");
  EXPECT_EQ(e.where().line, 14);
  EXPECT_EQ(e.key_path(), "solution.totals.Mg");
  EXPECT_EQ(e.problem(), "unknown unit 'mMol' in '5 mMol'");
}

TEST(InputError, WithoutLineShowsNoSourceBlock) {
  const ci::InputError e(ci::SourceLocation{"--set", 0, 0}, "solution.pH",
                         "pH must be between 0 and 14");
  EXPECT_EQ(std::string(e.what()), "error: --set: solution.pH: pH must be between 0 and 14");
}

TEST(InputError, CaretLineKeepsTabsSoTheCaretStaysAligned) {
  const ci::InputError e(ci::SourceLocation{"f", 1, 3}, "", "bad", "\tab", "");
  EXPECT_EQ(std::string(e.what()), "error: f:1:3: bad\n    1 | \tab\n      | \t ^");
}
