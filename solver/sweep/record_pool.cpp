#include "solver/sweep/record_pool.hpp"

#include <chrono>

namespace calcikin::sweep {

RecordPool::RecordPool(const io::RunLayout& layout, std::size_t capacity) {
  // One record sized from the layout (its offsets look dimensions up by name), copies for the rest.
  storage_.assign(capacity, io::RunRecord(layout));
  free_.reserve(capacity);
  done_.reserve(capacity);
  for (auto& r : storage_) free_.push_back(&r);
}

io::RunRecord* RecordPool::acquire() {
  std::unique_lock<std::mutex> lock(mutex_);
  free_cv_.wait(lock, [&] { return !free_.empty(); });
  io::RunRecord* r = free_.back();
  free_.pop_back();
  return r;
}

void RecordPool::complete(io::RunRecord* record) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_.push_back(record);
    // Wake the writer when a batch is ready or the pool runs dry (workers would stall otherwise).
    wake = done_.size() * 2 >= storage_.size() || free_.empty();
  }
  if (wake) done_cv_.notify_one();
}

void RecordPool::take_completed(std::size_t want, double seconds,
                                std::vector<io::RunRecord*>& out) {
  out.clear();
  std::unique_lock<std::mutex> lock(mutex_);
  // A dry pool with finished records: take them now (workers wait for free ones). A dry pool with
  // none finished is the normal state while every record is being computed (one record for a
  // single run): wait, do not spin.
  done_cv_.wait_for(lock, std::chrono::duration<double>(seconds), [&] {
    return producers_done_ || done_.size() >= want || (free_.empty() && !done_.empty());
  });
  out.swap(done_);
  done_.reserve(storage_.size());
}

void RecordPool::release(const std::vector<io::RunRecord*>& records) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.insert(free_.end(), records.begin(), records.end());
  }
  free_cv_.notify_all();
}

void RecordPool::producers_done() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    producers_done_ = true;
  }
  done_cv_.notify_all();
}

bool RecordPool::drained() {
  std::lock_guard<std::mutex> lock(mutex_);
  return producers_done_ && done_.empty();
}

}  // namespace calcikin::sweep
