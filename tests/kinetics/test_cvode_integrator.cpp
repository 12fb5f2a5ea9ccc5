// The CVODE integrator: accuracy, events, failure reporting and workspace reuse.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "solver/ode/cvode_integrator.hpp"

using namespace calcikin::ode;

namespace {

// y' = -k y, y(0) = 1; root g = y - 0.5.
class Decay : public OdeSystem {
 public:
  double k = 2.0;
  double throw_after = 1e300;
  bool recoverable_once = false;
  std::size_t size() const noexcept override { return 1; }
  void rhs(double t, const double* y, double* ydot) override {
    if (t > throw_after) throw std::runtime_error("model blew up on purpose");
    if (recoverable_once && t > 0.5) {
      recoverable_once = false;
      throw RecoverableEvaluationError("try a smaller step");
    }
    ydot[0] = -k * y[0];
  }
  bool has_jacobian() const noexcept override { return true; }
  void jacobian(double, const double*, const double*, DenseMatrixView J) override { J(0, 0) = -k; }
  std::size_t root_count() const noexcept override { return 1; }
  void roots(double, const double* y, double* g) override { g[0] = y[0] - 0.5; }
  void absolute_tolerances(double* atol) const override { atol[0] = 1e-14; }
};

class Recorder : public IntegrationObserver {
 public:
  std::vector<double> t, y;
  double root_time = -1.0;
  int root_direction = 0;
  bool on_output(std::size_t, double time, const double* state) override {
    t.push_back(time);
    y.push_back(state[0]);
    return true;
  }
  bool on_root(double time, const double*, const int* flags) override {
    root_time = time;
    root_direction = flags[0];
    return true;
  }
};

}  // namespace

TEST(CvodeIntegrator, ExponentialDecayMatchesTheAnalyticSolution) {
  Decay sys;
  CvodeIntegrator integ;
  Recorder rec;
  IntegratorOptions opt;
  opt.rtol = 1e-10;
  const double y0 = 1.0;
  const IntegrationResult r = integ.integrate(sys, 0.0, &y0, {0.1, 1.0, 3.0}, opt, rec);
  ASSERT_EQ(r.status, IntegrationStatus::Success) << r.message;
  ASSERT_EQ(rec.y.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_NEAR(rec.y[i], std::exp(-2.0 * rec.t[i]), 1e-8 * std::exp(-2.0 * rec.t[i]) + 1e-13);
  EXPECT_GT(r.statistics.steps, 0);
  EXPECT_GT(r.statistics.jacobian_evaluations, 0);
}

TEST(CvodeIntegrator, RootIsLocatedAtTheAnalyticCrossingTime) {
  Decay sys;
  CvodeIntegrator integ;
  Recorder rec;
  IntegratorOptions opt;
  opt.rtol = 1e-10;
  const double y0 = 1.0;
  integ.integrate(sys, 0.0, &y0, {2.0}, opt, rec);
  EXPECT_NEAR(rec.root_time, std::log(2.0) / 2.0, 1e-8);
  EXPECT_EQ(rec.root_direction, -1);
}

TEST(CvodeIntegrator, ModelExceptionFailsTheRunWithFlagNameAndText) {
  Decay sys;
  sys.throw_after = 1.0;
  CvodeIntegrator integ;
  Recorder rec;
  const double y0 = 1.0;
  const IntegrationResult r = integ.integrate(sys, 0.0, &y0, {5.0}, {}, rec);
  EXPECT_EQ(r.status, IntegrationStatus::Failed);
  EXPECT_NE(r.message.find("CV_RHSFUNC_FAIL"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("model blew up on purpose"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("worst components"), std::string::npos) << r.message;
}

TEST(CvodeIntegrator, RecoverableErrorIsRetriedAndTheRunSucceeds) {
  Decay sys;
  sys.recoverable_once = true;
  CvodeIntegrator integ;
  Recorder rec;
  const double y0 = 1.0;
  const IntegrationResult r = integ.integrate(sys, 0.0, &y0, {2.0}, {}, rec);
  EXPECT_EQ(r.status, IntegrationStatus::Success) << r.message;
  EXPECT_NEAR(rec.y.back(), std::exp(-4.0), 1e-6);
}

TEST(CvodeIntegrator, StepLimitIsReportedWithTheScenarioKey) {
  Decay sys;
  CvodeIntegrator integ;
  Recorder rec;
  IntegratorOptions opt;
  opt.max_steps = 5;
  const double y0 = 1.0;
  const IntegrationResult r = integ.integrate(sys, 0.0, &y0, {100.0}, opt, rec);
  EXPECT_EQ(r.status, IntegrationStatus::Failed);
  EXPECT_NE(r.message.find("solver.max_steps = 5"), std::string::npos) << r.message;
}

TEST(CvodeIntegrator, FailedSetUpCallIsNamedInTheMessage) {
  Decay sys;
  CvodeIntegrator integ;
  Recorder rec;
  IntegratorOptions opt;
  opt.max_order = 0;  // CVODE refuses it (CV_ILL_INPUT)
  const double y0 = 1.0;
  const IntegrationResult r = integ.integrate(sys, 0.0, &y0, {1.0}, opt, rec);
  EXPECT_EQ(r.status, IntegrationStatus::Failed);
  EXPECT_NE(r.message.find("CVODE set-up failed in CVodeSetMaxOrd [CV_ILL_INPUT]"),
            std::string::npos)
      << r.message;
  // The workspace stays usable: the next run with valid options succeeds.
  opt.max_order = 5;
  EXPECT_EQ(integ.integrate(sys, 0.0, &y0, {1.0}, opt, rec).status, IntegrationStatus::Success);
}

// A slow right-hand side (1 ms per call, a stand-in for a hard speciation) with many forced steps:
// the wall-clock budget stops the run cleanly, the reason first.
class SlowDecay : public Decay {
 public:
  void rhs(double t, const double* y, double* ydot) override {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
    while (std::chrono::steady_clock::now() < until) {
    }
    Decay::rhs(t, y, ydot);
  }
};

TEST(CvodeIntegrator, WallTimeBudgetStopsAnExpensiveRunWithTheReasonFirst) {
  SlowDecay sys;
  CvodeIntegrator integ;
  Recorder rec;
  IntegratorOptions opt;
  opt.max_step = 1e-3;  // 1e5 steps to t = 100 (minutes of right-hand sides)
  opt.max_steps = 1000000;
  opt.max_wall_time = 0.2;
  const double y0 = 1.0;
  const auto start = std::chrono::steady_clock::now();
  const IntegrationResult r = integ.integrate(sys, 0.0, &y0, {100.0}, opt, rec);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.status, IntegrationStatus::Failed);
  EXPECT_EQ(r.message.rfind("wall-time limit solver.max_wall_time = 0.2 s reached", 0), 0u)
      << r.message;
  EXPECT_LT(r.t_reached, 100.0);
  EXPECT_LT(took, 5.0);  // stopped within a few chunks of 200 steps, not after 1e5 steps
  // The same run without a budget is not affected by the chunking (same result as one call).
  Decay fast;
  IntegratorOptions plain;
  plain.max_wall_time = 10.0;
  Recorder a, b;
  const IntegrationResult ra = integ.integrate(fast, 0.0, &y0, {1.0, 2.0}, plain, a);
  plain.max_wall_time = 0.0;
  const IntegrationResult rb = integ.integrate(fast, 0.0, &y0, {1.0, 2.0}, plain, b);
  ASSERT_EQ(ra.status, IntegrationStatus::Success) << ra.message;
  ASSERT_EQ(rb.status, IntegrationStatus::Success) << rb.message;
  EXPECT_EQ(a.y, b.y);
}

TEST(CvodeIntegrator, CvodeOwnErrorTextIsKeptInTheMessage) {
  Decay sys;
  CvodeIntegrator integ;
  Recorder rec;
  IntegratorOptions opt;
  opt.rtol = -1.0;  // CVODE rejects this in CVodeSVtolerances and says why
  const double y0 = 1.0;
  const IntegrationResult r = integ.integrate(sys, 0.0, &y0, {1.0}, opt, rec);
  EXPECT_EQ(r.status, IntegrationStatus::Failed);
  EXPECT_NE(r.message.find("CVODE:"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("reltol"), std::string::npos) << r.message;
}

TEST(CvodeIntegrator, ReusedWorkspaceGivesIdenticalRuns) {
  Decay sys;
  CvodeIntegrator integ;
  const double y0 = 1.0;
  Recorder a, b;
  const IntegrationResult ra = integ.integrate(sys, 0.0, &y0, {0.5, 2.0}, {}, a);
  const IntegrationResult rb = integ.integrate(sys, 0.0, &y0, {0.5, 2.0}, {}, b);
  EXPECT_EQ(ra.statistics.steps, rb.statistics.steps);
  EXPECT_EQ(a.y, b.y);
}

namespace {

// A species consumed at a constant rate that does not stop at zero (dy/dt = -1, y(0) = 1): the
// unconstrained solution crosses zero at t = 1.
class Consumed : public OdeSystem {
 public:
  bool nonnegative = true;
  std::size_t size() const noexcept override { return 1; }
  void rhs(double, const double*, double* ydot) override { ydot[0] = -1.0; }
  void absolute_tolerances(double* atol) const override { atol[0] = 1e-12; }
  bool has_nonnegative_states() const noexcept override { return nonnegative; }
  void nonnegative_states(double* mask) const override { mask[0] = 1.0; }
  std::string state_name(std::size_t) const override { return "amount"; }
};

// Stiff decay y' = -k y with loose tolerances: steps may overshoot below zero unconstrained.
class StiffDecay : public Decay {
 public:
  bool has_nonnegative_states() const noexcept override { return true; }
  void nonnegative_states(double* mask) const override { mask[0] = 1.0; }
  std::size_t root_count() const noexcept override { return 0; }
  void absolute_tolerances(double* atol) const override { atol[0] = 1e-3; }
};

}  // namespace

TEST(CvodeIntegrator, NonNegativeStatesStayNonNegative) {
  StiffDecay sys;
  sys.k = 1e4;
  CvodeIntegrator integ;
  Recorder rec;
  IntegratorOptions opt;
  opt.rtol = 1e-2;
  const double y0 = 1.0;
  std::vector<double> times;
  for (int i = 1; i <= 50; ++i) times.push_back(0.01 * i);
  const IntegrationResult r = integ.integrate(sys, 0.0, &y0, times, opt, rec);
  ASSERT_EQ(r.status, IntegrationStatus::Success) << r.message;
  for (double y : rec.y) EXPECT_GE(y, 0.0);
}

TEST(CvodeIntegrator, ARunThatMustCrossANonNegativeBoundFailsWithAReason) {
  Consumed sys;
  CvodeIntegrator integ;
  Recorder rec;
  IntegratorOptions opt;
  const double y0 = 1.0;
  const IntegrationResult r = integ.integrate(sys, 0.0, &y0, {0.5, 2.0}, opt, rec);
  EXPECT_EQ(r.status, IntegrationStatus::Failed);
  EXPECT_LT(r.t_reached, 1.0 + 1e-6);
  EXPECT_FALSE(r.message.empty());
  for (double y : rec.y) EXPECT_GE(y, 0.0);
  // The same workspace without constraints integrates through (constraints are per system).
  sys.nonnegative = false;
  Recorder free_rec;
  const IntegrationResult free_run = integ.integrate(sys, 0.0, &y0, {0.5, 2.0}, opt, free_rec);
  ASSERT_EQ(free_run.status, IntegrationStatus::Success) << free_run.message;
  EXPECT_NEAR(free_rec.y.back(), -1.0, 1e-6);
}
