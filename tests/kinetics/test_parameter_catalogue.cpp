// The kinetic parameter catalogue (models/data/kinetics_parameters.yaml) and its binding to the
// model.
#include <gtest/gtest.h>

#include <algorithm>

#include "models/kinetics/dual.hpp"
#include "models/kinetics/kinetic_parameters.hpp"
#include "models/kinetics/parameter_catalogue.hpp"
#include "solver/input/input_error.hpp"

using namespace calcikin::kinetics;

TEST(ParameterCatalogue, EveryParameterIsBoundToAModelFieldAndViceVersa) {
  std::vector<std::string> catalogue = ParameterCatalogue::builtin().names();
  std::vector<std::string> bound = bound_parameter_names();
  std::sort(catalogue.begin(), catalogue.end());
  std::sort(bound.begin(), bound.end());
  EXPECT_EQ(catalogue, bound);
}

TEST(ParameterCatalogue, EveryParameterHasUnitRangeTagAndSource) {
  for (const ParameterInfo& p : ParameterCatalogue::builtin().parameters()) {
    EXPECT_FALSE(p.unit.empty()) << p.name;
    EXPECT_FALSE(p.source.empty()) << p.name;
    EXPECT_FALSE(p.description.empty()) << p.name;
    EXPECT_LE(p.min_si, p.default_si) << p.name;
    EXPECT_LE(p.default_si, p.max_si) << p.name;
  }
}

TEST(ParameterCatalogue, DefaultsAreConvertedToSi) {
  const KineticParameters p = KineticParameters::defaults();
  EXPECT_DOUBLE_EQ(p.minimum_nucleus_radius, 0.5e-9);  // written "0.5 nm"
  EXPECT_DOUBLE_EQ(p.acp_mg_langmuir_constant, 2.0);   // written "2 m3/mol" (2e3 L/mol)
  EXPECT_DOUBLE_EQ(p.hap.growth_order, 2.0);
  EXPECT_DOUBLE_EQ(p.get("HAP.growth.rate_constant"), p.hap.growth_rate_constant);
}

TEST(ParameterCatalogue, UnknownNameSuggestsTheClosestParameter) {
  try {
    ParameterCatalogue::builtin().at("HAP.growth.rate_constnt", {"s.yaml", 7, 5},
                                     "kinetics.parameters");
    FAIL() << "no error";
  } catch (const calcikin::input::InputError& e) {
    const std::string text = e.what();
    EXPECT_NE(text.find("s.yaml:7:5"), std::string::npos) << text;
    EXPECT_NE(text.find("did you mean 'HAP.growth.rate_constant'"), std::string::npos) << text;
  }
}

TEST(ParameterCatalogue, DefaultOutsideItsRangeIsRejectedAtItsLine) {
  const std::string text =
      "schema: calcikin/kinetic-parameters/1\n"
      "parameters:\n"
      "  X.k:\n"
      "    default: 5 mol/m2/s\n"
      "    unit: mol/m2/s\n"
      "    range: [1 mol/m2/s, 2 mol/m2/s]\n"
      "    tag: estimate\n"
      "    source: test\n"
      "    description: test\n";
  try {
    ParameterCatalogue::parse(text, "bad.yaml");
    FAIL() << "no error";
  } catch (const calcikin::input::InputError& e) {
    EXPECT_EQ(e.where().line, 4);
    EXPECT_NE(std::string(e.what()).find("outside its range"), std::string::npos);
  }
}

TEST(KineticParameters, SetByNameReachesTheField) {
  KineticParameters p = KineticParameters::defaults();
  EXPECT_TRUE(p.set("WH.growth.rate_constant", 3e-9));
  EXPECT_DOUBLE_EQ(p.wh.growth_rate_constant, 3e-9);
  EXPECT_FALSE(p.set("WH.growth.rate", 1.0));
}

// for_each_field lists every field once (the exact d f / d p converts and seeds parameter sets of
// dual numbers through it): as many visits as the double set holds doubles, and a set of duals
// seeded on one slot carries that slot's value and a unit derivative there, nothing elsewhere.
TEST(KineticParameters, FieldVisitorReachesEveryFieldAndSeedsEverySlot) {
  KineticParameters p = KineticParameters::defaults();
  std::size_t fields = 0;
  for_each_field(p, p, [&](double&, double&) { ++fields; });
  EXPECT_EQ(fields * sizeof(double), sizeof(BasicKineticParameters<double>));
  for (std::size_t slot = 0; slot < KineticParameters::slot_count(); ++slot) {
    const BasicKineticParameters<Dual<1>> d =
        parameters_as<Dual<1>>(p, &slot, 1, [](std::size_t, Dual<1>& x) { x.d[0] = 1.0; });
    std::size_t seeded = 0, equal = 0;
    for_each_field(p, d, [&](const double& v, const Dual<1>& x) {
      if (x.d[0] != 0.0) {
        ++seeded;
        EXPECT_EQ(&v, &p.at(slot));
      }
      if (x.v == v) ++equal;
    });
    EXPECT_EQ(seeded, 1u) << bound_parameter_names()[slot];
    EXPECT_EQ(equal, fields);
  }
}
