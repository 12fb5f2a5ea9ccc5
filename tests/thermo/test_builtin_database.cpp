// The builtin database: sources on every entry, solid properties, optional species, parameters.
#include <gtest/gtest.h>

#include <cmath>

#include "models/thermo/thermo.hpp"

using namespace calcikin::thermo;

TEST(BuiltinDatabase, EveryEntryCarriesASource) {
  auto db = builtin_database();
  for (const auto& s : db->species) EXPECT_FALSE(s.source.empty()) << s.name;
  for (const auto& p : db->phases) EXPECT_FALSE(p.source.empty()) << p.name;
  EXPECT_GE(db->species.size(), 27u + 10u);  // H+, 10 masters, the 26 species of minteq.v4, options
}

TEST(BuiltinDatabase, SolidsHaveFormulaStoichiometryVolumeAndIonCount) {
  auto db = builtin_database();
  auto system = ChemicalSystem::create(db, {"Ca", "Mg", "P", "C(4)"});
  struct Expect {
    const char* name;
    double ca, mg, p, nu, vm_cm3;
  };
  const Expect table[] = {{"HAP", 5, 0, 3, 9, 159.0},      {"OCP", 4, 0, 3, 8, 188.2},
                          {"DCPD", 1, 0, 1, 2, 74.2},      {"beta-TCP", 3, 0, 2, 5, 101.0},
                          {"ACP", 3, 0, 2, 5, 182.1},      {"ACP1", 1, 0, 0.74, 1.96, 55.2},
                          {"WH", 9, 1, 7, 17, 339.0},      {"newberyite", 0, 1, 1, 2, 82.2},
                          {"Mg3(PO4)2", 0, 3, 2, 5, 95.9}, {"calcite", 1, 0, 0, 2, 36.9},
                          {"monetite", 1, 0, 1, 2, 46.5}};
  for (const auto& e : table) {
    const int p = system->phase_index(e.name);
    ASSERT_GE(p, 0) << e.name;
    const auto i = static_cast<std::size_t>(p);
    EXPECT_DOUBLE_EQ(system->phase_element_coefficient(i, 0), e.ca) << e.name;
    EXPECT_DOUBLE_EQ(system->phase_element_coefficient(i, 1), e.mg) << e.name;
    EXPECT_NEAR(system->phase_element_coefficient(i, 2), e.p, 1e-12) << e.name;
    EXPECT_NEAR(system->phase_ion_count(i), e.nu, 1e-12) << e.name;
    EXPECT_NEAR(system->phase_molar_volume(i) * 1e6, e.vm_cm3, 0.6) << e.name;
  }
  // protons released on dissolution relative to PO4-3 / CO3-2: HAP takes one (OH-), OCP gives one
  EXPECT_DOUBLE_EQ(
      system->phase_proton_coefficient(static_cast<std::size_t>(system->phase_index("HAP"))), -1.0);
  EXPECT_DOUBLE_EQ(
      system->phase_proton_coefficient(static_cast<std::size_t>(system->phase_index("OCP"))), 1.0);
}

TEST(BuiltinDatabase, WhitlockiteStabilisationIsANamedParameter) {
  auto db = builtin_database();
  const Phase& wh = db->phases[static_cast<std::size_t>(db->find_phase("WH"))];
  EXPECT_EQ(wh.offset_parameter, "dlogK_stab");
  EXPECT_DOUBLE_EQ(wh.default_log_k_offset, -12.0);
  EXPECT_DOUBLE_EQ(wh.offset_min, -14.0);
  EXPECT_DOUBLE_EQ(wh.offset_max, -8.0);
}

TEST(BuiltinDatabase, TabulatedSolubilitiesAtBothTemperatures) {
  // log Ksp on the species of the reaction as written: rewrite back with the aqueous constants.
  auto db = builtin_database();
  auto system = ChemicalSystem::create(db, {"Ca", "Mg", "P"});
  Speciator sp(system);
  const auto hpo4 =
      db->species[static_cast<std::size_t>(db->find_species("HPO4-2"))].reaction.log_k;
  for (double t : {298.15, 310.15}) {
    sp.set_temperature(t);
    const double dcpd =
        sp.log10_k(static_cast<std::size_t>(system->phase_index("DCPD"))) + hpo4.evaluate(t);
    EXPECT_NEAR(dcpd, t < 300 ? -6.59 : -6.63, 1e-9);
    EXPECT_NEAR(sp.log10_k(static_cast<std::size_t>(system->phase_index("beta-TCP"))),
                t < 300 ? -28.92 : -29.55, 1e-9);
    EXPECT_NEAR(sp.log10_k(static_cast<std::size_t>(system->phase_index("OCP"))),
                t < 300 ? -47.08 : -48.4, 1e-9);
    // WH: the mixture 3 beta-TCP + newberyite (-92.59 / -94.6) plus dlogK_stab = -12 (default)
    EXPECT_NEAR(sp.log10_k(static_cast<std::size_t>(system->phase_index("WH"))) + hpo4.evaluate(t),
                (t < 300 ? -92.59 : -94.6) - 12.0, 1e-9);
  }
  sp.set_temperature(310.15);
  EXPECT_NEAR(sp.log10_k(static_cast<std::size_t>(system->phase_index("ACP"))), -25.5, 1e-12);
  EXPECT_NEAR(sp.log10_k(static_cast<std::size_t>(system->phase_index("ACP1"))), -10.64, 1e-12);
}

TEST(BuiltinDatabase, OptionalChlorideComplexesAreOffUnlessEnabled) {
  auto db = builtin_database();
  auto plain = ChemicalSystem::create(db, {"Ca", "Cl"});
  EXPECT_LT(plain->species_index("CaCl+"), 0);
  SystemOptions options;
  options.enable_species = {"CaCl+"};
  auto with = ChemicalSystem::create(db, {"Ca", "Cl"}, options);
  EXPECT_GE(with->species_index("CaCl+"), 0);
  options.enable_species = {"HPO4-2"};  // not optional
  EXPECT_THROW(ChemicalSystem::create(db, {"Ca", "Cl", "P"}, options), calcikin::input::InputError);
}

TEST(BuiltinDatabase, BuffersAreComponentsWithTheirPka) {
  auto db = builtin_database();
  auto system = ChemicalSystem::create(db, {"Tris", "Na", "Cl"});
  Speciator sp(system);
  sp.set_temperature(310.15);
  // At pH = pKa the activities of Tris and TrisH+ are equal; pKa(37 degC) = 7.75 (Goldberg et al.
  // 2002)
  const double totals[3] = {50e-3, 0.0, 0.0};
  ASSERT_TRUE(sp.solve_fixed_pH(totals, 7.75).converged);
  EXPECT_NEAR(sp.log10_activity(static_cast<std::size_t>(system->species_index("TrisH+"))) -
                  sp.log10_activity(static_cast<std::size_t>(system->species_index("Tris"))),
              0.0, 1e-3);
}
