// Cost of one trajectory with forward sensitivities relative to one without (issue 11 goal:
// <= 1 + 0.3 N_p), for the autocatalytic and the mechanistic T50 assay, N_p = 1..6 fitted
// parameters; medians of repeated runs. Also the model set-up (speciation, ACP equilibration)
// alone, since the sensitivities rebuild the model at x_j +- delta for df/dp. Not a test.
//
//   build/bin/bench_sensitivity_cost [repeats] [auto|mech|mecht] [N_p]
//   build/bin/bench_sensitivity_cost 0 [auto|mech|mecht]   accuracy against rtol 1e-12 (all N_p)
// (mecht: the mechanistic assay with the HAP and ACP log K offsets among the parameters.)
//
// Wall-clock medians on a shared machine are noisy; for instruction counts run one model and one
// N_p under callgrind and compare the inclusive costs of TrajectoryEvaluator::evaluate and
// ConditionSensitivity::run (bench/fit/sensitivity_cost_callgrind.sh does this for every N_p).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "models/api/simulation.hpp"
#include "models/fit/condition_sensitivity.hpp"
#include "models/fit/problem.hpp"
#include "models/scenario/loader.hpp"

using namespace calcikin;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <class F>
double time_median(int repeats, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return median(t);
}

// Sensitivity settings from the environment (for measurements of the alternatives):
// CALCIKIN_SENS_TOL_FACTOR, CALCIKIN_SENS_SIMULTANEOUS=1, CALCIKIN_SENS_ERRCON=0, CALCIKIN_RTOL,
// CALCIKIN_SENS_REUSE=1 (below), CALCIKIN_SENS_EXACT=0 (kinetic df/dp from the copies' rate laws,
// as before the exact dual df/dp).
void configure(fit::ConditionSensitivity& cs) {
  if (const char* v = std::getenv("CALCIKIN_SENS_TOL_FACTOR"))
    cs.set_sensitivity_tolerance_factor(std::atof(v));
  if (const char* v = std::getenv("CALCIKIN_SENS_SIMULTANEOUS"))
    cs.set_simultaneous_corrector(std::atoi(v) != 0);
  if (const char* v = std::getenv("CALCIKIN_SENS_ERRCON")) cs.set_error_control(std::atoi(v) != 0);
  if (const char* v = std::getenv("CALCIKIN_SENS_EXACT"))
    cs.set_exact_parameter_derivatives(std::atoi(v) != 0);
}

scenario::Scenario load(const std::string& file) {
  scenario::Scenario s = scenario::load_file(file);
  if (const char* v = std::getenv("CALCIKIN_RTOL")) s.solver.rtol = std::atof(v);
  return s;
}

// Thermodynamic offsets are fitted on a linear scale, kinetic parameters on log10.
bool is_thermo(const std::string& name) { return name.rfind("thermodynamics.", 0) == 0; }
std::vector<api::BoundPath> fitted_thermo(const std::vector<std::string>& names) {
  std::vector<api::BoundPath> paths;
  for (const std::string& name : names)
    if (is_thermo(name)) paths.push_back({name});
  return paths;
}
fit::FitParameter fitted(const std::string& name) {
  fit::FitParameter f;
  f.name = name;
  f.scale = is_thermo(name) ? fit::Scale::Linear : fit::Scale::Log10;
  return f;
}
double scaled(const fit::FitParameter& f, double v) {
  return f.scale == fit::Scale::Log10 ? std::log10(v) : v;
}

// Accuracy of the sensitivities (all N_p at once) against a reference at rtol 1e-12 (atol scale
// 1e-14, the default sensitivity settings), always stepped by CVODES (solver.method: bdf, so a
// closed-form run is checked against the integrator): per parameter and state the largest error
// over the outputs relative to the largest |s| there; the worst of these, and of the T50 dt*/dp.
void accuracy(const std::string& label, const std::string& scenario_file,
              const std::vector<std::string>& names) {
  scenario::Scenario s = load(scenario_file);
  scenario::Scenario r = s;
  r.solver.rtol = 1e-12;
  r.solver.atol_scale = 1e-14;
  r.solver.exact_solution = false;
  auto sim = api::Simulation::prepare(s, fitted_thermo(names));
  auto ref = api::Simulation::prepare(r, fitted_thermo(names));
  std::vector<api::ParameterBinding> b, rb;
  std::vector<fit::FitParameter> p;
  std::vector<double> x;
  for (const std::string& name : names) {
    b.push_back(sim->bind(name));
    rb.push_back(ref->bind(name));
    p.push_back(fitted(name));
    x.push_back(scaled(p.back(), b.back().value(sim->base_inputs())));
  }
  fit::ConditionSensitivity cs(*sim, b, p), cr(*ref, rb, p);
  configure(cs);
  if (!cs.run(x.data()) || !cr.run(x.data())) {
    std::printf("%s: a run failed\n", label.c_str());
    return;
  }
  const ode::SensitivityResult& a = cs.result();
  const ode::SensitivityResult& e = cr.result();
  const std::size_t n = a.n, np = a.np;
  double worst = 0.0;
  std::size_t wj = 0, wi = 0;
  for (std::size_t j = 0; j < np; ++j)
    for (std::size_t i = 0; i < n; ++i) {
      double largest = 0.0, err = 0.0;
      for (std::size_t k = 0; k < e.times.size(); ++k)
        largest = std::max(largest, std::fabs(e.s[(k * np + j) * n + i]));
      for (std::size_t k = 0; k < e.times.size(); ++k)
        err = std::max(err, std::fabs(a.s[(k * np + j) * n + i] - e.s[(k * np + j) * n + i]));
      if (largest > 0.0 && err / largest > worst) {
        worst = err / largest;
        wj = j;
        wi = i;
      }
    }
  // The states' own error, for comparison: per state the largest error over the outputs relative
  // to the largest |y|.
  double state_worst = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    double largest = 0.0, err = 0.0;
    for (std::size_t k = 0; k < e.times.size(); ++k) {
      largest = std::max(largest, std::fabs(e.y[k * n + i]));
      err = std::max(err, std::fabs(a.y[k * n + i] - e.y[k * n + i]));
    }
    if (largest > 0.0) state_worst = std::max(state_worst, err / largest);
  }
  double t50 = 0.0;
  const auto* ea = cs.event(1);
  const auto* er = cr.event(1);
  if (ea != nullptr && er != nullptr)
    for (std::size_t j = 0; j < np; ++j)
      t50 = std::max(t50, std::fabs(ea->dt_dp[j] - er->dt_dp[j]) / std::fabs(er->dt_dp[j]));
  std::printf(
      "%s, N_p = %zu, rtol %g: largest sensitivity error %.2e of the largest value (parameter %zu, "
      "state %s), T50 dt*/dp %.2e; states %.2e, T50 %.2e; %ld steps, %ld rhs (reference %ld "
      "steps)\n",
      label.c_str(), np, s.solver.rtol, worst, wj, cs.model_state_name(wi).c_str(), t50,
      state_worst, ea && er ? std::fabs(ea->t - er->t) / er->t : -1.0, a.statistics.steps,
      a.statistics.rhs_evaluations, e.statistics.steps);
}

void bench(const std::string& label, const std::string& scenario_file,
           const std::vector<std::string>& names, int repeats, std::size_t only_np) {
  if (repeats == 0) {
    accuracy(label, scenario_file, names);
    return;
  }
  scenario::Scenario s = load(scenario_file);
  auto sim = api::Simulation::prepare(s, fitted_thermo(names));
  api::TrajectoryEvaluator ev(*sim);
  io::RunRecord rec(sim->layout());
  const api::PointInputs in = sim->base_inputs();
  const double plain = time_median(repeats, [&] {
    rec.reset(0);
    ev.evaluate(in, rec);
  });
  const double build = time_median(repeats, [&] { ev.build_model(in); });
  const io::RunLayout& L = sim->layout();
  std::printf(
      "%s: one trajectory %.3f ms (model set-up alone %.3f ms), %zu outputs, %.0f steps, "
      "%.0f rhs\n",
      label.c_str(), 1e3 * plain, 1e3 * build, sim->output_times().size(),
      rec.data(L.variable_index("steps"))[0], rec.data(L.variable_index("rhs_evaluations"))[0]);
  for (std::size_t np = 1; np <= names.size(); ++np) {
    if (only_np != 0 && np != only_np) continue;
    std::vector<api::ParameterBinding> b;
    std::vector<fit::FitParameter> p;
    std::vector<double> x;
    for (std::size_t j = 0; j < np; ++j) {
      b.push_back(sim->bind(names[j]));
      p.push_back(fitted(names[j]));
      x.push_back(scaled(p.back(), b.back().value(in)));
    }
    fit::ConditionSensitivity cs(*sim, b, p);
    configure(cs);
    bool ok = true;
    // CALCIKIN_SENS_REUSE=1: as in the fit, the sensitivity run starts from the set-up of a plain
    // run at the same inputs (its build_model() is outside both callgrind-measured calls, inside
    // the wall-clock figure).
    const char* reuse_env = std::getenv("CALCIKIN_SENS_REUSE");
    const bool reuse = reuse_env != nullptr && std::atoi(reuse_env) != 0;
    api::TrajectoryEvaluator setup(*sim);
    const double with = time_median(repeats, [&] {
      if (reuse) setup.build_model(in);
      ok = cs.run(x.data(), reuse ? &setup : nullptr) && ok;
    });
    const ode::IntegratorStatistics& st = cs.result().statistics;
    std::printf(
        "  N_p = %zu: with sensitivities %.3f ms = %.2f x (goal <= %.1f), %ld steps, %ld rhs%s\n",
        np, 1e3 * with, with / plain, 1.0 + 0.3 * static_cast<double>(np), st.steps,
        st.rhs_evaluations, ok ? "" : "  [a run failed]");
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 5;
  const std::string which = argc > 2 ? argv[2] : "all";
  const std::size_t only_np = argc > 3 ? static_cast<std::size_t>(std::atoi(argv[3])) : 0;
  const std::string src = CALCIKIN_SOURCE_DIR;
  if (which == "all" || which == "auto")
    bench("autocatalytic T50 assay", src + "/bench/fit/t50_auto.yaml",
          {"autocatalytic.k0", "autocatalytic.k1", "autocatalytic.ph_slope",
           "autocatalytic.mg.langmuir_constant", "autocatalytic.mg.effectiveness",
           "autocatalytic.reference_pH"},
          repeats, only_np);
  if (which == "all" || which == "mech")
    bench("mechanistic T50 assay", src + "/scenarios/t50_assay.yaml",
          {"HAP.growth.rate_constant", "HAP.nucleation.heterogeneous_prefactor",
           "HAP.nucleation.interfacial_energy", "ACP.rate_constant", "inhibitor.binding_constant",
           "HAP.mg.langmuir_constant"},
          repeats, only_np);
  // The same with two phase log K offsets among the parameters (N_p >= 2 and 4).
  if (which == "all" || which == "mecht")
    bench("mechanistic T50 assay with log K offsets", src + "/scenarios/t50_assay.yaml",
          {"HAP.growth.rate_constant", "thermodynamics.parameters.HAP.log_k_offset",
           "HAP.nucleation.heterogeneous_prefactor", "thermodynamics.parameters.ACP.log_k_offset",
           "ACP.rate_constant", "inhibitor.binding_constant"},
          repeats, only_np);
  return 0;
}
