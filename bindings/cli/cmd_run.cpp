// calcikin run FILE.yaml [-o OUT.h5] [-j THREADS] [--set PATH=VALUE]... [--shard K/N] [--resume]
// [--yes] (--shard slurm: K/N from the SLURM array variables). Runs a scenario (one run or a sweep)
// into an HDF5 file (docs/file-format.md). Progress on stderr when it is a terminal, a one-line
// summary always; stdout stays empty. Exit 0, 4 (some points failed, recorded in the file), 130
// (Ctrl-C: in-flight points finished, resumable .partial kept).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bindings/cli/commands.hpp"
#include "models/api/run.hpp"
#include "models/scenario/loader.hpp"
#include "models/scenario/overrides.hpp"
#include "solver/input/exit_codes.hpp"
#include "solver/sweep/cancel.hpp"
#include "solver/sweep/shard.hpp"

namespace calcikin::cli {
namespace {

struct RunCommandOptions {
  std::string file;
  std::string output;
  int threads = 0;
  std::vector<std::string> overrides;
  std::string shard;
  bool resume = false;
  bool overwrite = false;
  bool yes = false;
  bool progress = false;
  bool no_progress = false;
  double progress_interval = sweep::kDefaultProgressInterval;
};

int run_run(const RunCommandOptions& o) {
  if (const int rc = refuse_mpi_launch_without_mpi("sweep"); rc != kExitOk) return rc;
  scenario::Scenario s = load_scenario(o.file, o.overrides);

  api::RunOptions options;
  options.output = o.output;
  options.threads = o.threads;
  options.overrides = o.overrides;
  options.resume = o.resume;
  options.overwrite = o.overwrite;
  options.assume_yes = o.yes;
  options.progress = o.no_progress ? sweep::ProgressMode::Never
                     : o.progress  ? sweep::ProgressMode::Always
                                   : sweep::ProgressMode::Auto;
  options.progress_interval = o.progress_interval;
  if (!o.shard.empty()) {
    try {
      options.shard = sweep::parse_shard(o.shard);
    } catch (const std::invalid_argument& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      return kExitUsage;
    }
    const std::size_t total = api::make_plan(s).size();
    std::fprintf(stderr, "calcikin: shard %zu/%zu: %zu of %zu points\n", options.shard->index,
                 options.shard->count, options.shard->size_of(total), total);
  } else if (std::getenv("SLURM_ARRAY_TASK_ID") != nullptr) {
    // Only a hint: the array id never changes what is computed unless --shard asks for it.
    std::fprintf(stderr,
                 "calcikin: inside a SLURM array task without --shard: computing every point "
                 "(pass --shard slurm to split the sweep over the array)\n");
  }
  sweep::CancelToken cancel;
  sweep::InterruptGuard guard(cancel);  // Ctrl-C: finish points in flight, keep a resumable file
  options.cancel = &cancel;
  // io::IoError becomes exit code 5 in CommandTable::run_selected.
  const api::RunResult r = api::run(s, options);
  if (r.interrupted)
    std::fprintf(stderr, "calcikin: resumable file kept: %s (run again with --resume)\n",
                 r.output_path.c_str());
  return r.exit_code;
}

}  // namespace

void register_run(CLI::App& app, CommandTable& table) {
  auto o = std::make_shared<RunCommandOptions>();
  CLI::App* sub =
      app.add_subcommand("run", "Run a scenario (one run or a parameter sweep) into an HDF5 file");
  sub->add_option("file", o->file, "Scenario file (YAML, schema calcikin/scenario/1)")->required();
  sub->add_option("-o,--output", o->output,
                  "Output file (default: output.file of the scenario, else FILE.h5)");
  sub->add_option("-j,--threads", o->threads,
                  "OpenMP threads (default: OMP_NUM_THREADS or all cores)")
      ->check(CLI::Range(0, api::kMaxThreads));
  sub->add_option("--set", o->overrides,
                  "Override a value: PATH=VALUE, e.g. solution.totals.Mg='2 mmol/kgw'");
  sub->add_option(
      "--shard", o->shard,
      "Compute only shard K/N (0 <= K < N) of the sweep, for job arrays; 'slurm' takes K/N from "
      "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT (consecutive ids). Without it every point is "
      "computed. Combine parts with `calcikin merge`");
  sub->add_flag("--overwrite", o->overwrite,
                "Replace an existing OUT or OUT.partial (without it, an existing file is never "
                "overwritten: exit 3)");
  sub->add_flag("--resume", o->resume,
                "Continue OUT.partial of an interrupted run (completed points are kept); on a "
                "finished OUT of the same scenario: nothing to do, exit 0");
  sub->add_flag("--yes", o->yes, "Run sweeps larger than sweep.confirm_above without asking");
  sub->add_flag("--progress", o->progress,
                "Show progress on stderr even when it is not a terminal (into a batch log: one "
                "line per --progress-interval, with the ETA)");
  sub->add_option("--progress-interval", o->progress_interval,
                  "Seconds between progress lines when stderr is not a terminal (default 30)")
      ->check(CLI::PositiveNumber);
  sub->add_flag("--no-progress", o->no_progress,
                "Never show progress (the final summary line stays)");
  sub->footer(exit_code_help());
  table.add(sub, [o] { return run_run(*o); });
}

}  // namespace calcikin::cli
