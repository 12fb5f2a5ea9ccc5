// The generic optimiser: bounded Levenberg-Marquardt, seeded multistart, Laplace covariance and
// profile likelihoods on problems with known answers.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <memory>
#include <string>
#include <thread>

#include "solver/optimize/least_squares.hpp"

using namespace calcikin::optimize;

namespace {

// y_i = A exp(-k t_i) observed exactly at t = 0..9, sigma = 0.01: x = (A, k).
class Decay : public ResidualProblem {
 public:
  double A = 2.0, k = 0.3, sigma = 0.01;
  std::size_t parameter_count() const override { return 2; }
  std::size_t residual_count() const override { return 10; }
  bool evaluate(const double* x, double* r, double* J) override {
    for (int i = 0; i < 10; ++i) {
      const double e = std::exp(-x[1] * i);
      r[i] = (x[0] * e - A * std::exp(-k * i)) / sigma;
      if (J != nullptr) {
        J[i * 2 + 0] = e / sigma;
        J[i * 2 + 1] = -x[0] * i * e / sigma;
      }
    }
    return true;
  }
};

// Only the product a*b is determined: r = (a b - 6) / 0.1 (a non-identifiable pair).
class Product : public ResidualProblem {
 public:
  std::size_t parameter_count() const override { return 2; }
  std::size_t residual_count() const override { return 1; }
  bool evaluate(const double* x, double* r, double* J) override {
    r[0] = (x[0] * x[1] - 6.0) / 0.1;
    if (J != nullptr) {
      J[0] = x[1] / 0.1;
      J[1] = x[0] / 0.1;
    }
    return true;
  }
};

// A 1-D double well: r = (x^2 - 1)(x - 3) + 0.2 has a local minimum near x = -1 and the global one
// (cost 0) near x = 3 in [-3, 5].
class DoubleWell : public ResidualProblem {
 public:
  std::size_t parameter_count() const override { return 1; }
  std::size_t residual_count() const override { return 1; }
  bool evaluate(const double* x, double* r, double* J) override {
    const double v = x[0];
    r[0] = (v * v - 1) * (v - 3) * (v + 1.2);
    if (J != nullptr)
      J[0] = 2 * v * (v - 3) * (v + 1.2) + (v * v - 1) * (v + 1.2) + (v * v - 1) * (v - 3);
    return true;
  }
};

}  // namespace

TEST(LeastSquares, LevenbergMarquardtRecoversAnExponentialDecayWithinBounds) {
  Decay p;
  LeastSquaresOptions o;
  o.lower = {0.1, 0.01};
  o.upper = {10.0, 2.0};
  const LeastSquaresResult r = solve(p, {1.0, 1.0}, o);
  EXPECT_TRUE(r.converged) << r.message;
  EXPECT_NEAR(r.x[0], 2.0, 1e-8);
  EXPECT_NEAR(r.x[1], 0.3, 1e-8);
  EXPECT_LT(r.cost, 1e-12);
}

TEST(LeastSquares, BoundsHoldWhenTheOptimumLiesOutside) {
  Decay p;
  LeastSquaresOptions o;
  o.lower = {0.1, 0.5};  // true k = 0.3 is below the lower bound
  o.upper = {10.0, 2.0};
  const LeastSquaresResult r = solve(p, {1.0, 1.0}, o);
  EXPECT_NEAR(r.x[1], 0.5, 1e-12);
}

TEST(LeastSquares, SeededMultistartFindsTheGlobalMinimumAndIsReproducible) {
  LeastSquaresOptions o;
  o.lower = {-3.0};
  o.upper = {5.0};
  auto make = [] { return std::make_unique<DoubleWell>(); };
  const MultistartResult a = multistart(make, 8, 42, o, {-1.5}, 2);
  const MultistartResult b = multistart(make, 8, 42, o, {-1.5}, 1);
  ASSERT_EQ(a.starts.size(), 8u);
  EXPECT_LT(a.starts[a.best].cost, 1e-16);
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(a.starts[i].x0, b.starts[i].x0);
  EXPECT_EQ(a.starts[0].x0[0], -1.5);
  const auto pts = latin_hypercube(5, {0.0, 10.0}, {1.0, 20.0}, 7);
  for (std::size_t j = 0; j < 2; ++j) {  // one point per stratum in each coordinate
    std::vector<int> hits(5, 0);
    for (const auto& x : pts)
      ++hits[static_cast<std::size_t>((x[j] - (j ? 10.0 : 0.0)) / (j ? 2.0 : 0.2))];
    for (int h : hits) EXPECT_EQ(h, 1);
  }
}

TEST(LeastSquares, StartsDealtOnRequestToTwoProcessesRunOnceEachAndGiveTheOneProcessResult) {
  LeastSquaresOptions o;
  o.lower = {-3.0};
  o.upper = {5.0};
  auto make = [] { return std::make_unique<DoubleWell>(); };
  const MultistartResult one = multistart(make, 12, 42, o, {-1.5}, 2);
  // Two "processes" (threads) ask one counter for the next start, as MPI ranks ask rank 0; the
  // first start (index 0) is taken from a checkpoint.
  std::atomic<std::size_t> counter{0};
  MultistartHooks hooks;
  hooks.finished[0] = one.starts[0];
  hooks.next = [&] { return counter.fetch_add(1); };
  MultistartResult part[2];
  std::thread other([&] { part[1] = multistart(make, 12, 42, o, {-1.5}, 1, &hooks); });
  part[0] = multistart(make, 12, 42, o, {-1.5}, 2, &hooks);
  other.join();
  std::size_t ran = 0;
  for (std::size_t i = 1; i < 12; ++i) {
    const bool a = !part[0].starts[i].x0.empty();  // a start not run here stays empty
    const bool b = !part[1].starts[i].x0.empty();
    EXPECT_NE(a, b) << "start " << i << " must run exactly once";
    const LeastSquaresResult& r = a ? part[0].starts[i] : part[1].starts[i];
    EXPECT_EQ(r.x, one.starts[i].x) << i;
    EXPECT_EQ(r.cost, one.starts[i].cost) << i;
    ran += 1;
  }
  EXPECT_EQ(ran, 11u);
  EXPECT_GE(counter.load(), 11u + 3u);  // every thread asked once more and found none left
}

TEST(LeastSquares, LaplaceCovarianceOfALinearModelEqualsTheClosedForm) {
  // r_i = (x0 + x1 t_i - y_i)/sigma at t = 0, 1, 2: Cov = sigma^2 (X^T X)^-1.
  const double s = 0.5;
  std::vector<double> J = {1 / s, 0, 1 / s, 1 / s, 1 / s, 2 / s};
  const Covariance c = laplace_covariance(J, 3, 2);
  // X^T X = [[3, 3], [3, 5]], inverse = [[5, -3], [-3, 3]] / 6.
  EXPECT_NEAR(c.covariance[0], s * s * 5 / 6, 1e-12);
  EXPECT_NEAR(c.covariance[1], -s * s * 3 / 6, 1e-12);
  EXPECT_NEAR(c.covariance[3], s * s * 3 / 6, 1e-12);
  EXPECT_EQ(c.rank, 2u);
}

TEST(LeastSquares, ANonIdentifiablePairHasAFlatProfileAndASingularFisherMatrix) {
  Product p;
  LeastSquaresOptions o;
  o.lower = {0.5, 0.5};
  o.upper = {12.0, 12.0};
  const LeastSquaresResult best = solve(p, {2.0, 2.0}, o);
  EXPECT_LT(best.cost, 1e-16);
  const Profile pr = profile(p, best.x, best.cost, 0, o);
  EXPECT_FALSE(pr.identifiable);
  for (double c : pr.costs) EXPECT_LT(c, 1e-6);  // every a has a b with a b = 6
  // The Jacobian at the optimum has rank 1: one undetermined direction, NaN variances.
  std::vector<double> J(2), r(1);
  p.evaluate(best.x.data(), r.data(), J.data());
  const Covariance c = laplace_covariance(J, 1, 2);
  EXPECT_EQ(c.rank, 1u);
  EXPECT_TRUE(std::isnan(c.covariance[0]));
  // An identifiable parameter: the decay's k gets a finite interval around 0.3.
  Decay d;
  LeastSquaresOptions od;
  od.lower = {0.1, 0.01};
  od.upper = {10.0, 2.0};
  const LeastSquaresResult bd = solve(d, {1.0, 1.0}, od);
  const Profile pk = profile(d, bd.x, bd.cost, 1, od, 40);
  EXPECT_TRUE(pk.identifiable);
  EXPECT_LT(pk.lower, 0.3);
  EXPECT_GT(pk.upper, 0.3);
}

namespace {

// Decay with scattered data (a cost well above 0 at the optimum) and residuals that carry a
// deterministic high-frequency error of 1e-6 sigma, as a numerical model's integration error does;
// the Jacobian is that of the smooth part.
class NoisyDecay : public ResidualProblem {
 public:
  double amplitude = 1e-6;
  std::size_t parameter_count() const override { return 2; }
  std::size_t residual_count() const override { return 10; }
  bool evaluate(const double* x, double* r, double* J) override {
    for (int i = 0; i < 10; ++i) {
      const double e = std::exp(-x[1] * i);
      const double datum = 2.0 * std::exp(-0.3 * i) + 0.01 * ((i % 3) - 1.0);
      r[i] = (x[0] * e - datum) / 0.01 + amplitude * std::sin(1e9 * (x[0] + 3.0 * x[1]) + i);
      if (J != nullptr) {
        J[i * 2 + 0] = e / 0.01;
        J[i * 2 + 1] = -x[0] * i * e / 0.01;
      }
    }
    return true;
  }
};

}  // namespace

TEST(LeastSquares, ANoisyObjectiveStopsAtItsNoiseFloorAtTheMinimumOfItsSmoothPart) {
  NoisyDecay smooth;
  smooth.amplitude = 0.0;
  LeastSquaresOptions o;
  o.lower = {0.1, 0.01};
  o.upper = {10.0, 2.0};
  o.function_tolerance = o.gradient_tolerance = o.parameter_tolerance = 1e-14;
  const LeastSquaresResult exact = solve(smooth, {1.0, 1.0}, o);
  ASSERT_TRUE(exact.usable);
  ASSERT_GT(exact.cost, 1.0);  // the scattered data leave a cost that noise is relative to

  NoisyDecay noisy;
  const LeastSquaresResult plain = solve(noisy, {1.0, 1.0}, o);
  o.cost_noise = 1e-6;  // above the noise's relative scatter of the cost (~1e-6 x |r| / cost)
  const LeastSquaresResult floored = solve(noisy, {1.0, 1.0}, o);
  EXPECT_TRUE(floored.converged) << floored.message;
  EXPECT_NE(floored.message.find("noise floor"), std::string::npos) << floored.message;
  EXPECT_LT(floored.iterations, plain.iterations);
  for (int j = 0; j < 2; ++j) EXPECT_NEAR(floored.x[j], exact.x[j], 1e-5 * std::fabs(exact.x[j]));
  EXPECT_NEAR(floored.cost, exact.cost, 1e-5 * exact.cost);
}
