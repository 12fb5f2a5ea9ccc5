#include "models/fit/posterior.hpp"

#include <cmath>
#include <limits>

#include "models/fit/likelihood.hpp"

namespace calcikin::fit {

namespace {
constexpr double kHalfLog2Pi = 0.91893853320467274178;  // ln(2 pi)/2
constexpr double kMinusInf = -std::numeric_limits<double>::infinity();
}  // namespace

double log_prior(const PreparedFit& fit, const double* x) noexcept {
  const CalibrationProblem& p = fit.problem();
  double lp = 0.0;
  for (std::size_t j = 0; j < p.parameters.size(); ++j) {
    const FitParameter& f = p.parameters[j];
    const double lo = fit.lower()[j], hi = fit.upper()[j];
    if (!(x[j] >= lo && x[j] <= hi)) return kMinusInf;
    const double theta = from_scaled(f, x[j]);
    const double log_jacobian = f.scale == Scale::Log10 ? std::log(theta * std::log(10.0)) : 0.0;
    switch (f.prior) {
      case PriorKind::None:
        lp -= std::log(hi - lo);
        break;
      case PriorKind::Uniform:
        lp += -std::log(f.prior_b - f.prior_a) + log_jacobian;
        break;
      case PriorKind::Normal: {
        const Residual r = normal_residual(theta, f.prior_a, f.prior_b);
        lp += -0.5 * r.r * r.r - std::log(f.prior_b) - kHalfLog2Pi + log_jacobian;
        break;
      }
      case PriorKind::LogNormal: {
        const Residual r = lognormal_residual(theta, f.prior_a, f.prior_b);
        lp += -0.5 * r.r * r.r - std::log(f.prior_b * theta) - kHalfLog2Pi + log_jacobian;
        break;
      }
    }
  }
  return lp;
}

Posterior::Posterior(std::shared_ptr<const PreparedFit> fit, double fd_step,
                     std::optional<FitSettings::Gradient> gradient)
    : fit_(std::move(fit)), objective_(fit_->make_objective(fd_step, gradient)) {
  r_.resize(fit_->residual_count());
  // The constants c_i depend on the data and the noise model only (not on x): take them from
  // one prediction at the nominal parameters.
  const Prediction nominal = fit_->predict(fit_->nominal());
  for (std::size_t i = 0; i < measurement_count(); ++i) constant_ += nominal.constants[i];
}

bool Posterior::in_bounds(const double* x) const noexcept {
  for (std::size_t j = 0; j < parameter_count(); ++j)
    if (!(x[j] >= fit_->lower()[j] && x[j] <= fit_->upper()[j])) return false;
  return true;
}

bool Posterior::evaluate(const double* x, double* residuals, double* jacobian) {
  const bool ok = objective_->evaluate(x, residuals, jacobian);
  failure_.clear();
  if (!ok) {
    // The objective does not say which condition failed: ask the prediction (diagnostics only).
    const Prediction p = fit_->predict(std::vector<double>(x, x + parameter_count()));
    const CalibrationProblem& prob = fit_->problem();
    for (std::size_t c = 0; c < p.failures.size(); ++c)
      if (!p.failures[c].empty())
        failure_ += (failure_.empty() ? "" : "; ") +
                    ("condition '" + prob.conditions[c].id + "': " + p.failures[c]);
    if (failure_.empty()) failure_ = "a residual is not finite";
  }
  return ok;
}

double Posterior::log_likelihood(const double* x) {
  if (!in_bounds(x) || !evaluate(x, r_.data())) return kMinusInf;
  double s = 0.0;
  for (std::size_t i = 0; i < measurement_count(); ++i) s += r_[i] * r_[i];
  return -0.5 * s - constant_;
}

double Posterior::log_posterior(const double* x) {
  const double lp = log_prior(*fit_, x);
  if (!std::isfinite(lp)) return kMinusInf;
  return log_likelihood(x) + lp;
}

}  // namespace calcikin::fit
