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

TEST(AutocatalyticModel, HalfConversionTimeMatchesTheClosedForm) {
  IdealChemistry chem(reference_ideal_config(false));
  KineticParameters p = KineticParameters::defaults();
  p.auto_k0 = 2e-6;
  p.auto_k1 = 1e-3;
  AutocatalyticModel model(chem, setup_for(chem, 0.0, p));
  calcikin::ode::CvodeIntegrator integ;
  calcikin::ode::IntegratorOptions opt;
  opt.rtol = 1e-10;
  const TrajectoryResult r = run_trajectory(model, integ, log_times(1.0, 1e5, 50), opt, nullptr);
  ASSERT_EQ(r.integration.status, calcikin::ode::IntegrationStatus::Success)
      << r.integration.message;
  // Without Mg and at the reference pH the factors are 1: t1/2 = ln(2 + k1/k0) / (k0 + k1).
  const double closed = std::log(2.0 + p.auto_k1 / p.auto_k0) / (p.auto_k0 + p.auto_k1);
  EXPECT_NEAR(r.t50, closed, 1e-6 * closed);
  EXPECT_NEAR(model.closed_form_half_time(), closed, 1e-6 * closed);
}

TEST(AutocatalyticModel, TrajectoryFollowsTheClosedFormAlpha) {
  IdealChemistry chem(reference_ideal_config(false));
  KineticParameters p = KineticParameters::defaults();
  AutocatalyticModel model(chem, setup_for(chem, 0.0, p));
  calcikin::ode::CvodeIntegrator integ;
  calcikin::ode::IntegratorOptions opt;
  opt.rtol = 1e-10;
  AlphaSink sink;
  sink.totals = model.element_totals();
  run_trajectory(model, integ, log_times(1.0, 1e5, 40), opt, &sink);
  const double k0 = model.effective_k0(), k1 = model.effective_k1();
  for (std::size_t i = 0; i < sink.t.size(); ++i) {
    const double e = std::exp((k0 + k1) * sink.t[i]);
    const double exact = k0 * (e - 1.0) / (k1 + k0 * e);
    EXPECT_NEAR(sink.alpha[i], exact, 1e-7) << "t = " << sink.t[i];
    EXPECT_LT(sink.conservation[i], 1e-12);
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
