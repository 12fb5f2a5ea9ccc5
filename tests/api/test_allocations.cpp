// The right-hand side and the Jacobian of the kinetics models allocate nothing (as the speciation
// solve, tests/thermo/test_speciator.cpp): CVODE calls them thousands of times per trajectory and a
// sweep runs them on every thread. The models are built through the prepared problem
// (TrajectoryEvaluator::build_model) and evaluated at a state reached mid-run, with crystals
// present.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../thermo/allocation_counter.hpp"
#include "models/api/simulation.hpp"
#include "models/kinetics/observation.hpp"
#include "models/scenario/loader.hpp"
#include "solver/ode/cvode_integrator.hpp"

using namespace calcikin;

namespace {

std::string t50_text() {
  std::ifstream in(std::string(CALCIKIN_SOURCE_DIR) + "/scenarios/t50_assay.yaml");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

// Keeps the state at the last output (either integration path: stepped or closed form).
class LastOutput : public ode::IntegrationObserver {
 public:
  explicit LastOutput(std::size_t n) : y(n) {}
  bool on_output(std::size_t, double, const double* state) override {
    std::copy(state, state + y.size(), y.begin());
    return true;
  }
  std::vector<double> y;
};

// Allocations made by 20 right-hand sides and 10 Jacobians at states around y (after one warm-up
// call of each, which may size scratch space once).
std::size_t allocations_per_evaluation(const std::string& text, double t_mid) {
  const auto sim = api::Simulation::prepare(
      scenario::load_text(text, "<test>", std::string(CALCIKIN_SOURCE_DIR) + "/scenarios"));
  api::TrajectoryEvaluator evaluator(*sim);
  kinetics::KineticsModel& model = evaluator.build_model(sim->base_inputs());
  const std::size_t n = model.size();
  std::vector<double> y0(n), y(n), ydot(n), jac(n * n);
  model.initial_state(y0.data());
  ode::CvodeIntegrator integrator;
  LastOutput last(n);
  const ode::IntegrationResult r = integrator.integrate(
      model, 0.0, y0.data(), {t_mid}, sim->integrator_options(sim->base_inputs()), last);
  EXPECT_EQ(r.status, ode::IntegrationStatus::Success) << r.message;
  y = last.y;
  EXPECT_TRUE(model.has_jacobian() || text.find("autocatalytic") != std::string::npos);
  model.rhs(t_mid, y.data(), ydot.data());
  if (model.has_jacobian()) model.jacobian(t_mid, y.data(), ydot.data(), {jac.data(), n});
  const std::size_t before = test::allocation_count();
  for (int k = 0; k < 20; ++k) {
    std::vector<double>::size_type i = static_cast<std::size_t>(k) % n;
    const double keep = y[i];
    y[i] *= 1.0 + 1e-3 * (k + 1);
    model.rhs(t_mid + k, y.data(), ydot.data());
    if (model.has_jacobian() && k % 2 == 0)
      model.jacobian(t_mid + k, y.data(), ydot.data(), {jac.data(), n});
    y[i] = keep;
  }
  return test::allocation_count() - before;
}

}  // namespace

std::vector<double>* volatile g_escaped = nullptr;  // keeps the allocation below from being elided

TEST(HotPaths, TheCounterSeesAnAllocation) {  // the replaced operator new is linked in
  const std::size_t before = test::allocation_count();
  g_escaped = new std::vector<double>(8);
  const std::size_t after = test::allocation_count();
  delete g_escaped;
  EXPECT_GE(after - before, 2u);
}

TEST(HotPaths, MechanisticRightHandSideAndJacobianAllocateNothing) {
  EXPECT_EQ(allocations_per_evaluation(t50_text(), 3.0 * 3600.0), 0u);
}

TEST(HotPaths, FreePhMechanisticRightHandSideAndJacobianAllocateNothing) {
  EXPECT_EQ(allocations_per_evaluation(
                replaced(t50_text(), "  pH_mode: fixed",
                         "  pH_mode: free\n  buffer: {name: HEPES, total: 50 mmol/kgw}"),
                3.0 * 3600.0),
            0u);
}

TEST(HotPaths, AutocatalyticRightHandSideAllocatesNothing) {
  EXPECT_EQ(allocations_per_evaluation(
                replaced(t50_text(), "model: mechanistic", "model: autocatalytic"), 3.0 * 3600.0),
            0u);
}
