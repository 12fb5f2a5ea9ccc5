#pragma once
// Work other than sweep points shared over MPI ranks (the starts and profiles of `calcikin fit`):
// a list of tasks is dealt out round-robin (the k-th task of the list on rank k mod size: a fixed,
// deterministic assignment) or on request (next_task: whoever is free takes the next one), each
// rank computes its tasks with its own threads, and every task a
// rank > 0 finishes goes to rank 0 at once as a text record (non-blocking send). Rank 0 receives
// them on a thread of its own while its threads compute, so it can checkpoint each as it arrives,
// and is the only process that writes. Results that do not depend on where they were computed
// (records written bit-exactly, e.g. hexadecimal floats) make the gathered result identical to a
// single-process run. Without MPI (CALCIKIN_WITH_MPI=OFF) or with one rank nothing is sent.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "solver/sweep/mpi_runner.hpp"

namespace calcikin::sweep {

// True when the k-th task of a list dealt round-robin belongs to this rank.
inline bool owns_task(const MpiWorld& world, std::size_t k) {
  return world.size <= 1 ||
         k % static_cast<std::size_t>(world.size) == static_cast<std::size_t>(world.rank);
}

class RankGather {
 public:
  // Rank 0 (of several): starts the receiving thread; on_remote(task, record) is called from it,
  // one call at a time, for every record another rank sends, until finish(). Other ranks and a
  // single process: nothing to receive.
  explicit RankGather(std::function<void(std::size_t, const std::string&)> on_remote);
  ~RankGather();  // after an exception: stops receiving (the job is failing anyway)
  RankGather(const RankGather&) = delete;
  RankGather& operator=(const RankGather&) = delete;
  // Ranks > 0: hands a finished task to rank 0 (any thread; returns at once).
  void send(std::size_t task, const std::string& record);
  // Tasks dealt on request: the next position of a list, over every rank and thread (0, 1, 2, ...
  // each handed out once; the caller stops at the list's end). Rank 0 (and a single process)
  // counts; ranks > 0 ask rank 0's receiving thread and wait for its answer. Any thread.
  std::size_t next_task();
  // Ranks > 0: waits until every record left, then tells rank 0 this rank is done. Rank 0: waits
  // until every other rank is done, i.e. until every record arrived and was handed to on_remote.
  void finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Rank 0's text on every rank (a single process: unchanged).
void broadcast_text(std::string& text);

// values[k] computed on rank k mod size (owns_task): afterwards every rank holds all of them, bit
// for bit (a collective: every rank calls it with the same count).
void share_round_robin(double* values, std::size_t count);

// True on every rank when any rank passes true (a collective; one process: the flag itself).
bool any_rank(bool flag);

}  // namespace calcikin::sweep
