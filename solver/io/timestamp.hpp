#pragma once
// The UTC time stamp written into result files (history, creation time): ISO 8601, second
// resolution, "Z" suffix.
#include <ctime>
#include <string>

namespace calcikin::io {

inline std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace calcikin::io
