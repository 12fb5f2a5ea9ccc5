// The issue's non-identifiable pair on the mechanistic model: at high supersaturation the soft cap
// sigma_c = sigma / (1 + (sigma/sigma_max)^p)^(1/p) holds every growth law at sigma_max, so HAP
// growth depends on k_g sigma_max^n only (n = HAP.growth.order = 2) and T50 data at any number of
// high-sigma conditions cannot separate HAP.growth.rate_constant from growth.supersaturation_cap:
// the Fisher matrix has rank 1 with its null direction along (-n, 1) in (log10 k_g,
// log10 sigma_max), the profile of sigma_max is flat, and both are reported not identifiable.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "models/fit/fit.hpp"
#include "tests/fit/test_folder.hpp"

using namespace calcikin;

namespace {

const std::string kProblem = R"(schema: calcikin/calibration/1
conditions:
  - {id: assay, scenario: t50_assay.yaml, set: {time.end: 10 h}}
  - {id: ca13, scenario: t50_assay.yaml, set: {solution.totals.Ca: 13 mmol/kgw, time.end: 10 h}}
observables:
  - {id: T50, expr: t50, noise: lognormal, sigma: 0.05, unit: min}
measurements: data.csv
parameters:
  - {name: HAP.growth.rate_constant}
  - {name: growth.supersaturation_cap}
fit: {starts: 1}
)";

}  // namespace

TEST(FitIdentifiability, HapGrowthRateConstantAndSupersaturationCapAtHighSigmaAreNotIdentifiable) {
  test::TestFolder f("calcikin_fit_identifiability", "pair");
  f.copy_in(std::string(CALCIKIN_SOURCE_DIR) + "/scenarios/t50_assay.yaml");
  std::ofstream(f.dir / "p.yaml") << kProblem;
  // Data: the model's own T50 of both conditions at the catalogue values, moved apart by +-5 % (one
  // sigma: no parameter pair fits both exactly, the optimum has a cost of order one).
  std::ofstream(f.dir / "data.csv") << "condition,observable,time [h],value [s],sigma,source\n"
                                       "assay,T50,,1,,\nca13,T50,,1,,\n";
  const std::string path = (f.dir / "p.yaml").string();
  const auto probe = fit::PreparedFit::prepare(fit::load_problem(path));
  const fit::Prediction truth = probe->predict(probe->nominal());
  ASSERT_TRUE(truth.ok);
  std::ostringstream csv;
  csv.precision(12);
  csv << "condition,observable,time [h],value [s],sigma,source\n"
      << "assay,T50,," << 1.05 * truth.simulated[0] << ",,model\n"
      << "ca13,T50,," << 0.95 * truth.simulated[1] << ",,model\n";
  std::ofstream(f.dir / "data.csv") << csv.str();
  ASSERT_LT(truth.simulated[1], 0.95 * truth.simulated[0]);  // the two conditions differ

  const auto prepared = fit::PreparedFit::prepare(fit::load_problem(path));
  fit::FitOptions o;
  o.threads = 1;
  const fit::FitResult r = fit::run(*prepared, o);
  EXPECT_GT(r.cost, 0.1);
  EXPECT_LT(r.cost, 2.0);
  // Two T50 values, two parameters, yet one direction: the Fisher matrix is singular (its smaller
  // eigenvalue is integration noise, < 1e-6 of the larger) and its null direction is
  // (-2, 1)/sqrt(5) (k_g sigma_max^2 constant).
  const double v0 = r.covariance.eigenvectors[0 * 2 + 0], v1 = r.covariance.eigenvectors[1 * 2 + 0];
  const double s = v1 > 0 ? 1.0 : -1.0;
  std::printf("Fisher eigenvalues %.3g %.3g, null direction (%.4f, %.4f)\n",
              r.covariance.eigenvalues[0], r.covariance.eigenvalues[1], s * v0, s * v1);
  EXPECT_NEAR(s * v0, -2.0 / std::sqrt(5.0), 0.01);
  EXPECT_NEAR(s * v1, 1.0 / std::sqrt(5.0), 0.01);
  EXPECT_LT(r.covariance.eigenvalues[0], 1e-6 * r.covariance.eigenvalues[1]);
  // Reported: the Laplace intervals reach past both bounds.
  for (const fit::ParameterEstimate& e : r.parameters) EXPECT_FALSE(e.identifiable) << e.name;
  std::printf("T50 %.1f and %.1f min; fit %.1f s\n", truth.simulated[0] / 60,
              truth.simulated[1] / 60, r.seconds);

  // The profile of sigma_max: k_g re-fitted at each value, the cost stays at its minimum down to
  // the lower bound (2): flat, not identifiable. (Only the lower side is profiled: above the
  // optimum the compensating k_g reaches its lower bound and the simulations get slow.)
  optimize::LeastSquaresOptions lso;
  lso.lower = prepared->lower();
  lso.upper = prepared->upper();
  lso.upper[1] = r.best_x[1] + 0.02;
  lso.max_iterations = 50;
  lso.function_tolerance = lso.gradient_tolerance = lso.parameter_tolerance = 1e-8;
  auto objective = prepared->make_objective();
  const optimize::Profile pr = optimize::profile(*objective, r.best_x, r.cost, 1, lso, 2, 1.92);
  double rise = 0.0;
  for (std::size_t k = 0; k < pr.values.size(); ++k)
    if (pr.values[k] <= r.best_x[1]) rise = std::max(rise, pr.costs[k] - r.cost);
  std::printf("sigma_max profile: %zu points, largest rise below the optimum %.3g\n",
              pr.values.size(), rise);
  EXPECT_FALSE(pr.identifiable);
  EXPECT_FALSE(pr.lower_bounded);
  EXPECT_LT(rise, 0.01);
  EXPECT_NEAR(pr.values.front(), std::log10(2.0), 1e-9);  // reached the bound
}
