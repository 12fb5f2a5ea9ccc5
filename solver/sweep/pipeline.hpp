#pragma once
// The compute/write pipeline shared by the local runner and the MPI ranks: OpenMP threads take
// points from `next_point`, evaluate them into records of a bounded RecordPool, and one thread
// (the calling thread's companion, the only one that may call HDF5 or MPI) hands finished
// records to `sink` and calls `service` between batches.
#include <cstddef>
#include <functional>

#include "solver/io/run_layout.hpp"
#include "solver/sweep/cancel.hpp"
#include "solver/sweep/plan.hpp"
#include "solver/sweep/point_evaluator.hpp"

namespace calcikin::sweep::detail {

struct Pipeline {
  // Thread-safe; writes the next global point index and returns true, or false when there is none.
  std::function<bool(std::size_t& global_index)> next_point;
  // Finished records, on the writer thread (they go back to the pool afterwards).
  std::function<void(io::RunRecord* const* records, std::size_t count)> sink;
  // Optional, on the writer thread after every batch (or every ~50 ms when idle): returns true
  // while remote work is outstanding (the pipeline does not end before it returns false).
  std::function<bool()> service;
  // Optional, on the writer thread about every `flush_seconds`.
  std::function<void()> periodic;
  int threads = 1;
  CancelToken* cancel = nullptr;
  std::size_t batch_rows = 4096;
  // Most records next_point can hand out (sizes the record pool: one point needs one record, not a
  // batch); SIZE_MAX when unknown (an MPI worker).
  std::size_t points = static_cast<std::size_t>(-1);
  double flush_seconds = 2.0;
};

// Runs until next_point is exhausted (or cancellation), every record was sunk and service() is
// done. Rethrows the first exception of a worker, the sink or the service.
void run_pipeline(const SweepPlan& plan, const io::RunLayout& layout,
                  const EvaluatorFactory& factory, const Pipeline& pipeline);

}  // namespace calcikin::sweep::detail
