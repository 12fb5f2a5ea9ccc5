#pragma once
// Pieces of the runner shared with the MPI driver: the list of points still to compute (resume
// skips completed rows) and the progress counter fed by the writer thread.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "solver/io/run_sink.hpp"
#include "solver/sweep/pipeline.hpp"
#include "solver/sweep/progress.hpp"
#include "solver/sweep/runner.hpp"

namespace calcikin::sweep {

// Points of the writer's rows not yet completed, handed out in order (thread-safe).
struct LocalWork {
  explicit LocalWork(const io::RunSink& writer);
  bool next(std::size_t& global);
  // Up to `count` next points into out (for a remote rank); returns how many.
  std::size_t take(std::size_t count, std::vector<std::uint64_t>& out);

  RunnerSummary summary;  // total, skipped, failed-on-resume
  std::vector<std::size_t> pending;
  std::atomic<std::size_t> cursor{0};
};

// Counts finished records and reports progress at most every 0.25 s (writer thread only).
class ProgressCounter {
 public:
  ProgressCounter(RunnerSummary& summary, ProgressCallback callback, double start);
  void add(const io::RunRecord* const* records, std::size_t count);
  RunnerSummary finish(double writer_seconds);

 private:
  RunnerSummary& summary_;
  ProgressCallback callback_;
  Progress progress_;
  double start_;
  double last_report_ = 0.0;
};

// The pipeline of this process: its threads compute `work`, the writer thread writes and counts the
// records and flushes periodically. The MPI master adds its `service` to it.
detail::Pipeline local_pipeline(LocalWork& work, ProgressCounter& counter, io::RunSink& writer,
                                const RunnerOptions& options);

}  // namespace calcikin::sweep
