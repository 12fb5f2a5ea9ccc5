// Level-1 (autocatalytic) model: closed-form solution, Mg and pH factors, conservation.
#include <gtest/gtest.h>

#include <cmath>

#include "kinetics_test_support.hpp"
#include "models/kinetics/autocatalytic_model.hpp"

using namespace calcikin::kinetics;
using namespace calcikin::kinetics::testing;

namespace {

struct AlphaSink : ObservationSink {
  std::vector<double> t, alpha, conservation;
  std::array<double, kComponentCount> totals{};
  void record(std::size_t, double time, const Observation& o) override {
    t.push_back(time);
    alpha.push_back(o.crystalline_fraction);
    double worst = 0.0;
    for (std::size_t e = 0; e < 3; ++e) {
      double sum = o.dissolved[e];
      for (std::size_t p = 0; p < o.phase_count; ++p) sum += o.solid[p][e];
      if (totals[e] > 0.0) worst = std::max(worst, std::fabs(sum - totals[e]) / totals[e]);
    }
    conservation.push_back(worst);
  }
};

AutocatalyticSetup setup_for(IdealChemistry& chem, double mg, KineticParameters p) {
  AutocatalyticSetup s;
  const AcpEquilibrium eq = equilibrate_acp(chem, 0, t50_totals(mg));
  s.dissolved = eq.dissolved;
  s.acp_amount = eq.amount;
  s.parameters = p;
  s.atol = 1e-12;
  return s;
}

}  // namespace

// Both integration paths: the closed form followed (solver.method: auto, the default) and CVODE's
// BDF stepping (bdf), each against the formula written out here.
TEST(AutocatalyticModel, HalfConversionTimeMatchesTheClosedFormOnBothPaths) {
  IdealChemistry chem(reference_ideal_config(false));
  KineticParameters p = KineticParameters::defaults();
  p.auto_k0 = 2e-6;
  p.auto_k1 = 1e-3;
  AutocatalyticModel model(chem, setup_for(chem, 0.0, p));
  // Without Mg and at the reference pH the factors are 1: t1/2 = ln(2 + k1/k0) / (k0 + k1).
  const double closed = std::log(2.0 + p.auto_k1 / p.auto_k0) / (p.auto_k0 + p.auto_k1);
  EXPECT_NEAR(model.closed_form_half_time(), closed, 1e-12 * closed);
  for (const bool exact : {true, false}) {
    calcikin::ode::CvodeIntegrator integ;
    calcikin::ode::IntegratorOptions opt;
    opt.rtol = 1e-10;
    opt.exact_solution = exact;
    const TrajectoryResult r = run_trajectory(model, integ, log_times(1.0, 1e5, 50), opt, nullptr);
    ASSERT_EQ(r.integration.status, calcikin::ode::IntegrationStatus::Success)
        << r.integration.message;
    EXPECT_NEAR(r.t50, closed, (exact ? 1e-13 : 1e-6) * closed) << "exact " << exact;
    EXPECT_EQ(r.integration.statistics.steps == 0, exact);
  }
}

TEST(AutocatalyticModel, TrajectoryFollowsTheClosedFormAlphaOnBothPaths) {
  IdealChemistry chem(reference_ideal_config(false));
  KineticParameters p = KineticParameters::defaults();
  AutocatalyticModel model(chem, setup_for(chem, 0.0, p));
  const double k0 = model.effective_k0(), k1 = model.effective_k1();
  for (const bool exact : {true, false}) {
    calcikin::ode::CvodeIntegrator integ;
    calcikin::ode::IntegratorOptions opt;
    opt.rtol = 1e-10;
    opt.exact_solution = exact;
    AlphaSink sink;
    sink.totals = model.element_totals();
    run_trajectory(model, integ, log_times(1.0, 1e5, 40), opt, &sink);
    ASSERT_EQ(sink.t.size(), 40u);
    for (std::size_t i = 0; i < sink.t.size(); ++i) {
      const double e = std::exp((k0 + k1) * sink.t[i]);
      const double formula = k0 * (e - 1.0) / (k1 + k0 * e);
      EXPECT_NEAR(sink.alpha[i], formula, exact ? 1e-14 : 1e-7) << "t = " << sink.t[i];
      EXPECT_LT(sink.conservation[i], 1e-12);
    }
  }
}

// Where the solution holds too little Ca for a full conversion the law becomes
// (k0 + k1 alpha)(1 - alpha/alpha_max): the closed form (any start alpha(t0)) and its events
// follow the stepped trajectory, and the half-conversion event never comes when alpha_max < 1/2.
TEST(AutocatalyticModel, ClosedFormWithAnElementLimitFollowsTheSteppedTrajectory) {
  IdealChemistry chem(reference_ideal_config(false));
  KineticParameters p = KineticParameters::defaults();
  for (const double limit : {0.7, 0.4}) {
    AutocatalyticSetup s = setup_for(chem, 0.0, p);
    // Ca3(PO4)2 -> Ca5(PO4)3OH at constant solid P takes n0/3 of Ca per unit of alpha.
    s.dissolved[kCa] = limit * s.acp_amount / 3.0;
    AutocatalyticModel model(chem, s);
    ASSERT_NEAR(model.conversion_limit(), limit, 1e-5);
    TrajectoryResult r[2];
    AlphaSink sink[2];
    for (const int exact : {1, 0}) {
      calcikin::ode::CvodeIntegrator integ;
      calcikin::ode::IntegratorOptions opt;
      opt.rtol = 1e-11;
      opt.exact_solution = exact == 1;
      sink[exact].totals = model.element_totals();
      r[exact] = run_trajectory(model, integ, log_times(1.0, 1e6, 30), opt, &sink[exact]);
      ASSERT_EQ(r[exact].integration.status, calcikin::ode::IntegrationStatus::Success);
    }
    for (std::size_t i = 0; i < sink[1].t.size(); ++i)
      EXPECT_NEAR(sink[1].alpha[i], sink[0].alpha[i], 1e-8) << "t = " << sink[1].t[i];
    EXPECT_NEAR(r[1].induction_time, r[0].induction_time, 1e-6 * r[0].induction_time);
    if (limit > 0.5)
      EXPECT_NEAR(r[1].t50, r[0].t50, 1e-6 * r[0].t50);
    else
      EXPECT_TRUE(std::isnan(r[1].t50) && std::isnan(r[0].t50));
    // From a later start: the same curve.
    double mid = 0.0, later = 0.0, direct = 0.0;
    const double a0 = 0.0;
    model.exact_state(0.0, &a0, 2e4, &mid);
    model.exact_state(2e4, &mid, 5e4, &later);
    model.exact_state(0.0, &a0, 5e4, &direct);
    EXPECT_NEAR(later, direct, 1e-14);
  }
}

TEST(AutocatalyticModel, MagnesiumAndHigherPhSlowTheConversion) {
  IdealChemistry chem(reference_ideal_config(false));
  const KineticParameters p = KineticParameters::defaults();
  AutocatalyticModel none(chem, setup_for(chem, 0.0, p));
  AutocatalyticModel some(chem, setup_for(chem, 1e-3, p));
  EXPECT_GT(some.closed_form_half_time(), 1.05 * none.closed_form_half_time());
  IdealChemistryConfig alkaline = reference_ideal_config(false);
  alkaline.pH = 7.8;
  IdealChemistry chem78(alkaline);
  AutocatalyticModel high_ph(chem78, setup_for(chem78, 0.0, p));
  EXPECT_NEAR(high_ph.closed_form_half_time() / none.closed_form_half_time(),
              std::pow(10.0, 0.5 * 0.4), 1e-6);
}
