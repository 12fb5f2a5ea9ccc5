// The record pool between the worker threads and the writer.
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "logistic_evaluator.hpp"
#include "solver/sweep/record_pool.hpp"

using namespace calcikin;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

// A single run has a pool of one record: while it is being computed the pool is dry with nothing
// finished, and the writer must sleep until the timeout instead of returning at once (it spun on
// a core, stealing it from the computation, before).
TEST(RecordPool, WriterWaitsWhileEveryRecordIsBeingComputed) {
  const io::RunLayout layout =
      calcikin::testing::logistic_layout(calcikin::testing::LogisticSettings{});
  sweep::RecordPool pool(layout, 1);
  io::RunRecord* record = pool.acquire();
  std::vector<io::RunRecord*> out;
  const auto start = std::chrono::steady_clock::now();
  pool.take_completed(1, 0.05, out);
  EXPECT_GE(seconds_since(start), 0.04);
  EXPECT_TRUE(out.empty());
  pool.complete(record);
  pool.take_completed(1, 10.0, out);  // a finished record is taken at once
  EXPECT_EQ(out.size(), 1u);
}

// Workers waiting for a free record are not kept waiting: a dry pool with finished records hands
// them to the writer before the batch is full.
TEST(RecordPool, DryPoolHandsFinishedRecordsOverBeforeTheBatchIsFull) {
  const io::RunLayout layout =
      calcikin::testing::logistic_layout(calcikin::testing::LogisticSettings{});
  sweep::RecordPool pool(layout, 2);
  io::RunRecord* a = pool.acquire();
  pool.acquire();
  pool.complete(a);
  std::vector<io::RunRecord*> out;
  const auto start = std::chrono::steady_clock::now();
  pool.take_completed(2, 10.0, out);
  EXPECT_LT(seconds_since(start), 5.0);
  EXPECT_EQ(out.size(), 1u);
}
