// PHREEQC database reader: rewriting to master species, options, units, and errors that name the
// file and line.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "models/thermo/reaction_text.hpp"
#include "models/thermo/thermo.hpp"

using namespace calcikin::thermo;
using calcikin::input::InputError;

namespace {
std::string data(const std::string& name) {
  return std::string(CALCIKIN_TEST_DATA_DIR) + "/" + name;
}

// The PHREEQC databases beside the repository (../shared/thermo/phreeqc), when present.
std::string shared_database(const std::string& name) {
  const std::filesystem::path p =
      std::filesystem::path(CALCIKIN_SOURCE_DIR) / ".." / "shared" / "thermo" / "phreeqc" / name;
  return std::filesystem::exists(p) ? p.string() : std::string();
}

const AqueousSpecies& species(const Database& db, const std::string& name) {
  const int i = db.find_species(name);
  if (i < 0) throw std::runtime_error("no species " + name);
  return db.species[static_cast<std::size_t>(i)];
}
}  // namespace

TEST(PhreeqcReader, RewritesReactionsToMasterSpecies) {
  auto db = load_database(data("minimal.dat"));
  // CaHCO3+ = Ca+2 + HCO3- (1.106) with HCO3- = CO3-2 + H+ (10.329): 11.435 on the CO3-2 basis
  const auto& s = species(*db, "CaHCO3+");
  EXPECT_NEAR(s.reaction.log_k.evaluate(298.15), 1.106 + 10.329, 1e-12);
  EXPECT_DOUBLE_EQ(s.reaction.h_plus, 1.0);
  EXPECT_EQ(s.reaction.terms.size(), 2u);
  // delta_h in kcal is converted with 4.184 kJ/kcal (PHREEQC's factor)
  EXPECT_NEAR(species(*db, "HCO3-").reaction.log_k.delta_h, -3.561 * 4184.0, 1e-9);
  // an analytical expression replaces log_k (PHREEQC: the analytic form wins)
  const auto& co2 = species(*db, "CO2");
  const double t = 310.15;
  const double expected =
      464.1965 + 0.09344813 * t - 26986.16 / t - 165.75951 * std::log10(t) + 2248628.9 / (t * t);
  EXPECT_NEAR(co2.reaction.log_k.evaluate(t), expected, 1e-9);
  EXPECT_DOUBLE_EQ(co2.reaction.water, -1.0);
  // gamma: -gamma a b (WATEQ), Davies for ions without it, 0.1 I for neutral species
  EXPECT_EQ(species(*db, "Ca+2").gamma.model, GammaModel::DebyeHuckel);
  EXPECT_DOUBLE_EQ(species(*db, "Ca+2").gamma.b, 0.165);
  EXPECT_EQ(species(*db, "CaHCO3+").gamma.model, GammaModel::Davies);
  EXPECT_EQ(species(*db, "CaCO3").gamma.model, GammaModel::NeutralLinear);
  EXPECT_DOUBLE_EQ(species(*db, "CaCO3").gamma.b, 0.1);
}

TEST(PhreeqcReader, LeavesOutOtherValenceStates) {
  auto db = load_database(data("minimal.dat"));
  EXPECT_LT(db->find_species("CH4"), 0);  // needs e-
  EXPECT_LT(db->find_phase("CH4(g)"), 0);
  EXPECT_GE(db->find_basis("C"), 0);
  EXPECT_EQ(db->find_basis("C"), db->find_basis("C(4)"));  // C, C(+4) and C(4) are one component
  EXPECT_LT(db->find_basis("C(-4)"), 0);
}

TEST(PhreeqcReader, PhaseNameIsTheFirstWordAndVmIsTheMolarVolume) {
  auto db = load_database(data("minimal.dat"));
  ASSERT_GE(db->find_phase("Willemite"), 0);
  const Phase& calcite = db->phases[static_cast<std::size_t>(db->find_phase("Calcite"))];
  EXPECT_NEAR(calcite.molar_volume, 36.9e-6, 1e-15);
  EXPECT_DOUBLE_EQ(calcite.ion_count, 2.0);
  EXPECT_EQ(calcite.formula, "CaCO3");
}

TEST(PhreeqcReader, UnsupportedOptionIsAnErrorOnlyWhenTheSpeciesIsNeeded) {
  auto db = load_database(data("unsupported_option.dat"));    // reading is fine
  EXPECT_NO_THROW(ChemicalSystem::create(db, {"Ca", "Cl"}));  // CaHCO3+ cannot form without C
  try {
    ChemicalSystem::create(db, {"Ca", "Cl", "C(4)"});
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where().line, 35);
    EXPECT_NE(std::string(e.what()).find("unsupported_option.dat:35"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("add_logk"), std::string::npos) << e.what();
  }
}

TEST(PhreeqcReader, ReactionWithoutEqualSignNamesFileAndLine) {
  try {
    load_database(data("missing_equal_sign.dat"));
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("missing_equal_sign.dat:32"), std::string::npos)
        << e.what();
  }
}

TEST(PhreeqcReader, BadNumberNamesFileAndLine) {
  try {
    load_database(data("bad_number.dat"));
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad_number.dat:33"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("3.2x4"), std::string::npos) << e.what();
  }
}

TEST(PhreeqcReader, LlnlGammaWithoutModelParametersIsAnError) {
  auto db = load_database(data("llnl_gamma_without_parameters.dat"));
  try {
    ChemicalSystem::create(db, {"Ca", "Cl"});
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("LLNL_AQUEOUS_MODEL_PARAMETERS"), std::string::npos)
        << e.what();
  }
}

TEST(PhreeqcReader, MissingFileIsAnInputError) {
  EXPECT_THROW(load_database(data("does_not_exist.dat")), InputError);
}

TEST(PhreeqcReader, UnknownElementIsAnInputErrorListingTheComponents) {
  auto db = load_database(data("minimal.dat"));
  try {
    ChemicalSystem::create(db, {"Ca", "Mg"});
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'Mg'"), std::string::npos) << e.what();
    EXPECT_NE(e.hint().find("Ca"), std::string::npos);
  }
}

TEST(PhreeqcReader, PhreeqcDatLogKMatchesPhreeqcItself) {
  const std::string path = shared_database("phreeqc.dat");
  if (path.empty()) GTEST_SKIP() << "../shared/thermo/phreeqc/phreeqc.dat not found";
  auto db = load_database(path);
  auto system = ChemicalSystem::create(db, {"Ca", "Mg", "P", "Na", "K", "Cl", "C(4)", "S(6)"});
  Speciator sp(system);
  sp.set_temperature(310.15);
  // LK_PHASE("Calcite") printed by PHREEQC 3 (IPhreeqc of phreeqpython 1.6.2) at 37 degC, 1 atm
  EXPECT_NEAR(sp.log10_k(static_cast<std::size_t>(system->phase_index("Calcite"))),
              -8.551168313075365, 1e-9);
  // SBF: PHREEQC gives I = 0.15878132040435397 and LM("CaHPO4") = -4.010771279442988
  const double totals[8] = {2.5e-3, 1.5e-3, 1.0e-3, 0.142, 5e-3, 0.1478, 4.2e-3, 0.5e-3};
  double cl = 0.0;
  ASSERT_TRUE(sp.solve_charge_balance(totals, 7.4, 5, &cl).converged);
  EXPECT_NEAR(sp.ionic_strength(), 0.15878132040435397, 1e-7);
  EXPECT_NEAR(std::log10(sp.molality(static_cast<std::size_t>(system->species_index("CaHPO4")))),
              -4.010771279442988, 1e-5);
  EXPECT_NEAR(sp.activity_water(), 0.9948285847508973, 1e-7);
}

TEST(PhreeqcReader, ReadsAllFourPhreeqcDatabases) {
  for (const char* name : {"phreeqc.dat", "minteq.v4.dat", "wateq4f.dat", "llnl.dat"}) {
    const std::string path = shared_database(name);
    if (path.empty()) GTEST_SKIP() << name << " not found in ../shared/thermo/phreeqc";
    auto db = load_database(path);
    auto system = ChemicalSystem::create(db, {"Ca", "Mg", "P", "Na", "Cl"});
    Speciator sp(system);
    sp.set_temperature(298.15);
    const double totals[5] = {2e-3, 1e-3, 1e-3, 0.15, 0.15};
    double cl = 0.0;
    EXPECT_TRUE(sp.solve_charge_balance(totals, 7.0, 4, &cl).converged) << name;
    EXPECT_GE(system->num_phases(), 3u) << name;  // phreeqc.dat: Hydroxyapatite, Halite, H2O(g)
  }
}

TEST(PhreeqcReader, NonPositiveGramFormulaWeightIsRefusedLikePhreeqc) {
  try {
    load_database(data("negative_gfw.dat"));
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    const std::string text = e.what();
    EXPECT_NE(text.find("negative_gfw.dat:7"), std::string::npos) << text;
    EXPECT_NE(text.find("gram formula weight of Ca"), std::string::npos) << text;
  }
}

// PHREEQC checks every reaction for mass and charge balance (check_eqn) and stops with an input
// error; the reader does the same: the first unbalanced reaction is the error (file:line of the
// reaction, PHREEQC's "right - left" figures), every other one a note.
TEST(PhreeqcReader, UnbalancedReactionsAreRefusedLikePhreeqcWithFileAndLine) {
  try {
    load_database(data("unbalanced.dat"));
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    const std::string text = e.what();
    EXPECT_EQ(e.where().line, 35) << text;
    EXPECT_NE(text.find("unbalanced.dat:35:"), std::string::npos) << text;
    EXPECT_NE(text.find("species CaHCO3+2: the reaction is not charge balanced: right - left = 1 "
                        "moles charge"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("Ca+2 + HCO3- = CaHCO3+2"), std::string::npos) << text;  // the line
    ASSERT_EQ(e.notes().size(), 1u) << text;
    EXPECT_EQ(e.notes()[0].where.line, 43);
    EXPECT_NE(
        e.notes()[0].text.find("phase Willemite: the reaction does not balance for H: right - "
                               "left = 2 moles; the reaction does not balance for O: right - "
                               "left = 1 moles"),
        std::string::npos)
        << text;
    EXPECT_NE(text.find("2 reactions do not balance"), std::string::npos) << text;
  }
}

TEST(PhreeqcReader, NoCheckSkipsTheBalanceCheckAsInPhreeqc) {
  auto db = load_database(data("unbalanced_no_check.dat"));
  EXPECT_GE(db->find_species("CaHCO3+2"), 0);
  EXPECT_GE(db->find_phase("Willemite"), 0);
}

TEST(PhreeqcReader, TheDefinedSpeciesNeedsCoefficientOne) {
  try {
    load_database(data("species_coefficient_not_one.dat"));
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where().line, 32) << e.what();
    EXPECT_NE(std::string(e.what()).find("coefficient of the species"), std::string::npos)
        << e.what();
  }
}

// Charges as ++ or +2, parentheses, hydrates (CaCl2:6H2O), fractional subscripts, e- and
// bracketed element names balance as PHREEQC reads them.
TEST(PhreeqcReader, BalancedReactionsInEveryPhreeqcNotationLoad) {
  auto db = load_database(data("phreeqc_notation.dat"));
  EXPECT_GE(db->find_phase("Antarcticite"), 0);
  EXPECT_GE(db->find_phase("Portlandite"), 0);
  EXPECT_GE(db->find_phase("HalfCalcite"), 0);
  EXPECT_GE(db->find_species("Ca(OH)2"), 0);
  EXPECT_GE(db->find_species("Ca[13C]O3"), 0);
}

TEST(ReactionText, BalanceFollowsPhreeqcsElementRules) {
  auto problem = [](const char* text, ReactionKind kind) {
    std::string err;
    const auto r = parse_reaction(text, &err);
    if (!r) return "parse error: " + err;
    return reaction_balance_problem(*r, kind);
  };
  EXPECT_EQ(problem("CO3-2 + 10 H+ + 8 e- = CH4 + 3 H2O", ReactionKind::Species), "");
  EXPECT_EQ(problem("Ca5(PO4)3OH = 5Ca+2 + 3PO4-3 + OH-", ReactionKind::Phase), "");
  EXPECT_EQ(problem("CaSO4:2H2O = Ca+2 + SO4-2 + 2 H2O", ReactionKind::Phase), "");
  EXPECT_EQ(problem("CaH0.22(PO4)0.74 = Ca+2 + 0.22H+ + 0.74PO4-3", ReactionKind::Phase), "");
  EXPECT_EQ(problem("Fe+2 = Fe+3 + e-", ReactionKind::Species), "");
  EXPECT_EQ(problem("Ca++ + CO3-- = CaCO3", ReactionKind::Species), "");
  EXPECT_NE(problem("Ca5(PO4)3OH = 5Ca+2 + 3PO4-3", ReactionKind::Phase).find("for H"),
            std::string::npos);
  EXPECT_NE(problem("Fe+2 = Fe+3", ReactionKind::Species).find("charge"), std::string::npos);
  EXPECT_NE(problem("Ca+2 + SO4-2 = Ca(SO4", ReactionKind::Species).find("parentheses"),
            std::string::npos);
}
