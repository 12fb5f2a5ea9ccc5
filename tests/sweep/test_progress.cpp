// Progress text, the end-of-run summary line, and SIGINT turning into a cancellation request.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <string>

#include "solver/sweep/cancel.hpp"
#include "solver/sweep/progress.hpp"

using namespace calcikin::sweep;

TEST(Progress, LineShowsDoneTotalFailuresRateAndEta) {
  Progress p;
  p.done = 250;
  p.total = 1000;
  p.failed = 3;
  p.resumed = 50;
  p.elapsed_seconds = 10.0;  // 200 computed in 10 s -> 20/s, 750 left -> 37.5 s
  EXPECT_EQ(format_progress(p), "250/1000 points, 3 failed, 20.0 points/s, ETA 38s");
}

TEST(Progress, SummaryLineIsPrintedEvenWhenTheLiveLineIsOff) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressPrinter printer(ProgressMode::Never, f);
  Progress p;
  p.done = p.total = 4;
  p.elapsed_seconds = 2.0;
  printer.update(p);
  printer.finish(p, false);
  std::rewind(f);
  char text[256] = {0};
  const std::size_t n = std::fread(text, 1, sizeof text - 1, f);
  std::fclose(f);
  EXPECT_EQ(
      std::string(text, n),
      "calcikin: done: 4/4 points (4 computed, 0 resumed) in 2.00 s (2.0 points/s), 0 failed\n");
}

TEST(InterruptGuard, SigintRequestsCancellationInsteadOfKillingTheProcess) {
  CancelToken token;
  {
    InterruptGuard guard(token);
    std::raise(SIGINT);
    EXPECT_TRUE(token.requested());
    EXPECT_TRUE(guard.interrupted());
  }
  token.clear();
  EXPECT_FALSE(token.requested());
}
