#include <gtest/gtest.h>

#include <filesystem>

#include "models/scenario/loader.hpp"

namespace cs = calcikin::scenario;
namespace ci = calcikin::input;

namespace {

const char* const kSolution = R"(schema: calcikin/scenario/1
name: test
solution:
  temperature: 37 degC
  pH: 7.40
  charge_balance: Cl
  totals:
    Ca: 2.5 mmol/kgw
    Mg: 1.5 mM
    Cl: 147.8 mmol/kgw
)";

cs::Scenario load(const std::string& extra = "") {
  return cs::load_text(kSolution + extra, "t.yaml", "");
}

std::string error_of(const std::string& text) {
  try {
    cs::load_text(text, "t.yaml", "");
  } catch (const ci::InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Loader, ShippedSbfScenarioLoadsWithSiValues) {
  const cs::Scenario s = cs::load_file(std::string(CALCIKIN_SOURCE_DIR) + "/scenarios/sbf.yaml");
  EXPECT_EQ(s.schema, "calcikin/scenario/1");
  EXPECT_EQ(s.name, "sbf-37C");
  EXPECT_EQ(s.database, "builtin");
  EXPECT_DOUBLE_EQ(s.solution.temperature, 310.15);
  EXPECT_DOUBLE_EQ(s.solution.pH, 7.40);
  EXPECT_EQ(s.solution.pH_mode, cs::PhMode::Fixed);
  ASSERT_TRUE(s.solution.charge_balance.has_value());
  EXPECT_EQ(*s.solution.charge_balance, "Cl");
  ASSERT_EQ(s.solution.totals.size(), 8u);
  EXPECT_EQ(s.solution.totals[0].element, "Ca");
  EXPECT_DOUBLE_EQ(s.solution.totals[0].value, 2.5e-3);
  EXPECT_EQ(s.solution.totals[0].basis, cs::ConcentrationBasis::Molal);
  EXPECT_EQ(s.solution.totals[0].where.line, 10);
  EXPECT_EQ(s.solution.totals[6].element, "C(4)");
  EXPECT_NE(s.source_text.find("Kokubo"), std::string::npos);
  EXPECT_TRUE(s.solver.exact_solution);  // solver.method defaults to auto
}

TEST(Loader, MolarTotalsStayMolarInMolPerCubicMetre) {
  const cs::Scenario s = load();
  EXPECT_EQ(s.solution.totals[1].basis, cs::ConcentrationBasis::Molar);
  EXPECT_DOUBLE_EQ(s.solution.totals[1].value, 1.5);
}

TEST(Loader, FullScenarioWithEverySectionLoads) {
  const cs::Scenario s = load(R"(minerals:
  ACP: {equilibrate: true, radius: 25 nm}
  HAP: {amount: 2.2 mmol/kgw, radius: 10 nm}
kinetics:
  model: autocatalytic
  phases: [ACP, HAP, WH]
  parameters:
    HAP.growth.rate_constant: 1e-8 mol/m2/s
    ACP.mg.distribution_coefficient: 0.3
time:
  end: 48 h
  output: {logspace: [1 s, 48 h], points: 200}
solver: {rtol: 1e-6, max_steps: 100000, max_step: 10 min, max_wall_time: 2 s, method: bdf,
         stop_when_steady: true}
output: {file: results/sbf.h5, time_series: {every: 5}, compression: 4}
)");
  ASSERT_EQ(s.minerals.size(), 2u);
  EXPECT_TRUE(s.minerals[0].equilibrate);
  EXPECT_DOUBLE_EQ(s.minerals[0].radius, 25e-9);
  EXPECT_DOUBLE_EQ(s.minerals[1].amount, 2.2e-3);
  EXPECT_EQ(s.kinetics.model, "autocatalytic");
  EXPECT_EQ(s.kinetics.phases, (std::vector<std::string>{"ACP", "HAP", "WH"}));
  ASSERT_EQ(s.kinetics.parameters.size(), 2u);
  EXPECT_EQ(s.kinetics.parameters[0].name, "HAP.growth.rate_constant");
  EXPECT_DOUBLE_EQ(s.kinetics.parameters[0].value, 1e-8);  // SI, converted as read
  EXPECT_DOUBLE_EQ(s.time.end, 172800.0);
  EXPECT_EQ(s.time.grid, cs::TimeGrid::Logspace);
  EXPECT_DOUBLE_EQ(s.time.first, 1.0);
  EXPECT_DOUBLE_EQ(s.time.last, 172800.0);
  EXPECT_EQ(s.time.points, 200);
  EXPECT_DOUBLE_EQ(s.solver.rtol, 1e-6);
  EXPECT_DOUBLE_EQ(s.solver.max_step, 600.0);
  EXPECT_DOUBLE_EQ(s.solver.max_wall_time, 2.0);
  EXPECT_FALSE(s.solver.exact_solution);  // method: bdf (the default auto follows a closed form)
  EXPECT_TRUE(s.solver.stop_when_steady);
  EXPECT_EQ(s.output.time_series, cs::TimeSeriesMode::Every);
  EXPECT_EQ(s.output.every, 5);
  EXPECT_EQ(s.output.compression, 4);
  EXPECT_TRUE(std::filesystem::path(s.output.file).is_absolute());
}

TEST(Loader, ExplicitOutputTimesAreConvertedAndMustIncrease) {
  const cs::Scenario s = load("time:\n  end: 2 h\n  output: {times: [0 s, 1 min, 1 h, 2 h]}\n");
  EXPECT_EQ(s.time.grid, cs::TimeGrid::List);
  EXPECT_EQ(s.time.list, (std::vector<double>{0.0, 60.0, 3600.0, 7200.0}));
  EXPECT_NE(
      error_of(std::string(kSolution) + "time:\n  end: 2 h\n  output: {times: [1 h, 1 min]}\n")
          .find("output times must increase"),
      std::string::npos);
}

TEST(Loader, RelativePathsResolveAgainstTheScenarioFolder) {
  const std::string dir = std::string(CALCIKIN_SOURCE_DIR) + "/scenarios";
  const cs::Scenario s =
      cs::load_text(std::string(kSolution) + "output: {file: results/x.h5}\n", "t.yaml", dir);
  EXPECT_EQ(s.output.file,
            (std::filesystem::path(dir) / "results/x.h5").lexically_normal().string());
  const std::string e = [&] {
    try {
      cs::load_text(
          "schema: calcikin/scenario/1\ndatabase: missing.dat\nsolution: {totals: {Ca: 1 mM}}\n",
          "t.yaml", dir);
    } catch (const ci::InputError& err) {
      return std::string(err.what());
    }
    return std::string();
  }();
  EXPECT_NE(e.find("database file not found: " + dir + "/missing.dat"), std::string::npos) << e;
}

TEST(Loader, NameDefaultsToTheFileStem) {
  const cs::Scenario s = cs::load_text(
      "schema: calcikin/scenario/1\nsolution: {totals: {Ca: 1 mM}}\n", "dir/my_run.yaml", "");
  EXPECT_EQ(s.name, "my_run");
}

TEST(Loader, BufferAndFreePhAreRead) {
  const cs::Scenario s = cs::load_text(R"(schema: calcikin/scenario/1
solution:
  pH: 7.4
  pH_mode: free
  density: 1.02 kg/L
  buffer: {name: HEPES, total: 50 mmol/kgw}
  totals: {Ca: 1 mM}
)",
                                       "b.yaml", "");
  EXPECT_EQ(s.solution.pH_mode, cs::PhMode::Free);
  EXPECT_DOUBLE_EQ(s.solution.density, 1.02);
  ASSERT_TRUE(s.solution.buffer.has_value());
  EXPECT_EQ(s.solution.buffer->name, "HEPES");
  EXPECT_DOUBLE_EQ(s.solution.buffer->total, 0.05);
}

TEST(Loader, GridSweepValuesAreConvertedToSiAtLoadTime) {
  const cs::Scenario s = load(R"(sweep:
  mode: grid
  parameters:
    solution.totals.Mg: {values: [0, 0.5, 1, 2, 4], unit: mmol/kgw}
    solution.totals.P: {linspace: [1, 10, 10], unit: mmol/kgw}
    solution.pH: {values: [6.0, 6.5, 7.0, 7.4]}
    solution.temperature: {values: [25 degC, 310.15 K]}
    solution.totals.Ca: {values: [1, 2], unit: mM}
)");
  EXPECT_EQ(s.sweep.mode, cs::SweepMode::Grid);
  ASSERT_EQ(s.sweep.parameters.size(), 5u);
  EXPECT_EQ(s.sweep.parameters[0].values, (std::vector<double>{0.0, 0.5e-3, 1e-3, 2e-3, 4e-3}));
  EXPECT_EQ(s.sweep.parameters[0].basis, cs::ConcentrationBasis::Molal);
  ASSERT_EQ(s.sweep.parameters[1].values.size(), 10u);
  EXPECT_DOUBLE_EQ(s.sweep.parameters[1].values[0], 1e-3);
  EXPECT_DOUBLE_EQ(s.sweep.parameters[1].values[9], 10e-3);
  EXPECT_DOUBLE_EQ(s.sweep.parameters[1].values[1], 2e-3);
  EXPECT_EQ(s.sweep.parameters[2].values, (std::vector<double>{6.0, 6.5, 7.0, 7.4}));
  EXPECT_DOUBLE_EQ(s.sweep.parameters[3].values[0], 298.15);
  EXPECT_DOUBLE_EQ(s.sweep.parameters[3].values[1], 310.15);
  EXPECT_EQ(s.sweep.parameters[4].basis, cs::ConcentrationBasis::Molar);
  EXPECT_DOUBLE_EQ(s.sweep.parameters[4].values[1], 2.0);
}

TEST(Loader, LogspaceSweepIsEvenlySpacedInLog10) {
  const cs::Scenario s = load(
      "sweep:\n  mode: grid\n  parameters:\n    solution.totals.Mg: {logspace: [0.1, 10, 3], "
      "unit: mmol/kgw}\n");
  ASSERT_EQ(s.sweep.parameters[0].values.size(), 3u);
  EXPECT_NEAR(s.sweep.parameters[0].values[1], 1e-3, 1e-15);
  EXPECT_TRUE(s.sweep.parameters[0].log_scale);
}

TEST(Loader, SweptPathIsResolvedOnceAtLoadWithItsTargetUnitAndBasis) {
  const cs::Scenario s = load(
      "sweep:\n  mode: grid\n  parameters:\n    solution.totals.Mg: {values: [1, 2], unit: mM}\n"
      "    kinetics.parameters.HAP.growth.rate_constant: {values: [1, 2], unit: nmol/m2/s}\n");
  ASSERT_EQ(s.sweep.parameters.size(), 2u);
  const cs::SweepParameter& mg = s.sweep.parameters[0];
  EXPECT_EQ(mg.target, cs::PathTarget::Total);
  EXPECT_EQ(mg.key, "Mg");
  EXPECT_EQ(mg.basis, cs::ConcentrationBasis::Molar);
  EXPECT_EQ(mg.unit, "mol/m3");  // what make_plan writes as the units attribute
  EXPECT_EQ(mg.where.line, 14);
  EXPECT_NE(mg.source_line.find("solution.totals.Mg"), std::string::npos);
  const cs::SweepParameter& k = s.sweep.parameters[1];
  EXPECT_EQ(k.target, cs::PathTarget::KineticParameter);
  EXPECT_EQ(k.key, "HAP.growth.rate_constant");
  EXPECT_EQ(k.unit, "mol/m2/s");
}

TEST(Loader, SweepingTheEndTimeIsRefusedAtLoadWithCaret) {
  const std::string text = error_of(
      std::string(kSolution) +
      "sweep:\n  mode: grid\n  parameters:\n    time.end: {logspace: [1, 100, 3], unit: h}\n");
  EXPECT_NE(text.find("t.yaml:14:5"), std::string::npos) << text;
  EXPECT_NE(text.find("one time axis"), std::string::npos) << text;
  EXPECT_NE(text.find("    ^"), std::string::npos) << text;
}

TEST(Loader, LatinHypercubeKeepsBoundsSamplesAndSeed) {
  const cs::Scenario s = load(R"(sweep:
  mode: latin_hypercube
  samples: 64
  seed: 7
  parameters:
    solution.totals.Mg: {range: [0.1, 4], unit: mmol/kgw, log: true}
    solution.pH: {range: [6.5, 7.8]}
)");
  EXPECT_EQ(s.sweep.mode, cs::SweepMode::LatinHypercube);
  EXPECT_EQ(s.sweep.samples, 64);
  EXPECT_EQ(s.sweep.seed, 7u);
  EXPECT_EQ(s.sweep.parameters[0].values, (std::vector<double>{1e-4, 4e-3}));
  EXPECT_TRUE(s.sweep.parameters[0].log_scale);
}

TEST(Loader, ListSweepTurnsPointsIntoParallelValueLists) {
  const cs::Scenario s = load(R"(sweep:
  mode: list
  points:
    - {solution.pH: 7.0, solution.totals.Mg: 1 mmol/kgw}
    - {solution.pH: 7.4, solution.totals.Mg: 2 mmol/kgw}
)");
  ASSERT_EQ(s.sweep.parameters.size(), 2u);
  EXPECT_EQ(s.sweep.parameters[0].path, "solution.pH");
  EXPECT_EQ(s.sweep.parameters[0].values, (std::vector<double>{7.0, 7.4}));
  EXPECT_EQ(s.sweep.parameters[1].values, (std::vector<double>{1e-3, 2e-3}));
}

TEST(Loader, KineticParameterSweepIsConvertedToSiWhenRead) {
  const cs::Scenario s = load(
      "sweep:\n  mode: grid\n  parameters:\n    kinetics.parameters.HAP.growth.rate_constant: "
      "{values: [1e-6, 1e-5], "
      "unit: mmol/m2/s}\n");
  EXPECT_EQ(s.sweep.parameters[0].unit_text, "mmol/m2/s");
  EXPECT_DOUBLE_EQ(s.sweep.parameters[0].values[0], 1e-9);
  EXPECT_DOUBLE_EQ(s.sweep.parameters[0].values[1], 1e-8);
}

TEST(Loader, SweepMixingMolalAndMolarIsRejected) {
  const std::string e = error_of(std::string(kSolution) +
                                 "sweep:\n  mode: grid\n  parameters:\n    solution.totals.Mg: "
                                 "{values: [1 mM, 1 mmol/kgw]}\n");
  EXPECT_NE(e.find("mixing molal and molar units"), std::string::npos) << e;
}

TEST(Loader, ErrorsNameFileLinePathAndProblem) {
  const std::string text =
      std::string(kSolution).replace(std::string(kSolution).find("1.5 mM"), 6, "5 mMol");
  const std::string e = error_of(text);
  EXPECT_EQ(e.substr(0, e.find('\n')),
            "error: t.yaml:9:11: solution.totals.Mg: unknown unit 'mMol' in '5 mMol'");
}

TEST(Loader, ElementGivenAsTotalAndByValenceIsRejected) {
  const std::string e = error_of(std::string(kSolution) + "    C: 1 mM\n    C(4): 1 mM\n");
  EXPECT_NE(e.find("'C' is given both as a total and by valence state"), std::string::npos) << e;
}

TEST(Loader, ValenceStatesAreAcceptedElementSyntax) {
  EXPECT_NO_THROW(
      load("    C(4): 1 mM\n    S(6): 0.5 mM\n    Fe(+2): 1 uM\n    N(-3): 1 umol/kgw\n"));
  EXPECT_NE(error_of(std::string(kSolution) + "    ca: 1 mM\n").find("'ca' is not an element name"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kSolution) + "    C(4: 1 mM\n").find("is not an element name"),
            std::string::npos);
}
