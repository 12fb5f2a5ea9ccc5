// CVODES forward sensitivities: state and event-time gradients against closed forms and central
// differences, with and without an analytic Jacobian, and initial-state parameters.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "solver/ode/cvodes_sensitivity.hpp"

using namespace calcikin::ode;

namespace {

// Autocatalytic conversion (Boskey & Posner 1973): a' = (k0 + k1 a)(1 - a), a(0) = 0, with the
// closed form a(t) = k0 (e^{kt} - 1) / (k1 + k0 e^{kt}), k = k0 + k1, and the half-conversion
// time T50 = ln(2 + k1/k0) / (k0 + k1). Parameters p = (k0, k1); root g = a - 1/2.
class Autocatalytic : public SensitivitySystem {
 public:
  double k0 = 1e-3, k1 = 2e-2;
  bool analytic = true;
  std::size_t size() const noexcept override { return 1; }
  void rhs(double, const double* y, double* f) override { f[0] = (k0 + k1 * y[0]) * (1 - y[0]); }
  bool has_jacobian() const noexcept override { return analytic; }
  void jacobian(double, const double* y, const double*, DenseMatrixView J) override {
    J(0, 0) = k1 * (1 - y[0]) - (k0 + k1 * y[0]);
  }
  std::size_t root_count() const noexcept override { return 1; }
  void roots(double, const double* y, double* g) override { g[0] = y[0] - 0.5; }
  void absolute_tolerances(double* atol) const override { atol[0] = 1e-14; }
  std::size_t parameter_count() const noexcept override { return 2; }
  void parameter_jacobian(double, const double* y, double* dfdp) override {
    dfdp[0] = 1 - y[0];
    dfdp[1] = y[0] * (1 - y[0]);
  }
  static double alpha(double k0_, double k1_, double t) {
    const double e = std::exp((k0_ + k1_) * t);
    return k0_ * (e - 1) / (k1_ + k0_ * e);
  }
  static double t50(double k0_, double k1_) { return std::log(2 + k1_ / k0_) / (k0_ + k1_); }
};

// Two-state chain with an initial-state parameter: y1' = -a y1, y2' = a y1 - b y2,
// y(0) = (c, 0); p = (a, b, c).
class Chain : public SensitivitySystem {
 public:
  double a = 0.7, b = 0.2, c = 2.0;
  std::size_t size() const noexcept override { return 2; }
  void rhs(double, const double* y, double* f) override {
    f[0] = -a * y[0];
    f[1] = a * y[0] - b * y[1];
  }
  bool has_jacobian() const noexcept override { return true; }
  void jacobian(double, const double*, const double*, DenseMatrixView J) override {
    J(0, 0) = -a;
    J(1, 0) = a;
    J(1, 1) = -b;
  }
  void absolute_tolerances(double* atol) const override { atol[0] = atol[1] = 1e-14; }
  std::size_t parameter_count() const noexcept override { return 3; }
  void parameter_jacobian(double, const double* y, double* dfdp) override {
    dfdp[0 * 2 + 0] = -y[0];
    dfdp[0 * 2 + 1] = y[0];
    dfdp[1 * 2 + 1] = -y[1];
  }
  void initial_sensitivities(double* s0) const override { s0[2 * 2 + 0] = 1.0; }
  static double y2(double a_, double b_, double c_, double t) {
    return c_ * a_ / (b_ - a_) * (std::exp(-a_ * t) - std::exp(-b_ * t));
  }
};

double rel(double a, double b) { return std::fabs(a - b) / std::max(std::fabs(b), 1e-300); }

SensitivityOptions tight() {
  SensitivityOptions o;
  o.integrator.rtol = 1e-10;
  return o;
}

}  // namespace

TEST(CvodesSensitivity, StateSensitivitiesOfTheAutocatalyticModelEqualTheClosedFormDerivatives) {
  for (bool analytic : {true, false}) {
    Autocatalytic m;
    m.analytic = analytic;
    CvodesSensitivityIntegrator integ;
    const double y0 = 0.0;
    const std::vector<double> times = {0.0, 50.0, 100.0, 150.0, 300.0};
    const SensitivityResult r = integ.integrate(m, 0.0, &y0, times, tight());
    ASSERT_EQ(r.status, IntegrationStatus::Success) << r.message;
    ASSERT_EQ(r.times.size(), times.size());
    for (std::size_t k = 1; k < times.size(); ++k) {
      const double t = times[k];
      EXPECT_LT(rel(r.y[k], Autocatalytic::alpha(m.k0, m.k1, t)), 1e-8);
      // Central differences of the closed form (step 1e-6 relative: truncation ~1e-12).
      const double h0 = 1e-6 * m.k0, h1 = 1e-6 * m.k1;
      const double d0 =
          (Autocatalytic::alpha(m.k0 + h0, m.k1, t) - Autocatalytic::alpha(m.k0 - h0, m.k1, t)) /
          (2 * h0);
      const double d1 =
          (Autocatalytic::alpha(m.k0, m.k1 + h1, t) - Autocatalytic::alpha(m.k0, m.k1 - h1, t)) /
          (2 * h1);
      EXPECT_LT(rel(r.s[(k * 2 + 0) * 1], d0), 1e-6) << "t = " << t << " analytic " << analytic;
      EXPECT_LT(rel(r.s[(k * 2 + 1) * 1], d1), 1e-6) << "t = " << t << " analytic " << analytic;
    }
  }
}

TEST(CvodesSensitivity, EventTimeSensitivityOfT50EqualsTheClosedFormDerivative) {
  Autocatalytic m;
  CvodesSensitivityIntegrator integ;
  const double y0 = 0.0;
  const SensitivityResult r = integ.integrate(m, 0.0, &y0, {1000.0}, tight());
  ASSERT_EQ(r.status, IntegrationStatus::Success) << r.message;
  const SensitivityResult::Event* e = r.first_event(0);
  ASSERT_NE(e, nullptr);
  EXPECT_LT(rel(e->t, Autocatalytic::t50(m.k0, m.k1)), 1e-8);
  const double h0 = 1e-6 * m.k0, h1 = 1e-6 * m.k1;
  const double d0 =
      (Autocatalytic::t50(m.k0 + h0, m.k1) - Autocatalytic::t50(m.k0 - h0, m.k1)) / (2 * h0);
  const double d1 =
      (Autocatalytic::t50(m.k0, m.k1 + h1) - Autocatalytic::t50(m.k0, m.k1 - h1)) / (2 * h1);
  EXPECT_LT(rel(e->dt_dp[0], d0), 1e-6);
  EXPECT_LT(rel(e->dt_dp[1], d1), 1e-6);
}

TEST(CvodesSensitivity, StoppingAtAnEventEndsTheRunThere) {
  Autocatalytic m;
  CvodesSensitivityIntegrator integ;
  const double y0 = 0.0;
  const SensitivityResult r = integ.integrate(m, 0.0, &y0, {50.0, 1000.0}, tight(), {0});
  EXPECT_EQ(r.status, IntegrationStatus::StoppedByObserver);
  EXPECT_EQ(r.times.size(), 1u);
  EXPECT_NEAR(r.t_reached, Autocatalytic::t50(m.k0, m.k1), 1e-6);
}

TEST(CvodesSensitivity, InitialStateParametersAndTwoStatesMatchCentralDifferences) {
  Chain m;
  CvodesSensitivityIntegrator integ;
  for (int repeat = 0; repeat < 2; ++repeat) {  // the second run reuses the workspace
    const double y0[2] = {m.c, 0.0};
    const SensitivityResult r = integ.integrate(m, 0.0, y0, {1.0, 3.0, 10.0}, tight());
    ASSERT_EQ(r.status, IntegrationStatus::Success) << r.message;
    for (std::size_t k = 0; k < 3; ++k) {
      const double t = r.times[k];
      const double p[3] = {m.a, m.b, m.c};
      for (std::size_t j = 0; j < 3; ++j) {
        double pp[3] = {p[0], p[1], p[2]}, pm[3] = {p[0], p[1], p[2]};
        const double h = 1e-6 * p[j];
        pp[j] += h;
        pm[j] -= h;
        const double fd =
            (Chain::y2(pp[0], pp[1], pp[2], t) - Chain::y2(pm[0], pm[1], pm[2], t)) / (2 * h);
        EXPECT_LT(rel(r.s[(k * 3 + j) * 2 + 1], fd), 1e-6) << "t " << t << " p " << j;
      }
      EXPECT_LT(rel(r.s[(k * 3 + 2) * 2 + 0], std::exp(-m.a * t)), 1e-8);  // dy1/dc
    }
  }
}

// The options of the sensitivity error test and corrector: the simultaneous corrector meets the
// closed form as the staggered one does (one integrator switching between them); a sensitivity
// tolerance factor of 100 takes fewer steps and is less accurate, but still within 100 times the
// default's error.
TEST(CvodesSensitivity, SimultaneousCorrectorAndLooserSensitivityTolerancesMeetTheClosedForm) {
  Autocatalytic m;
  CvodesSensitivityIntegrator integ;
  const double y0 = 0.0;
  const std::vector<double> times = {0.0, 100.0, 150.0, 300.0};
  auto worst_error = [&](const SensitivityResult& r) {
    double worst = 0.0;
    for (std::size_t k = 1; k < times.size(); ++k) {
      const double t = times[k], h1 = 1e-6 * m.k1;
      const double d1 =
          (Autocatalytic::alpha(m.k0, m.k1 + h1, t) - Autocatalytic::alpha(m.k0, m.k1 - h1, t)) /
          (2 * h1);
      worst = std::max(worst, rel(r.s[(k * 2 + 1) * 1], d1));
    }
    return worst;
  };
  SensitivityOptions o = tight();
  o.integrator.rtol = 1e-8;
  const SensitivityResult staggered = integ.integrate(m, 0.0, &y0, times, o);
  o.simultaneous_corrector = true;
  const SensitivityResult simultaneous = integ.integrate(m, 0.0, &y0, times, o);
  o.simultaneous_corrector = false;
  o.sensitivity_tolerance_factor = 100.0;
  const SensitivityResult loose = integ.integrate(m, 0.0, &y0, times, o);
  for (const SensitivityResult* r : {&staggered, &simultaneous, &loose})
    ASSERT_EQ(r->status, IntegrationStatus::Success) << r->message;
  EXPECT_LT(worst_error(staggered), 1e-5);
  EXPECT_LT(worst_error(simultaneous), 1e-5);
  EXPECT_LE(loose.statistics.steps, staggered.statistics.steps);
  EXPECT_LT(worst_error(loose), 100.0 * std::max(worst_error(staggered), 1e-7));
}
