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

ProgressPrinter::ProgressPrinter(ProgressMode mode, std::FILE* stream)
    : stream_(stream),
      live_(mode == ProgressMode::Always ||
            (mode == ProgressMode::Auto && isatty(fileno(stream)) != 0)) {}

void ProgressPrinter::update(const Progress& p) {
  if (!live_) return;
  std::fprintf(stream_, "\r%s\033[K", format_progress(p).c_str());
  std::fflush(stream_);
  drew_ = true;
}

void ProgressPrinter::finish(const Progress& p, bool interrupted) {
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
