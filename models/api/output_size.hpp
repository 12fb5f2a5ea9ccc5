#pragma once
// The expected size of the file `calcikin run` writes for a scenario, for `calcikin validate` and
// Python's Scenario.expected_file_size(): io::expected_file_bytes of the writer set-up api::run
// makes (whole sweep, no shard; before compression).
#include <cstdint>
#include <string>
#include <vector>

#include "models/api/run.hpp"

namespace calcikin::api {

std::uint64_t expected_output_bytes(const PreparedRun& prepared,
                                    const std::vector<std::string>& overrides = {});

// "386.2 MB", "72.6 kB", "1.39 GB" (decimal units, 4 significant digits at most).
std::string format_bytes(std::uint64_t bytes);

}  // namespace calcikin::api
