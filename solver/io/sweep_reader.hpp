#pragma once
// Reads what `calcikin info` shows about a sweep file (finished or .partial): root attributes,
// size, progress, failures, variables. check_sweep_file is the one gate every reader of a result
// file (info, merge, resume, the final verification before the rename) passes before it sizes a
// buffer from the file: a file that breaks the format is an IoError naming the file and the field.
#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace calcikin::io {

struct VariableInfo {
  std::string name;
  std::vector<std::string> dims;
  std::vector<std::size_t> shape;
  std::string units;
  std::string sweep_path;  // non-empty for swept inputs
};

struct SweepFileInfo {
  std::string path;
  std::map<std::string, std::string> text_attributes;
  std::map<std::string, double> numeric_attributes;
  std::size_t rows = 0;
  std::size_t total_runs = 0;
  std::size_t shard_index = 0;
  std::size_t shard_count = 1;
  std::size_t completed = 0;
  std::size_t failed = 0;
  std::vector<std::string> first_failures;  // up to 10 messages
  std::vector<VariableInfo> variables;
};

// Throws IoError when the file cannot be opened or is not a calcikin sweep file.
SweepFileInfo read_sweep_info(const std::string& path);

// Largest sweep a reader accepts (2^40 runs); larger counts in a file are damage.
inline constexpr double kMaxRuns = 1099511627776.0;
// Largest row (one run's values of one variable) a reader accepts: 256 MiB.
inline constexpr std::size_t kMaxRowBytes = std::size_t{1} << 28;

// The size of a sweep file, checked against the format and against its datasets.
struct SweepFileShape {
  std::size_t total_runs = 0;
  std::size_t shard_index = 0;
  std::size_t shard_count = 1;
  std::size_t rows = 0;  // runs of this shard: every per-run dataset has this many rows
  std::string scenario_hash;
};

// Rows of a shard K/N of `total` runs (global runs K, K+N, ...).
std::size_t shard_rows(std::size_t total, std::size_t index, std::size_t count) noexcept;

// Checks the root attributes (calcikin_format, its version, total_runs, shard_index, shard_count:
// single finite integers in range; scenario_hash) and every dataset (rank, type class, row count
// equal to the shard's rows, each dimension equal to its attached scale, row size bounded) before
// anything is read. Throws IoError "PATH: FIELD: what is wrong".
SweepFileShape check_sweep_file(hid_t file, const std::string& path);

// Calls `visit(first_row, count, completed, status)` over all rows in blocks (bounded memory),
// after checking the values: completed is 0 or 1, status is -1 (not run), 0 (ok) or 1 (failed),
// and a completed row is ok or failed. Throws IoError naming the file and the row.
void scan_rows(
    hid_t file, const std::string& path, std::size_t rows,
    const std::function<void(std::size_t first, std::size_t count, const std::uint8_t* completed,
                             const std::int8_t* status)>& visit);

// Reads every dataset of the file completely (in blocks): any damage HDF5 can detect (metadata
// checksums, truncated storage, filter errors) becomes an IoError. Used before a .partial is
// resumed and before a finished file is renamed into place.
void read_all_datasets(hid_t file, const std::string& path);

// Opens `path` read-only, checks it (check_sweep_file, scan_rows, read_all_datasets) and, when
// `require_finished`, that every row is completed. Returns the shape.
SweepFileShape verify_sweep_file(const std::string& path, bool require_finished);

// verify_sweep_file in a child process, for files this process did not write: HDF5 1.10 loops
// forever or crashes on some damaged metadata it cannot detect (its global heap carries no
// checksum), so a child that hangs (longer than 30 s + 1 s per 20 MB) or dies on a signal means
// a damaged file: IoError naming it, and this process never touches it. CALCIKIN_VERIFY_SECONDS
// replaces the 30 s (tests of damaged files).
void verify_sweep_file_isolated(const std::string& path, bool require_finished);

}  // namespace calcikin::io
