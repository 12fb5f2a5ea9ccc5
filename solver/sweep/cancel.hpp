#pragma once
// Cancellation of a running sweep: set by the SIGINT handler (CLI) or by Python (KeyboardInterrupt,
// or a user callback). The runner stops handing out points, finishes the points in flight, flushes
// and returns with `interrupted` set; the partial file stays resumable.
#include <atomic>

namespace calcikin::sweep {

class CancelToken {
 public:
  void request() noexcept { flag_.store(true, std::memory_order_relaxed); }
  bool requested() const noexcept { return flag_.load(std::memory_order_relaxed); }
  void clear() noexcept { flag_.store(false, std::memory_order_relaxed); }

 private:
  std::atomic<bool> flag_{false};
};

// Installs a SIGINT (and SIGTERM) handler that requests cancellation of `token` for as long as the
// guard lives; the previous handlers come back when it is destroyed. A second Ctrl-C while the
// guard is alive restores the default action and re-raises (immediate exit).
class InterruptGuard {
 public:
  explicit InterruptGuard(CancelToken& token);
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  bool interrupted() const noexcept;
};

}  // namespace calcikin::sweep
