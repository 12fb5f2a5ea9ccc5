#pragma once
// The sweep runner: computes the points of a plan with a pool of OpenMP threads (dynamic
// scheduling, one PointEvaluator per thread reused across points) and streams finished runs to one
// sink (io::RunSink: the HDF5 writer or an in-memory result) through a bounded pool of RunRecords,
// so memory does not grow with the sweep. Results are placed by point index: the file is
// bit-identical whatever the number of threads.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "solver/io/run_layout.hpp"
#include "solver/sweep/cancel.hpp"
#include "solver/sweep/plan.hpp"
#include "solver/sweep/point_evaluator.hpp"
#include "solver/sweep/progress.hpp"

namespace calcikin::io {
class RunSink;
}

namespace calcikin::sweep {

struct RunnerOptions {
  int threads = 1;                // >= 1
  CancelToken* cancel = nullptr;  // optional: stop handing out points when requested
  ProgressCallback on_progress;   // optional: called from the writer side, at most ~4 times/s
  std::size_t flush_rows = 4096;  // rows buffered before a write (bounds memory)
  double flush_seconds = 2.0;     // at most this long between H5Fflush of completed rows
};

struct RunnerSummary {
  std::size_t total = 0;     // points in this shard
  std::size_t skipped = 0;   // already completed in the file (resume)
  std::size_t computed = 0;  // computed now
  std::size_t failed = 0;    // computed now and failed (+ failed ones found on resume)
  bool interrupted = false;
  double wall_seconds = 0.0;
  double writer_seconds = 0.0;  // time spent inside HDF5 calls
};

// Computes every point of `plan` that belongs to the writer's rows (its shard) and is not yet
// completed in `writer` (resume), writing each finished run through `writer`. Thread-safe
// evaluators come from `factory` (called once per thread). Returns when all points are done or
// cancellation was requested. Evaluates one point into `record` (reset first); a failure gets NaN
// values and a message that names the run index and its swept values. values: scratch for
// parameter_count() doubles. Never throws.
void evaluate_point(const SweepPlan& plan, PointEvaluator& evaluator, std::size_t global_index,
                    double* values, io::RunRecord& record) noexcept;

RunnerSummary run_points(const SweepPlan& plan, const io::RunLayout& layout,
                         const EvaluatorFactory& factory, io::RunSink& writer,
                         const RunnerOptions& options);

}  // namespace calcikin::sweep
