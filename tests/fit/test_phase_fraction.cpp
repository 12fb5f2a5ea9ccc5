// phase_fraction.<Phase>: a phase's share of the solid phosphate at a measured time (an XRD or
// Raman time course). Its likelihood is the noise model's, evaluated at the share computed by hand
// from an independent run of the same scenario; at time.end it is final_phase_fraction.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>

#include "models/api/simulation.hpp"
#include "models/fit/objective.hpp"
#include "models/scenario/loader.hpp"
#include "tests/fit/test_folder.hpp"

using namespace calcikin;

namespace {

const std::string kData = CALCIKIN_TEST_DATA_DIR;

const std::string kProblem = R"(schema: calcikin/calibration/1
conditions:
  - {id: base, scenario: t50_auto.yaml}
observables:
  - {id: hap, expr: phase_fraction.HAP, noise: normal, sigma: 0.05}
  - {id: acp, expr: phase_fraction.ACP, noise: lognormal, sigma: 0.2}
  - {id: hap_end, expr: final_phase_fraction.HAP, noise: normal, sigma: 0.05}
measurements: data.csv
parameters:
  - {name: autocatalytic.k0, bounds: [1e-9 1/s, 1e-4 1/s]}
)";
const std::string kCsv = R"(condition,observable,time [h],value,sigma,source
base,hap,3,0.2,,XRD
base,acp,6,0.4,,XRD
base,hap,24,0.95,,XRD
base,hap_end,,0.95,,XRD
)";

}  // namespace

TEST(FitPhaseFraction, ADatumCostsTheHandComputedLikelihoodOfTheShareOfTheSolidAtItsTime) {
  test::TestFolder f("calcikin_fit_phase_fraction", "likelihood");
  f.copy_in(kData + "/t50_auto.yaml");
  std::ofstream(f.dir / "p.yaml") << kProblem;
  std::ofstream(f.dir / "data.csv") << kCsv;
  const auto prepared = fit::PreparedFit::prepare(fit::load_problem((f.dir / "p.yaml").string()));
  const fit::Prediction pred = prepared->predict(prepared->nominal());
  ASSERT_TRUE(pred.ok);

  // The same condition run directly: the fit's output times (the measured ones and time.end) and
  // its integrator tolerance.
  scenario::Scenario s = scenario::load_file((f.dir / "t50_auto.yaml").string());
  s.time.grid = scenario::TimeGrid::List;
  s.time.list = {3 * 3600.0, 6 * 3600.0, s.time.end};
  s.output.time_series = scenario::TimeSeriesMode::All;
  s.solver.rtol = std::min(s.solver.rtol, prepared->problem().settings.rtol);
  const auto sim = api::Simulation::prepare(s);
  api::TrajectoryEvaluator ev(*sim);
  io::RunRecord rec(sim->layout());
  ev.evaluate(sim->base_inputs(), rec);
  ASSERT_EQ(rec.status, io::RunStatus::Ok);
  const std::vector<std::string>& phases = sim->phases();
  ASSERT_EQ(phases.size(), 2u);  // ACP, HAP
  const double* solid = rec.data(sim->layout().variable_index("solid_element"));
  // P of the phase / P of every solid, a solid's P counted from 0 (ACP dissolves to a remainder of
  // about -2e-9 of the HAP by 24 h).
  auto share = [&](std::size_t k, std::size_t phase) {
    const double acp = std::max(solid[(k * 2 + 0) * 3 + 2], 0.0);
    const double hap = std::max(solid[(k * 2 + 1) * 3 + 2], 0.0);
    return (phase == 0 ? acp : hap) / (acp + hap);
  };
  const double hap3 = share(0, 1), acp6 = share(1, 0), hap24 = share(2, 1);
  ASSERT_GT(hap3, 0.0);
  ASSERT_LT(hap3, 1.0);  // a time course, not a constant
  ASSERT_GT(acp6, 0.0);
  EXPECT_NEAR(pred.simulated[0], hap3, 1e-12);
  EXPECT_NEAR(pred.simulated[1], acp6, 1e-12);
  EXPECT_NEAR(pred.simulated[2], hap24, 1e-12);
  // At time.end the time course is final_phase_fraction: the same definition.
  EXPECT_DOUBLE_EQ(pred.simulated[2], pred.simulated[3]);

  // -ln L of each datum, by hand: normal (m - y)^2 / (2 sigma^2) + ln sigma + ln(2 pi)/2;
  // lognormal (ln m - ln y)^2 / (2 sigma^2) + ln(sigma y) + ln(2 pi)/2.
  auto nll = [&](std::size_t i) {
    return 0.5 * pred.residuals[i] * pred.residuals[i] + pred.constants[i];
  };
  const double half_ln_2pi = 0.5 * std::log(2.0 * M_PI);
  EXPECT_NEAR(nll(0), 0.5 * std::pow((hap3 - 0.2) / 0.05, 2) + std::log(0.05) + half_ln_2pi, 1e-9);
  EXPECT_NEAR(nll(1),
              0.5 * std::pow(std::log(acp6 / 0.4) / 0.2, 2) + std::log(0.2 * 0.4) + half_ln_2pi,
              1e-9);
  EXPECT_NEAR(nll(2), 0.5 * std::pow((hap24 - 0.95) / 0.05, 2) + std::log(0.05) + half_ln_2pi,
              1e-9);
}
