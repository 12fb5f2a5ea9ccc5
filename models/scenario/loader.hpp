#pragma once
// Reads scenario files (schema calcikin/scenario/1) into a Scenario with SI values. Every problem
// is an input::InputError with file:line:col, key path, source line, caret and hint; nothing is
// returned half-read. Relative `database:` and `output.file:` paths resolve against the folder of
// the scenario file (base_dir for load_text). All unit parsing happens here (single-threaded).
#include <string>

#include "models/scenario/scenario.hpp"

namespace calcikin::scenario {

inline constexpr const char* kScenarioSchema = "calcikin/scenario/1";

Scenario load_file(const std::string& path);

// `name_for_messages` is the file name shown in errors (e.g. "<dict>"); base_dir "" = current
// folder.
Scenario load_text(const std::string& text, const std::string& name_for_messages,
                   const std::string& base_dir);

}  // namespace calcikin::scenario
