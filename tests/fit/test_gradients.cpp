// The objective's Jacobian from forward sensitivities (CVODES with event-time sensitivities)
// against central differences of whole simulations, for T50, time courses, phase shares of the
// solid over time and at the end, categorical outcomes and thermodynamic offsets, on both model
// levels.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "models/fit/objective.hpp"
#include "tests/fit/test_folder.hpp"

using namespace calcikin;
namespace fs = std::filesystem;

namespace {

const std::string kData = CALCIKIN_TEST_DATA_DIR;

struct Folder : test::TestFolder {
  explicit Folder(const std::string& tag) : TestFolder("calcikin_fit_gradients", tag) {
    copy_in(kData + "/t50_auto.yaml");
    copy_in(std::string(CALCIKIN_SOURCE_DIR) + "/scenarios/t50_assay.yaml");
  }
};

// Both Jacobians at tight integration tolerances: rtol 1e-13 and the scenarios' atol_scale
// lowered from 1e-10 to 1e-16. The absolute tolerance is what limits the reference: at
// atol_scale 1e-10 the differences of the mechanistic calcium after the conversion (12 h) scatter
// by ~1e-2 relative at every rtol from 1e-10 to 1e-12 and every step from 1.25e-4 to 8e-3, and
// the autocatalytic categorical row by 6e-5, while the sensitivities agree with themselves to
// 1e-6 across rtol 1e-10..1e-12 and their own steps 1e-6..1e-4 (docs/fit.md, "Accuracy").
//
// J_ref: central differences of whole simulations in the scaled parameters, Richardson-
// extrapolated from the steps 4e-3 and 2e-3 (R(h) = (4 D(h/2) - D(h)) / 3: the O(h^2) error
// cancels; smaller steps drown in the integration noise, larger ones keep an O(h^4) error). The
// same extrapolation from 8e-3 and 4e-3 must agree with it: the reference has converged in h.
//
// Returns per residual row the largest relative error over the parameters,
//   |J_sens - J_ref| / max(|J_ref|, 1e-3 * largest |J_ref|),
// i.e. relative to each entry itself, entries below 1e-3 of the Jacobian's largest measured
// against that floor. `converged` receives the same measure between the two extrapolations.
constexpr double kTightRtol = 1e-13;

std::vector<double> compare(const std::string& problem, const std::string& csv,
                            const std::string& tag, const std::string& scenario,
                            std::vector<double> x, std::vector<double>* converged) {
  Folder f(tag);
  {
    std::ifstream in(f.dir / scenario);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string key = "atol_scale: 1e-10";
    const std::size_t at = text.find(key);
    EXPECT_NE(at, std::string::npos) << scenario;
    if (at != std::string::npos) text.replace(at, key.size(), "atol_scale: 1e-16");
    std::ofstream(f.dir / scenario) << text;
  }
  std::ofstream(f.dir / "p.yaml") << problem;
  std::ofstream(f.dir / "data.csv") << csv;
  fit::CalibrationProblem p = fit::load_problem((f.dir / "p.yaml").string());
  p.settings.rtol = kTightRtol;
  const auto prepared = fit::PreparedFit::prepare(std::move(p));
  if (x.empty()) x = prepared->nominal();
  const std::size_t n = prepared->parameter_count(), m = prepared->residual_count();
  std::vector<double> r(m), js(m * n), j2(m * n), j4(m * n), j8(m * n);
  auto sens = prepared->make_objective(1e-5, fit::FitSettings::Gradient::Sensitivities);
  auto fd2 = prepared->make_objective(2e-3, fit::FitSettings::Gradient::FiniteDifferences);
  auto fd4 = prepared->make_objective(4e-3, fit::FitSettings::Gradient::FiniteDifferences);
  auto fd8 = prepared->make_objective(8e-3, fit::FitSettings::Gradient::FiniteDifferences);
  EXPECT_TRUE(sens->evaluate(x.data(), r.data(), js.data()));
  EXPECT_TRUE(fd2->evaluate(x.data(), r.data(), j2.data()));
  EXPECT_TRUE(fd4->evaluate(x.data(), r.data(), j4.data()));
  EXPECT_TRUE(fd8->evaluate(x.data(), r.data(), j8.data()));
  double largest = 0.0;
  for (std::size_t i = 0; i < m * n; ++i) largest = std::max(largest, std::fabs(j2[i]));
  std::vector<double> worst(m, 0.0);
  converged->assign(m, 0.0);
  for (std::size_t i = 0; i < m; ++i) {
    std::printf("  residual %zu:", i);
    for (std::size_t j = 0; j < n; ++j) {
      const std::size_t k = i * n + j;
      const double ref = (4.0 * j2[k] - j4[k]) / 3.0, coarse = (4.0 * j4[k] - j8[k]) / 3.0;
      const double scale = std::max(std::fabs(ref), 1e-3 * largest);
      const double err = std::fabs(js[k] - ref) / scale;
      worst[i] = std::max(worst[i], err);
      (*converged)[i] = std::max((*converged)[i], std::fabs(coarse - ref) / scale);
      std::printf("  %.9g/%.9g (%.1e)", js[k], ref, err);
    }
    std::printf("  [reference converged to %.1e]\n", (*converged)[i]);
  }
  return worst;
}

}  // namespace

TEST(FitGradients, AutocatalyticT50TimeCourseSharesAndThermodynamicOffsetEqualCentralDifferences) {
  const std::string problem = R"(schema: calcikin/calibration/1
conditions:
  - {id: base, scenario: t50_auto.yaml}
  - {id: mg2, scenario: t50_auto.yaml, set: {solution.totals.Mg: 2 mmol/kgw}}
observables:
  - {id: T50, expr: t50, noise: lognormal, sigma: 0.05, unit: min}
  - {id: ind, expr: induction_time, noise: lognormal, sigma: 0.1, unit: min}
  - {id: alpha, expr: crystalline_fraction, noise: normal, sigma: 0.02}
  - {id: hap, expr: final_phase_fraction.HAP, noise: normal, sigma: 0.05}
  - {id: outcome, expr: final_phase, noise: categorical}
  - {id: hapt, expr: phase_fraction.HAP, noise: normal, sigma: 0.05}
  - {id: acpt, expr: phase_fraction.ACP, noise: lognormal, sigma: 0.2}
measurements: data.csv
parameters:
  - {name: autocatalytic.k0, bounds: [1e-9 1/s, 1e-4 1/s]}
  - {name: autocatalytic.k1, prior: {lognormal: [3e-4 1/s, 1]}}
  - {name: autocatalytic.mg.effectiveness, scale: lin}
  - {name: thermodynamics.parameters.ACP.log_k_offset, scale: lin, bounds: [-0.5, 0.5]}
)";
  const std::string csv = R"(condition,observable,time [h],value,sigma,source
base,T50,,330,,
mg2,T50,,>600,,
base,ind,,100,,
base,alpha,3,0.2,,
base,alpha,6,0.6,,
mg2,alpha,6,0.4,,
base,hap,,0.9,,
mg2,outcome,,HAP,,
base,hapt,3,0.2,,
mg2,hapt,6,0.5,,
base,acpt,6,0.4,,
)";
  std::vector<double> converged;
  const std::vector<double> err =
      compare(problem, csv, "auto", "t50_auto.yaml", {-5.8, -3.6, 0.6, 0.1}, &converged);
  // Every row to 1e-5: T50 (rows 0, 1: one reached, one censored), induction time (2), the
  // crystalline fraction at 3 and 6 h (3-5), the final HAP share (6), the categorical outcome (7),
  // the HAP share of the solid at 3 and 6 h (8, 9), the ACP share at 6 h on the log scale (10)
  // and the k1 prior (11); the ACP log K offset is column 3.
  ASSERT_EQ(err.size(), 12u);
  for (std::size_t i = 0; i < err.size(); ++i) {
    EXPECT_LT(converged[i], 1e-5) << "reference not converged in the step, row " << i;
    EXPECT_LT(err[i], 1e-5) << "row " << i;
  }
}

TEST(FitGradients, MechanisticT50InductionTimeCourseShareOutcomeAndOffsetEqualCentralDifferences) {
  const std::string problem = R"(schema: calcikin/calibration/1
conditions:
  - {id: assay, scenario: t50_assay.yaml}
observables:
  - {id: T50, expr: t50, noise: lognormal, sigma: 0.05, unit: min}
  - {id: Ca, expr: dissolved_total.Ca, noise: normal, sigma: 0.05 mmol/kgw, unit: mmol/kgw}
  - {id: pH, expr: saturation_index.HAP, noise: normal, sigma: 0.1}
  - {id: ind, expr: induction_time, noise: lognormal, sigma: 0.1, unit: min}
  - {id: hap, expr: final_phase_fraction.HAP, noise: normal, sigma: 0.05}
  - {id: outcome, expr: final_phase, noise: categorical}
  - {id: hapt, expr: phase_fraction.HAP, noise: normal, sigma: 0.05}
measurements: data.csv
parameters:
  - {name: HAP.growth.rate_constant}
  - {name: HAP.nucleation.heterogeneous_prefactor}
  - {name: thermodynamics.parameters.HAP.log_k_offset, scale: lin, bounds: [-1, 1]}
)";
  const std::string csv = R"(condition,observable,time [h],value,sigma,source
assay,T50,,300,,
assay,Ca,2,3,,
assay,Ca,12,2,,
assay,pH,12,5,,
assay,ind,,100,,
assay,hap,,0.9,,
assay,outcome,,HAP,,
assay,hapt,5,0.5,,
assay,hapt,12,0.9,,
)";
  std::vector<double> converged;
  const std::vector<double> err =
      compare(problem, csv, "mechanistic", "t50_assay.yaml", {}, &converged);
  // Every row to 1e-5: T50 (row 0), calcium before (1) and after the conversion (2, 12 h), the HAP
  // saturation index at 12 h (3), the induction time (4), the final HAP share (5), the
  // categorical outcome (6) and the HAP share of the solid during the conversion (5 h, row 7) and
  // after it (12 h, row 8); the HAP log K offset is column 2.
  ASSERT_EQ(err.size(), 9u);
  for (std::size_t i = 0; i < err.size(); ++i) {
    EXPECT_LT(converged[i], 1e-5) << "reference not converged in the step, row " << i;
    EXPECT_LT(err[i], 1e-5) << "row " << i;
  }
}
