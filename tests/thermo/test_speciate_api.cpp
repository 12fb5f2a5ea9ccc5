// api::speciate on scenario text: results, molar input, JSON, and errors pointing at the scenario.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "models/api/speciate.hpp"
#include "models/scenario/loader.hpp"

using calcikin::input::InputError;
namespace api = calcikin::api;
namespace scenario = calcikin::scenario;

namespace {
const char* kSbf = R"(schema: calcikin/scenario/1
name: sbf
solution:
  temperature: 37 degC
  pH: 7.40
  charge_balance: Cl
  totals:
    Ca: 2.5 mmol/kgw
    Mg: 1.5 mmol/kgw
    P: 1.0 mmol/kgw
    Na: 142 mmol/kgw
    K: 5.0 mmol/kgw
    Cl: 147.8 mmol/kgw
    C(4): 4.2 mmol/kgw
    S(6): 0.5 mmol/kgw
)";

api::SpeciationReport run(const std::string& text) {
  return api::speciate(scenario::load_text(text, "test.yaml", ""));
}

double si(const api::SpeciationReport& r, const std::string& phase) {
  for (const auto& p : r.phases)
    if (p.name == phase) return p.saturation_index;
  return NAN;
}
}  // namespace

TEST(SpeciateApi, SbfGivesTheBenchmarkValues) {
  const auto r = run(kSbf);
  EXPECT_NEAR(r.ionic_strength, 0.1588, 1e-4);
  EXPECT_NEAR(si(r, "HAP"), 10.63, 0.02);
  EXPECT_NEAR(si(r, "WH"), 6.99 + 12.0, 0.02);  // default dlogK_stab = -12
  EXPECT_EQ(r.charge_balance_element, "Cl");
  EXPECT_NEAR(r.totals[5].second, 0.148108, 2e-6);
  EXPECT_NEAR(r.charge_balance, 0.0, 1e-14);
}

TEST(SpeciateApi, MolarInputIsConvertedWithPhreeqcsRule) {
  std::string text = kSbf;
  for (std::size_t pos; (pos = text.find("mmol/kgw")) != std::string::npos;)
    text.replace(pos, 8, "mM");
  const auto molal = run(kSbf);
  const auto molar = run(text);
  // kg water per litre = 1 - sum(c_i * gfw_i) with gfw from the builtin components
  const double solutes = 2.5e-3 * 40.078 + 1.5e-3 * 24.305 + 1.0e-3 * 30.9738 + 0.142 * 22.98977 +
                         5e-3 * 39.0983 + 0.1478 * 35.453 + 4.2e-3 * 60.0092 + 0.5e-3 * 96.0616;
  const double water = 1.0 - solutes / 1000.0;
  EXPECT_NEAR(molar.totals[0].second, 2.5e-3 / water, 1e-15);
  EXPECT_GT(molar.ionic_strength, molal.ionic_strength);
}

TEST(SpeciateApi, JsonHasTheDocumentedKeysAtFullPrecision) {
  const std::string json = api::to_json(run(kSbf));
  for (const char* key :
       {"\"temperature_C\"", "\"pH\"", "\"ionic_strength\"", "\"activity_water\"", "\"totals\"",
        "\"species\"", "\"saturation_indices\"", "\"molality\"", "\"log_gamma\"", "\"HAP\""})
    EXPECT_NE(json.find(key), std::string::npos) << key;
  EXPECT_NE(json.find("\"temperature_C\": 37"), std::string::npos);
  EXPECT_NE(json.find("\"pH\": 7.4000000000000004"), std::string::npos);  // %.17g
}

TEST(SpeciateApi, UnknownElementPointsAtTheScenarioLine) {
  std::string text = kSbf;
  text.replace(text.find("    K: 5.0 mmol/kgw"), 19, "    Sr: 5.0 mmol/kgw");
  try {
    run(text);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where().line, 12);
    EXPECT_NE(std::string(e.what()).find("Sr"), std::string::npos) << e.what();
  }
}

TEST(SpeciateApi, ChargeBalanceElementMustBeAmongTheTotals) {
  std::string text = kSbf;
  text.replace(text.find("charge_balance: Cl"), 18, "charge_balance: Na");
  text.replace(text.find("    Na: 142 mmol/kgw\n"), 21, "");
  EXPECT_THROW(run(text), InputError);
}

TEST(SpeciateApi, DatabaseFileThatDoesNotExistIsAnInputError) {
  std::string text = kSbf;
  text.replace(text.find("solution:"), 9, "database: /nonexistent/phreeqc.dat\nsolution:");
  EXPECT_THROW(run(text), InputError);
}

TEST(SpeciateApi, ImpossibleChargeBalanceRaisesSpeciationError) {
  const char* text = R"(schema: calcikin/scenario/1
solution:
  temperature: 25 degC
  pH: 7.0
  charge_balance: Cl
  totals: {Ca: 1 mmol/kgw, P: 50 mmol/kgw, Cl: 1 mmol/kgw}
)";
  try {
    run(text);
    FAIL() << "expected a SpeciationError";
  } catch (const api::SpeciationError& e) {
    EXPECT_NE(std::string(e.what()).find("charge balance on Cl"), std::string::npos) << e.what();
  }
}

TEST(SpeciateApi, OptionsSetLogKOffsetsAndOptionalSpecies) {
  api::SpeciateOptions options;
  options.phase_log_k_offsets = {{"WH", 0.0}};  // dlogK_stab = 0 as in the benchmark table
  options.species_log_k_offsets = {{"NaHPO4-", 0.29 - 1.07}};  // W1: phreeqc.dat's NaHPO4- constant
  options.enable_species = {"CaCl+"};
  const auto r = api::speciate(scenario::load_text(kSbf, "test.yaml", ""), options);
  EXPECT_NEAR(si(r, "HAP"), 10.99, 0.02);  // PHREEQC 3 with phreeqc.dat's NaHPO4-
  bool has_cacl = false;
  for (const auto& x : r.species) has_cacl = has_cacl || x.name == "CaCl+";
  EXPECT_TRUE(has_cacl);
  options = {};
  options.phase_log_k_offsets = {{"Gypsum", 1.0}};
  EXPECT_THROW(api::speciate(scenario::load_text(kSbf, "test.yaml", ""), options), InputError);
}
