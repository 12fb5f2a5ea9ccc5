#pragma once
// Whole-file operations on finished sweep files: merging the parts of a job array into one file,
// and rewriting a file with gzip-compressed chunked datasets (output.compression).
#include <map>
#include <string>
#include <vector>

namespace calcikin::io {

struct MergeSummary {
  std::size_t parts = 0;
  std::size_t runs = 0;
  std::size_t failed = 0;
};

// Scatters the rows of shard files (each holding global runs K, K+N, ...) into one file at `out`
// (written as out.partial, then renamed). Throws IoError when a part is of another scenario (hash),
// another sweep size or shard count, a shard is missing or given twice, or a part is unfinished;
// also when `out` exists and `overwrite` is false (a finished file is never replaced silently), or
// out.partial exists (created exclusively: the caller removes a stale one under its output lock).
MergeSummary merge_parts(const std::vector<std::string>& parts, const std::string& out,
                         int compression = 0, bool overwrite = false);

// Writes the published file `to` from a finished .partial (or any calcikin file): strings become
// variable-length UTF-8 (netCDF-4 NC_STRING), and with `level` > 0 every per-run numeric dataset is
// chunked, shuffled and gzip-compressed at `level`. Written as to + ".repack", then renamed.
// `text` and `numeric` are root attributes set on the copy (over the source's): the run's final
// attributes, so that the .partial is never modified after its creation (a failed metadata write
// on a full disk could leave it unreadable).
void repack_compressed(const std::string& from, const std::string& to, int level,
                       const std::map<std::string, std::string>& text = {},
                       const std::map<std::string, double>& numeric = {});

}  // namespace calcikin::io
