#pragma once
// Bounded nonlinear least squares for `calcikin fit`: Ceres Solver's trust-region
// Levenberg-Marquardt (Agarwal, Mierle et al., http://ceres-solver.org), or bounded Nelder-Mead
// where there is no gradient, on min 1/2 sum r_i(x)^2
// subject to lower <= x <= upper, seeded Latin-hypercube multistart, the Laplace (Gauss-Newton
// Fisher) covariance at the optimum with its eigen-directions, and profile likelihoods (Raue et al.
// 2009, Bioinformatics 25:1923). Generic numerics: the residuals and their Jacobian come from a
// ResidualProblem; nothing here knows what is fitted.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace calcikin::optimize {

class ResidualProblem {
 public:
  virtual ~ResidualProblem() = default;
  virtual std::size_t parameter_count() const = 0;
  virtual std::size_t residual_count() const = 0;
  // r(x) (residual_count) and, when jacobian != nullptr, dr/dx row-major (residual_count x
  // parameter_count). Returns false when the model cannot be evaluated at x (the solver then
  // shrinks its step). Must not throw.
  virtual bool evaluate(const double* x, double* residuals, double* jacobian) = 0;
  // OpenMP threads one evaluation may use (e.g. independent experiments in parallel); the result
  // must not depend on it. Default: ignored (serial).
  virtual void set_threads(int /*threads*/) {}
};

// One problem per thread (starts and profiles run in parallel).
using ProblemFactory = std::function<std::unique_ptr<ResidualProblem>()>;

struct LeastSquaresOptions {
  std::vector<double> lower, upper;  // bounds (parameter_count each)
  int max_iterations = 200;
  double function_tolerance = 1e-10;
  double gradient_tolerance = 1e-10;
  double parameter_tolerance = 1e-10;
  // Local method: Ceres' trust-region Levenberg-Marquardt (needs the Jacobian) or bounded
  // Nelder-Mead on the cost 1/2 sum r^2 (solver/optimize/nelder_mead; no Jacobian evaluated), for
  // objectives without a usable gradient. A robust loss: wrap the problem in RobustResiduals.
  enum class Method { LevenbergMarquardt, NelderMead } method = Method::LevenbergMarquardt;
  // Noise floor of the cost, relative to the cost (0: none). Residuals from a numerical model carry
  // its integration error, so a decrease the local model predicts below cost_noise x cost cannot be
  // told from that noise: two such iterations in a row end the solve as converged (Levenberg-
  // Marquardt only). Without it the solver goes on proposing steps whose actual change is noise and
  // rejects them until its trust region or its tolerances run out.
  double cost_noise = 0.0;
};

struct LeastSquaresResult {
  std::vector<double> x0;  // start
  std::vector<double> x;   // end
  double cost = 0.0;       // 1/2 sum r^2 at x
  int iterations = 0;
  int evaluations = 0;  // residual evaluations (with the Jacobian for Levenberg-Marquardt)
  bool converged = false;
  bool usable = false;  // finite cost (the solver may stop at its iteration limit)
  std::string message;
  double seconds = 0.0;
  // Cost (1/2 sum rho(r^2)) and elapsed seconds after each accepted or rejected iteration.
  std::vector<double> trace_cost, trace_seconds;
};

LeastSquaresResult solve(ResidualProblem& problem, const std::vector<double>& x0,
                         const LeastSquaresOptions& options);

// n points of a Latin hypercube in the box [lower, upper] (one stratum per point in every
// coordinate, random position inside it), seeded: the same seed gives the same points.
std::vector<std::vector<double>> latin_hypercube(std::size_t n, const std::vector<double>& lower,
                                                 const std::vector<double>& upper,
                                                 std::uint64_t seed);

struct MultistartResult {
  std::vector<LeastSquaresResult> starts;  // in start order
  std::size_t best = 0;                    // index of the lowest cost
  std::size_t resumed = 0;                 // starts taken from MultistartHooks::finished
  bool cancelled = false;  // MultistartHooks::cancelled stopped it: some starts did not run
};

// Resuming and watching a multistart: starts already finished (a checkpoint) are not run again;
// on_finished sees each start finished now (one call at a time, any thread); cancelled is asked
// before each start (true: the remaining starts are skipped, the result says `cancelled`).
// Several processes (MPI ranks) share one multistart: the starts still to run, in start order, are
// dealt out round-robin, and this one runs those at positions process, process + processes, ...
// of that list (a fixed assignment; every process must be given the same `finished`). The others
// are left empty (x0 empty, not usable) for the caller to fill in from the other processes; then
// choose_best.
// With `next` the starts are dealt on request instead: each thread of each process asks next() for
// a position in that list (each position handed out once over all processes, in increasing
// order; a position past the end: none left) and runs that start, so a process that finishes
// early takes more. The result does not depend on who ran which start.
struct MultistartHooks {
  std::map<std::size_t, LeastSquaresResult> finished;
  std::function<void(std::size_t, const LeastSquaresResult&)> on_finished;
  std::function<bool()> cancelled;
  std::size_t process = 0, processes = 1;
  std::function<std::size_t()> next;  // any thread
};

// `starts` local fits from a seeded Latin hypercube in the bounds (the first start is x_first when
// it is given, e.g. the catalogue defaults); `threads` OpenMP threads (0 = default), one problem
// per thread.
MultistartResult multistart(const ProblemFactory& make_problem, std::size_t starts,
                            std::uint64_t seed, const LeastSquaresOptions& options,
                            const std::vector<double>& x_first = {}, int threads = 0,
                            const MultistartHooks* hooks = nullptr);

// Sets `best` to the usable start of lowest cost (the first of equal ones).
void choose_best(MultistartResult& result);

// Laplace approximation at an optimum: covariance (J^T J)^-1 of the parameters (row-major), its
// eigenvalues (ascending) and eigenvectors (columns, row-major), and the number of directions the
// data determine (eigenvalues of J^T J above rank_tolerance * the largest).
struct Covariance {
  std::size_t n = 0;
  std::vector<double> fisher;        // J^T J
  std::vector<double> covariance;    // pseudo-inverse of J^T J (infinite variances are not reported
                                     // as numbers: undetermined directions give NaN entries)
  std::vector<double> eigenvalues;   // of J^T J, ascending
  std::vector<double> eigenvectors;  // columns
  std::size_t rank = 0;
};
Covariance laplace_covariance(const std::vector<double>& jacobian, std::size_t residuals,
                              std::size_t parameters, double rank_tolerance = 1e-10);

// Profile likelihood of parameter `index`: x_index is stepped from the optimum towards each bound
// and the other parameters re-fitted at each step. `threshold` is the rise of the cost that bounds
// the confidence interval (chi2(1, 0.95)/2 = 1.92 for a 95 % interval on 1/2 sum r^2 = -log L).
struct Profile {
  std::size_t index = 0;
  std::vector<double> values;       // of x_index, ascending
  std::vector<double> costs;        // minimum cost with x_index fixed
  double lower = 0.0, upper = 0.0;  // confidence interval (a bound when the profile stays below)
  bool lower_bounded = false, upper_bounded = false;  // the profile crossed the threshold
  bool identifiable = false;                          // crossed on both sides
};
// Steps: the first `first_step` away from the optimum (0 = a uniform grid of steps_per_side steps
// to the bound), each next one 1.5 times longer, the last at the bound; a side ends once the cost
// is well beyond the threshold.
Profile profile(ResidualProblem& problem, const std::vector<double>& x_best, double best_cost,
                std::size_t index, const LeastSquaresOptions& options,
                std::size_t steps_per_side = 8, double threshold = 1.92, double first_step = 0.0);

}  // namespace calcikin::optimize
