#pragma once
// Noise models of `calcikin fit`: each datum's negative log-likelihood written as half a squared
// residual plus a constant, -log L_i = r_i^2 / 2 + c_i, so that a least-squares solver minimises
// the negative log-likelihood exactly (PEtab's noise models; censored data as in Schmiester et al.
// 2021, Bioinformatics 37:3584; categorical outcomes as in model-review section 4.3):
//
//   normal         r = (m - y) / sigma                     c = ln(sigma) + ln(2 pi)/2
//   lognormal      r = (ln m - ln y) / sigma               c = ln(sigma y) + ln(2 pi)/2
//                  (sigma on the natural-log scale; y, m > 0)
//   right-censored the event was not seen by y (= the end of the observation): L = P(t > y)
//                  = 1 - Phi((ln y - ln m) / sigma);       r = sqrt(-2 ln L), c = 0
//   categorical    observed class k among simulated shares f (phase fractions at the end): p_k =
//                  f_k^(1/tau) / sum_l f_l^(1/tau) (softmax of ln f / tau);  r = sqrt(-2 ln p_k)
//
// Each function returns r and dr/dm (dr/df_l for categorical), so exact model gradients chain
// through. A simulated event time that was not reached (NaN) is handled by the objective.
#include <cstddef>

namespace calcikin::fit {

enum class NoiseModel { Normal, LogNormal, RightCensored, Categorical };

struct Residual {
  double r = 0.0;         // residual
  double dr_dm = 0.0;     // d r / d (simulated value)
  double constant = 0.0;  // c_i: -log L = r^2/2 + c
};

// Normal: m simulated, y measured, sigma > 0.
Residual normal_residual(double m, double y, double sigma) noexcept;
// Log-normal: m, y > 0.
Residual lognormal_residual(double m, double y, double sigma) noexcept;
// Right-censored log-normal event time: the event had not happened by y (the observation's end);
// m is the simulated event time.
Residual censored_residual(double m, double y, double sigma) noexcept;
// Categorical outcome `observed` among `count` simulated shares f (>= 0); dr_df receives dr/df_l
// (count). A share of 0 is floored at `floor` (so a class the model never produces has a finite,
// large cost). tau > 0 is the temperature.
Residual categorical_residual(const double* f, std::size_t count, std::size_t observed, double tau,
                              double* dr_df, double floor = 1e-12) noexcept;

// Standard normal log-CDF ln Phi(x), accurate in the far tails (erfc-based), and its derivative
// d/dx ln Phi(x) = phi(x)/Phi(x).
double log_normal_cdf(double x) noexcept;
double d_log_normal_cdf(double x) noexcept;

}  // namespace calcikin::fit
