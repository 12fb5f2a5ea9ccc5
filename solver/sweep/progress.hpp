#pragma once
// Progress of a sweep: counts reported by the runner, and a terminal reporter that draws one
// refreshing line on stderr (points done/total, failures, rate, ETA) plus a one-line summary.
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

enum class ProgressMode { Auto, Always, Never };  // Auto = when stderr is a terminal

class ProgressPrinter {
 public:
  ProgressPrinter(ProgressMode mode, std::FILE* stream = stderr);
  void update(const Progress& p);                    // redraws the line (live mode only)
  void finish(const Progress& p, bool interrupted);  // the one-line summary, always
  bool live() const noexcept { return live_; }

 private:
  std::FILE* stream_;
  bool live_;
  bool drew_ = false;
};

// "12345/100000 points, 3 failed, 812.4 points/s, ETA 1m47s"
std::string format_progress(const Progress& p);

}  // namespace calcikin::sweep
