#include "solver/sweep/pipeline.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <thread>
#include <vector>

#include "solver/sweep/record_pool.hpp"
#include "solver/sweep/runner.hpp"

namespace calcikin::sweep::detail {

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Records in flight: a full batch plus every thread's current point, but at most ~256 MiB and
// never more than the points to compute (a single run allocates one record).
std::size_t pool_capacity(const io::RunLayout& layout, const Pipeline& p) {
  std::size_t values = 0;
  for (std::size_t v = 0; v < layout.variables.size(); ++v) values += layout.variable_size(v);
  const std::size_t bytes = std::max<std::size_t>(1, values * sizeof(double) + 512);
  const std::size_t by_memory = (std::size_t{256} << 20) / bytes;
  const std::size_t threads = static_cast<std::size_t>(std::max(1, p.threads));
  const std::size_t wanted =
      std::max(4 * threads + 4, std::min(p.batch_rows + 2 * threads, by_memory));
  return std::max<std::size_t>(1, std::min(wanted, p.points));  // never more than the points
}

}  // namespace

void run_pipeline(const SweepPlan& plan, const io::RunLayout& layout,
                  const EvaluatorFactory& factory, const Pipeline& p) {
  RecordPool pool(layout, pool_capacity(layout, p));
  std::atomic<bool> stop{false};
  std::exception_ptr worker_error;
  std::exception_ptr writer_error;

  // The writer: the only thread that calls HDF5 (serial library) or MPI (serialized level).
  std::thread writer_thread([&] {
    std::vector<io::RunRecord*> batch;
    double last_periodic = now_seconds();
    const std::size_t want = std::max<std::size_t>(1, std::min(p.batch_rows, pool.capacity() / 2));
    try {
      bool remote_active = true;
      while (true) {
        // With a service (MPI) the loop also answers other ranks: keep its latency low.
        pool.take_completed(want, p.service ? 0.002 : 0.25, batch);
        if (!batch.empty()) {
          p.sink(batch.data(), batch.size());
          pool.release(batch);
        }
        remote_active = p.service ? p.service() : false;
        const double now = now_seconds();
        if (p.periodic && now - last_periodic >= p.flush_seconds) {
          p.periodic();
          last_periodic = now;
        }
        if (batch.empty() && !remote_active && pool.drained()) break;
      }
    } catch (...) {
      writer_error = std::current_exception();
      stop.store(true);
      while (!pool.drained()) {  // keep draining so that no worker blocks on a full pool
        pool.take_completed(1, 0.1, batch);
        pool.release(batch);
      }
    }
  });

#pragma omp parallel num_threads(std::max(1, p.threads))
  {
    std::unique_ptr<PointEvaluator> evaluator;
    try {
      evaluator = factory();
    } catch (...) {
#pragma omp critical(calcikin_sweep_error)
      if (!worker_error) worker_error = std::current_exception();
      stop.store(true);
    }
    std::vector<double> values(std::max<std::size_t>(1, plan.parameter_count()));
    std::size_t global = 0;
    while (evaluator && !stop.load()) {
      if (p.cancel != nullptr && p.cancel->requested()) break;
      bool have = false;
      try {
        have = p.next_point(global);
      } catch (...) {
#pragma omp critical(calcikin_sweep_error)
        if (!worker_error) worker_error = std::current_exception();
        stop.store(true);
      }
      if (!have) break;
      io::RunRecord* record = pool.acquire();
      evaluate_point(plan, *evaluator, global, values.data(), *record);
      pool.complete(record);
    }
  }
  pool.producers_done();
  writer_thread.join();
  if (worker_error) std::rethrow_exception(worker_error);
  if (writer_error) std::rethrow_exception(writer_error);
}

}  // namespace calcikin::sweep::detail
