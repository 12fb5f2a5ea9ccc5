#pragma once
// One C++ core call at a time from Python. Input parsing inside the core (udunits2 unit parsing
// when scenarios are loaded, overrides applied or kinetic parameters resolved at the start of a
// run) is single-threaded by design, so calls from several Python threads are serialised here. The
// GIL is released while waiting, so a thread blocked here never stalls the interpreter (and cannot
// deadlock with a run whose worker thread holds the lock and never needs the GIL). A nested call
// from the thread that holds the lock (e.g. from a run's progress callback) is refused instead of
// deadlocking.
#include <pybind11/pybind11.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace calcikin::python {

class CoreLock {
 public:
  // Call with the GIL held; the GIL is held again when the constructor returns.
  CoreLock() {
    if (owner().load() == std::this_thread::get_id()) {
      throw std::runtime_error(
          "calcikin: the C++ core is busy in this thread (called from a progress callback?)");
    }
    if (!mutex().try_lock()) {
      const pybind11::gil_scoped_release release;
      mutex().lock();
    }
    owner().store(std::this_thread::get_id());
  }
  ~CoreLock() {
    owner().store(std::thread::id());
    mutex().unlock();
  }
  CoreLock(const CoreLock&) = delete;
  CoreLock& operator=(const CoreLock&) = delete;

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static std::atomic<std::thread::id>& owner() {
    static std::atomic<std::thread::id> id;
    return id;
  }
};

}  // namespace calcikin::python
