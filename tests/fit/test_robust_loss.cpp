// Robust losses (solver/optimize/robust_loss): the wrapped residuals give 1/2 sum rho(r^2) exactly
// with a consistent Jacobian, and a gross outlier no longer drags a straight-line fit.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "solver/optimize/least_squares.hpp"
#include "solver/optimize/robust_loss.hpp"

using namespace calcikin::optimize;

namespace {

// y = 1 + 2 t at t = 0..9 with sigma 0.1 and small fixed noise; the point t = 5 is an outlier
// (+3, 30 sigma).
class Line : public ResidualProblem {
 public:
  std::size_t parameter_count() const override { return 2; }
  std::size_t residual_count() const override { return 10; }
  static double y(int i) {
    const double noise[10] = {0.05, -0.08, 0.02, 0.11, -0.04, 0.0, 0.07, -0.1, 0.03, -0.06};
    return 1.0 + 2.0 * i + noise[i] + (i == 5 ? 3.0 : 0.0);
  }
  bool evaluate(const double* x, double* r, double* J) override {
    for (int i = 0; i < 10; ++i) {
      r[i] = (x[0] + x[1] * i - y(i)) / 0.1;
      if (J != nullptr) {
        const std::size_t k = 2 * static_cast<std::size_t>(i);
        J[k] = 1.0 / 0.1;
        J[k + 1] = i / 0.1;
      }
    }
    return true;
  }
};

LeastSquaresResult fit_line(LossKind kind, double scale = 1.0) {
  RobustResiduals p(std::make_unique<Line>(), RobustLoss{kind, scale}, 10);
  LeastSquaresOptions o;
  o.lower = {-10.0, -10.0};
  o.upper = {10.0, 10.0};
  return solve(p, {0.0, 0.0}, o);
}

}  // namespace

TEST(RobustLoss, WrappedResidualsGiveHalfTheSumOfRhoAndAConsistentJacobian) {
  for (LossKind k : {LossKind::Huber, LossKind::SoftL1, LossKind::Cauchy, LossKind::Arctan}) {
    const RobustLoss loss{k, 1.5};
    RobustResiduals p(std::make_unique<Line>(), loss, 9);  // the last row stays quadratic
    const double x[2] = {0.7, 2.1};
    double r[10], J[20], r0[10];
    ASSERT_TRUE(p.evaluate(x, r, J));
    Line raw;
    raw.evaluate(x, r0, nullptr);
    for (int i = 0; i < 10; ++i) {
      double rho = 0.0, drho = 0.0;
      loss_value(loss, r0[i] * r0[i], rho, drho);
      if (i < 9)
        EXPECT_NEAR(r[i] * r[i], rho, 1e-12 * (1 + rho)) << loss_name(k) << " row " << i;
      else
        EXPECT_DOUBLE_EQ(r[i], r0[i]);
      EXPECT_GE(r[i] * r0[i], 0.0);  // same sign
      // Central differences of the wrapped residual.
      for (int j = 0; j < 2; ++j) {
        const double h = 1e-6;
        double xp[2] = {x[0], x[1]}, xm[2] = {x[0], x[1]}, rp[10], rm[10];
        xp[j] += h;
        xm[j] -= h;
        p.evaluate(xp, rp, nullptr);
        p.evaluate(xm, rm, nullptr);
        EXPECT_NEAR(J[2 * i + j], (rp[i] - rm[i]) / (2 * h), 1e-5 * (1 + std::fabs(J[2 * i + j])))
            << loss_name(k) << " row " << i;
      }
    }
    // Small residuals are untouched: rho(s) = s + O(s^2).
    double rho = 0.0, drho = 0.0;
    loss_value(loss, 1e-10, rho, drho);
    EXPECT_NEAR(rho, 1e-10, 1e-18);
    EXPECT_NEAR(drho, 1.0, 1e-9);
  }
}

TEST(RobustLoss, AnOutlierIsDownWeightedByEveryRobustLoss) {
  const LeastSquaresResult ls = fit_line(LossKind::Linear);
  // Least squares: the outlier (+3 at t = 5) lifts the intercept by about 3/10 x (1 - ...).
  EXPECT_GT(std::fabs(ls.x[0] - 1.0), 0.15);
  for (LossKind k : {LossKind::Huber, LossKind::SoftL1, LossKind::Cauchy, LossKind::Arctan}) {
    const LeastSquaresResult r = fit_line(k);
    EXPECT_TRUE(r.converged) << loss_name(k) << ": " << r.message;
    EXPECT_LT(std::fabs(r.x[0] - 1.0), 0.1) << loss_name(k);
    EXPECT_LT(std::fabs(r.x[1] - 2.0), 0.02) << loss_name(k);
    EXPECT_LT(std::fabs(r.x[0] - 1.0), 0.5 * std::fabs(ls.x[0] - 1.0)) << loss_name(k);
  }
  // Redescending losses (Cauchy, arctan) ignore it almost entirely.
  const LeastSquaresResult c = fit_line(LossKind::Cauchy);
  EXPECT_LT(std::fabs(c.x[0] - 1.0), 0.05);
}
