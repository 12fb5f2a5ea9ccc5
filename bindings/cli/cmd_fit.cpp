// calcikin fit PROBLEM.yaml -o OUT.h5 [-j N] [--starts N] [--seed S] [--profiles] [--sample]: fits
// the calibration problem (schema calcikin/calibration/1, models/fit/problem.hpp) and writes one
// HDF5 file (best fit, every start, residuals per datum, covariance, profiles) and a parameter-set
// YAML beside it (OUT.yaml). Progress on stderr; the result table on stdout. Under mpirun (MPI
// build) the starts, profiles and sampler walkers are shared over the ranks; rank 0 prints and
// writes. Exit 0 ok, 2 usage error (also: several MPI ranks but a build without MPI), 3 bad problem
// file (nothing written), 4 every simulation of every start failed (nothing written), 5 output
// refused or not writable, 130 interrupted (Ctrl-C, SIGTERM: the checkpoint OUT.h5.checkpoint
// keeps the finished starts and profiles; the same command continues).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "bindings/cli/commands.hpp"
#include "models/fit/fit.hpp"
#include "solver/input/exit_codes.hpp"
#include "solver/sweep/cancel.hpp"
#include "solver/sweep/mpi_runner.hpp"

namespace calcikin::cli {
namespace {

struct FitCliOptions {
  std::string problem;
  std::string output;
  int threads = 0;
  std::size_t starts = 0;
  long long seed = -1;
  bool profiles = false;
  bool sample = false;
  bool overwrite = false;
  bool quiet = false;
};

int run_fit(const FitCliOptions& o) {
  if (const int rc = refuse_mpi_launch_without_mpi("fit"); rc != kExitOk) return rc;
  fit::FitRunOptions opt;
  opt.distribute = true;  // under mpirun: starts and profiles over the ranks
  opt.output = o.output;
  opt.overwrite = o.overwrite;
  opt.threads = o.threads;
  if (o.starts > 0) opt.starts = o.starts;
  if (o.seed >= 0) opt.seed = static_cast<std::uint64_t>(o.seed);
  if (o.profiles) opt.profiles = true;
  if (o.sample) opt.sample = true;
  if (!o.quiet)
    opt.progress = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  // Ctrl-C: the starts in flight finish, the checkpoint keeps every finished start, exit 130;
  // the same command continues from there.
  sweep::CancelToken cancel;
  sweep::InterruptGuard guard(cancel);
  opt.cancelled = [&cancel] { return cancel.requested(); };
  fit::FitOutcome out;
  try {
    out = fit::fit_problem(o.problem, opt);
  } catch (const fit::Interrupted& e) {
    if (sweep::mpi_world().rank == 0) std::fprintf(stderr, "calcikin fit: %s\n", e.what());
    return kExitInterrupted;
  } catch (const fit::SimulationsFailed& e) {
    if (sweep::mpi_world().rank == 0) std::fprintf(stderr, "calcikin fit: %s\n", e.what());
    return kExitPointsFailed;
  }
  const fit::FitResult& r = out.result;
  if (r.rank != 0) return kExitOk;  // MPI: rank 0 reports and writes
  std::printf("%-44s %14s %14s %14s %s\n", "parameter", "estimate", "ci95_lower", "ci95_upper",
              "unit");
  for (const fit::ParameterEstimate& e : r.parameters)
    std::printf("%-44s %14.6g %14.6g %14.6g %s%s\n", e.name.c_str(), e.value, e.ci_lower,
                e.ci_upper, e.unit.empty() ? "1" : e.unit.c_str(),
                e.identifiable ? "" : "  NOT IDENTIFIABLE (not a calibrated value)");
  if (!r.covariance_available)
    std::printf(
        "no Laplace covariance (Nelder-Mead fit: categorical outcomes have no usable "
        "Jacobian); %s\n",
        r.profiles.empty() ? "intervals need --profiles or --sample"
                           : "the intervals above are the profiles'");
  std::printf("cost %.8g  -log L %.8g  best start %zu of %zu  %.2f s\n", r.cost,
              r.negative_log_likelihood, r.multistart.best, r.multistart.starts.size(), r.seconds);
  if (r.sampled) {
    std::printf("posterior sample: %zu walkers x %zu kept steps, acceptance fraction %.3f\n",
                r.sampling.walkers, r.sampling.steps.size(), r.sampling.acceptance_fraction);
    std::printf("%-44s %14s %14s %14s %s\n", "parameter", "median", "q2.5", "q97.5", "tau [steps]");
    const std::size_t n = r.parameters.size(), count = r.sampling.chain.size() / n;
    std::vector<double> v(count);
    for (std::size_t j = 0; j < n; ++j) {
      for (std::size_t i = 0; i < count; ++i) v[i] = r.sampling.chain[i * n + j];
      std::sort(v.begin(), v.end());
      auto q = [&](double f) {
        return fit::from_scaled(out.prepared->problem().parameters[j],
                                v[static_cast<std::size_t>(f * static_cast<double>(count - 1))]);
      };
      std::printf("%-44s %14.6g %14.6g %14.6g %.1f\n", r.parameters[j].name.c_str(), q(0.5),
                  q(0.025), q(0.975), r.sampling.autocorrelation_time[j]);
    }
  }
  if (!out.output_path.empty())
    std::printf("wrote %s and %s\n", out.output_path.c_str(), out.parameter_set_path.c_str());
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

void register_fit(CLI::App& app, CommandTable& table) {
  auto o = std::make_shared<FitCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "fit", "Fit model parameters to measurements (schema calcikin/calibration/1)");
  sub->add_option("problem", o->problem, "Calibration problem file (YAML)")->required();
  sub->add_option("-o,--output", o->output, "HDF5 result file (a parameter-set .yaml beside it)")
      ->required();
  sub->add_option("-j,--threads", o->threads, "OpenMP threads (starts in parallel)")
      ->check(CLI::Range(0, 1024));
  sub->add_option("--starts", o->starts, "Multistart count (overrides fit.starts)")
      ->check(CLI::Range(1, 100000));
  sub->add_option("--seed", o->seed, "Seed of the Latin-hypercube starts (overrides fit.seed)")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--profiles", o->profiles, "Profile likelihood of every fitted parameter");
  sub->add_flag("--sample", o->sample,
                "Posterior sampling (ensemble sampler; settings in the problem's `sampling:`)");
  sub->add_flag("--overwrite", o->overwrite, "Replace existing output files");
  sub->add_flag("-q,--quiet", o->quiet, "No progress lines on stderr");
  sub->footer(exit_code_help());
  table.add(sub, [o] { return run_fit(*o); });
}

}  // namespace calcikin::cli
