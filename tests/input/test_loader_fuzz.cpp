// "No input however broken crashes": random byte mutations of a full scenario must either load or
// raise InputError -- never another exception, a crash or a sanitizer report (run it under
// ASan/UBSan).
#include <gtest/gtest.h>

#include <random>

#include "models/scenario/loader.hpp"

namespace cs = calcikin::scenario;
namespace ci = calcikin::input;

namespace {

const char* const kFull = R"(schema: calcikin/scenario/1
name: fuzz
solution:
  temperature: 37 degC
  pH: 7.40
  pH_mode: fixed
  charge_balance: Cl
  buffer: {name: HEPES, total: 50 mmol/kgw}
  totals:
    Ca: 2.5 mmol/kgw
    Mg: 1.5 mM
    P: 1.0 mmol/kgw
    Cl: 147.8 mmol/kgw
    C(4): 4.2 mmol/kgw
minerals:
  ACP: {equilibrate: true, radius: 25 nm}
  HAP: {amount: 2.2 mmol/kgw}
kinetics:
  model: mechanistic
  phases: [ACP, HAP, WH]
  parameters:
    HAP.growth.rate_constant: 1e-8 mol/m2/s
time:
  end: 48 h
  output: {logspace: [1 s, 48 h], points: 200}
solver: {rtol: 1e-6, max_steps: 100000}
output: {time_series: all, compression: 1}
sweep:
  mode: grid
  parameters:
    solution.totals.Mg: {values: [0, 0.5, 1, 2, 4], unit: mmol/kgw}
    solution.totals.P: {linspace: [1, 10, 10], unit: mmol/kgw}
    solution.pH: {values: [6.0, 6.5, 7.0, 7.4]}
)";

// Characters that matter to YAML and to the unit parser, so mutations reach deep into the loader.
const std::string kAlphabet = " \t\n:-[]{},#&*!|>'\"%@`0123456789.eE+-/()abcdegHKLMmnoPsuµ~?";

}  // namespace

TEST(LoaderFuzz, FullScenarioIsValid) { EXPECT_NO_THROW(cs::load_text(kFull, "fuzz.yaml", "")); }

TEST(LoaderFuzz, RandomMutationsOnlyEverRaiseInputError) {
  std::mt19937 rng(20261122);
  const std::string original = kFull;
  int rejected = 0;
  constexpr int kIterations = 5000;
  for (int i = 0; i < kIterations; ++i) {
    std::string text = original;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      const std::size_t pos = rng() % text.size();
      switch (rng() % 4) {
        case 0:
          text[pos] = kAlphabet[rng() % kAlphabet.size()];
          break;
        case 1:
          text.insert(pos, 1, kAlphabet[rng() % kAlphabet.size()]);
          break;
        case 2:
          text.erase(pos, 1 + rng() % 8);
          break;
        default:
          text[pos] = static_cast<char>(rng() % 256);
          break;  // arbitrary bytes, including NUL
      }
      if (text.empty()) text = "x";
    }
    try {
      cs::load_text(text, "fuzz.yaml", "");
    } catch (const ci::InputError& e) {
      ++rejected;
      ASSERT_EQ(std::string(e.what()).rfind("error: fuzz.yaml", 0), 0u) << e.what();
    } catch (const std::exception& e) {
      FAIL() << "iteration " << i << ": non-InputError exception: " << e.what() << "\n--- input:\n"
             << text;
    }
  }
  // Most mutations must be caught (otherwise the mutator is not exercising the checks).
  EXPECT_GT(rejected, kIterations / 3);
}
