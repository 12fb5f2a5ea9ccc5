#pragma once
// Runs a sweep of the logistic test model through the real engine (plan, runner, HDF5 writer), as
// `calcikin run` does for the chemistry; shared by the GoogleTests and the kill/resume driver.
#include <string>

#include "logistic_evaluator.hpp"
#include "solver/io/sweep_writer.hpp"
#include "solver/sweep/runner.hpp"
#include "solver/sweep/shard.hpp"

namespace calcikin::testing {

struct LogisticSweep {
  sweep::PlanSpec plan = default_plan();
  LogisticSettings settings;
  int threads = 1;
  sweep::Shard shard;
  io::TimeSeriesOutput time_series = io::TimeSeriesOutput::All;
  std::size_t every = 1;
  int compression = 0;
  std::string scenario_hash = "logistic-test-1";
  sweep::CancelToken* cancel = nullptr;
  sweep::ProgressCallback on_progress;
  std::size_t flush_rows = 4096;
  bool use_mpi = false;  // under mpirun: rank 0 writes, the other ranks compute and send

  // r = {0.5, 1, 2, 4, 8, 1e6 (fails: step cap)} x x0 = {0.01, 0.1, -1 (fails: rejected)}
  static sweep::PlanSpec default_plan();
  // `points` values of r in [0.2, 5] (zip with x0 = 0.05 .. 0.2), every 7th with r = 1e6 (fails)
  static sweep::PlanSpec zip_plan(std::size_t points);
};

// Creates (or, with resume, continues) `path`. Finishes the file unless interrupted. With use_mpi
// on a rank other than 0, computes what rank 0 hands out and writes nothing.
sweep::RunnerSummary run_logistic(const std::string& path, const LogisticSweep& sweep,
                                  bool resume = false);

}  // namespace calcikin::testing
