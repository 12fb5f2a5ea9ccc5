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

namespace {
std::string read_all(std::FILE* f) {
  std::rewind(f);
  std::string text;
  char buffer[512];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) text.append(buffer, n);
  std::fclose(f);
  return text;
}
}  // namespace

TEST(Progress, IntoALogOneLinePerIntervalWithEtaAndNoCarriageReturns) {
  std::FILE* f = std::tmpfile();  // not a terminal, as a batch job's log
  ASSERT_NE(f, nullptr);
  ProgressPrinter printer(ProgressMode::Always, f, 30.0);
  Progress p;
  p.total = 100000;
  for (int i = 1; i <= 400; ++i) {  // 100 s of updates every 0.25 s
    p.elapsed_seconds = 0.25 * i;
    p.done = 250 * static_cast<std::size_t>(i);
    printer.update(p);
  }
  printer.finish(p, false);
  const std::string text = read_all(f);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  std::size_t lines = 0, progress_lines = 0;
  for (std::size_t at = 0; (at = text.find('\n', at)) != std::string::npos; ++at) ++lines;
  for (std::size_t at = 0; (at = text.find("calcikin: progress: ", at)) != std::string::npos; ++at)
    ++progress_lines;
  EXPECT_EQ(progress_lines, 3u) << text;  // at 30, 60 and 90 s
  EXPECT_EQ(lines, 4u) << text;           // + the summary
  EXPECT_NE(
      text.find("calcikin: progress: 30000/100000 points, 0 failed, 1000.0 points/s, ETA 1m10s"),
      std::string::npos)
      << text;
}

TEST(Progress, QuietPrintsNothingNotEvenTheSummary) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressPrinter printer(ProgressMode::Quiet, f);
  Progress p;
  p.done = p.total = 4;
  printer.update(p);
  printer.finish(p, false);
  EXPECT_EQ(read_all(f), "");
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
