#include "solver/optimize/robust_loss.hpp"

#include <cmath>

namespace calcikin::optimize {

void loss_value(const RobustLoss& loss, double s, double& rho, double& drho) noexcept {
  const double c2 = loss.scale * loss.scale;
  const double z = s / c2;
  double r0 = z, d0 = 1.0;  // rho0(z), rho0'(z)
  switch (loss.kind) {
    case LossKind::Linear:
      break;
    case LossKind::Huber:
      if (z > 1.0) {
        r0 = 2.0 * std::sqrt(z) - 1.0;
        d0 = 1.0 / std::sqrt(z);
      }
      break;
    case LossKind::SoftL1:
      r0 = 2.0 * z / (std::sqrt(1.0 + z) + 1.0);  // 2 (sqrt(1 + z) - 1) without cancellation
      d0 = 1.0 / std::sqrt(1.0 + z);
      break;
    case LossKind::Cauchy:
      r0 = std::log1p(z);
      d0 = 1.0 / (1.0 + z);
      break;
    case LossKind::Arctan:
      r0 = std::atan(z);
      d0 = 1.0 / (1.0 + z * z);
      break;
  }
  rho = c2 * r0;
  drho = d0;  // d/ds [c^2 rho0(s/c^2)] = rho0'(z)
}

const char* loss_name(LossKind kind) noexcept {
  switch (kind) {
    case LossKind::Linear:
      return "linear";
    case LossKind::Huber:
      return "huber";
    case LossKind::SoftL1:
      return "soft_l1";
    case LossKind::Cauchy:
      return "cauchy";
    case LossKind::Arctan:
      return "arctan";
  }
  return "linear";
}

RobustResiduals::RobustResiduals(std::unique_ptr<ResidualProblem> inner, RobustLoss loss,
                                 std::size_t robust_rows)
    : inner_(std::move(inner)), loss_(loss), rows_(robust_rows) {}

bool RobustResiduals::evaluate(const double* x, double* r, double* J) {
  if (!inner_->evaluate(x, r, J)) return false;
  if (loss_.kind == LossKind::Linear) return true;
  const std::size_t n = inner_->parameter_count();
  for (std::size_t i = 0; i < rows_ && i < inner_->residual_count(); ++i) {
    const double s = r[i] * r[i];
    double rho = 0.0, drho = 1.0;
    loss_value(loss_, s, rho, drho);
    const double rt = std::sqrt(rho);
    // d/dr [sign(r) sqrt(rho(r^2))] = rho'(s) |r| / sqrt(rho(s)) -> 1 as r -> 0.
    const double scale = s > 0.0 ? drho * std::fabs(r[i]) / rt : 1.0;
    r[i] = std::copysign(rt, r[i]);
    if (J != nullptr)
      for (std::size_t j = 0; j < n; ++j) J[i * n + j] *= scale;
  }
  return true;
}

}  // namespace calcikin::optimize
