#pragma once
// Calibration problems (schema calcikin/calibration/1): what `calcikin fit` and `ck.fit` read.
// The tables follow PEtab (Schmiester et al. 2021, PLoS Comput Biol 17:e1008646) where the
// concepts coincide: conditions, observables with noise models, a measurement table and a
// parameter table with scales, bounds and priors.
//
//   schema: calcikin/calibration/1
//   conditions:                       # one simulation each: a scenario file plus overrides
//     - {id: base, scenario: t50_assay.yaml}
//     - {id: mg2, scenario: t50_assay.yaml, set: {solution.totals.Mg: 2 mmol/kgw}}
//   observables:                      # a model output and its noise model
//     - {id: T50, expr: t50, noise: lognormal, sigma: 0.1}
//     - {id: Ca, expr: dissolved_total.Ca, unit: mmol/kgw, noise: normal, sigma: 0.05 mmol/kgw}
//     - {id: outcome, expr: final_phase, noise: categorical, temperature: 1}
//   measurements: data.csv            # condition,observable,time [h],value,sigma,source
//   parameters:                       # fitted; everything else stays at its default
//     - {name: auto.k0, scale: log10, bounds: [1e-6 1/s, 1e-2 1/s], prior: {lognormal: [1e-4 1/s,
//     2]}}
//     - {name: thermodynamics.parameters.WH.dlogK_stab, scale: lin, bounds: [-16, 0]}
//   fit: {starts: 20, seed: 1, max_iterations: 100, profiles: false, gradient: sensitivities}
//
// Observable expressions (SI units of the run outputs): t50, induction_time (s); pH,
// free_calcium_activity, crystalline_fraction (1); dissolved_total.<El> (mol/kg);
// phase_amount.<Phase> (mol/kg); phase_fraction.<Phase> (1: the phase's share of the solid
// phosphate at the measured time); mean_radius.<Phase> (m); saturation_index.<Phase> (1);
// final_phase_fraction.<Phase> (1: the same share at the end); final_phase (categorical over the
// phases' shares of the solid phosphate at the end). Phase fractions lie in [0, 1].
//
// Measurements CSV: a header row naming the columns condition, observable, time, value, sigma,
// source (any order; sigma and source optional). Units in the header in brackets: `time [h]`, and
// `value [mmol/kgw]` (one unit for every row) or, without one, each dimensional observable's
// `unit:`. A value `>X` is right-censored (the event had not happened by X). Categorical values
// name the phase observed. Blank sigma: the observable's sigma.
//
// Every problem is an input::InputError at file:line:col with the line and a caret (the problem
// file or the CSV), found before anything is simulated or written.
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "models/fit/likelihood.hpp"
#include "models/scenario/scenario.hpp"
#include "solver/input/input_error.hpp"
#include "solver/optimize/robust_loss.hpp"

namespace calcikin::fit {

struct Condition {
  std::string id;
  std::string scenario_file;      // resolved path
  scenario::Scenario scenario;    // loaded, overrides applied (time grid set by the objective)
  std::vector<std::string> sets;  // "path=value" as applied
  input::SourceLocation where;
};

enum class ObservableKind { T50, InductionTime, TimeSeries, FinalShare, FinalPhase };

struct Observable {
  std::string id;
  std::string expr;
  ObservableKind kind = ObservableKind::TimeSeries;
  std::string variable;  // run output variable ("dissolved_total", "pH", ...)
  std::string selector;  // element or phase ("" when none)
  std::string si_unit;   // of the simulated value ("s", "mol/kg", "m", "1")
  std::string unit;      // the unit values are written in (when the CSV header gives none)
  NoiseModel noise = NoiseModel::Normal;
  double sigma = std::numeric_limits<double>::quiet_NaN();  // default (SI; log scale: 1)
  double temperature = 1.0;                                 // categorical
  input::SourceLocation where;
};

struct Measurement {
  std::size_t condition = 0, observable = 0;
  double time = std::numeric_limits<double>::quiet_NaN();  // s (time series)
  double value = 0.0;                                      // SI (categorical: phase index)
  std::string category;                                    // categorical: the phase as written
  double sigma = 0.0;                                      // SI (log scale: 1)
  bool censored = false;                                   // right-censored at value
  std::string source;
  int line = 0;  // in the CSV
};

enum class Scale { Linear, Log10 };
enum class PriorKind { None, Normal, LogNormal, Uniform };

struct FitParameter {
  std::string name;  // as written: catalogue name or thermodynamics.parameters.<name>
  std::string path;  // scenario path: kinetics.parameters.<name> / thermodynamics.parameters.<n>
  std::string unit;  // SI unit ("" = dimensionless)
  Scale scale = Scale::Log10;
  double nominal = 0.0;             // SI default (catalogue)
  double lower = 0.0, upper = 0.0;  // SI bounds
  PriorKind prior = PriorKind::None;
  double prior_a = 0.0, prior_b = 0.0;  // normal: mean, sd (SI); lognormal: median (SI), sd of ln
  input::SourceLocation where;
};

struct FitSettings {
  std::size_t starts = 10;
  std::uint64_t seed = 1;
  int max_iterations = 100;
  bool profiles = false;
  double rtol = 1e-8;  // integrator tolerance of every condition during the fit (at most the
                       // scenario's own)
  // Sensitivity tolerances relative to the states' (`fit.sensitivity_tolerance_factor`, 1..1000):
  // > 1 makes each Jacobian cheaper (fewer steps) and less accurate, about linearly.
  double sensitivity_tolerance_factor = 1.0;
  // Jacobian of the Levenberg-Marquardt iterations (`fit.iteration_jacobian`). Fast: the
  // sensitivities ride on the steps the states need (CVODES' sensitivity error control off), about
  // half the cost of a Jacobian, less accurate (mechanistic: up to 2e-2 on the WH moments; the
  // closed-form Level-1 sensitivities are exact either way); the iterations only steer by it, and
  // the residuals, so the minimum, are those of the accurate runs. Accurate: error control on in
  // the iterations too. The Laplace covariance, the reported Jacobian and the gradients of the
  // Python objective are accurate either way.
  bool fast_iteration_jacobian = true;
  // Jacobian of the residuals: forward sensitivities (CVODES, models/fit/condition_sensitivity)
  // or central differences of whole simulations.
  enum class Gradient { Sensitivities, FiniteDifferences } gradient = Gradient::Sensitivities;
  bool sample = false;  // posterior sampling after the fit (`fit.sample`, `--sample`)
  // Local method (`fit.method`): auto = Levenberg-Marquardt, or Nelder-Mead when no measurement
  // has a usable gradient (only categorical phase outcomes).
  enum class Method { Auto, LevenbergMarquardt, NelderMead } method = Method::Auto;
  // Robust loss on the measurements' residuals (`fit.loss: {type, scale}`; priors stay quadratic):
  // linear (default) | huber | soft_l1 | cauchy | arctan, scale in residual units (sigmas).
  optimize::RobustLoss loss;
};

// `sampling:` settings of the affine-invariant ensemble sampler (solver/optimize/ensemble_sampler).
struct SamplingSettings {
  std::size_t walkers = 0;  // 0 = max(32, 4 x parameters), rounded up to even
  std::size_t steps = 1000;
  std::size_t burn = 250;
  std::size_t thin = 1;
  std::uint64_t seed = 1;
  // The chain's state is appended to the fit's checkpoint every this many steps (and when the
  // sampling is stopped): an interrupted `--sample` resumes there to the identical chain.
  std::size_t checkpoint_every = 10;
};

struct CalibrationProblem {
  std::string source_file;
  std::string source_text;
  std::string measurements_file;
  std::string measurements_text;
  std::vector<Condition> conditions;
  std::vector<Observable> observables;
  std::vector<Measurement> measurements;
  std::vector<FitParameter> parameters;
  FitSettings settings;
  SamplingSettings sampling;
};

// Reads a problem file (and its measurements CSV and scenario files, relative to its folder).
CalibrationProblem load_problem(const std::string& path);
// Same from text; base_dir resolves relative paths ("" = current folder).
CalibrationProblem load_problem_text(const std::string& text, const std::string& name,
                                     const std::string& base_dir);

// Parameter scale transforms (the optimiser works on the scaled values).
double to_scaled(const FitParameter& p, double si) noexcept;
double from_scaled(const FitParameter& p, double x) noexcept;

}  // namespace calcikin::fit
