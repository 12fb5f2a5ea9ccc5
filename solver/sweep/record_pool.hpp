#pragma once
// A bounded pool of RunRecords between the worker threads (which fill them) and the writer (which
// drains them): memory stays at `capacity` records whatever the number of points, and workers wait
// when the writer falls behind.
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

#include "solver/io/run_layout.hpp"

namespace calcikin::sweep {

class RecordPool {
 public:
  RecordPool(const io::RunLayout& layout, std::size_t capacity);

  io::RunRecord* acquire();              // blocks until a record is free
  void complete(io::RunRecord* record);  // hands a finished record to the writer
  // Waits until at least `want` records are finished, `seconds` elapsed, or producers_done() was
  // called; moves the finished records into `out` (cleared first).
  void take_completed(std::size_t want, double seconds, std::vector<io::RunRecord*>& out);
  void release(const std::vector<io::RunRecord*>& records);  // back to the free list
  void producers_done();
  bool drained();  // producers done and nothing left to take
  std::size_t capacity() const noexcept { return storage_.size(); }

 private:
  std::vector<io::RunRecord> storage_;
  std::vector<io::RunRecord*> free_;
  std::vector<io::RunRecord*> done_;
  bool producers_done_ = false;
  std::mutex mutex_;
  std::condition_variable free_cv_;
  std::condition_variable done_cv_;
};

}  // namespace calcikin::sweep
