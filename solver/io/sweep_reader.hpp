#pragma once
// Reads what `calcikin info` shows about a sweep file (finished or .partial): root attributes,
// size, progress, failures, variables.
#include <cstddef>
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

}  // namespace calcikin::io
