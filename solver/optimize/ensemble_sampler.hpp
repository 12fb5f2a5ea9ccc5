#pragma once
// Affine-invariant ensemble sampler (Goodman & Weare 2010, Commun Appl Math Comput Sci 5:65; the
// "stretch move" of emcee, Foreman-Mackey et al. 2013, PASP 125:306) for posterior sampling in
// `calcikin fit --sample`. Generic numerics: the log density comes from a LogDensity; nothing here
// knows what is sampled.
//
// The ensemble is split into two halves; each half is moved in turn against the positions of the
// other half (the parallel stretch move of Foreman-Mackey et al. 2013, Sec. 3.1), so the walkers of
// one half are independent and run in parallel (OpenMP, one LogDensity per thread). Every random
// number comes from a counter-based generator keyed by (seed, step, walker): the chain is
// bit-identical for any thread count and schedule.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace calcikin::optimize {

class LogDensity {
 public:
  virtual ~LogDensity() = default;
  virtual std::size_t dimension() const = 0;
  // log p(x) up to a constant; -infinity outside the support or where the model fails. Must not
  // throw.
  virtual double log_density(const double* x) = 0;
};
using LogDensityFactory = std::function<std::unique_ptr<LogDensity>()>;

// The whole state of a run after some step: with it a run continues to the chain of an
// uninterrupted one, bit for bit (every random number is keyed by (seed, step, walker), so the
// generator's state is the step count). `kept_*` are kept samples: in a checkpoint call those kept
// since the previous call (or since the resumed state); as SamplerOptions::resume, all kept so far.
struct SamplerState {
  std::size_t steps_done = 0;
  std::vector<double> positions;      // [walker][dimension]
  std::vector<double> log_density;    // [walker]
  std::vector<std::size_t> accepted;  // accepted moves per walker over steps_done
  std::vector<std::size_t> kept_steps;
  std::vector<double> kept_chain;        // [sample][walker][dimension]
  std::vector<double> kept_log_density;  // [sample][walker]
};

struct SamplerOptions {
  std::size_t walkers = 32;  // even, >= 2 * dimension recommended
  std::size_t steps = 2000;  // total steps (including burn-in)
  std::size_t burn = 500;    // discarded steps at the start
  std::size_t thin = 1;      // keep every thin-th step after the burn-in
  std::uint64_t seed = 1;
  double stretch = 2.0;  // a of the proposal g(z) ~ 1/sqrt(z) on [1/a, a]
  int threads = 0;       // 0 = OpenMP's default
  // Called after each step (from one thread, between steps) with (steps done, steps): progress
  // lines.
  std::function<void(std::size_t, std::size_t)> progress;
  // Several processes (MPI ranks) share the walkers: every process runs the same steps, but of
  // each half it evaluates only the walkers at positions k = process, process + processes, ...;
  // `share` (called from one thread) must then fill in the others' log densities of the half
  // (count values, the k-th computed by process k mod processes). The chain is the same as one
  // process's, bit for bit.
  std::size_t process = 0, processes = 1;
  std::function<void(double*, std::size_t)> share;
  // Asked after every step (one thread): true ends the run there (SamplerResult::cancelled). With
  // several processes, any_process(flag) must return whether any process passed true (all
  // processes then stop after the same step).
  std::function<bool()> cancelled;
  std::function<bool(bool)> any_process;
  // Checkpoints: `checkpoint` is called (one thread, between steps) after every checkpoint_every-th
  // step and after a cancelled one, with the state after that step and the samples kept since the
  // previous call. `resume` (all samples kept so far) continues such a state; `initial` is then
  // not used (and may be empty).
  std::size_t checkpoint_every = 0;  // 0 = never
  std::function<void(const SamplerState&)> checkpoint;
  const SamplerState* resume = nullptr;
};

struct SamplerResult {
  std::size_t walkers = 0, dimension = 0;
  std::vector<std::size_t> steps;   // step index (0-based, after the move) of each kept sample
  std::vector<double> chain;        // [sample][walker][dimension]
  std::vector<double> log_density;  // [sample][walker]
  std::vector<double> walker_acceptance;  // per walker, over all steps
  double acceptance_fraction = 0.0;       // mean over walkers
  // Integrated autocorrelation time per coordinate (in steps, of the kept chain times thin),
  // estimated as emcee does (Sokal's automatic window, c = 5) from the walker-averaged
  // autocorrelation function of the kept samples.
  std::vector<double> autocorrelation_time;
  double seconds = 0.0;
  bool cancelled = false;  // SamplerOptions::cancelled ended it after steps_run of the steps
  std::size_t steps_run = 0;
};

// Runs the sampler from `initial` (walkers x dimension, row-major), each walker a start, or from
// options.resume. Walkers whose initial log density is not finite are an error
// (std::invalid_argument), as in emcee; so is a resume state of other sizes.
SamplerResult ensemble_sample(const LogDensityFactory& make_density,
                              const std::vector<double>& initial, const SamplerOptions& options);

// Initial walkers around a centre: centre + L z (L the Cholesky factor of `covariance`, n x n
// row-major, when it is finite and positive definite; otherwise independent normals with standard
// deviation `fallback_sd` per coordinate), z ~ N(0, I) seeded; points outside [lower, upper] or
// with a non-finite log density are drawn again (at most 100 times each, then the centre with a
// tiny jitter). Deterministic for the seed.
std::vector<double> initial_walkers(LogDensity& density, const std::vector<double>& centre,
                                    const std::vector<double>& covariance,
                                    const std::vector<double>& fallback_sd,
                                    const std::vector<double>& lower,
                                    const std::vector<double>& upper, std::size_t walkers,
                                    std::uint64_t seed);

// Integrated autocorrelation time of one coordinate from `series` (samples x walkers, row-major):
// tau = 1 + 2 sum_{t=1}^{M} rho(t), rho the walker-averaged normalised autocorrelation, M the
// smallest lag with M >= c tau(M) (Sokal 1997; emcee's autocorr.integrated_time).
double integrated_autocorrelation_time(const std::vector<double>& series, std::size_t samples,
                                       std::size_t walkers, double c = 5.0);

}  // namespace calcikin::optimize
