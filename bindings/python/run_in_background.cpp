#include "bindings/python/run_in_background.hpp"

#include <pybind11/pybind11.h>

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

namespace py = pybind11;

namespace calcikin::python {

void run_in_background(const std::function<void()>& work, const BackgroundOptions& options) {
  std::exception_ptr work_error;
  std::unique_ptr<py::error_already_set> python_error;  // first error raised while polling
  std::mutex mutex;
  std::condition_variable finished_cv;
  bool finished = false;

  {
    py::gil_scoped_release release;
    std::thread worker([&] {
      try {
        work();
      } catch (...) {
        work_error = std::current_exception();
      }
      {
        const std::lock_guard<std::mutex> lock(mutex);
        finished = true;
      }
      finished_cv.notify_all();
    });

    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        if (finished_cv.wait_for(lock, options.poll_interval, [&] { return finished; })) break;
      }
      if (python_error) continue;  // already cancelled: just wait for the worker to wind down
      const py::gil_scoped_acquire gil;
      try {
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();
        if (options.on_poll) options.on_poll();
      } catch (py::error_already_set& e) {
        // Keep the first error, stop the computation, and keep polling until it has wound down: the
        // worker must not outlive this frame and in-flight points must be finished and written.
        if (!python_error) {
          python_error = std::make_unique<py::error_already_set>(e);
          if (options.request_cancel) options.request_cancel();
        }
      }
    }
    worker.join();
  }  // GIL held again from here on

  if (work_error) std::rethrow_exception(work_error);
  if (python_error) throw std::move(*python_error);
}

}  // namespace calcikin::python
