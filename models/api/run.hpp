#pragma once
// api::run: the one entry point that runs a scenario (single run or sweep) into an HDF5 file,
// shared by `calcikin run` and the Python module: scenario -> simulation
// (models/api/simulation.hpp: RunLayout + per-thread PointEvaluators) -> sweep plan -> runner
// (OpenMP threads; MPI ranks when built with CALCIKIN_WITH_MPI and started under mpirun) -> HDF5
// writer.
//
// Simulation::prepare (models/api/simulation.hpp) validates the scenario and gives the RunLayout
// and the per-thread evaluators, which receive the swept values (SI) in the order of
// scenario.sweep.parameters (make_plan keeps that order).
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/scenario/scenario.hpp"
#include "solver/io/memory_result.hpp"
#include "solver/sweep/cancel.hpp"
#include "solver/sweep/plan.hpp"
#include "solver/sweep/progress.hpp"
#include "solver/sweep/shard.hpp"

namespace calcikin::api {

// The most OpenMP threads a run accepts (-j, threads=): far above any node, far below what
// exhausts memory with one CVODE workspace per thread.
inline constexpr int kMaxThreads = 1024;

struct RunOptions {
  std::string output;  // "" = scenario.output.file, else <scenario file stem>.h5 beside it
  int threads = 0;     // 0 = OpenMP's default (OMP_NUM_THREADS or all cores); at most kMaxThreads
                       // (std::invalid_argument otherwise: ValueError in Python)
  std::optional<sweep::Shard> shard;  // nullopt = the whole sweep (the environment is never read)
  bool resume = false;      // continue OUTPUT.partial of an interrupted run (none: start afresh;
                            // an already finished OUTPUT: io::IoError)
  bool overwrite = false;   // replace an existing finished OUTPUT or OUTPUT.partial (else refused)
  bool assume_yes = false;  // allow sweeps larger than sweep.confirm_above
  sweep::ProgressMode progress = sweep::ProgressMode::Auto;
  double progress_interval = sweep::kDefaultProgressInterval;  // s between lines in a non-TTY log
  sweep::CancelToken* cancel = nullptr;  // optional (the CLI installs a SIGINT guard on its own)
  sweep::ProgressCallback on_progress;   // optional, in addition to the printer
  std::vector<std::string> overrides;    // the --set arguments already applied (hashed, stored)
  // Keep the results in memory (RunResult::memory) instead of writing a file (the Python module's
  // ck.run without output=): same variables and attributes as the file. Not with resume or MPI.
  bool in_memory = false;
};

struct RunResult {
  std::string output_path;  // the finished file, the .partial when interrupted, "" on MPI ranks > 0
  std::size_t points = 0;   // of this shard
  std::size_t failed = 0;
  std::size_t resumed = 0;  // found completed in the partial file
  bool interrupted = false;
  double wall_seconds = 0.0;
  double writer_seconds = 0.0;
  int exit_code = 0;                         // kExitOk, kExitPointsFailed or kExitInterrupted
  std::shared_ptr<io::MemoryResult> memory;  // in_memory runs only
  // The root attributes a file gets when finished (in_memory: for the Dataset).
  std::map<std::string, std::string> final_text_attributes;
  std::map<std::string, double> final_numeric_attributes;
};

class Simulation;

// A scenario prepared to run: every check done (the same for `validate`, `run` and Python), nothing
// written yet. `run` starts from it; `validate` stops here, so it says "ok" exactly when `run`
// would start computing.
struct PreparedRun {
  std::shared_ptr<const Simulation> simulation;
  sweep::SweepPlan plan;
};

// Simulation::prepare (initial solution, database range, kinetic phases and parameters,
// thermodynamic parameters, output layout), the sweep plan, the size limit (sweep.confirm_above
// unless assume_yes) and one evaluator built as a trial. Throws input::InputError.
PreparedRun prepare_run(const scenario::Scenario& scenario, bool assume_yes);

// Converts the scenario's sweep section into a plan (validated: errors are input::InputError at the
// sweep entry). Exposed for `calcikin info --plan` and Python.
sweep::SweepPlan make_plan(const scenario::Scenario& scenario);

// Runs everything. Throws input::InputError (bad scenario, unknown sweep path, sweep too large
// without assume_yes) before anything is written, io::IoError when the file cannot be written.
RunResult run(const scenario::Scenario& scenario, const RunOptions& options);

// Default output path for a scenario when none is given.
std::string default_output_path(const scenario::Scenario& scenario);

// Hash (FNV-1a 64, hex) of the scenario text and the --set overrides; stored in files and compared
// by resume and merge.
std::string scenario_hash(const scenario::Scenario& scenario,
                          const std::vector<std::string>& overrides);

}  // namespace calcikin::api
