#pragma once
// Names and constants of the sweep file format (docs/file-format.md), shared by writer, reader,
// merge.
#include <cstddef>
#include <cstdint>
#include <string>

namespace calcikin::io {

inline constexpr const char* kFormatName = "calcikin/output";
inline constexpr int kFormatVersion = 1;
inline constexpr const char* kPartialSuffix = ".partial";
inline constexpr const char* kStatusVariable = "status";
inline constexpr const char* kMessageVariable = "message";
inline constexpr const char* kCompletedVariable = "completed";
// Messages are fixed-length UTF-8 so that writing them never changes HDF5 metadata (crash safety).
inline constexpr std::size_t kMessageLength = 256;
// Integer outputs of runs without a value (failed or not run).
inline constexpr std::int64_t kMissingInteger = -1;

// Cuts text to at most `bytes` bytes without splitting a UTF-8 sequence.
inline std::string truncate_utf8(const std::string& text, std::size_t bytes) {
  if (text.size() <= bytes) return text;
  std::size_t n = bytes;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n);
}

}  // namespace calcikin::io
