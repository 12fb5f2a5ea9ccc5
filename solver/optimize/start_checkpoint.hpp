#pragma once
// Checkpoint of a multistart (and of the profiles after it): every finished start is appended (one
// text line, numbers as C99 hexadecimal floats: bit-exact) to a file as soon as it finishes, so an
// interrupted fit continues where it stopped when the same command runs again, and gives the
// identical result (each start is deterministic; the resumed ones are not recomputed). The
// profiles and the posterior sampler's chain (its state every few steps) are kept the same way. The
// first line carries a key (a hash of everything that determines the starts: problem, data,
// scenarios, seed, program version); a file with another key is ignored and rewritten. A line cut
// short by a crash is ignored. Generic.
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "solver/optimize/ensemble_sampler.hpp"
#include "solver/optimize/least_squares.hpp"

namespace calcikin::optimize {

// A piece of a sampler chain in the checkpoint: the settings it belongs to, the step count of the
// piece before it (`from`, 0 for the first) and the state after its last step with the samples
// kept since `from`. Consecutive pieces join into the state a run resumes from.
struct ChainRecord {
  std::size_t walkers = 0, dimension = 0, burn = 0, thin = 0;
  std::uint64_t seed = 0;
  std::size_t from = 0;
  SamplerState state;
};

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
  // The sampler chain joined from the file's consecutive pieces (nullptr when there is none): the
  // state to resume from, every kept sample included.
  const ChainRecord* chain() const noexcept { return chain_.walkers > 0 ? &chain_ : nullptr; }
  // Appends one piece of the chain (flushed before it returns) and joins it to chain().
  void append_chain(const ChainRecord& piece);
  // Deletes the file (after the fit's outputs are complete).
  void remove();

  // One record as a line (no newline) and back; false when the line is not a whole record.
  static std::string format(std::size_t index, const LeastSquaresResult& r);
  static bool parse(const std::string& line, std::size_t parameters, std::size_t& index,
                    LeastSquaresResult& r);
  static std::string format_profile(const Profile& profile);
  static bool parse_profile(const std::string& line, Profile& profile);
  static std::string format_chain(const ChainRecord& piece);
  static bool parse_chain(const std::string& line, ChainRecord& piece);
  // Joins `piece` to `chain` when it continues it (same settings, piece.from == its steps_done;
  // an empty chain takes a piece from 0); false otherwise (chain unchanged).
  static bool join_chain(ChainRecord& chain, const ChainRecord& piece);

 private:
  std::string path_, key_;
  std::size_t n_ = 0;
  bool stale_ = false;
  std::map<std::size_t, LeastSquaresResult> finished_;
  std::map<std::size_t, Profile> profiles_;
  ChainRecord chain_;
  std::mutex mutex_;
};

// FNV-1a 64-bit hash of a text, as 16 hex digits (checkpoint keys).
std::string fnv1a_hex(const std::string& text);

}  // namespace calcikin::optimize
