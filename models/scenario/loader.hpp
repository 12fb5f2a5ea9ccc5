#pragma once
// Reads scenario files (schema calcikin/scenario/1) into a Scenario with SI values. Every problem
// is an input::InputError with file:line:col, key path, source line, caret and hint; nothing is
// returned half-read. Relative `database:` and `output.file:` paths resolve against the folder of
// the scenario file (base_dir for load_text). All unit parsing happens here (single-threaded).
#include <string>
#include <vector>

#include "models/scenario/scenario.hpp"

namespace calcikin::scenario {

inline constexpr const char* kScenarioSchema = "calcikin/scenario/1";

Scenario load_file(const std::string& path);

// `name_for_messages` is the file name shown in errors (e.g. "<dict>"); base_dir "" = current
// folder.
Scenario load_text(const std::string& text, const std::string& name_for_messages,
                   const std::string& base_dir);

// ---- errors found after loading (model preparation), with the scenario line and caret
// The text of the scenario line `where` points at ("" when `where` is not in the scenario file: a
// --set override, a database file, an unknown place).
std::string source_line(const Scenario& s, const SourceLocation& where);
// An InputError at `where` with its scenario line and caret; notes get their lines too.
[[noreturn]] void fail_at(const Scenario& s, const SourceLocation& where,
                          const std::string& key_path, const std::string& problem,
                          const std::string& hint = {}, std::vector<input::InputNote> notes = {});
// A note for a two-location error ("the first molal total is here").
input::InputNote note_at(const Scenario& s, const SourceLocation& where, const std::string& text);
// `e` with the scenario line attached when it points into the scenario without quoting it (errors
// raised by code that sees only a location, e.g. the chemical system's element check).
input::InputError with_source_line(const Scenario& s, const input::InputError& e);

}  // namespace calcikin::scenario
