#pragma once
// Checkpoint of a multistart (and of the profiles after it): every finished start is appended (one
// text line, numbers as C99 hexadecimal floats: bit-exact) to a file as soon as it finishes, so an
// interrupted fit continues where it stopped when the same command runs again, and gives the
// identical result (each start is deterministic; the resumed ones are not recomputed). The first
// line carries a key (a hash of everything that determines the starts: problem, data, scenarios,
// seed, program version); a file with another key is ignored and rewritten. A line cut short by a
// crash is ignored. Generic.
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "solver/optimize/least_squares.hpp"

namespace calcikin::optimize {

class StartCheckpoint {
 public:
  // Reads `path` when it exists with the same key (and `parameters` per start), keeps its records,
  // and rewrites the file (header + kept records). Throws std::runtime_error when the file cannot
  // be written.
  StartCheckpoint(std::string path, std::string key, std::size_t parameters);
  const std::map<std::size_t, LeastSquaresResult>& finished() const noexcept { return finished_; }
  // Profiles finished after the starts (by parameter index).
  const std::map<std::size_t, Profile>& profiles() const noexcept { return profiles_; }
  // True when a file was there but for another problem (its records were dropped).
  bool stale() const noexcept { return stale_; }
  const std::string& path() const noexcept { return path_; }
  // Appends one finished start (thread-safe; flushed before it returns).
  void append(std::size_t index, const LeastSquaresResult& result);
  // Appends one finished profile (thread-safe; flushed before it returns).
  void append_profile(const Profile& profile);
  // Deletes the file (after the fit's outputs are complete).
  void remove();

  // One record as a line (no newline) and back; false when the line is not a whole record.
  static std::string format(std::size_t index, const LeastSquaresResult& r);
  static bool parse(const std::string& line, std::size_t parameters, std::size_t& index,
                    LeastSquaresResult& r);
  static std::string format_profile(const Profile& profile);
  static bool parse_profile(const std::string& line, Profile& profile);

 private:
  std::string path_, key_;
  std::size_t n_ = 0;
  bool stale_ = false;
  std::map<std::size_t, LeastSquaresResult> finished_;
  std::map<std::size_t, Profile> profiles_;
  std::mutex mutex_;
};

// FNV-1a 64-bit hash of a text, as 16 hex digits (checkpoint keys).
std::string fnv1a_hex(const std::string& text);

}  // namespace calcikin::optimize
