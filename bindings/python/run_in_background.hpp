#pragma once
// Runs a long C++ computation without holding the GIL, while the calling Python thread stays
// responsive: it wakes every few hundred milliseconds, takes the GIL briefly, lets Python run its
// signal handlers (Ctrl-C) and reports progress. Ctrl-C calls the computation's cancellation hook;
// the computation then finishes what is in flight and returns, and KeyboardInterrupt is raised
// afterwards.
//
// Why a worker thread: Python runs signal handlers only in the main thread, while the sweep's own
// callbacks may come from any OpenMP thread. Polling from the caller's thread keeps every Python
// call on that thread and no Python code inside OpenMP regions.
#include <chrono>
#include <functional>

namespace calcikin::python {

struct BackgroundOptions {
  std::chrono::milliseconds poll_interval{200};
  // Called with the GIL held on the calling thread after each poll (progress display); may raise.
  std::function<void()> on_poll;
  // Asks the computation to stop early (thread-safe; called from the polling thread, at most once).
  std::function<void()> request_cancel;
};

// Runs work() on a new thread with the GIL released and returns when it returned. Rethrows a C++
// exception thrown by work; raises KeyboardInterrupt (or whatever a signal handler or on_poll
// raised) after work returned when that happened during the run. Must be called with the GIL held.
void run_in_background(const std::function<void()>& work, const BackgroundOptions& options);

}  // namespace calcikin::python
