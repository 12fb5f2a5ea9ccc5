#pragma once
// Robust losses for least squares: each residual's cost r^2/2 becomes rho(r^2)/2 with
// rho(s) = c^2 rho0(s / c^2), c the scale (in the residual's units, i.e. in sigmas), and the rho0
// of scipy.optimize.least_squares (and Ceres, which scales them differently):
//   linear  rho0(z) = z                         (ordinary least squares)
//   huber   rho0(z) = z (z <= 1), 2 sqrt(z) - 1
//   soft_l1 rho0(z) = 2 (sqrt(1 + z) - 1)
//   cauchy  rho0(z) = ln(1 + z)
//   arctan  rho0(z) = arctan(z)
// RobustResiduals wraps a ResidualProblem so that any least-squares method minimises
// 1/2 sum rho(r_i^2) exactly: each robust residual is replaced by sign(r) sqrt(rho(r^2)) and its
// Jacobian row by rho'(r^2) |r| / sqrt(rho(r^2)) times the original (the square-root form of the
// loss; Gauss-Newton on it is iteratively reweighted least squares). Generic numerics.
#include <cstddef>
#include <memory>
#include <string>

#include "solver/optimize/least_squares.hpp"

namespace calcikin::optimize {

enum class LossKind { Linear, Huber, SoftL1, Cauchy, Arctan };

struct RobustLoss {
  LossKind kind = LossKind::Linear;
  double scale = 1.0;  // c > 0, in residual units (sigmas)
};

// rho(s), rho'(s) for s = r^2 >= 0.
void loss_value(const RobustLoss& loss, double s, double& rho, double& drho) noexcept;
const char* loss_name(LossKind kind) noexcept;

class RobustResiduals final : public ResidualProblem {
 public:
  // The first `robust_rows` residuals get the loss (the data); the rest (priors) stay quadratic.
  RobustResiduals(std::unique_ptr<ResidualProblem> inner, RobustLoss loss, std::size_t robust_rows);
  std::size_t parameter_count() const override { return inner_->parameter_count(); }
  std::size_t residual_count() const override { return inner_->residual_count(); }
  bool evaluate(const double* x, double* residuals, double* jacobian) override;
  void set_threads(int threads) override { inner_->set_threads(threads); }

 private:
  std::unique_ptr<ResidualProblem> inner_;
  RobustLoss loss_;
  std::size_t rows_;
};

}  // namespace calcikin::optimize
