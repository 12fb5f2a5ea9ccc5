// The derivative-free local method (solver/optimize/nelder_mead) and its use by the multistart
// and profiles in place of Levenberg-Marquardt.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "solver/optimize/least_squares.hpp"
#include "solver/optimize/nelder_mead.hpp"

using namespace calcikin::optimize;

namespace {

double rosenbrock(const double* x) {
  return 100.0 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1.0 - x[0]) * (1.0 - x[0]);
}

// r = ((x0 - 1)/0.1, (x1 + 2)/0.5, x0 x1 / 10): minimum near (1, -2); the Jacobian is never asked
// for (evaluating it throws through the test).
class NoGradient : public ResidualProblem {
 public:
  int jacobian_calls = 0;
  std::size_t parameter_count() const override { return 2; }
  std::size_t residual_count() const override { return 2; }
  bool evaluate(const double* x, double* r, double* J) override {
    if (J != nullptr) ++jacobian_calls;
    r[0] = (x[0] - 1.0) / 0.1;
    r[1] = (x[1] + 2.0) / 0.5;
    return true;
  }
};

}  // namespace

TEST(NelderMead, FindsTheRosenbrockMinimumInsideTheBox) {
  NelderMeadOptions o;
  o.lower = {-2.0, -1.0};
  o.upper = {2.0, 3.0};
  o.max_evaluations = 5000;
  o.x_tolerance = 1e-8;
  o.f_tolerance = 1e-14;
  const NelderMeadResult r = nelder_mead(rosenbrock, {-1.2, 1.0}, o);
  EXPECT_TRUE(r.converged) << r.message;
  EXPECT_NEAR(r.x[0], 1.0, 1e-5);
  EXPECT_NEAR(r.x[1], 1.0, 1e-5);
  EXPECT_LT(r.evaluations, 1000);
}

TEST(NelderMead, StopsOnTheBoundWhenTheMinimumLiesOutside) {
  NelderMeadOptions o;
  o.lower = {-2.0, -1.0};
  o.upper = {0.5, 3.0};  // x0 <= 0.5: the constrained minimum is (0.5, 0.25)
  o.max_evaluations = 5000;
  o.x_tolerance = 1e-9;
  o.f_tolerance = 1e-15;
  const NelderMeadResult r = nelder_mead(rosenbrock, {-1.2, 1.0}, o);
  EXPECT_NEAR(r.x[0], 0.5, 1e-6);
  EXPECT_NEAR(r.x[1], 0.25, 1e-5);
  for (double v : {r.x[0]}) EXPECT_LE(v, 0.5);
}

TEST(NelderMead, MultistartAndProfilesUseItWithoutEverAskingForAJacobian) {
  LeastSquaresOptions o;
  o.lower = {-5.0, -5.0};
  o.upper = {5.0, 5.0};
  o.method = LeastSquaresOptions::Method::NelderMead;
  const MultistartResult m =
      multistart([] { return std::make_unique<NoGradient>(); }, 3, 1, o, {}, 1);
  const LeastSquaresResult& best = m.starts[m.best];
  EXPECT_TRUE(best.converged) << best.message;
  EXPECT_NEAR(best.x[0], 1.0, 1e-4);
  EXPECT_NEAR(best.x[1], -2.0, 1e-4);
  EXPECT_LT(best.cost, 1e-6);
  NoGradient p;
  // Profile of x0: cost (x0 - 1)^2 / (2 0.01) -> 95 % interval 1 +- 0.196.
  const Profile pr = profile(p, best.x, best.cost, 0, o, 16, 1.92, 0.05);
  EXPECT_TRUE(pr.identifiable);
  EXPECT_NEAR(pr.lower, 1.0 - 0.196, 0.01);
  EXPECT_NEAR(pr.upper, 1.0 + 0.196, 0.01);
  EXPECT_EQ(p.jacobian_calls, 0);
}
