#pragma once
// Compares the datasets of two HDF5 files byte for byte (names, types, shapes, raw values),
// ignoring root attributes (timestamps, timing, thread counts). Used by tests (thread-count
// invariance, resume, shard+merge) and benchmarks.
#include <string>
#include <vector>

namespace calcikin::io {

// Empty when every dataset (and its attributes, which are part of the data's meaning: units,
// sweep_path, coordinates) is identical; else one line per difference.
std::vector<std::string> compare_datasets(const std::string& a, const std::string& b);

}  // namespace calcikin::io
