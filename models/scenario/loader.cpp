#include "models/scenario/loader.hpp"

#include <filesystem>
#include <system_error>

#include "models/scenario/loader_sections.hpp"
#include "solver/input/document.hpp"

namespace calcikin::scenario {
namespace fs = std::filesystem;

namespace detail {
std::string resolve_relative(const std::string& base_dir, const std::string& path) {
  fs::path p(path);
  if (p.is_relative() && !base_dir.empty()) p = fs::path(base_dir) / p;
  std::error_code ec;
  fs::path absolute = fs::absolute(p, ec);
  return (ec ? p : absolute).lexically_normal().string();
}
}  // namespace detail

namespace {

void load_database(const input::Node& node, const std::string& base_dir, Scenario& s) {
  s.database_where = node.location();
  const std::string value = node.text();
  if (value == "builtin") {
    s.database = value;
    return;
  }
  if (value.empty())
    node.fail("empty database path", "use 'builtin' or the path of a PHREEQC database file");
  s.database = detail::resolve_relative(base_dir, value);
  std::error_code ec;
  if (!fs::is_regular_file(s.database, ec)) {
    node.fail(
        "database file not found: " + s.database,
        "use 'builtin' or the path of a PHREEQC database (relative to the scenario file's folder)");
  }
}

Scenario load_document(const input::Document& doc, const std::string& base_dir) {
  const input::Node root = doc.root();
  Scenario s;
  s.source_file = doc.name();
  s.source_text = doc.text();
  s.base_dir = base_dir;
  s.document = doc.shared_from_this();

  const auto schema = root.get("schema");
  if (!schema) {
    root.fail("missing required key 'schema'",
              std::string("the first line of a scenario is 'schema: ") + kScenarioSchema + "'");
  }
  s.schema = schema->text();
  if (s.schema != kScenarioSchema) {
    schema->fail("unsupported schema '" + s.schema + "'",
                 std::string("this version of calcikin reads '") + kScenarioSchema + "'");
  }
  // Unknown keys first: "solutoin:" should say "did you mean 'solution'?", not "missing
  // 'solution'".
  root.check_known_keys({"schema", "name", "description", "database", "solution", "minerals",
                         "thermodynamics", "kinetics", "time", "solver", "output", "sweep"});
  if (auto n = root.get("name")) {
    s.name = n->text();
    if (s.name.empty()) n->fail("the name must not be empty");
  } else {
    s.name = fs::path(doc.name()).stem().string();
  }
  if (auto n = root.get("description")) s.description = n->text();
  if (auto n = root.get("database")) load_database(*n, base_dir, s);
  detail::load_solution(root.at("solution"), s.solution);
  if (auto n = root.get("minerals")) detail::load_minerals(*n, s.minerals);
  if (auto n = root.get("thermodynamics")) detail::load_thermodynamics(*n, s);
  if (auto n = root.get("kinetics")) detail::load_kinetics(*n, base_dir, s);
  if (auto n = root.get("time")) detail::load_time(*n, s.time);
  if (auto n = root.get("solver")) detail::load_solver(*n, s.solver);
  if (auto n = root.get("output")) detail::load_output(*n, base_dir, s.output);
  if (auto n = root.get("sweep")) detail::load_sweep(*n, s);
  return s;
}

}  // namespace

Scenario load_file(const std::string& path) {
  const auto doc = input::Document::from_file(path);
  const std::string base_dir = fs::path(path).parent_path().string();
  return load_document(*doc, base_dir);
}

Scenario load_text(const std::string& text, const std::string& name_for_messages,
                   const std::string& base_dir) {
  const auto doc = input::Document::from_text(text, name_for_messages);
  return load_document(*doc, base_dir);
}

std::string source_line(const Scenario& s, const SourceLocation& where) {
  if (!s.document || where.line <= 0 || where.file != s.document->name()) return {};
  return s.document->line(where.line);
}

void fail_at(const Scenario& s, const SourceLocation& where, const std::string& key_path,
             const std::string& problem, const std::string& hint,
             std::vector<input::InputNote> notes) {
  for (input::InputNote& n : notes)
    if (n.source_line.empty()) n.source_line = source_line(s, n.where);
  throw input::InputError(where, key_path, problem, source_line(s, where), hint, std::move(notes));
}

input::InputNote note_at(const Scenario& s, const SourceLocation& where, const std::string& text) {
  return input::InputNote{where, text, source_line(s, where)};
}

input::InputError with_source_line(const Scenario& s, const input::InputError& e) {
  if (!e.source_line().empty()) return e;
  const std::string line = source_line(s, e.where());
  if (line.empty()) return e;
  return input::InputError(e.where(), e.key_path(), e.problem(), line, e.hint(), e.notes());
}

}  // namespace calcikin::scenario
