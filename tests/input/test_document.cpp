#include <gtest/gtest.h>

#include "solver/input/document.hpp"

namespace ci = calcikin::input;

namespace {
// The InputError text thrown by `f`, or "" when nothing was thrown.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ci::InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Document, NodesKnowFileLineColumnAndDottedPath) {
  const auto doc = ci::Document::from_text("a:\n  b:\n    c: 5 nm\n  list: [1 s, 2 s]\n", "f.yaml");
  const ci::Node c = doc->root().at("a").at("b").at("c");
  EXPECT_EQ(c.path(), "a.b.c");
  EXPECT_EQ(c.location().file, "f.yaml");
  EXPECT_EQ(c.location().line, 3);
  EXPECT_EQ(c.location().column, 8);
  EXPECT_EQ(c.source_line(), "    c: 5 nm");
  EXPECT_DOUBLE_EQ(c.quantity(ci::kLength), 5e-9);
  const auto items = doc->root().at("a").at("list").items();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].path(), "a.list[1]");
  EXPECT_DOUBLE_EQ(items[1].quantity(ci::kTime), 2.0);
}

TEST(Document, UnknownKeyIsReportedWithSuggestionAmongKeysAskedFor) {
  const auto doc = ci::Document::from_text("radius: 5 nm\nammount: 2 mmol/kgw\n", "m.yaml");
  const ci::Node root = doc->root();
  root.get("radius");
  root.get("amount");  // absent, but asked for: a valid suggestion
  const std::string e = error_of([&] { root.check_known_keys(); });
  EXPECT_NE(e.find("m.yaml:2:1: ammount: unknown key 'ammount'; did you mean 'amount'?"),
            std::string::npos)
      << e;
}

TEST(Document, EntriesMakeEveryKeyKnown) {
  const auto doc = ci::Document::from_text("totals: {Ca: 1 mM, Mg: 2 mM}\n", "t.yaml");
  const ci::Node totals = doc->root().at("totals");
  EXPECT_EQ(totals.entries().size(), 2u);
  EXPECT_NO_THROW(totals.check_known_keys());
}

TEST(Document, DuplicateKeysAreRejectedAtTheSecondOccurrence) {
  const std::string e = error_of([] { ci::Document::from_text("a: 1\nb: 2\na: 3\n", "d.yaml"); });
  EXPECT_NE(e.find("d.yaml:3:1: a: duplicate key 'a'"), std::string::npos) << e;
}

TEST(Document, YamlSyntaxErrorsCarryTheParserPosition) {
  const std::string e = error_of([] { ci::Document::from_text("a: [1, 2\nb: 3\n", "s.yaml"); });
  EXPECT_NE(e.find("s.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("YAML syntax error"), std::string::npos) << e;
}

TEST(Document, MissingRequiredKeyNamesTheKeyAndTheMap) {
  const auto doc = ci::Document::from_text("solution:\n  pH: 7\n", "r.yaml");
  const std::string e = error_of([&] { doc->root().at("solution").at("totals"); });
  EXPECT_NE(e.find("r.yaml:2:3: solution: missing required key 'totals' in 'solution'"),
            std::string::npos)
      << e;
}

TEST(Document, WrongTypesSayWhatWasExpectedAndWhatWasFound) {
  const auto doc = ci::Document::from_text("m: {a: 1}\nl: [1]\nn: x\nb: yes\nk: 1.5\n", "w.yaml");
  const ci::Node r = doc->root();
  EXPECT_NE(error_of([&] { r.at("m").text(); }).find("expected a value, got a map"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              r.at("l").entries();
            }).find("expected a map (key: value entries), got a list"),
            std::string::npos);
  EXPECT_NE(error_of([&] { r.at("n").items(); }).find("expected a list ([a, b, ...]), got 'x'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { r.at("b").boolean(); }).find("expected true or false, got 'yes'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { r.at("k").integer(); }).find("expected a whole number, got '1.5'"),
            std::string::npos);
}

TEST(Document, BareNumberForADimensionalValueNamesDimensionAndExample) {
  const auto doc = ci::Document::from_text("end: 48\n", "t.yaml");
  const std::string e = error_of([&] { doc->root().at("end").quantity(ci::kTime); });
  EXPECT_NE(e.find("a time needs a unit: got the bare number '48', write e.g. '48 h'"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("hint: time units: s min h day"), std::string::npos) << e;
}

TEST(Document, CaretPointsAtTheUnitInsideTheValue) {
  const auto doc = ci::Document::from_text("x:\n    Mg: 5 mMol\n", "c.yaml");
  const std::string e = error_of([&] { doc->root().at("x").at("Mg").concentration(); });
  EXPECT_NE(e.find("c.yaml:2:11: x.Mg: unknown unit 'mMol' in '5 mMol'\n"
                   "    2 |     Mg: 5 mMol\n"
                   "      |           ^"),
            std::string::npos)
      << e;
}

TEST(Document, CaretFindsTheUnitInQuotedScalars) {
  const auto doc = ci::Document::from_text("Mg: \"5 mMol\"\n", "q.yaml");
  const std::string e = error_of([&] { doc->root().at("Mg").concentration(); });
  EXPECT_NE(e.find("q.yaml:1:8:"), std::string::npos) << e;
}

TEST(Document, ConcentrationKeepsTheBasisAsWritten) {
  const auto doc = ci::Document::from_text("a: 2 mmol/kgw\nb: 2 mM\n", "c.yaml");
  const ci::Concentration a = doc->root().at("a").concentration();
  const ci::Concentration b = doc->root().at("b").concentration();
  EXPECT_EQ(a.kind, ci::ConcentrationKind::Molal);
  EXPECT_DOUBLE_EQ(a.value, 2e-3);
  EXPECT_EQ(b.kind, ci::ConcentrationKind::Molar);
  EXPECT_DOUBLE_EQ(b.value, 2.0);
}

TEST(Document, ChoiceSuggestsTheClosestAllowedValue) {
  const auto doc = ci::Document::from_text("mode: gird\n", "c.yaml");
  const std::string e = error_of([&] { doc->root().at("mode").choice({"grid", "zip"}); });
  EXPECT_NE(e.find("'gird' is not one of 'grid', 'zip'; did you mean 'grid'?"), std::string::npos)
      << e;
}

TEST(Document, EmptyNonMapAndAliasBombDocumentsAreRejected) {
  EXPECT_NE(
      error_of([] { ci::Document::from_text("", "e.yaml")->root(); }).find("the file is empty"),
      std::string::npos);
  EXPECT_NE(
      error_of([] { ci::Document::from_text("- 1\n", "l.yaml")->root(); }).find("expected a map"),
      std::string::npos);
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    const std::string p = "a" + std::to_string(i - 1);
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [*" + p + ", *" + p + ", *" +
            p + ", *" + p + ", *" + p + ", *" + p + ", *" + p + ", *" + p + ", *" + p + ", *" + p +
            "]\n";
  }
  EXPECT_NE(error_of([&] { ci::Document::from_text(bomb, "b.yaml"); }).find("document too large"),
            std::string::npos);
}

TEST(Document, MissingFileIsAnInputError) {
  const std::string e = error_of([] { ci::Document::from_file("/no/such/file.yaml"); });
  EXPECT_NE(e.find("error: /no/such/file.yaml: cannot open file"), std::string::npos) << e;
}
