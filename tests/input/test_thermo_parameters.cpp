// Thermodynamic parameters as scenario parameters: the catalogue derived from the database, the
// `thermodynamics:` section, dotted paths (sweeps, --set), and their effect in api::speciate and in
// the kinetics runs (api::Simulation).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <string>

#include "models/api/simulation.hpp"
#include "models/api/speciate.hpp"
#include "models/scenario/loader.hpp"
#include "models/scenario/overrides.hpp"
#include "models/scenario/thermo_parameters.hpp"

namespace cs = calcikin::scenario;
namespace ci = calcikin::input;
namespace api = calcikin::api;

namespace {

// Kokubo SBF at 37 degC (Kokubo & Takadama 2006), as scenarios/sbf.yaml.
const std::string kSbf = R"(schema: calcikin/scenario/1
name: sbf
solution:
  temperature: 37 degC
  pH: 7.40
  charge_balance: Cl
  totals: {Ca: 2.5 mmol/kgw, Mg: 1.5 mmol/kgw, P: 1.0 mmol/kgw, Na: 142 mmol/kgw, K: 5.0 mmol/kgw,
           Cl: 147.8 mmol/kgw, C(4): 4.2 mmol/kgw, S(6): 0.5 mmol/kgw}
)";

cs::Scenario load(const std::string& text) { return cs::load_text(text, "test.yaml", ""); }

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ci::InputError& e) {
    return e.what();
  }
  return "";
}

const api::PhaseResult& phase(const api::SpeciationReport& r, const std::string& name) {
  for (const api::PhaseResult& p : r.phases)
    if (p.name == name) return p;
  throw std::runtime_error("no phase " + name);
}

std::string shared_database(const std::string& name) {
  const auto p =
      std::filesystem::path(CALCIKIN_SOURCE_DIR) / ".." / "shared" / "thermo" / "phreeqc" / name;
  return std::filesystem::exists(p) ? p.string() : std::string();
}

}  // namespace

// ---- catalogue

TEST(ThermoParameterCatalogue, BuiltinNamesWhStabilisationWithDatabaseDefaultAndRange) {
  const auto c = cs::thermo_parameter_catalogue("builtin");
  const cs::ThermoParameterInfo* wh = c->find("WH.dlogK_stab");
  ASSERT_NE(wh, nullptr);
  EXPECT_EQ(wh->kind, cs::ThermoParameterKind::PhaseLogKOffset);
  EXPECT_EQ(wh->target, "WH");
  EXPECT_EQ(wh->default_value, -12.0);
  EXPECT_EQ(wh->min, -14.0);
  EXPECT_EQ(wh->max, -8.0);
  EXPECT_NE(wh->source.find("Li et al. 2009"), std::string::npos) << wh->source;
  EXPECT_EQ(c->find("WH.log_k_offset"), nullptr);  // one name per parameter: the database's
  EXPECT_EQ(c->find_target(cs::ThermoParameterKind::PhaseLogKOffset, "WH"), wh);
}

TEST(ThermoParameterCatalogue, BuiltinHasAnOffsetPerPhaseAndNonMasterSpeciesOnly) {
  const auto c = cs::thermo_parameter_catalogue("builtin");
  const cs::ThermoParameterInfo* na = c->find("NaHPO4-.log_k_offset");
  ASSERT_NE(na, nullptr);
  EXPECT_EQ(na->kind, cs::ThermoParameterKind::SpeciesLogKOffset);
  EXPECT_EQ(na->default_value, 0.0);
  EXPECT_NE(na->source.find("W1"), std::string::npos) << na->source;
  EXPECT_NE(c->find("HAP.log_k_offset"), nullptr);
  EXPECT_EQ(c->find("Ca+2.log_k_offset"), nullptr);  // master species: log K 0 by definition
  EXPECT_EQ(c->find("H+.log_k_offset"), nullptr);
  EXPECT_EQ(c->optional_species(), (std::vector<std::string>{"CaCl+", "MgCl+", "NaCl"}));
  const std::string table = cs::format_catalogue(*c);
  EXPECT_NE(table.find("WH.dlogK_stab"), std::string::npos);
  EXPECT_NE(table.find("-14...-8"), std::string::npos);
}

TEST(ThermoParameterCatalogue, PhreeqcFileUsesTheDatabaseSpelling) {
  const auto c = cs::thermo_parameter_catalogue(std::string(CALCIKIN_SOURCE_DIR) +
                                                "/tests/thermo/data/minimal.dat");
  EXPECT_NE(c->find("Calcite.log_k_offset"), nullptr);
  EXPECT_NE(c->find("CaHCO3+.log_k_offset"), nullptr);
  EXPECT_EQ(c->find("WH.dlogK_stab"), nullptr);
}

TEST(ThermoParameterCatalogue, ShippedPhreeqcDatabasesGiveUniqueNames) {
  for (const char* name : {"phreeqc.dat", "minteq.v4.dat", "wateq4f.dat", "llnl.dat"}) {
    const std::string path = shared_database(name);
    if (path.empty()) GTEST_SKIP() << name << " not found in ../shared/thermo/phreeqc";
    const auto c = cs::thermo_parameter_catalogue(path);
    const std::vector<std::string> names = c->names();
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size()) << name;
    if (std::string(name) == "phreeqc.dat") {
      EXPECT_NE(c->find("Hydroxyapatite.log_k_offset"), nullptr);
    }
  }
}

// ---- scenario section

TEST(ThermodynamicsSection, ReadsParametersAndOptionalSpecies) {
  const cs::Scenario s = load(kSbf + R"(thermodynamics:
  parameters:
    WH.dlogK_stab: -10
    NaHPO4-.log_k_offset: -0.78
  optional_species: [CaCl+, MgCl+]
)");
  ASSERT_EQ(s.thermodynamics.parameters.size(), 2u);
  EXPECT_EQ(s.thermodynamics.parameters[0].name, "WH.dlogK_stab");
  EXPECT_EQ(s.thermodynamics.parameters[0].value, -10.0);
  EXPECT_EQ(s.thermodynamics.parameters[0].where.line, 11);
  EXPECT_EQ(s.thermodynamics.parameters[1].value, -0.78);
  EXPECT_EQ(s.thermodynamics.optional_species, (std::vector<std::string>{"CaCl+", "MgCl+"}));
}

TEST(ThermodynamicsSection, UnknownParameterSuggestsTheDatabaseName) {
  const std::string e =
      error_of([] { load(kSbf + "thermodynamics:\n  parameters:\n    WH.dlogK_stb: -10\n"); });
  EXPECT_NE(
      e.find(
          "test.yaml:11:5: thermodynamics.parameters.WH.dlogK_stb: unknown thermodynamic parameter "
          "'WH.dlogK_stb'; did you mean 'WH.dlogK_stab'?"),
      std::string::npos)
      << e;
}

TEST(ThermodynamicsSection, ValueWithUnitOrTextIsRejected) {
  EXPECT_NE(error_of([] {
              load(kSbf + "thermodynamics:\n  parameters:\n    WH.dlogK_stab: -10 kJ/mol\n");
            }),
            "");
  EXPECT_NE(
      error_of([] { load(kSbf + "thermodynamics:\n  parameters:\n    WH.dlogK_stab: [1, 2]\n"); }),
      "");
}

TEST(ThermodynamicsSection, UnknownOptionalSpeciesSuggestsOne) {
  const std::string e =
      error_of([] { load(kSbf + "thermodynamics:\n  optional_species: [CaCl]\n"); });
  EXPECT_NE(
      e.find("'CaCl' is not an optional species of database 'builtin'; did you mean 'CaCl+'?"),
      std::string::npos)
      << e;
}

// ---- dotted paths

TEST(ThermoParameterPath, SetAndSweepConvertOnceAndApplyAsANumber) {
  cs::Scenario s = load(kSbf);
  cs::apply_set(s, "thermodynamics.parameters.WH.dlogK_stab=-9.5");
  ASSERT_EQ(s.thermodynamics.parameters.size(), 1u);
  EXPECT_EQ(s.thermodynamics.parameters[0].value, -9.5);
  EXPECT_NE(error_of([&] { cs::apply_set(s, "thermodynamics.parameters.WH.dlogK_stab=-9 K"); }),
            "");
  const std::string e =
      error_of([&] { cs::apply_set(s, "thermodynamics.parameters.NaHPO4-.log_k_ofset=0"); });
  EXPECT_NE(e.find("did you mean 'NaHPO4-.log_k_offset'?"), std::string::npos) << e;

  const cs::Scenario swept = load(kSbf + R"(sweep:
  mode: grid
  parameters:
    thermodynamics.parameters.NaHPO4-.log_k_offset: {linspace: [-0.78, 0, 3]}
)");
  ASSERT_EQ(swept.sweep.parameters.size(), 1u);
  EXPECT_EQ(swept.sweep.parameters[0].values, (std::vector<double>{-0.78, -0.39, 0.0}));
}

// ---- effect on the speciation

TEST(ThermoParametersInSpeciate, WhStabilisationShiftsSiByExactlyTheOffsetDifference) {
  const api::SpeciationReport base = api::speciate(load(kSbf));  // database default -12
  const api::SpeciationReport set =
      api::speciate(load(kSbf + "thermodynamics:\n  parameters:\n    WH.dlogK_stab: -10\n"));
  EXPECT_NEAR(phase(set, "WH").saturation_index, phase(base, "WH").saturation_index - 2.0, 1e-12);
  EXPECT_NEAR(phase(set, "WH").log_k, phase(base, "WH").log_k + 2.0, 1e-12);
  EXPECT_EQ(phase(set, "HAP").saturation_index, phase(base, "HAP").saturation_index);
  // The CLI/API option maps onto the same parameter and wins over the file.
  api::SpeciateOptions options;
  options.phase_log_k_offsets = {{"WH", -12.0}};
  const api::SpeciationReport back = api::speciate(
      load(kSbf + "thermodynamics:\n  parameters:\n    WH.dlogK_stab: -10\n"), options);
  EXPECT_EQ(phase(back, "WH").saturation_index, phase(base, "WH").saturation_index);
}

TEST(ThermoParametersInSpeciate, NaHPO4SwitchReproducesSpecSensitivity) {
  // PHREEQC 3: SI_HAP in SBF is 10.63 with minteq.v4's NaHPO4- (1.07, HPO4 basis) and 10.99
  // with phreeqc.dat's 0.29 (W1), i.e. NaHPO4-.log_k_offset = 0.29 - 1.07.
  const api::SpeciationReport minteq = api::speciate(load(kSbf));
  const api::SpeciationReport phreeqc = api::speciate(
      load(kSbf + "thermodynamics:\n  parameters:\n    NaHPO4-.log_k_offset: -0.78\n"));
  EXPECT_NEAR(phase(minteq, "HAP").saturation_index, 10.63, 0.02);
  EXPECT_NEAR(phase(phreeqc, "HAP").saturation_index, 10.99, 0.02);
}

TEST(ThermoParametersInSpeciate, OptionalSpeciesFromTheFileEnterTheSpeciation) {
  const api::SpeciationReport r =
      api::speciate(load(kSbf + "thermodynamics:\n  optional_species: [CaCl+]\n"));
  bool has = false;
  for (const api::SpeciesResult& x : r.species)
    has = has || (x.name == "CaCl+" && x.molality > 0.0);
  EXPECT_TRUE(has);
}

// ---- effect on the kinetics runs

TEST(ThermoParametersInSimulation, SweepOverWhStabilisationChangesTheWhOutcome) {
  // Cheng et al. conditions (scenarios/cheng_whitlockite.yaml, Mg 6 mM), one day: with a strongly
  // stabilised WH (-14) WH forms and dominates; with -8 nothing precipitates. No ACP forms at P 10
  // mM, so WH can only nucleate in the bulk: that route (off by default) is switched on here, where
  // what is tested is that the thermodynamic offset reaches the kinetics.
  const cs::Scenario s = load(R"(schema: calcikin/scenario/1
solution:
  temperature: 37 degC
  pH: 7.0
  charge_balance: Cl
  totals: {Ca: 3 mmol/kgw, Mg: 6 mmol/kgw, P: 10 mmol/kgw, Na: 130 mmol/kgw, Cl: 120 mmol/kgw}
kinetics:
  phases: [ACP, HAP, WH]
  parameters: {WH.nucleation.homogeneous_prefactor: 1e30 1/m3/s}
time:
  end: 1 day
  output: {logspace: [1 s, 1 day], points: 10}
sweep:
  mode: grid
  parameters:
    thermodynamics.parameters.WH.dlogK_stab: {values: [-14, -8]}
)");
  const auto sim = api::Simulation::prepare(s);
  auto evaluator = sim->evaluator_factory()();
  const calcikin::io::RunLayout& L = sim->layout();
  const std::size_t wh = 2;  // phase order: ACP, HAP, WH
  ASSERT_EQ(sim->phases().at(wh), "WH");
  double si0[2] = {0.0, 0.0}, amount[2] = {0.0, 0.0};
  const double values[2] = {-14.0, -8.0};
  for (int k = 0; k < 2; ++k) {
    calcikin::io::RunRecord record(L);
    record.reset(static_cast<std::size_t>(k));
    evaluator->evaluate(static_cast<std::size_t>(k), &values[k], record);
    ASSERT_EQ(record.status, calcikin::io::RunStatus::Ok);
    si0[k] = record.data(L.variable_index("saturation_index"))[wh];  // first output time, WH
    const std::size_t last = sim->output_times().size() - 1;
    amount[k] = record.data(L.variable_index("phase_amount"))[last * 3 + wh];
  }
  EXPECT_NEAR(si0[0] - si0[1], 6.0,
              1e-6);           // log K differs by 6; at 1 s nothing has precipitated yet
  EXPECT_GT(amount[0], 1e-5);  // mol/kg of WH after one day
  EXPECT_LT(amount[1], 1e-12);
}
