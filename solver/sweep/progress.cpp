#include "solver/sweep/progress.hpp"

#include <unistd.h>

#include <cmath>

namespace calcikin::sweep {

namespace {
std::string duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long s = std::lround(seconds);
  char text[48];
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else if (s >= 60)
    std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(text, sizeof text, "%lds", s);
  return text;
}
}  // namespace

std::string format_progress(const Progress& p) {
  // The rate counts only points computed in this session (resumed ones cost nothing).
  const std::size_t computed = p.done - p.resumed;
  const double rate =
      p.elapsed_seconds > 0 ? static_cast<double>(computed) / p.elapsed_seconds : 0.0;
  const double eta = rate > 0 ? static_cast<double>(p.total - p.done) / rate : NAN;
  char text[160];
  std::snprintf(text, sizeof text, "%zu/%zu points, %zu failed, %.1f points/s, ETA %s", p.done,
                p.total, p.failed, rate, duration_text(eta).c_str());
  return text;
}

ProgressPrinter::ProgressPrinter(ProgressMode mode, std::FILE* stream, double interval_seconds)
    : stream_(stream),
      live_(mode == ProgressMode::Always ||
            (mode == ProgressMode::Auto && isatty(fileno(stream)) != 0)),
      terminal_(isatty(fileno(stream)) != 0),
      quiet_(mode == ProgressMode::Quiet),
      interval_(interval_seconds > 0 ? interval_seconds : kDefaultProgressInterval),
      next_line_(interval_) {}

void ProgressPrinter::update(const Progress& p) {
  if (!live_) return;
  if (terminal_) {
    std::fprintf(stream_, "\r%s\033[K", format_progress(p).c_str());
    drew_ = true;
  } else {
    // A log: no carriage returns (one line of 30,000 updates otherwise), one line per interval.
    if (p.elapsed_seconds < next_line_) return;
    std::fprintf(stream_, "calcikin: progress: %s\n", format_progress(p).c_str());
    while (next_line_ <= p.elapsed_seconds) next_line_ += interval_;
  }
  std::fflush(stream_);
}

void ProgressPrinter::finish(const Progress& p, bool interrupted) {
  if (quiet_) return;
  if (drew_) std::fputc('\n', stream_);
  const std::size_t computed = p.done - p.resumed;
  const double rate =
      p.elapsed_seconds > 0 ? static_cast<double>(computed) / p.elapsed_seconds : 0.0;
  std::fprintf(stream_,
               "calcikin: %s %zu/%zu points (%zu computed, %zu resumed) in %.2f s (%.1f points/s), "
               "%zu failed\n",
               interrupted ? "interrupted after" : "done:", p.done, p.total, computed, p.resumed,
               p.elapsed_seconds, rate, p.failed);
  std::fflush(stream_);
}

}  // namespace calcikin::sweep
