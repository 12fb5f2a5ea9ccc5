// The directional sensitivity right-hand side of the mechanistic model (forward mode, N_p
// directions at once, models/kinetics/mechanistic_directional) against the full-Jacobian path it
// replaces: J s_j to round-off, and whole trajectories' sensitivities to the integration tolerance;
// the objective with its conditions in parallel equals the serial one bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <random>
#include <vector>

#include "models/api/simulation.hpp"
#include "models/fit/condition_sensitivity.hpp"
#include "models/fit/objective.hpp"
#include "models/fit/problem.hpp"
#include "models/kinetics/autocatalytic_model.hpp"
#include "models/kinetics/mechanistic_directional.hpp"
#include "models/kinetics/mechanistic_model.hpp"
#include "models/scenario/loader.hpp"
#include "tests/fit/test_folder.hpp"

using namespace calcikin;

namespace {

const std::string kAssay = std::string(CALCIKIN_SOURCE_DIR) + "/scenarios/t50_assay.yaml";

// A state in the middle of a conversion: ACP partly gone, every crystal population present.
std::vector<double> mid_conversion_state(const kinetics::MechanisticModel& m) {
  std::vector<double> y(m.size());
  m.initial_state(y.data());
  y[0] *= 0.6;
  y[1] *= 0.5;
  for (std::size_t c = 0; c < m.crystal_count(); ++c) {
    const double mu[4] = {2e-3, 1.5e-3, 1.2e-3, 0.1 / static_cast<double>(c + 1)};
    for (std::size_t k = 0; k < 4; ++k) y[2 + 4 * c + k] = mu[k];
  }
  return y;
}

}  // namespace

TEST(SensitivityRhs, DirectionalDerivativesEqualTheFullJacobianTimesEachDirection) {
  auto sim = api::Simulation::prepare(scenario::load_file(kAssay));
  api::TrajectoryEvaluator ev(*sim);
  auto* m = dynamic_cast<kinetics::MechanisticModel*>(&ev.build_model(sim->base_inputs()));
  ASSERT_NE(m, nullptr);
  const std::size_t n = m->size();
  const double t = 1800.0;
  const std::vector<double> y = mid_conversion_state(*m);
  std::vector<double> f(n), jac(n * n, 0.0);
  m->rhs(t, y.data(), f.data());
  m->jacobian(t, y.data(), f.data(), ode::DenseMatrixView(jac.data(), n));
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0.0, 1.0);
  // 1..11 directions: every dual width (1, 2, 3, 4, 6, 8) and chunks of 8.
  for (std::size_t np = 1; np <= 11; ++np) {
    std::vector<std::vector<double>> s(np, std::vector<double>(n)), out(np, std::vector<double>(n));
    std::vector<const double*> sp;
    std::vector<double*> op;
    for (std::size_t j = 0; j < np; ++j) {
      for (double& v : s[j]) v = normal(rng);
      sp.push_back(s[j].data());
      op.push_back(out[j].data());
    }
    m->rhs(t, y.data(), f.data());  // as CVODES does before the sensitivity right-hand side
    kinetics::MechanisticDirectional::jacobian_times(*m, t, y.data(), np, sp.data(), nullptr,
                                                     op.data());
    for (std::size_t j = 0; j < np; ++j)
      for (std::size_t i = 0; i < n; ++i) {
        double js = 0.0, scale = 0.0;
        for (std::size_t k = 0; k < n; ++k) {
          js += jac[k * n + i] * s[j][k];
          scale += std::fabs(jac[k * n + i] * s[j][k]);
        }
        EXPECT_LE(std::fabs(out[j][i] - js), 1e-13 * scale + 1e-300)
            << "np " << np << " direction " << j << " state " << i;
      }
  }
}

// The exact d f / d p of the dual pass (the kinetic parameters as duals in the rate constants,
// MechanisticDirectional::seed_parameters) equals central differences of the right-hand side of
// model copies at p (1 +- h), for every kinetic parameter, with every crystalline phase, the
// protein inhibitor, a foreign substrate, a phosphate source and a temperature away from the
// prefactors' reference (so the Arrhenius factors carry parameters), in two media: the T50 mixture
// (HAP, WH, OCP growing; brushite and newberyite dissolving) and an acidic Mg-rich one (brushite
// and newberyite growing and nucleating).
TEST(SensitivityRhs, ExactParameterDerivativesEqualCentralDifferencesForEveryKineticParameter) {
  scenario::Scenario sc = scenario::load_file(kAssay);
  sc.kinetics.phases = {"ACP", "HAP", "WH", "OCP", "DCPD", "newberyite"};
  auto sim = api::Simulation::prepare(
      sc, {{"solution.pH"}, {"solution.totals.Ca"}, {"solution.totals.Mg"}, {"solution.totals.P"}});
  const std::size_t slots = kinetics::KineticParameters::slot_count();
  std::vector<char> acts(slots, 0);
  std::size_t checked = 0;
  for (const bool acidic : {false, true}) {
    api::PointInputs in = sim->base_inputs();
    in.temperature = 298.15;
    if (acidic) {
      sim->bind("solution.pH").apply(in, 6.0);
      sim->bind("solution.totals.Ca").apply(in, 30e-3);
      sim->bind("solution.totals.Mg").apply(in, 80e-3);
      sim->bind("solution.totals.P").apply(in, 30e-3);
    }
    kinetics::KineticParameters& kp = in.kinetics;
    kp.substrate_area = 0.05;
    kp.phosphate_source_rate = 1e-9;
    kp.inhibitor_growth_effectiveness = 0.5;
    kp.hap.mg_lattice_coverage = 0.05;
    for (kinetics::CrystalParameters* c : {&kp.hap, &kp.wh, &kp.ocp, &kp.dcpd, &kp.newberyite}) {
      if (!(c->substrate_prefactor > 0.0)) c->substrate_prefactor = 1e3;
      if (!(c->secondary_prefactor > 0.0)) c->secondary_prefactor = 1e2;
    }
    api::TrajectoryEvaluator ev(*sim);
    auto* m = dynamic_cast<kinetics::MechanisticModel*>(&ev.build_model(in));
    ASSERT_NE(m, nullptr);
    ASSERT_EQ(m->crystal_count(), 5u);
    const std::size_t n = m->size();
    const double t = 1800.0;
    const std::vector<double> y = mid_conversion_state(*m);
    std::vector<double> f(n), fp(n), fm(n), exact(n), zero(n, 0.0);
    const double* sp[1] = {zero.data()};
    double* op[1] = {exact.data()};
    for (std::size_t slot = 0; slot < slots; ++slot) {
      const double p0 = kp.at(slot);
      if (!kinetics::MechanisticModel::exact_parameter(slot)) {
        EXPECT_EQ(static_cast<int>(slot),
                  kinetics::KineticParameters::slot_of("numerics.moment_length_scale"));
        continue;
      }
      if (p0 == 0.0) continue;  // no relative step (a fit's log10 scale never reaches 0)
      const int s = static_cast<int>(slot);
      const double one = 1.0;
      kinetics::MechanisticDirectional::Cache cache;
      kinetics::MechanisticDirectional::seed_parameters(*m, 1, &s, &one, cache);
      m->rhs(t, y.data(), f.data());
      kinetics::MechanisticDirectional::jacobian_times(*m, t, y.data(), 1, sp, nullptr, op, &cache);
      const double h = 1e-6 * std::fabs(p0);
      kinetics::KineticParameters q = kp;
      q.at(slot) = p0 + h;
      auto plus = ev.model_with_parameters(q);
      q.at(slot) = p0 - h;
      auto minus = ev.model_with_parameters(q);
      plus->rhs(t, y.data(), fp.data());
      minus->rhs(t, y.data(), fm.data());
      double largest = 0.0, scale = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        largest = std::max(largest, std::fabs((fp[i] - fm[i]) / (2.0 * h)));
        scale = std::max(scale, std::fabs(f[i]));
      }
      for (std::size_t i = 0; i < n; ++i) {
        const double fd = (fp[i] - fm[i]) / (2.0 * h);
        // Central differences with h = 1e-6 p: truncation ~1e-12 of the derivative, round-off
        // ~1e-10 of the right-hand side's scale per unit p.
        EXPECT_LE(std::fabs(exact[i] - fd), 1e-6 * largest + 1e-8 * scale / std::fabs(p0))
            << kinetics::bound_parameter_names()[slot] << (acidic ? " (acidic), " : ", ")
            << m->state_name(i) << ": exact " << exact[i] << ", differences " << fd;
      }
      ++checked;
      if (largest > 0.0) acts[slot] = 1;
    }
  }
  // Every parameter of the catalogue but those at 0 by default, in both media.
  EXPECT_GT(checked, 200u);
  std::size_t acting = 0;
  for (char a : acts) acting += a != 0 ? 1 : 0;
  // 73 of 122 (the rest: zero defaults such as most homogeneous prefactors and Mg terms, the
  // autocatalytic model's and the events' parameters, and rate-law branches not taken here).
  EXPECT_GE(acting, 70u);
}

// The autocatalytic model's exact d f / d p (its parameters enter only k0 and k1) equals central
// differences of the right-hand sides of copies at p (1 +- h), for every kinetic parameter.
TEST(SensitivityRhs, AutocatalyticExactParameterDerivativesEqualCentralDifferences) {
  auto sim = api::Simulation::prepare(
      scenario::load_file(std::string(CALCIKIN_SOURCE_DIR) + "/bench/fit/t50_auto.yaml"));
  api::TrajectoryEvaluator ev(*sim);
  const api::PointInputs in = sim->base_inputs();
  auto* m = dynamic_cast<kinetics::AutocatalyticModel*>(&ev.build_model(in));
  ASSERT_NE(m, nullptr);
  const double y = 0.3;
  std::size_t acting = 0;
  for (std::size_t slot = 0; slot < kinetics::KineticParameters::slot_count(); ++slot) {
    const double p0 = in.kinetics.at(slot);
    if (p0 == 0.0) continue;
    const double h = 1e-6 * std::fabs(p0);
    kinetics::KineticParameters q = in.kinetics;
    q.at(slot) = p0 + h;
    auto plus = ev.model_with_parameters(q);
    q.at(slot) = p0 - h;
    auto minus = ev.model_with_parameters(q);
    double fp = 0.0, fm = 0.0, f = 0.0;
    plus->rhs(0.0, &y, &fp);
    minus->rhs(0.0, &y, &fm);
    m->rhs(0.0, &y, &f);
    const double fd = (fp - fm) / (2.0 * h);
    const double exact = m->parameter_derivative(slot, &y);
    EXPECT_LE(std::fabs(exact - fd), 1e-7 * std::fabs(fd) + 1e-9 * std::fabs(f) / std::fabs(p0))
        << kinetics::bound_parameter_names()[slot] << ": exact " << exact << ", differences " << fd;
    if (fd != 0.0) ++acting;
  }
  // k0, k1, the reference pH, the Mg Langmuir constant and effectiveness (the pH slope multiplies
  // pH - pH_ref = 0 in this mixture at pH 7.40).
  EXPECT_EQ(acting, 5u);
}

TEST(SensitivityRhs, RatesOfACopyWithTheSameParametersEqualTheRightHandSide) {
  auto sim = api::Simulation::prepare(scenario::load_file(kAssay));
  api::TrajectoryEvaluator ev(*sim);
  auto* m = dynamic_cast<kinetics::MechanisticModel*>(&ev.build_model(sim->base_inputs()));
  ASSERT_NE(m, nullptr);
  auto copy = ev.model_with_parameters(sim->base_inputs().kinetics);
  auto* c = dynamic_cast<kinetics::MechanisticModel*>(copy.get());
  ASSERT_NE(c, nullptr);
  const std::vector<double> y = mid_conversion_state(*m);
  std::vector<double> f(m->size()), g(m->size()), y0m(m->size()), y0c(m->size());
  double totals[kinetics::kComponentCount];
  m->rhs(100.0, y.data(), f.data());
  kinetics::MechanisticDirectional::rates_at(*c, *m, 100.0, y.data(), g.data(), totals);
  for (std::size_t i = 0; i < f.size(); ++i) EXPECT_EQ(f[i], g[i]) << i;
  m->initial_state(y0m.data());
  c->initial_state(y0c.data());
  EXPECT_EQ(y0m, y0c);
}

TEST(SensitivityRhs, DirectionalPathGivesTheFullJacobianPathsSensitivities) {
  scenario::Scenario s = scenario::load_file(kAssay);
  s.solver.rtol = 1e-9;
  s.time.end = 12 * 3600.0;
  // Two phase log K offsets: HAP's (its saturation index only) and ACP's (read by the set-up as
  // well: the initial ACP equilibration), on the exact d SI / d offset path.
  auto sim = api::Simulation::prepare(s, {{"thermodynamics.parameters.HAP.log_k_offset"},
                                          {"thermodynamics.parameters.ACP.log_k_offset"}});
  const std::vector<std::string> names = {
      "HAP.growth.rate_constant", "HAP.nucleation.heterogeneous_prefactor",
      "thermodynamics.parameters.HAP.log_k_offset", "thermodynamics.parameters.ACP.log_k_offset"};
  std::vector<api::ParameterBinding> b;
  std::vector<fit::FitParameter> p;
  std::vector<double> x;
  for (const std::string& name : names) {
    b.push_back(sim->bind(name));
    fit::FitParameter f;
    f.name = name;
    f.scale = name.rfind("thermo", 0) == 0 ? fit::Scale::Linear : fit::Scale::Log10;
    p.push_back(f);
    const double v = b.back().value(sim->base_inputs());
    x.push_back(f.scale == fit::Scale::Log10 ? std::log10(v) : v);
  }
  fit::ConditionSensitivity dir(*sim, b, p, 1e-5, fit::ConditionSensitivity::Path::Directional);
  fit::ConditionSensitivity full(*sim, b, p, 1e-5, fit::ConditionSensitivity::Path::FullJacobian);
  // Both with the sensitivities in the error test (the default; the same steps up to round-off),
  // and once more without (the states' steps): less accurate (5e-4 of the largest for Mg in ACP
  // at rtol 1e-9, against 1e-8 with error control, both measured against rtol 1e-12).
  fit::ConditionSensitivity fast(*sim, b, p, 1e-5);
  fast.set_error_control(false);
  ASSERT_TRUE(fast.run(x.data()));
  ASSERT_TRUE(dir.run(x.data()));
  ASSERT_TRUE(full.run(x.data()));
  const ode::SensitivityResult& a = dir.result();
  const ode::SensitivityResult& r = full.result();
  ASSERT_EQ(a.times.size(), r.times.size());
  const std::size_t n = r.n, np = r.np;
  for (std::size_t j = 0; j < np; ++j) {
    // Per parameter and state: the largest |s| over the outputs sets the scale.
    for (std::size_t i = 0; i < n; ++i) {
      double largest = 0.0, worst = 0.0;
      for (std::size_t k = 0; k < r.times.size(); ++k)
        largest = std::max(largest, std::fabs(r.s[(k * np + j) * n + i]));
      for (std::size_t k = 0; k < r.times.size(); ++k)
        worst = std::max(worst, std::fabs(a.s[(k * np + j) * n + i] - r.s[(k * np + j) * n + i]));
      EXPECT_LE(worst, 1e-5 * largest + 1e-12) << "parameter " << j << " state " << i;
      double fast_worst = 0.0;
      for (std::size_t k = 0; k < r.times.size(); ++k)
        fast_worst = std::max(fast_worst, std::fabs(fast.result().s[(k * np + j) * n + i] -
                                                    r.s[(k * np + j) * n + i]));
      EXPECT_LE(fast_worst, 2e-3 * largest + 1e-12) << "parameter " << j << " state " << i;
    }
  }
  const auto* ea = dir.event(1);
  const auto* er = full.event(1);
  ASSERT_NE(er, nullptr);
  ASSERT_NE(ea, nullptr);
  for (std::size_t j = 0; j < np; ++j)
    EXPECT_NEAR(ea->dt_dp[j], er->dt_dp[j], 1e-6 * std::fabs(er->dt_dp[j])) << j;
}

// The fit's sensitivity run starts from the set-up of its plain run at the same inputs
// (ConditionSensitivity::run(x, evaluator)): the same sensitivities and T50 dt*/dp as from a
// set-up of its own, to the integration tolerance, with a kinetic parameter and a phase offset.
TEST(SensitivityRhs, StartingFromThePlainRunsSetUpGivesTheSameSensitivities) {
  scenario::Scenario s = scenario::load_file(kAssay);
  s.solver.rtol = 1e-9;
  s.time.end = 12 * 3600.0;
  auto sim = api::Simulation::prepare(s, {{"thermodynamics.parameters.HAP.log_k_offset"}});
  const std::vector<std::string> names = {"HAP.growth.rate_constant",
                                          "thermodynamics.parameters.HAP.log_k_offset"};
  std::vector<api::ParameterBinding> b;
  std::vector<fit::FitParameter> p;
  for (const std::string& name : names) {
    b.push_back(sim->bind(name));
    fit::FitParameter f;
    f.name = name;
    f.scale = name.rfind("thermo", 0) == 0 ? fit::Scale::Linear : fit::Scale::Log10;
    p.push_back(f);
  }
  const std::vector<double> x = {std::log10(b[0].value(sim->base_inputs())), 0.05};
  api::PointInputs in = sim->base_inputs();
  for (std::size_t j = 0; j < names.size(); ++j) b[j].apply(in, fit::from_scaled(p[j], x[j]));
  // The plain run at x, as the objective's residuals() leaves it.
  api::TrajectoryEvaluator plain(*sim);
  io::RunRecord rec(sim->layout());
  rec.reset(0);
  plain.evaluate(in, rec);
  ASSERT_EQ(rec.status, io::RunStatus::Ok);
  fit::ConditionSensitivity own(*sim, b, p, 1e-5), shared(*sim, b, p, 1e-5);
  ASSERT_TRUE(own.run(x.data()));
  ASSERT_TRUE(shared.run(x.data(), &plain));
  const ode::SensitivityResult& a = shared.result();
  const ode::SensitivityResult& r = own.result();
  ASSERT_EQ(a.times.size(), r.times.size());
  const std::size_t n = r.n, np = r.np;
  for (std::size_t j = 0; j < np; ++j)
    for (std::size_t i = 0; i < n; ++i) {
      double largest = 0.0, worst = 0.0;
      for (std::size_t k = 0; k < r.times.size(); ++k) {
        largest = std::max(largest, std::fabs(r.s[(k * np + j) * n + i]));
        worst = std::max(worst, std::fabs(a.s[(k * np + j) * n + i] - r.s[(k * np + j) * n + i]));
      }
      EXPECT_LE(worst, 1e-5 * largest + 1e-12) << "parameter " << j << " state " << i;
    }
  const auto* ea = shared.event(1);
  const auto* er = own.event(1);
  ASSERT_NE(er, nullptr);
  ASSERT_NE(ea, nullptr);
  EXPECT_NEAR(ea->t, er->t, 1e-8 * er->t);
  for (std::size_t j = 0; j < np; ++j)
    EXPECT_NEAR(ea->dt_dp[j], er->dt_dp[j], 1e-6 * std::fabs(er->dt_dp[j])) << j;
}

TEST(FitObjective, ResidualsAndJacobianAreBitIdenticalForOneAndTwoThreadsOverConditions) {
  test::TestFolder f("calcikin_fit_threads", "objective");
  f.copy_in(std::string(CALCIKIN_TEST_DATA_DIR) + "/t50_auto.yaml");
  f.copy_in(kAssay);
  std::ofstream(f.dir / "p.yaml") << R"(schema: calcikin/calibration/1
conditions:
  - {id: a0, scenario: t50_auto.yaml}
  - {id: a1, scenario: t50_auto.yaml, set: {solution.totals.Mg: 1 mmol/kgw}}
  - {id: a2, scenario: t50_auto.yaml, set: {solution.totals.Mg: 2 mmol/kgw}}
  - {id: mech, scenario: t50_assay.yaml, set: {time.end: 6 h}}
observables:
  - {id: T50, expr: t50, noise: lognormal, sigma: 0.05, unit: min}
  - {id: alpha, expr: crystalline_fraction, noise: normal, sigma: 0.02}
measurements: data.csv
parameters:
  - {name: autocatalytic.k0, bounds: [1e-9 1/s, 1e-4 1/s]}
  - {name: autocatalytic.mg.effectiveness, scale: lin}
  - {name: HAP.growth.rate_constant}
  - {name: thermodynamics.parameters.ACP.log_k_offset, scale: lin, bounds: [-0.5, 0.5]}
)";
  std::ofstream(f.dir / "data.csv") << R"(condition,observable,time [h],value,sigma,source
a0,T50,,330,,
a1,T50,,400,,
a2,alpha,6,0.4,,
mech,alpha,2,0.1,,
mech,alpha,5,0.5,,
)";
  const auto prepared = fit::PreparedFit::prepare(fit::load_problem((f.dir / "p.yaml").string()));
  const std::vector<double> x = prepared->nominal();
  const std::size_t n = prepared->parameter_count(), m = prepared->residual_count();
  auto one = prepared->make_objective(1e-5, fit::FitSettings::Gradient::Sensitivities);
  auto two = prepared->make_objective(1e-5, fit::FitSettings::Gradient::Sensitivities);
  two->set_threads(2);
  std::vector<double> r1(m), r2(m), j1(m * n), j2(m * n), r3(m), j3(m * n);
  ASSERT_TRUE(one->evaluate(x.data(), r1.data(), j1.data()));
  ASSERT_TRUE(two->evaluate(x.data(), r2.data(), nullptr));  // residuals first: kept for the J
  ASSERT_TRUE(two->evaluate(x.data(), r3.data(), j2.data()));
  for (std::size_t i = 0; i < m; ++i) {
    EXPECT_EQ(r1[i], r2[i]) << i;
    EXPECT_EQ(r1[i], r3[i]) << i;
  }
  for (std::size_t i = 0; i < m * n; ++i) EXPECT_EQ(j1[i], j2[i]) << i;
  // Finite differences over whole simulations, likewise.
  auto fd1 = prepared->make_objective(1e-3, fit::FitSettings::Gradient::FiniteDifferences);
  auto fd2 = prepared->make_objective(1e-3, fit::FitSettings::Gradient::FiniteDifferences);
  fd2->set_threads(2);
  ASSERT_TRUE(fd1->evaluate(x.data(), r1.data(), j1.data()));
  ASSERT_TRUE(fd2->evaluate(x.data(), r2.data(), j2.data()));
  for (std::size_t i = 0; i < m * n; ++i) EXPECT_EQ(j1[i], j2[i]) << i;
}
