#pragma once
// Progress of a sweep: counts reported by the runner, and a reporter on stderr: on a terminal one
// refreshing line (points done/total, failures, rate, ETA); into a file or a batch log (not a
// terminal, --progress) one plain line per interval (default 30 s) so the log stays readable; then
// a one-line summary (unless Quiet).
#include <cstddef>
#include <cstdio>
#include <functional>
#include <string>

namespace calcikin::sweep {

struct Progress {
  std::size_t done = 0;   // finished points (including those found completed on resume)
  std::size_t total = 0;  // points of this shard
  std::size_t failed = 0;
  std::size_t resumed = 0;  // of `done`, found already completed in the file
  double elapsed_seconds = 0.0;
};

using ProgressCallback = std::function<void(const Progress&)>;

// Auto = live line when stderr is a terminal; Always = also into a non-terminal (one line per
// interval); Never = the summary line only; Quiet = nothing at all.
enum class ProgressMode { Auto, Always, Never, Quiet };

inline constexpr double kDefaultProgressInterval = 30.0;  // seconds between lines in a log

class ProgressPrinter {
 public:
  ProgressPrinter(ProgressMode mode, std::FILE* stream = stderr,
                  double interval_seconds = kDefaultProgressInterval);
  // Terminal: redraws the line. Log: a line when `interval_seconds` of p.elapsed_seconds have
  // passed since the last one.
  void update(const Progress& p);
  void finish(const Progress& p, bool interrupted);  // the one-line summary (not when Quiet)
  bool live() const noexcept { return live_; }

 private:
  std::FILE* stream_;
  bool live_;
  bool terminal_;
  bool quiet_;
  double interval_;
  double next_line_;
  bool drew_ = false;
};

// "12345/100000 points, 3 failed, 812.4 points/s, ETA 1m47s"
std::string format_progress(const Progress& p);

}  // namespace calcikin::sweep
