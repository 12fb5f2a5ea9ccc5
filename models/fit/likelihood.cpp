#include "models/fit/likelihood.hpp"

#include <algorithm>
#include <cmath>

namespace calcikin::fit {

namespace {
constexpr double kHalfLog2Pi = 0.91893853320467274178;  // ln(2 pi)/2
}

Residual normal_residual(double m, double y, double sigma) noexcept {
  return {(m - y) / sigma, 1.0 / sigma, std::log(sigma) + kHalfLog2Pi};
}

Residual lognormal_residual(double m, double y, double sigma) noexcept {
  return {(std::log(m) - std::log(y)) / sigma, 1.0 / (sigma * m),
          std::log(sigma * y) + kHalfLog2Pi};
}

double log_normal_cdf(double x) noexcept {
  // Phi(x) = erfc(-x/sqrt 2)/2; for x << 0 use the asymptotic ratio to stay finite.
  if (x > -30.0) return std::log(0.5 * std::erfc(-x / std::sqrt(2.0)));
  const double x2 = x * x;
  return -0.5 * x2 - std::log(-x) - kHalfLog2Pi + std::log1p(-1.0 / x2 + 3.0 / (x2 * x2));
}

double d_log_normal_cdf(double x) noexcept {
  // phi(x)/Phi(x) = sqrt(2/pi) exp(-x^2/2) / erfc(-x/sqrt 2); erfcx-free form for x << 0:
  if (x > -30.0) {
    const double phi = std::exp(-0.5 * x * x - kHalfLog2Pi);
    return phi / (0.5 * std::erfc(-x / std::sqrt(2.0)));
  }
  const double x2 = x * x;
  return -x / (1.0 - 1.0 / x2 + 3.0 / (x2 * x2));  // Mills ratio
}

Residual censored_residual(double m, double y, double sigma) noexcept {
  // ln L = ln(1 - Phi((ln y - ln m)/sigma)) = ln Phi(z), z = (ln m - ln y)/sigma.
  const double z = (std::log(m) - std::log(y)) / sigma;
  const double ll = std::min(log_normal_cdf(z), 0.0);
  Residual out;
  out.r = std::sqrt(-2.0 * ll);
  // dr/dm = -(d ll/dm) / r; as r -> 0 (event far beyond y) the gradient vanishes too.
  const double dll_dm = d_log_normal_cdf(z) / (sigma * m);
  out.dr_dm = out.r > 1e-150 ? -dll_dm / out.r : 0.0;
  out.constant = 0.0;
  return out;
}

Residual categorical_residual(const double* f, std::size_t count, std::size_t observed, double tau,
                              double* dr_df, double floor) noexcept {
  // ln p_k = ln f_k / tau - ln sum_l f_l^(1/tau); computed with the largest term factored out.
  double lmax = -1e300;
  for (std::size_t l = 0; l < count; ++l) lmax = std::max(lmax, std::log(std::max(f[l], floor)));
  double sum = 0.0;
  for (std::size_t l = 0; l < count; ++l)
    sum += std::exp((std::log(std::max(f[l], floor)) - lmax) / tau);
  const double lk = std::log(std::max(f[observed], floor));
  const double ln_p = (lk - lmax) / tau - std::log(sum);
  Residual out;
  out.r = std::sqrt(std::max(-2.0 * ln_p, 0.0));
  // d ln p_k / d f_l = (delta_kl - p_l) / (tau f_l) (zero below the floor).
  for (std::size_t l = 0; l < count; ++l) {
    const double fl = std::max(f[l], floor);
    const double pl = std::exp((std::log(fl) - lmax) / tau) / sum;
    const double dlnp = f[l] > floor ? ((l == observed ? 1.0 : 0.0) - pl) / (tau * fl) : 0.0;
    if (dr_df != nullptr) dr_df[l] = out.r > 1e-150 ? -dlnp / out.r : 0.0;
  }
  out.dr_dm = 0.0;
  return out;
}

}  // namespace calcikin::fit
