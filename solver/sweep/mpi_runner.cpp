// MPI driver: rank 0 computes with its own threads, hands points out to the other ranks in small
// chunks on request (dynamic scheduling across ranks), receives their finished records and writes
// everything (the one writer). Only each rank's writer/communication thread calls MPI, so the
// thread level needed is MPI_THREAD_SERIALIZED.
#include "solver/sweep/mpi_runner.hpp"

#include <mpi.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "solver/io/run_sink.hpp"
#include "solver/sweep/pipeline.hpp"
#include "solver/sweep/runner_parts.hpp"

namespace calcikin::sweep {

namespace {

enum Tag : int { kTagRequest = 11, kTagPoints = 12, kTagResult = 13, kTagDone = 14 };

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void finalize_mpi() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized == 0) MPI_Finalize();
}

// A record on the wire: run index, status, values, message (bytes).
std::size_t value_count(const io::RunRecord& r) {
  std::size_t n = 0;
  for (std::size_t v = 0; v < r.variable_count(); ++v) n += r.size(v);
  return n;
}

void pack(const io::RunRecord& r, std::vector<char>& out) {
  const std::size_t n = value_count(r);
  const std::uint64_t header[2] = {r.run_index,
                                   static_cast<std::uint64_t>(static_cast<std::int64_t>(r.status))};
  out.resize(sizeof header + n * sizeof(double) + r.message.size());
  std::memcpy(out.data(), header, sizeof header);
  if (n > 0) std::memcpy(out.data() + sizeof header, r.data(0), n * sizeof(double));
  std::memcpy(out.data() + sizeof header + n * sizeof(double), r.message.data(), r.message.size());
}

void unpack(const std::vector<char>& in, std::size_t bytes, io::RunRecord& r) {
  std::uint64_t header[2];
  std::memcpy(header, in.data(), sizeof header);
  const std::size_t n = value_count(r);
  r.run_index = header[0];
  r.status = static_cast<io::RunStatus>(static_cast<std::int64_t>(header[1]));
  if (n > 0) std::memcpy(r.data(0), in.data() + sizeof header, n * sizeof(double));
  const std::size_t offset = sizeof header + n * sizeof(double);
  r.message.assign(in.data() + offset, bytes - offset);
}

}  // namespace

MpiWorld mpi_world() {
  static const MpiWorld world = [] {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (initialized == 0) {
      int provided = 0;
      MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
      if (provided < MPI_THREAD_SERIALIZED)
        throw std::runtime_error("MPI does not provide MPI_THREAD_SERIALIZED");
      std::atexit(finalize_mpi);
    }
    MpiWorld w;
    MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &w.size);
    return w;
  }();
  return world;
}

RunnerSummary run_points_mpi_master(const SweepPlan& plan, const io::RunLayout& layout,
                                    const EvaluatorFactory& factory, io::RunSink& writer,
                                    const RunnerOptions& options) {
  const MpiWorld world = mpi_world();
  const double start = now_seconds();
  const double writer_start = writer.hdf5_seconds();
  LocalWork work(writer);
  ProgressCounter counter(work.summary, options.on_progress, start);
  const std::size_t chunk = 8;  // points per request: small, so slow points spread across ranks

  int workers_running = world.size - 1;
  std::vector<char> buffer;
  std::vector<std::uint64_t> points;
  std::vector<io::RunRecord> remote;  // staging for received records, written in batches
  std::vector<io::RunRecord*> remote_ptrs;

  detail::Pipeline p = local_pipeline(work, counter, writer, options);
  p.service = [&]() -> bool {
    std::size_t received = 0;
    while (workers_running > 0) {
      int flag = 0;
      MPI_Status status;
      MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
      if (flag == 0) {
        // Nothing from the workers: do not spin (the pipeline calls again at once when idle).
        if (received == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        break;
      }
      if (status.MPI_TAG == kTagRequest) {
        int dummy = 0;
        MPI_Recv(&dummy, 1, MPI_INT, status.MPI_SOURCE, kTagRequest, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        points.clear();
        if (options.cancel == nullptr || !options.cancel->requested()) work.take(chunk, points);
        MPI_Send(points.data(), static_cast<int>(points.size()), MPI_UINT64_T, status.MPI_SOURCE,
                 kTagPoints, MPI_COMM_WORLD);
      } else if (status.MPI_TAG == kTagResult) {
        int bytes = 0;
        MPI_Get_count(&status, MPI_BYTE, &bytes);
        buffer.resize(static_cast<std::size_t>(bytes));
        MPI_Recv(buffer.data(), bytes, MPI_BYTE, status.MPI_SOURCE, kTagResult, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        if (remote.size() <= received) remote.emplace_back(layout);
        unpack(buffer, static_cast<std::size_t>(bytes), remote[received++]);
        if (received == 256) break;  // write what we have; the rest comes at the next call
      } else if (status.MPI_TAG == kTagDone) {
        int dummy = 0;
        MPI_Recv(&dummy, 1, MPI_INT, status.MPI_SOURCE, kTagDone, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        --workers_running;
      } else {
        throw std::runtime_error("MPI sweep: unexpected message tag " +
                                 std::to_string(status.MPI_TAG));
      }
    }
    if (received > 0) {
      remote_ptrs.clear();
      for (std::size_t i = 0; i < received; ++i) remote_ptrs.push_back(&remote[i]);
      writer.write(remote_ptrs.data(), received);
      counter.add(remote_ptrs.data(), received);
    }
    return workers_running > 0 || received > 0;
  };
  detail::run_pipeline(plan, layout, factory, p);
  writer.flush();
  return counter.finish(writer.hdf5_seconds() - writer_start);
}

RunnerSummary run_points_mpi_worker(const SweepPlan& plan, const io::RunLayout& layout,
                                    const EvaluatorFactory& factory, const RunnerOptions& options) {
  // Points received from rank 0, taken by this rank's compute threads.
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<std::size_t> queue;
  bool exhausted = false;
  bool done_sent = false;
  std::size_t computed = 0;
  // Ask for more while a request's worth of points is still queued, so threads never wait.
  const std::size_t low_water = 2 * static_cast<std::size_t>(std::max(1, options.threads)) + 8;
  std::vector<std::uint64_t> points(64);

  // One request for points is kept in flight and polled with MPI_Test. A blocking MPI_Recv would
  // busy-poll (OpenMPI's default) on the core this rank's compute thread needs while rank 0 answers
  // (measured: 2 ranks reached only 0.57-0.66 of the throughput of 2 threads).
  MPI_Request pending = MPI_REQUEST_NULL;
  auto refill = [&] {  // writer thread only (it is the one that talks MPI)
    if (pending != MPI_REQUEST_NULL) {
      int arrived = 0;
      MPI_Status status;
      MPI_Test(&pending, &arrived, &status);
      if (arrived == 0) return;
      int n = 0;
      MPI_Get_count(&status, MPI_UINT64_T, &n);
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (n == 0) exhausted = true;
        for (int i = 0; i < n; ++i) queue.push_back(points[static_cast<std::size_t>(i)]);
      }
      cv.notify_all();
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (exhausted || queue.size() >= low_water) return;
    }
    MPI_Irecv(points.data(), static_cast<int>(points.size()), MPI_UINT64_T, 0, kTagPoints,
              MPI_COMM_WORLD, &pending);
    int dummy = 0;
    MPI_Send(&dummy, 1, MPI_INT, 0, kTagRequest, MPI_COMM_WORLD);
  };

  detail::Pipeline p;
  p.threads = options.threads;
  p.cancel = options.cancel;
  p.batch_rows = 1;  // send records as soon as they are done
  p.next_point = [&](std::size_t& global) {
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait(lock, [&] {
      return !queue.empty() || exhausted ||
             (options.cancel != nullptr && options.cancel->requested());
    });
    if (queue.empty()) return false;
    global = queue.front();
    queue.pop_front();
    return true;
  };
  // Results go out with MPI_Isend. A record is larger than the shared-memory eager limit, so a
  // blocking MPI_Send waits, busy-polling, until rank 0 posts the receive (measured: most of a
  // core, and 2 ranks reached only 0.57-0.66 of the throughput of 2 threads). Buffers are reused.
  std::deque<std::pair<std::vector<char>, MPI_Request>> sending;
  std::vector<std::vector<char>> spare;
  auto reap_sends = [&] {
    while (!sending.empty()) {
      int sent = 0;
      MPI_Test(&sending.front().second, &sent, MPI_STATUS_IGNORE);
      if (sent == 0) break;
      spare.push_back(std::move(sending.front().first));
      sending.pop_front();
    }
  };
  p.sink = [&](io::RunRecord* const* records, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<char> bytes;
      if (!spare.empty()) {
        bytes = std::move(spare.back());
        spare.pop_back();
      }
      pack(*records[i], bytes);
      sending.emplace_back(std::move(bytes), MPI_REQUEST_NULL);
      auto& [data, request] = sending.back();
      MPI_Isend(data.data(), static_cast<int>(data.size()), MPI_BYTE, 0, kTagResult, MPI_COMM_WORLD,
                &request);
      ++computed;
    }
    reap_sends();
  };
  p.service = [&]() -> bool {
    if (options.cancel != nullptr && options.cancel->requested()) {
      std::lock_guard<std::mutex> lock(mutex);
      exhausted = true;
      queue.clear();
      cv.notify_all();
    }
    refill();
    reap_sends();
    std::lock_guard<std::mutex> lock(mutex);
    // Outstanding while rank 0 may still hand out points; the pipeline ends once the pool drained.
    return !exhausted;
  };
  detail::run_pipeline(plan, layout, factory, p);
  // Rank 0 answers every request (with no points once cancelled), so a request still in flight
  // completes; it must, before this rank reports that it is done.
  if (pending != MPI_REQUEST_NULL) MPI_Wait(&pending, MPI_STATUS_IGNORE);
  for (auto& entry : sending) MPI_Wait(&entry.second, MPI_STATUS_IGNORE);
  if (!done_sent) {
    int dummy = 0;
    MPI_Send(&dummy, 1, MPI_INT, 0, kTagDone, MPI_COMM_WORLD);
    done_sent = true;
  }
  RunnerSummary summary;
  summary.computed = computed;
  return summary;
}

}  // namespace calcikin::sweep
