// The prepared problem (api::Simulation) and its bindings: a value bound once by name and applied
// by index gives the same trajectory as the same value written in the scenario; names are checked
// once, at bind time.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/api/simulation.hpp"
#include "models/scenario/loader.hpp"
#include "models/scenario/overrides.hpp"
#include "solver/input/input_error.hpp"
#include "tests/api/input_error_text.hpp"

using namespace calcikin;
using calcikin::test::error_of;

namespace {

scenario::Scenario t50_assay(const std::vector<std::string>& sets = {}) {
  scenario::Scenario s =
      scenario::load_file(std::string(CALCIKIN_SOURCE_DIR) + "/scenarios/t50_assay.yaml");
  scenario::apply_set(s, "time.end=24 h");
  for (const std::string& set : sets) scenario::apply_set(s, set);
  return s;
}

struct Summary {
  double t50 = 0, steps = 0, ph_end = 0;
  io::RunStatus status = io::RunStatus::NotRun;
};

Summary summary(const api::Simulation& sim, const io::RunRecord& r) {
  const io::RunLayout& L = sim.layout();
  const std::size_t nt = sim.output_times().size();
  return {r.data(L.variable_index("t50"))[0], r.data(L.variable_index("steps"))[0],
          r.data(L.variable_index("pH"))[nt - 1], r.status};
}

Summary run_scenario(const scenario::Scenario& s) {
  const auto sim = api::Simulation::prepare(s);
  return summary(*sim, sim->run_once());
}

}  // namespace

TEST(PreparedProblem, KineticParameterBoundByNameGivesTheRunWithTheValueInTheScenario) {
  const auto sim = api::Simulation::prepare(t50_assay());
  const api::ParameterBinding k = sim->bind("HAP.growth.rate_constant");
  EXPECT_EQ(k.target(), scenario::PathTarget::KineticParameter);
  EXPECT_EQ(k.unit(), "mol/m2/s");
  EXPECT_EQ(k.path(), "kinetics.parameters.HAP.growth.rate_constant");
  EXPECT_DOUBLE_EQ(k.value(sim->base_inputs()), sim->parameters().hap.growth_rate_constant);
  // The long path binds the same slot.
  EXPECT_EQ(sim->bind("kinetics.parameters.HAP.growth.rate_constant").index(), k.index());

  api::TrajectoryEvaluator evaluator(*sim);
  api::PointInputs in = sim->base_inputs();
  io::RunRecord record(sim->layout());
  const double values[] = {3e-9};
  api::apply({k}, values, in);
  EXPECT_DOUBLE_EQ(in.kinetics.hap.growth_rate_constant, 3e-9);
  evaluator.evaluate(in, record);
  const Summary bound = summary(*sim, record);
  const Summary written =
      run_scenario(t50_assay({"kinetics.parameters.HAP.growth.rate_constant=3e-9 mol/m2/s"}));
  ASSERT_EQ(bound.status, io::RunStatus::Ok) << record.message;
  EXPECT_EQ(bound.t50, written.t50);  // the same numbers in, the same trajectory out
  EXPECT_EQ(bound.steps, written.steps);
  EXPECT_EQ(bound.ph_end, written.ph_end);
  // A slower growth delays the conversion (the binding reaches the model).
  EXPECT_GT(bound.t50, run_scenario(t50_assay()).t50);
}

TEST(PreparedProblem, FittedThermodynamicOffsetStartsAtTheDatabaseDefaultAndActsLikeTheSetting) {
  const auto sim = api::Simulation::prepare(t50_assay({"solution.totals.Mg=3 mmol/kgw"}),
                                            {{"thermodynamics.parameters.WH.dlogK_stab"}});
  const api::ParameterBinding wh = sim->bind("thermodynamics.parameters.WH.dlogK_stab");
  EXPECT_EQ(wh.target(), scenario::PathTarget::ThermoParameter);
  EXPECT_EQ(wh.unit(), "1");
  EXPECT_DOUBLE_EQ(wh.value(sim->base_inputs()), -12.0);  // builtin database default

  api::TrajectoryEvaluator evaluator(*sim);
  io::RunRecord record(sim->layout());
  api::PointInputs in = sim->base_inputs();
  wh.apply(in, -9.0);
  evaluator.evaluate(in, record);
  const Summary bound = summary(*sim, record);
  const Summary written = run_scenario(
      t50_assay({"solution.totals.Mg=3 mmol/kgw", "thermodynamics.parameters.WH.dlogK_stab=-9"}));
  ASSERT_EQ(bound.status, io::RunStatus::Ok) << record.message;
  EXPECT_EQ(bound.t50, written.t50);
  EXPECT_EQ(bound.ph_end, written.ph_end);
  // Back to the base inputs: the default again (every point sets every slot).
  in = sim->base_inputs();
  evaluator.evaluate(in, record);
  const Summary base = summary(*sim, record);
  const Summary plain = run_scenario(t50_assay({"solution.totals.Mg=3 mmol/kgw"}));
  EXPECT_EQ(base.t50, plain.t50);
  EXPECT_EQ(base.ph_end, plain.ph_end);
}

TEST(PreparedProblem, SolutionPathsBindToTheirEntries) {
  const auto sim = api::Simulation::prepare(t50_assay());
  const api::ParameterBinding ca = sim->bind("solution.totals.Ca");
  EXPECT_EQ(ca.target(), scenario::PathTarget::Total);
  EXPECT_EQ(sim->totals()[ca.index()].element, "Ca");
  EXPECT_EQ(sim->bind("solution.pH").target(), scenario::PathTarget::PH);
  EXPECT_EQ(sim->bind("solution.temperature").unit(), "K");
  api::PointInputs in = sim->base_inputs();
  ca.apply(in, 1e-3);
  EXPECT_DOUBLE_EQ(ca.value(in), 1e-3);
}

TEST(PreparedProblem, UnknownOrUnpreparedNamesAreInputErrorsAtBindTime) {
  const auto sim = api::Simulation::prepare(t50_assay());
  const input::SourceLocation where{"fit.yaml", 7, 5};
  const std::string misspelt =
      error_of([&] { sim->bind("HAP.growth.rate_constnt", where, "  - HAP.growth.rate_constnt"); });
  EXPECT_NE(misspelt.find("fit.yaml:7:5"), std::string::npos) << misspelt;
  EXPECT_NE(misspelt.find("HAP.growth.rate_constant"), std::string::npos) << misspelt;
  // A thermodynamic offset needs a slot: set, swept, or fitted at prepare time.
  const std::string no_slot =
      error_of([&] { sim->bind("thermodynamics.parameters.WH.dlogK_stab"); });
  EXPECT_NE(no_slot.find("no slot"), std::string::npos) << no_slot;
  EXPECT_NE(error_of([&] { sim->bind("thermodynamics.parameters.WH.dlogK_stb"); }), "");
  EXPECT_NE(error_of([&] { sim->bind("solution.totals.Sr"); }), "");
  EXPECT_NE(error_of([&] { sim->bind("time.end"); }), "");
}

TEST(PreparedProblem, SweepPointsApplyTheirBindingsToACopyOfTheBaseInputs) {
  scenario::Scenario s = t50_assay();
  s.sweep.mode = scenario::SweepMode::List;
  s.sweep.parameters.push_back(
      scenario::sweep_parameter(s, "kinetics.parameters.HAP.growth.rate_constant", {3e-9, 1e-8}));
  const auto sim = api::Simulation::prepare(s);
  ASSERT_EQ(sim->sweep_bindings().size(), 1u);
  EXPECT_EQ(sim->sweep_bindings()[0].target(), scenario::PathTarget::KineticParameter);
  api::TrajectoryEvaluator evaluator(*sim);
  io::RunRecord a(sim->layout()), b(sim->layout()), a_again(sim->layout());
  const double slow = 3e-9, fast = 1e-8;
  evaluator.evaluate(0, &slow, a);
  evaluator.evaluate(1, &fast, b);
  evaluator.evaluate(0, &slow, a_again);  // nothing of point 1 stays behind
  EXPECT_GT(summary(*sim, a).t50, summary(*sim, b).t50);
  EXPECT_EQ(summary(*sim, a).t50, summary(*sim, a_again).t50);
  EXPECT_EQ(summary(*sim, a).steps, summary(*sim, a_again).steps);
}
