#pragma once
// The posterior of a calibration problem as a log-density of the scaled parameters x (the fit
// scale: log10 or linear per parameter), for samplers (`ck.Problem.log_posterior`, emcee from
// Python) and for anyone who wants the objective pointwise. It evaluates the one objective of
// `calcikin fit` (PreparedFit::make_objective): nothing about the model or the noise is computed
// twice.
//
//   log L(x)      = -sum over measurements (r_i^2/2 + c_i)      (models/fit/likelihood.hpp)
//   log p(x)      = sum over parameters of the prior density of x_j on the fit scale:
//                   no prior        uniform on the fit scale within the bounds: -ln(ub_j - lb_j)
//                   uniform [a, b]  1/(b - a) on theta, times |d theta / d x|
//                   normal (m, s)   N(theta; m, s), times |d theta / d x|
//                   lognormal (m, s) N(ln theta; ln m, s)/theta, times |d theta / d x|
//                   with |d theta/d x| = theta ln 10 on a log10 scale, 1 on a linear one (the
//                   change of variables: sampling x then samples the posterior of theta), and
//                   -inf outside the bounds (truncation not renormalised: a constant).
//   log post(x)   = log L(x) + log p(x)
//
// The optimiser minimises cost(x) = 1/2 sum r^2 over the data and the normal/log-normal prior
// residuals (no Jacobian term), so the MAP of the sampled density differs from the best fit by the
// ln|d theta/d x| terms of parameters with priors (none without priors).
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/fit/objective.hpp"

namespace calcikin::fit {

// log p(x) as above; -inf outside the bounds.
double log_prior(const PreparedFit& fit, const double* x) noexcept;

// One evaluator (not thread-safe: one per thread, as the objective).
class Posterior {
 public:
  explicit Posterior(std::shared_ptr<const PreparedFit> fit, double fd_step = 1e-4,
                     std::optional<FitSettings::Gradient> gradient = std::nullopt);

  const PreparedFit& prepared() const noexcept { return *fit_; }
  std::size_t parameter_count() const noexcept { return fit_->parameter_count(); }
  std::size_t residual_count() const noexcept { return fit_->residual_count(); }
  std::size_t measurement_count() const noexcept { return fit_->problem().measurements.size(); }
  // Whether x lies within the bounds (inclusive).
  bool in_bounds(const double* x) const noexcept;

  // Residuals (measurements, then normal/log-normal priors) and, when jacobian != nullptr, their
  // Jacobian (row-major, residual_count x parameter_count) at x. False when a simulation failed.
  bool evaluate(const double* x, double* residuals, double* jacobian = nullptr);
  // -inf when x is outside the bounds or a simulation failed.
  double log_likelihood(const double* x);
  double log_posterior(const double* x);
  // sum over measurements of c_i (-log L = sum r^2/2 + this).
  double likelihood_constant() const noexcept { return constant_; }
  // Threads over the conditions within one evaluation (the objective's; default 1).
  void set_threads(int threads) { objective_->set_threads(threads); }
  // The failure message of the last evaluation's conditions ("" when it succeeded).
  const std::string& last_failure() const noexcept { return failure_; }

 private:
  std::shared_ptr<const PreparedFit> fit_;
  std::unique_ptr<optimize::ResidualProblem> objective_;
  std::vector<double> r_;
  double constant_ = 0.0;
  std::string failure_;
};

}  // namespace calcikin::fit
