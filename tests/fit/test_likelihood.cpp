// Noise models: residuals reproduce the hand-computed negative log-likelihoods, and their
// derivatives equal central differences.
#include <gtest/gtest.h>

#include <cmath>

#include "models/fit/likelihood.hpp"

using namespace calcikin::fit;

namespace {
double nll(const Residual& r) { return 0.5 * r.r * r.r + r.constant; }
}  // namespace

TEST(Likelihood, NormalDatumCostsTheGaussianNegativeLogDensity) {
  // y = 2.0, m = 2.3, sigma = 0.2: -ln N(2.0; 2.3, 0.2) = 0.5*1.5^2 + ln 0.2 + 0.5 ln 2 pi.
  const Residual r = normal_residual(2.3, 2.0, 0.2);
  EXPECT_NEAR(nll(r), 1.125 + std::log(0.2) + 0.5 * std::log(2 * M_PI), 1e-12);
  EXPECT_NEAR(r.dr_dm, 5.0, 1e-12);
}

TEST(Likelihood, LogNormalDatumCostsTheLogNormalDensityOfTheMeasuredValue) {
  // T50 measured 300 min, simulated 330 min, sigma 0.1 (log scale):
  // -ln LN(300; ln 330, 0.1) = (ln 330 - ln 300)^2/(2*0.01) + ln(0.1*300) + 0.5 ln 2 pi.
  const Residual r = lognormal_residual(330.0, 300.0, 0.1);
  const double z = std::log(330.0 / 300.0) / 0.1;
  EXPECT_NEAR(nll(r), 0.5 * z * z + std::log(30.0) + 0.5 * std::log(2 * M_PI), 1e-12);
  const double h = 1e-5;
  EXPECT_NEAR(
      r.dr_dm,
      (lognormal_residual(330 + h, 300, 0.1).r - lognormal_residual(330 - h, 300, 0.1).r) / (2 * h),
      1e-9);
}

TEST(Likelihood, RightCensoredDatumCostsMinusLogOfTheProbabilityOfNotYetHavingHappened) {
  // "ACP persists >= 7 d": y = 7 d; the model predicts 7 d: P(t > y) = 1/2 -> -ln L = ln 2.
  Residual r = censored_residual(7.0, 7.0, 0.3);
  EXPECT_NEAR(nll(r), std::log(2.0), 1e-12);
  // Model predicts 3.5 d, sigma 0.5: P(t > 7) = 1 - Phi(ln 2 / 0.5) = 0.5 erfc(ln2/(0.5 sqrt2)).
  r = censored_residual(3.5, 7.0, 0.5);
  EXPECT_NEAR(nll(r), -std::log(0.5 * std::erfc(std::log(2.0) / (0.5 * std::sqrt(2.0)))), 1e-12);
  // Derivative against central differences, and the far tail stays finite.
  const double h = 1e-6;
  EXPECT_NEAR(
      r.dr_dm,
      (censored_residual(3.5 + h, 7, 0.5).r - censored_residual(3.5 - h, 7, 0.5).r) / (2 * h),
      1e-7);
  r = censored_residual(1e-6, 7.0, 0.1);  // predicted absurdly early: huge but finite cost
  EXPECT_TRUE(std::isfinite(r.r));
  EXPECT_GT(r.r, 100.0);
  r = censored_residual(1e6, 7.0, 0.1);  // far beyond the censoring time: no cost
  EXPECT_NEAR(r.r, 0.0, 1e-12);
}

TEST(Likelihood, CategoricalOutcomeCostsMinusLogOfItsSimulatedShare) {
  // Shares HAP 0.7, WH 0.3 (tau = 1): observing WH costs -ln 0.3, a knife edge (0.5/0.5) ln 2.
  const double f[3] = {0.0, 0.7, 0.3};
  double dr[3];
  Residual r = categorical_residual(f, 3, 2, 1.0, dr);
  EXPECT_NEAR(nll(r), -std::log(0.3), 1e-12);
  const double edge[2] = {0.5, 0.5};
  EXPECT_NEAR(nll(categorical_residual(edge, 2, 0, 1.0, nullptr)), std::log(2.0), 1e-12);
  // tau = 0.5 sharpens: p = 0.3^2 / (0.7^2 + 0.3^2).
  r = categorical_residual(f, 3, 2, 0.5, nullptr);
  EXPECT_NEAR(nll(r), -std::log(0.09 / (0.49 + 0.09)), 1e-12);
  // Gradient w.r.t. each share against central differences.
  r = categorical_residual(f, 3, 2, 1.0, dr);
  for (std::size_t l = 1; l < 3; ++l) {
    double fp[3] = {f[0], f[1], f[2]}, fm[3] = {f[0], f[1], f[2]};
    fp[l] += 1e-6;
    fm[l] -= 1e-6;
    const double fd = (categorical_residual(fp, 3, 2, 1.0, nullptr).r -
                       categorical_residual(fm, 3, 2, 1.0, nullptr).r) /
                      2e-6;
    EXPECT_NEAR(dr[l], fd, 1e-6);
  }
}
