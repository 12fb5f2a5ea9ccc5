#pragma once
// Names and constants of the sweep file format (docs/file-format.md), shared by writer, reader,
// merge.
#include <cstddef>
#include <cstdint>
#include <string>

namespace calcikin::io {

inline constexpr const char* kFormatName = "calcikin/output";
inline constexpr int kFormatVersion = 2;
inline constexpr const char* kPartialSuffix = ".partial";
inline constexpr const char* kStatusVariable = "status";
inline constexpr const char* kMessageVariable = "message";
inline constexpr const char* kCompletedVariable = "completed";
// Effective parameters of the run (not per run): dimension and its two variables.
inline constexpr const char* kParameterDimension = "parameter";
inline constexpr const char* kParameterValueVariable = "parameter_value";
inline constexpr const char* kParameterUnitsVariable = "parameter_units";
// Named dimensions (phase, element, parameter) carry their names in the auxiliary coordinate
// NAME + kLabelSuffix; the dimension itself is a netCDF dimension without a variable, marked by
// netCDF-C's NAME attribute prefix.
inline constexpr const char* kLabelSuffix = "_name";
inline constexpr const char* kDimensionWithoutVariable =
    "This is a netCDF dimension but not a netCDF variable.";
// Messages are fixed-length UTF-8 in the .partial file so that writing them never changes HDF5
// metadata (crash safety); the finished file has variable-length UTF-8 strings (netCDF-4
// NC_STRING).
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
