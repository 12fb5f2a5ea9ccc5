// Method of moments: with constant nucleation rate J, growth rate G and nucleus size L*, the
// moments have the closed form mu_k(t) = J [(L* + G t)^(k+1) - L*^(k+1)] / ((k+1) G).
#include <gtest/gtest.h>

#include <cmath>

#include "models/kinetics/mechanistic_model.hpp"
#include "models/kinetics/rate_laws.hpp"
#include "models/kinetics/trajectory.hpp"

using namespace calcikin::kinetics;

namespace {

// A solution whose saturation does not change (an infinite reservoir): fixed SI, no Mg.
class ConstantChemistry final : public SolutionChemistry {
 public:
  ConstantChemistry() {
    phases_.push_back({"ACP", 180e-6, 5.0, {3.0, 0.0, 2.0, 0.0}});
    phases_.push_back({"HAP", 159e-6, 9.0, {5.0, 0.0, 3.0, 0.0}});
  }
  std::size_t phase_count() const noexcept override { return phases_.size(); }
  const PhaseChemistry& phase(std::size_t i) const override { return phases_.at(i); }
  bool free_pH() const noexcept override { return false; }
  void evaluate(const double*, ChemistryResult& out) override {
    out.saturation_index[0] = -1.0;
    out.saturation_index[1] = si_hap;
    out.log10_activity_ca = -2.5;
    out.log10_activity_mg = -300.0;
  }
  void sensitivities(const double*, const ChemistryResult&, double* dq) override {
    for (std::size_t i = 0; i < quantity_count(2) * kComponentCount; ++i) dq[i] = 0.0;
  }
  double si_hap = 9.0;

 private:
  std::vector<PhaseChemistry> phases_;
};

struct MomentSink : ObservationSink {
  std::vector<double> t, amount, radius;
  void record(std::size_t, double time, const Observation& o) override {
    t.push_back(time);
    amount.push_back(o.amount[1]);
    radius.push_back(o.mean_radius[1]);
  }
};

}  // namespace

TEST(MomentMethod, ConstantNucleationAndGrowthMatchTheAnalyticMoments) {
  ConstantChemistry chem;
  KineticParameters p = KineticParameters::defaults();
  p.hap.secondary_prefactor = 0.0;     // no autocatalysis: J constant
  p.hap.homogeneous_prefactor = 1e15;  // 1/(m3 s)
  p.hap.interfacial_energy = 0.05;     // J/m2
  p.diffusion_coefficient = 0.0;       // the surface law alone (no transport in series, §3.5b)
  MechanisticSetup s;
  s.temperature = 310.15;
  s.dissolved = {0.01, 0.0, 0.01, 0.0};
  s.crystals.push_back({CrystalKind::HAP, 1, 0.0, 25e-9});
  s.parameters = p;
  s.atol_scale = 1e-20;
  MechanisticModel model(chem, s);

  // Expected J, G, L* from the rate laws as documented (docs/model.md), computed here
  // independently.
  const double kB = 1.380649e-23, NA = 6.02214076e23, T = 310.15, pi = 3.141592653589793;
  const double ln_omega = 9.0 * std::log(10.0);
  const double v = 159e-6 / NA;
  const double B = 16 * pi * std::pow(0.05, 3) * v * v / (3 * std::pow(kB * T, 3));
  const double J = 1e15 * 1e-3 * std::exp(-B / (ln_omega * ln_omega));  // per kg water
  const double sigma = std::pow(10.0, 9.0 / 9.0) - 1.0;                 // 9
  const double capped = sigma / std::pow(1.0 + std::pow(sigma / 5.0, 4.0), 0.25);
  const double G = p.hap.growth_rate_constant * capped * capped * sigma / (sigma + 1e-3) * 159e-6;
  const double r_crit = 2 * 0.05 * v / (kB * T * ln_omega);
  const double L = std::sqrt(r_crit * r_crit + 0.5e-9 * 0.5e-9);
  ASSERT_GT(J, 1.0);

  calcikin::ode::CvodeIntegrator integ;
  calcikin::ode::IntegratorOptions opt;
  opt.rtol = 1e-10;
  MomentSink sink;
  std::vector<double> times = {10.0, 100.0, 1000.0, 3600.0};
  const TrajectoryResult r = run_trajectory(model, integ, times, opt, &sink);
  ASSERT_EQ(r.integration.status, calcikin::ode::IntegrationStatus::Success)
      << r.integration.message;
  for (std::size_t i = 0; i < times.size(); ++i) {
    const double t = times[i];
    auto mu = [&](int k) {
      return J * (std::pow(L + G * t, k + 1) - std::pow(L, k + 1)) / ((k + 1) * G);
    };
    const double amount = 4.0 * pi / 3.0 * mu(3) / 159e-6;
    EXPECT_NEAR(sink.amount[i], amount, 1e-7 * amount) << "t = " << t;
    EXPECT_NEAR(sink.radius[i], mu(1) / mu(0), 1e-7 * mu(1) / mu(0)) << "t = " << t;
  }
}

TEST(RateLaws, SurfaceFluxIsContinuouslyDifferentiableAtSaturation) {
  auto flux = [](double s) { return rate::surface_flux(s, 1e-8, 2.0, 1e-7, 5.0, 4.0, 1e-3); };
  const double h = 1e-7;
  const double slope_left = (flux(0.0) - flux(-h)) / h;
  const double slope_right = (flux(h) - flux(0.0)) / h;
  EXPECT_NEAR(slope_left, slope_right, 1e-10);
  EXPECT_EQ(flux(0.0), 0.0);
  EXPECT_LT(flux(-0.5), 0.0);
  EXPECT_GT(flux(0.5), 0.0);
}

TEST(RateLaws, SoftCapIsSmoothAndBounded) {
  EXPECT_NEAR(rate::soft_cap(0.01, 5.0, 4.0), 0.01, 1e-9);
  EXPECT_LT(rate::soft_cap(1e3, 5.0, 4.0), 5.0);
  EXPECT_GT(rate::soft_cap(1e3, 5.0, 4.0), 4.99);
}

TEST(RateLaws, PowerOfTheDefaultExponentsEqualsPowToAnUlpWithItsDerivative) {
  for (double p : {2.0, 4.0, 8.0, 1.0, 0.5, 0.25, 0.125, 1.7}) {
    for (double x : {1e-12, 3e-4, 0.37, 1.0, 2.5, 1.3e3}) {
      const double expect = std::pow(x, p);
      EXPECT_NEAR(rate::power(x, p), expect, 4e-16 * expect) << x << "^" << p;
      // On a dual number: the derivative p x^(p-1) along its slot.
      const Dual<2> d = rate::power(Dual<2>::variable(x, 1), p);
      EXPECT_NEAR(d.v, expect, 4e-16 * expect);
      EXPECT_NEAR(d.d[1], p * std::pow(x, p - 1.0), 1e-14 * p * std::pow(x, p - 1.0));
      EXPECT_EQ(d.d[0], 0.0);
    }
  }
  // A dual exponent (a fitted order) keeps pow's derivative with respect to it, x^p ln x.
  const Dual<1> order = Dual<1>::variable(2.0, 0);
  const Dual<1> r = rate::power(Dual<1>(3.0), order);
  EXPECT_DOUBLE_EQ(r.v, 9.0);
  EXPECT_NEAR(r.d[0], 9.0 * std::log(3.0), 1e-13);
}

TEST(RateLaws, NucleationFactorVanishesSmoothlyAtSaturation) {
  EXPECT_EQ(rate::nucleation_factor(0.0, 100.0), 0.0);
  EXPECT_EQ(rate::nucleation_factor(-1.0, 100.0), 0.0);
  EXPECT_EQ(rate::nucleation_factor(0.1, 100.0), 0.0);  // exponent beyond the cap
  EXPECT_NEAR(rate::nucleation_factor(10.0, 100.0), std::exp(-1.0), 1e-15);
}

TEST(RateLaws, CapacityLimitedCoverageSolvesTheBindingBalanceAndHasTheTightBindingLimits) {
  const double k = 1e8;  // kg/mol: K = 1e5 m3/mol times c0
  const double amount = 4e-6;
  for (double sites : {0.0, 1e-6, 3.9e-6, 4e-6, 4.1e-6, 8e-6, 4e-5}) {
    const double theta = rate::capacity_limited_coverage(sites, amount, k);
    // Bound b = theta sites satisfies the Langmuir isotherm with the free amount amount - b.
    const double b = theta * sites, free = amount - b;
    if (sites > 0.0) {
      EXPECT_NEAR(theta, k * free / (1.0 + k * free), 1e-9) << sites;
    }
    EXPECT_GE(theta, 0.0);
    EXPECT_LE(theta, 1.0);
    // Tight binding: full coverage while the capacity exceeds the sites, then theta ~ amount/sites.
    if (sites <= 0.5 * amount) {
      EXPECT_GT(theta, 0.99) << sites;
    }
    if (sites >= 2.0 * amount) {
      EXPECT_NEAR(theta, amount / sites, 0.01 * amount / sites) << sites;
    }
  }
  // Smooth through sites = amount: the derivative from the dual numbers equals the difference
  // quotient.
  using D = Dual<1>;
  const double s0 = amount, h = 1e-12;
  const D theta = rate::capacity_limited_coverage(D::variable(s0, 0), amount, k);
  const double fd = (rate::capacity_limited_coverage(s0 + h, amount, k) -
                     rate::capacity_limited_coverage(s0 - h, amount, k)) /
                    (2.0 * h);
  EXPECT_NEAR(theta.d[0], fd, 1e-5 * std::fabs(fd));
  EXPECT_LT(theta.d[0], 0.0);  // more mineral area, lower coverage
}
