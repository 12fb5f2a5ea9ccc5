#include <gtest/gtest.h>

#include "models/scenario/loader.hpp"
#include "models/scenario/overrides.hpp"

namespace cs = calcikin::scenario;
namespace ci = calcikin::input;

namespace {

cs::Scenario sbf() {
  return cs::load_file(std::string(CALCIKIN_SOURCE_DIR) + "/scenarios/sbf.yaml");
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ci::InputError& e) {
    return e.what();
  }
  return "";
}

const cs::TotalEntry* total(const cs::Scenario& s, const std::string& element) {
  for (const cs::TotalEntry& t : s.solution.totals) {
    if (t.element == element) return &t;
  }
  return nullptr;
}

}  // namespace

TEST(Overrides, ResolveConvertApplySetsATotalInSi) {
  cs::Scenario s = sbf();
  cs::ResolvedPath p = cs::resolve_path(s, "solution.totals.Mg", {});
  const double v = cs::convert_value(p, 2.0, "mmol/kgw", {});
  EXPECT_DOUBLE_EQ(v, 2e-3);
  cs::apply(s, p, v);
  EXPECT_DOUBLE_EQ(total(s, "Mg")->value, 2e-3);
}

TEST(Overrides, MolarValueSwitchesTheTotalsBasis) {
  cs::Scenario s = sbf();
  cs::ResolvedPath p = cs::resolve_path(s, "solution.totals.Mg", {});
  const double v = cs::convert_value(p, 2.0, "mM", {});
  EXPECT_EQ(p.basis, cs::ConcentrationBasis::Molar);
  cs::apply(s, p, v);
  EXPECT_EQ(total(s, "Mg")->basis, cs::ConcentrationBasis::Molar);
  EXPECT_DOUBLE_EQ(total(s, "Mg")->value, 2.0);
}

TEST(Overrides, ApplyAddsAnElementThatWasNotInTheFile) {
  cs::Scenario s = sbf();
  cs::ResolvedPath p = cs::resolve_path(s, "solution.totals.Sr", {});
  cs::apply(s, p, cs::convert_value(p, 10.0, "umol/kgw", {}));
  ASSERT_NE(total(s, "Sr"), nullptr);
  EXPECT_DOUBLE_EQ(total(s, "Sr")->value, 1e-5);
}

TEST(Overrides, SetParsesPathAndValueWithUnits) {
  cs::Scenario s = sbf();
  cs::apply_set(s, "solution.temperature=25 degC");
  cs::apply_set(s, "solution.pH = 7.2");
  cs::apply_set(s, "time.end=2 day");
  cs::apply_set(s, "minerals.ACP.radius=30 nm");
  cs::apply_set(s, "minerals.ACP.amount=1 mmol/kgw");
  cs::apply_set(s, "solver.rtol=1e-8");
  cs::apply_set(s, "solution.density=1.01 kg/L");
  EXPECT_DOUBLE_EQ(s.solution.temperature, 298.15);
  EXPECT_DOUBLE_EQ(s.solution.pH, 7.2);
  EXPECT_DOUBLE_EQ(s.time.end, 172800.0);
  EXPECT_DOUBLE_EQ(s.time.last, 172800.0);  // the default output grid follows the end time
  ASSERT_EQ(s.minerals.size(), 1u);
  EXPECT_DOUBLE_EQ(s.minerals[0].radius, 30e-9);
  EXPECT_DOUBLE_EQ(s.minerals[0].amount, 1e-3);
  EXPECT_DOUBLE_EQ(s.solver.rtol, 1e-8);
  EXPECT_DOUBLE_EQ(s.solution.density, 1.01);
}

TEST(Overrides, SetRejectsMalformedArgumentsUnknownPathsAndBadValues) {
  cs::Scenario s = sbf();
  EXPECT_NE(error_of([&] { cs::apply_set(s, "solution.pH"); }).find("expected PATH=VALUE"),
            std::string::npos);
  EXPECT_NE(
      error_of([&] {
        cs::apply_set(s, "solution.ph=7");
      }).find("error: --set: solution.ph: unknown path 'solution.ph'; did you mean 'solution.pH'?"),
      std::string::npos);
  EXPECT_NE(error_of([&] {
              cs::apply_set(s, "solution.pH=15");
            }).find("pH must be between 0 and 14 (got '15')"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              cs::apply_set(s, "solution.totals.Mg=2");
            }).find("a concentration needs a unit: got the bare number '2'"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              cs::apply_set(s, "solution.totals.Mg=2 nm");
            }).find("'nm' is not a concentration unit"),
            std::string::npos);
  EXPECT_NE(
      error_of([&] { cs::apply_set(s, "solution.totals.Mg=-1 mM"); }).find("cannot be negative"),
      std::string::npos);
  EXPECT_NE(error_of([&] {
              cs::apply_set(s, "solution.temperature=500 K");
            }).find("between 0 and 100 degC"),
            std::string::npos);
  EXPECT_NE(error_of([&] { cs::apply_set(s, "solution.pH=7 mM"); }).find("expected a plain number"),
            std::string::npos);
  EXPECT_NE(
      error_of([&] { cs::apply_set(s, "minerals.ACP.size=3 nm"); }).find("unknown mineral field"),
      std::string::npos);
  EXPECT_NE(
      error_of([&] { cs::apply_set(s, "solution.totals.xx=1 mM"); }).find("not an element name"),
      std::string::npos);
}

TEST(Overrides, KnownPathsListEveryScalarOfTheScenario) {
  const std::vector<std::string> paths = cs::known_paths(sbf());
  for (const char* expected : {"solution.temperature", "solution.pH", "solution.totals.Mg",
                               "solution.totals.C(4)", "time.end", "solver.rtol"}) {
    EXPECT_NE(std::find(paths.begin(), paths.end(), expected), paths.end()) << expected;
  }
}

TEST(Overrides, KineticParametersAreConvertedToTheCataloguesSiUnitsWhenRead) {
  cs::Scenario s = cs::load_text(R"(schema: calcikin/scenario/1
solution: {totals: {Ca: 1 mM}}
kinetics:
  parameters:
    HAP.growth.rate_constant: 1e-4 mmol/m2/s
sweep:
  mode: grid
  parameters:
    kinetics.parameters.HAP.nucleation.interfacial_energy: {values: [50, 60], unit: mJ/m2}
)",
                                 "k.yaml", "");
  ASSERT_EQ(s.kinetics.parameters.size(), 1u);
  EXPECT_DOUBLE_EQ(s.kinetics.parameters[0].value, 1e-7);  // SI as soon as the file is read
  EXPECT_DOUBLE_EQ(s.sweep.parameters[0].values[0], 0.05);
  EXPECT_DOUBLE_EQ(s.sweep.parameters[0].values[1], 0.06);
  cs::apply_set(s, "kinetics.parameters.HAP.nucleation.interfacial_energy=70 mJ/m2");
  ASSERT_EQ(s.kinetics.parameters.size(), 2u);
  EXPECT_DOUBLE_EQ(s.kinetics.parameters[1].value, 0.07);
  // The path carries the catalogue's SI unit; dimensionless is "1" like everywhere else.
  const cs::ResolvedPath p =
      cs::resolve_path(s, "kinetics.parameters.HAP.nucleation.interfacial_energy", {});
  EXPECT_EQ(p.unit, "J/m2");
  EXPECT_EQ(cs::resolve_path(s, "kinetics.parameters.HAP.growth.order", {}).unit, "1");
  EXPECT_EQ(cs::resolve_path(s, "solution.pH", {}).unit, "1");
  cs::apply(s, p, 0.06);
  EXPECT_DOUBLE_EQ(s.kinetics.parameters[1].value, 0.06);
}

TEST(Overrides, UnknownKineticParameterAndWrongUnitAreReportedAtTheFileLineWhenRead) {
  const std::string head =
      "schema: calcikin/scenario/1\nsolution: {totals: {Ca: 1 mM}}\nkinetics:\n  parameters:\n";
  const std::string e = error_of(
      [&] { cs::load_text(head + "    HAP.growth.rate_constnt: 1e-8 mol/m2/s\n", "k.yaml", ""); });
  EXPECT_NE(
      e.find("k.yaml:5:30: kinetics.parameters.HAP.growth.rate_constnt: unknown kinetic parameter "
             "'HAP.growth.rate_constnt'; did you mean 'HAP.growth.rate_constant'?"),
      std::string::npos)
      << e;
  EXPECT_NE(error_of([&] {
              cs::load_text(head + "    HAP.nucleation.interfacial_energy: 3 nm\n", "k.yaml", "");
            }).find("does not fit this parameter"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              cs::load_text(head + "    HAP.nucleation.interfacial_energy: 3\n", "k.yaml", "");
            }).find("needs a unit"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              cs::load_text(head + "    HAP.growth.order: 2 m\n", "k.yaml", "");
            }).find("its SI unit is 1, dimensionless"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              cs::load_text(head + "    HAP.growth.rate_constant: -1e-8 mol/m2/s\n", "k.yaml", "");
            }).find("cannot be negative"),
            std::string::npos);
  cs::Scenario s = cs::load_text(head + "    HAP.growth.order: 2\n", "k.yaml", "");
  EXPECT_NE(error_of([&] {
              cs::apply_set(s, "kinetics.parameters.HAP.growth.rate_constnt=1");
            }).find("did you mean 'HAP.growth.rate_constant'"),
            std::string::npos);
}

TEST(Overrides, ElementAndPhaseNameSyntax) {
  EXPECT_TRUE(cs::is_element_name("Ca"));
  EXPECT_TRUE(cs::is_element_name("C(4)"));
  EXPECT_TRUE(cs::is_element_name("N(-3)"));
  EXPECT_FALSE(cs::is_element_name("ca"));
  EXPECT_FALSE(cs::is_element_name("Cax"));
  EXPECT_FALSE(cs::is_element_name("C()"));
  EXPECT_FALSE(cs::is_element_name("C(4"));
  EXPECT_TRUE(cs::is_phase_name("Hydroxyapatite"));
  EXPECT_FALSE(cs::is_phase_name("1ACP"));
}
