// Following a closed-form solution (solver/ode/exact_solution): outputs, events in time order,
// event-time sensitivities by the implicit-function rule, stops and failures, and the switch back
// to CVODE.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "solver/ode/cvode_integrator.hpp"
#include "solver/ode/cvodes_sensitivity.hpp"
#include "solver/ode/exact_solution.hpp"

using namespace calcikin::ode;

namespace {

// y' = -k y with y(t) = y0 exp(-k (t - t0)); roots g0 = y - 0.5 (falling once) and g1 = y - 0.25.
// p = k: s(t) = -(t - t0) y(t).
class ExactDecay : public SensitivitySystem {
 public:
  double k = 2.0;
  bool throw_in_state = false;
  std::size_t size() const noexcept override { return 1; }
  void rhs(double, const double* y, double* ydot) override { ydot[0] = -k * y[0]; }
  bool has_jacobian() const noexcept override { return true; }
  void jacobian(double, const double*, const double*, DenseMatrixView J) override { J(0, 0) = -k; }
  std::size_t root_count() const noexcept override { return 2; }
  void roots(double, const double* y, double* g) override {
    g[0] = y[0] - 0.5;
    g[1] = y[0] - 0.25;
  }
  void absolute_tolerances(double* atol) const override { atol[0] = 1e-14; }

  bool has_exact_solution() const noexcept override { return true; }
  void exact_state(double t0, const double* y0, double t, double* y) const override {
    if (throw_in_state) throw std::runtime_error("closed form blew up on purpose");
    y[0] = y0[0] * std::exp(-k * (t - t0));
  }
  double exact_root_time(std::size_t i, double t0, const double* y0, double t_from, double t_to,
                         int* direction) const override {
    const double level = i == 0 ? 0.5 : 0.25;
    if (!(y0[0] > level)) return std::nan("");
    const double t = t0 + std::log(y0[0] / level) / k;
    if (!(t > t_from && t <= t_to)) return std::nan("");
    *direction = -1;
    return t;
  }

  std::size_t parameter_count() const noexcept override { return 1; }
  void parameter_jacobian(double, const double* y, double* dfdp) override { dfdp[0] = -y[0]; }
  bool has_exact_sensitivities() const noexcept override { return true; }
  void exact_sensitivities(double t0, const double* y0, double t, double* s) const override {
    s[0] = -(t - t0) * y0[0] * std::exp(-k * (t - t0));
  }
};

class Log : public IntegrationObserver {
 public:
  std::vector<double> t, y;
  std::vector<int> what;  // 0: output, 1: root 0, 2: root 1
  int stop_at_root = -1;
  bool on_output(std::size_t, double time, const double* state) override {
    t.push_back(time);
    y.push_back(state[0]);
    what.push_back(0);
    return true;
  }
  bool on_root(double time, const double* state, const int* flags) override {
    t.push_back(time);
    y.push_back(state[0]);
    const int root = flags[0] != 0 ? 0 : 1;
    EXPECT_EQ(flags[root], -1);
    what.push_back(1 + root);
    return root != stop_at_root;
  }
};

}  // namespace

TEST(ExactSolution, OutputsAndEventsComeInTimeOrderAtTheClosedFormValues) {
  ExactDecay sys;
  const double y0 = 1.0;
  Log log;
  CvodeIntegrator integ;
  IntegratorOptions opt;
  const IntegrationResult r = integ.integrate(sys, 0.0, &y0, {0.0, 0.2, 1.0, 2.0}, opt, log);
  ASSERT_EQ(r.status, IntegrationStatus::Success) << r.message;
  EXPECT_EQ(r.statistics.steps, 0);  // followed, not stepped
  const double t_half = std::log(2.0) / sys.k, t_quarter = std::log(4.0) / sys.k;
  ASSERT_EQ(log.what, (std::vector<int>{0, 0, 1, 2, 0, 0}));
  EXPECT_DOUBLE_EQ(log.t[2], t_half);
  EXPECT_DOUBLE_EQ(log.t[3], t_quarter);
  EXPECT_DOUBLE_EQ(log.y[2], 0.5);
  EXPECT_NEAR(log.y[3], 0.25, 1e-15);
  EXPECT_DOUBLE_EQ(log.y[4], std::exp(-sys.k * 1.0));
  EXPECT_EQ(log.t[0], 0.0);
  EXPECT_EQ(log.y[0], 1.0);
}

TEST(ExactSolution, AnObserverStopsTheWalkAtItsEvent) {
  ExactDecay sys;
  const double y0 = 1.0;
  Log log;
  log.stop_at_root = 0;
  CvodeIntegrator integ;
  const IntegrationResult r = integ.integrate(sys, 0.0, &y0, {1.0, 2.0}, IntegratorOptions{}, log);
  EXPECT_EQ(r.status, IntegrationStatus::StoppedByObserver);
  EXPECT_DOUBLE_EQ(r.t_reached, std::log(2.0) / sys.k);
  EXPECT_EQ(log.what, (std::vector<int>{1}));
}

TEST(ExactSolution, AnExceptionOfTheClosedFormFailsTheRunWithItsText) {
  ExactDecay sys;
  sys.throw_in_state = true;
  const double y0 = 1.0;
  Log log;
  CvodeIntegrator integ;
  const IntegrationResult r = integ.integrate(sys, 0.0, &y0, {1.0}, IntegratorOptions{}, log);
  EXPECT_EQ(r.status, IntegrationStatus::Failed);
  EXPECT_NE(r.message.find("closed form blew up on purpose"), std::string::npos) << r.message;
}

TEST(ExactSolution, SwitchedOffTheSameSystemIsSteppedByCvodeToItsTolerance) {
  ExactDecay sys;
  const double y0 = 1.0;
  Log exact, stepped;
  CvodeIntegrator integ;
  IntegratorOptions opt;
  opt.rtol = 1e-10;
  integ.integrate(sys, 0.0, &y0, {0.2, 1.0, 2.0}, opt, exact);
  opt.exact_solution = false;
  const IntegrationResult r = integ.integrate(sys, 0.0, &y0, {0.2, 1.0, 2.0}, opt, stepped);
  EXPECT_GT(r.statistics.steps, 10);
  ASSERT_EQ(exact.what, stepped.what);
  for (std::size_t i = 0; i < exact.t.size(); ++i) {
    EXPECT_NEAR(stepped.t[i], exact.t[i], 1e-8 * exact.t[i]);
    EXPECT_NEAR(stepped.y[i], exact.y[i], 1e-8);
  }
}

TEST(ExactSolution, SensitivitiesAndEventTimeSensitivitiesEqualTheirClosedForms) {
  ExactDecay sys;
  const double y0 = 1.0;
  CvodesSensitivityIntegrator integ;
  SensitivityOptions opt;
  const SensitivityResult r = integ.integrate(sys, 0.0, &y0, {0.5, 1.0}, opt, {1});
  ASSERT_EQ(r.status, IntegrationStatus::StoppedByObserver) << r.message;  // at root 1
  ASSERT_EQ(r.times.size(), 1u);
  EXPECT_DOUBLE_EQ(r.s[0], -0.5 * std::exp(-sys.k * 0.5));
  ASSERT_EQ(r.events.size(), 2u);
  // t* = ln(1/level)/k: dt*/dk = -t*/k.
  EXPECT_EQ(r.events[0].root, 0u);
  EXPECT_NEAR(r.events[0].dt_dp[0], -std::log(2.0) / (sys.k * sys.k), 1e-14);
  EXPECT_EQ(r.events[1].root, 1u);
  EXPECT_NEAR(r.events[1].dt_dp[0], -std::log(4.0) / (sys.k * sys.k), 1e-14);
  EXPECT_EQ(r.statistics.steps, 0);
}
