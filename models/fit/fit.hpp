#pragma once
// fit::run: the one C++ entry point of `calcikin fit` and `ck.fit`: a prepared calibration problem
// -> seeded Latin-hypercube multistart of bounded Levenberg-Marquardt (Ceres) on the scaled
// parameters -> Laplace covariance at the best fit -> optional profile likelihoods, each parameter
// flagged "not identifiable" when its profile stays within chi2(1, 0.95)/2 of the optimum on either
// side inside the bounds. write_fit_file stores everything in one HDF5 file that xarray opens;
// parameter_set_yaml is the fitted values as a kinetics parameter file.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/fit/objective.hpp"
#include "solver/optimize/ensemble_sampler.hpp"
#include "solver/optimize/least_squares.hpp"

namespace calcikin::fit {

struct FitOptions {
  int threads = 0;                    // 0 = OpenMP's default
  std::optional<std::size_t> starts;  // overrides fit.starts
  std::optional<std::uint64_t> seed;  // overrides fit.seed
  std::optional<bool> profiles;       // overrides fit.profiles
  std::optional<bool> sample;         // overrides fit.sample (posterior sampling)
  double fd_step = 1e-4;              // central-difference step in the scaled parameters
  std::function<void(const std::string&)> progress;  // optional progress lines
  // Checkpoint of finished starts ("" = none; fit_problem uses OUTPUT.checkpoint): a rerun with
  // the same problem and settings takes the starts finished there and gives the identical result.
  std::string checkpoint;
  // Asked before each start, and before profiles and sampling: true stops the fit with
  // Interrupted (the checkpoint keeps the finished starts).
  std::function<bool()> cancelled;
  // Started by mpirun (a build with CALCIKIN_WITH_MPI): deal the starts and profiles out over the
  // MPI ranks (the CLI sets it; Python does not). Every rank calls run; only rank 0's FitResult is
  // whole (the others return after their share, with `rank` > 0).
  bool distribute = false;
};

// The fit was stopped through FitOptions::cancelled (CLI: Ctrl-C, exit 130).
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// No start reached a finite cost: every simulation of every start failed (CLI: exit 4, nothing
// written; the checkpoint is removed, since a rerun would replay the same failures).
class SimulationsFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ParameterEstimate {
  std::string name, unit;  // unit: SI ("" = dimensionless)
  Scale scale = Scale::Log10;
  double value = 0.0;                     // SI
  double scaled = 0.0;                    // log10 or linear
  double lower = 0.0, upper = 0.0;        // SI bounds
  double std_error = 0.0;                 // of the scaled value (Laplace); NaN when undetermined
  double ci_lower = 0.0, ci_upper = 0.0;  // SI, 95 %: from the profile when computed, else Laplace
  bool at_bound = false;
  bool profiled = false;
  bool identifiable = true;  // false: flat profile (or an undetermined Laplace direction)
};

struct FitResult {
  std::vector<ParameterEstimate> parameters;
  std::vector<double> best_x;  // scaled
  double cost = 0.0;           // 1/2 sum r^2 at the best fit
  double negative_log_likelihood = 0.0;
  optimize::MultistartResult multistart;
  optimize::Covariance covariance;  // of the scaled parameters (all NaN when not available)
  // false for Nelder-Mead fits (categorical outcomes only): their cost has no usable Jacobian, so
  // no Laplace covariance exists; intervals come from profiles or the posterior sample.
  bool covariance_available = true;
  std::vector<optimize::Profile> profiles;
  // Posterior sample (when sampling ran): the chain in the fitted scale, log posterior per sample
  // and walker; `sampling_settings` as run (walkers resolved).
  bool sampled = false;
  optimize::SamplerResult sampling;
  SamplingSettings sampling_settings;
  Prediction best;
  std::uint64_t seed = 0;
  int threads = 0;          // per rank
  int rank = 0, ranks = 1;  // MPI: this process, processes that shared the starts and profiles
  FitSettings::Method method = FitSettings::Method::LevenbergMarquardt;  // as run (auto resolved)
  double seconds = 0.0;
};

FitResult run(const PreparedFit& fit, const FitOptions& options);

// fit.method resolved: `auto` is Nelder-Mead when every measurement is a categorical phase
// outcome (its likelihood is flat where one phase dominates: no gradient to follow), else
// Levenberg-Marquardt.
FitSettings::Method resolved_method(const CalibrationProblem& problem);

// The log posterior the sampler draws from (fit::Posterior, models/fit/posterior.hpp: the noise
// models as written plus the priors on the fit scale), as a solver/optimize LogDensity; -infinity
// outside the bounds or where a simulation fails. `fit` must outlive it.
std::unique_ptr<optimize::LogDensity> make_log_posterior(const PreparedFit& fit,
                                                         double fd_step = 1e-4);

// One HDF5 file (written as PATH.partial, renamed on success). Throws io::IoError.
void write_fit_file(const std::string& path, const PreparedFit& fit, const FitResult& result);
// The fitted values as a kinetics parameter file (thermodynamic parameters as comments).
std::string parameter_set_yaml(const PreparedFit& fit, const FitResult& result);

// Problem file -> prepared problem -> fit -> (optionally) the HDF5 file and the parameter set:
// what `calcikin fit` and `ck.fit` both call. All input errors (input::InputError, exit 3) and
// output refusals (io::IoError, exit 5: the output exists without overwrite, or is an input) come
// before any simulation; nothing is written unless the fit finished.
struct FitRunOptions : FitOptions {
  std::string output;         // HDF5 file; "" = none (Python without output=)
  std::string parameter_set;  // parameter-set YAML; "" = OUTPUT with .yaml instead of .h5
  bool overwrite = false;
};
struct FitOutcome {
  std::shared_ptr<const PreparedFit> prepared;
  FitResult result;
  std::string output_path, parameter_set_path;  // "" when not written
};
FitOutcome fit_problem(const std::string& problem_file, const FitRunOptions& options);

}  // namespace calcikin::fit
