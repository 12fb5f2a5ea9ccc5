#include "solver/input/document.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "solver/input/did_you_mean.hpp"

namespace calcikin::input {
namespace {

constexpr std::size_t kMaxFileBytes = 16u << 20;  // scenario and database files are far smaller
constexpr std::size_t kMaxNodes = 1u << 20;  // aliases can multiply a small text ("billion laughs")
constexpr int kMaxDepth = 64;

std::string describe_yaml_problem(const std::string& msg) {
  // yaml-cpp's messages are terse ("illegal map value"); keep them, they name the token.
  return "YAML syntax error: " + msg;
}

SourceLocation to_location(const std::string& file, const YAML::Mark& m) {
  SourceLocation where;
  where.file = file;
  if (!m.is_null() && m.line >= 0) {
    where.line = m.line + 1;
    where.column = m.column + 1;
  }
  return where;
}

}  // namespace

std::string join_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

// ----------------------------------------------------------------------------------- Document

Document::Document(std::string text, std::string name)
    : text_(std::move(text)), name_(std::move(name)) {
  std::string current;
  for (char c : text_) {
    if (c == '\n') {
      lines_.push_back(current);
      current.clear();
    } else if (c != '\r') {
      current += c;
    }
  }
  lines_.push_back(current);
}

std::string Document::line(int one_based) const {
  if (one_based < 1 || static_cast<std::size_t>(one_based) > lines_.size()) return {};
  return lines_[static_cast<std::size_t>(one_based - 1)];
}

std::shared_ptr<const Document> Document::from_file(const std::string& path) {
  // A FIFO would block the read forever, a device may never end: only regular files are input.
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(path, ec);
  if (!ec && std::filesystem::exists(st) && !std::filesystem::is_regular_file(st)) {
    throw InputError(SourceLocation{path, 0, 0}, "",
                     std::filesystem::is_directory(st)
                         ? "is a folder, not a file"
                         : "is not a regular file (a FIFO, socket or device)",
                     "", "name a scenario file (YAML text)");
  }
  if (!ec && std::filesystem::exists(st)) {
    const auto bytes = std::filesystem::file_size(path, ec);
    if (!ec && bytes > kMaxFileBytes)
      throw InputError(SourceLocation{path, 0, 0}, "",
                       "file too large (" + std::to_string(bytes) + " bytes; the limit is 16 MiB)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError(SourceLocation{path, 0, 0}, "", "cannot open file", "",
                     "check the path (relative paths are relative to the current directory)");
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw InputError(SourceLocation{path, 0, 0}, "", "cannot read file");
  return from_text(buffer.str(), path);
}

std::shared_ptr<const Document> Document::from_text(const std::string& text,
                                                    const std::string& name) {
  if (text.size() > kMaxFileBytes) {
    throw InputError(
        SourceLocation{name, 0, 0}, "",
        "file too large (" + std::to_string(text.size()) + " bytes; the limit is 16 MiB)");
  }
  if (text.find('\0') != std::string::npos) {
    throw InputError(SourceLocation{name, 0, 0}, "", "file contains a NUL byte: not a text file");
  }
  std::shared_ptr<Document> doc(new Document(text, name));
  try {
    doc->check_single_document();
    doc->root_ = YAML::Load(doc->text_);
  } catch (const YAML::ParserException& e) {
    const SourceLocation where = to_location(name, e.mark);
    throw InputError(where, "", describe_yaml_problem(e.msg), doc->line(where.line),
                     "check indentation, ':' after every key and matching quotes and brackets");
  } catch (const YAML::Exception& e) {
    const SourceLocation where = to_location(name, e.mark);
    throw InputError(where, "", describe_yaml_problem(e.msg), doc->line(where.line));
  }
  std::size_t budget = kMaxNodes;
  doc->check_structure(doc->root_, "", 0, budget);
  return doc;
}

// A second document ('---' after content, or content after '...') would be silently ignored by
// YAML::Load: refuse it. A text scan (markers stand at column 0 followed by a blank or the end of
// the line), because yaml-cpp 0.7's LoadAll loops forever on some malformed input.
void Document::check_single_document() const {
  auto marker = [](const std::string& line, const char* m) {
    return line.rfind(m, 0) == 0 &&
           (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
  };
  bool content = false;
  int ended_at = 0;  // line of a '...' after content
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    const std::string& text = lines_[i];
    const int number = static_cast<int>(i) + 1;
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos || text[first] == '#') continue;
    const bool start = marker(text, "---"), end = marker(text, "...");
    if ((start && content) || (ended_at > 0 && !end)) {
      const int at = ended_at > 0 ? ended_at : number;
      throw InputError(SourceLocation{name_, at, 1}, "",
                       "a second YAML document ('---' or '...'): a scenario is one document",
                       Document::line(at),
                       "remove the marker line (and what follows it, or put it in its own file)");
    }
    if (end && content) ended_at = number;
    if (!start && !end && text[0] != '%') content = true;
  }
}

// Rejects what yaml-cpp accepts but a key/value file must not contain: duplicate keys (yaml-cpp 0.7
// keeps both), keys that are maps or lists, and documents too deep or too large to be real input.
void Document::check_structure(const YAML::Node& node, const std::string& path, int depth,
                               std::size_t& budget) const {
  auto fail_at = [this](const YAML::Mark& m, const std::string& p, const std::string& problem,
                        const std::string& hint) {
    const SourceLocation where = to_location(name_, m);
    throw InputError(where, p, problem, line(where.line), hint);
  };
  if (budget == 0) fail_at(node.Mark(), path, "document too large (too many values, aliases?)", "");
  --budget;
  if (depth > kMaxDepth) fail_at(node.Mark(), path, "document nested too deeply", "");
  if (node.IsMap()) {
    std::set<std::string> seen;
    for (const YAML::detail::iterator_value kv : node) {
      const YAML::Node key = kv.first;
      if (!key.IsScalar()) {
        fail_at(key.Mark(), path,
                "a key must be a plain name, not " + std::string(key.IsMap()        ? "a map"
                                                                 : key.IsSequence() ? "a list"
                                                                                    : "empty"),
                "");
      }
      const std::string& k = key.Scalar();
      if (!seen.insert(k).second) {
        fail_at(key.Mark(), join_path(path, k), "duplicate key '" + k + "'",
                "each key may appear once per map; remove or merge the repeated entry");
      }
      check_structure(kv.second, join_path(path, k), depth + 1, budget);
    }
  } else if (node.IsSequence()) {
    std::size_t i = 0;
    for (const YAML::detail::iterator_value kv : node) {
      check_structure(kv, path + "[" + std::to_string(i++) + "]", depth + 1, budget);
    }
  }
}

Node Document::root() const {
  Node r(shared_from_this(), root_, "", YAML::Mark());
  if (r.is_null())
    r.fail("the file is empty", "a scenario starts with 'schema: calcikin/scenario/1'");
  if (!r.is_map()) r.fail("expected a map of keys at the top level, got " + r.kind_name());
  return r;
}

void Document::mark_known(const std::string& map_path, std::string_view key) const {
  known_[map_path].insert(std::string(key));
}

const std::set<std::string>& Document::known_keys(const std::string& map_path) const {
  return known_[map_path];
}

// --------------------------------------------------------------------------------------- Node

Node::Node(std::shared_ptr<const Document> doc, const YAML::Node& node, std::string path,
           YAML::Mark fallback)
    : doc_(std::move(doc)), node_(node), path_(std::move(path)), fallback_(fallback) {}

Node Node::child(const YAML::Node& value, const std::string& child_path) const {
  return Node(doc_, value, child_path, mark());
}

YAML::Mark Node::mark() const {
  const YAML::Mark m = node_.IsDefined() ? node_.Mark() : YAML::Mark::null_mark();
  return m.is_null() || m.line < 0 ? fallback_ : m;
}

SourceLocation Node::location() const { return to_location(doc_->name(), mark()); }

std::string Node::source_line() const { return doc_->line(location().line); }

std::string Node::kind_name() const {
  if (is_null()) return "nothing";
  if (is_map()) return "a map";
  if (is_sequence()) return "a list";
  return "'" + node_.Scalar() + "'";
}

void Node::fail(const std::string& problem, const std::string& hint) const {
  throw InputError(location(), path_, problem, source_line(), hint);
}

void Node::fail_at_offset(std::size_t offset, const std::string& problem,
                          const std::string& hint) const {
  SourceLocation where = location();
  const std::string line_text = source_line();
  if (is_scalar() && where.column > 0) {
    // Quoted scalars start one character after the mark. Move the caret only when the text really
    // is there (a multi-line or escaped scalar keeps the caret at its start).
    const std::string& s = node_.Scalar();
    const std::size_t start =
        static_cast<std::size_t>(where.column - 1) + (node_.Tag() == "!" ? 1 : 0);
    if (offset < s.size() && start <= line_text.size() &&
        line_text.compare(start, s.size(), s) == 0) {
      where.column = static_cast<int>(start + offset) + 1;
    }
  }
  throw InputError(where, path_, problem, line_text, hint);
}

void Node::require_map() const {
  if (!is_map()) fail("expected a map (key: value entries), got " + kind_name());
}

void Node::require_scalar(std::string_view expected) const {
  if (!is_scalar()) fail("expected " + std::string(expected) + ", got " + kind_name());
}

std::optional<Node> Node::get(std::string_view key) const {
  require_map();
  doc_->mark_known(path_, key);
  for (const YAML::detail::iterator_value kv : node_) {
    if (kv.first.Scalar() == key) return child(kv.second, join_path(path_, key));
  }
  return std::nullopt;
}

bool Node::has(std::string_view key) const { return get(key).has_value(); }

Node Node::at(std::string_view key) const {
  auto found = get(key);
  if (!found) {
    fail("missing required key '" + std::string(key) + "'" +
         (path_.empty() ? std::string() : " in '" + path_ + "'"));
  }
  return *found;
}

std::vector<Entry> Node::entries() const {
  require_map();
  std::vector<Entry> out;
  for (const YAML::detail::iterator_value kv : node_) {
    const std::string k = kv.first.Scalar();
    doc_->mark_known(path_, k);
    const std::string p = join_path(path_, k);
    out.push_back(Entry{k, child(kv.first, p), child(kv.second, p)});
  }
  return out;
}

void Node::check_known_keys(const std::vector<std::string>& also_known) const {
  require_map();
  const std::set<std::string>& known = doc_->known_keys(path_);
  std::vector<std::string> candidates =
      also_known;  // the caller's order first, then the rest sorted
  for (const std::string& k : known) {
    if (std::find(candidates.begin(), candidates.end(), k) == candidates.end())
      candidates.push_back(k);
  }
  for (const YAML::detail::iterator_value kv : node_) {
    const std::string k = kv.first.Scalar();
    if (known.count(k) || std::find(also_known.begin(), also_known.end(), k) != also_known.end())
      continue;
    const std::string suggestion = did_you_mean(k, candidates);
    const Node key_node = child(kv.first, join_path(path_, k));
    key_node.fail("unknown key '" + k + "'" + (path_.empty() ? "" : " in '" + path_ + "'") +
                      (suggestion.empty() ? "" : "; " + suggestion),
                  "known keys here: " + quoted_list(candidates));
  }
}

std::vector<Node> Node::items() const {
  if (!is_sequence()) fail("expected a list ([a, b, ...]), got " + kind_name());
  std::vector<Node> out;
  std::size_t i = 0;
  for (const YAML::detail::iterator_value kv : node_) {
    out.push_back(child(kv, path_ + "[" + std::to_string(i++) + "]"));
  }
  return out;
}

std::string Node::text() const {
  require_scalar("a value");
  return node_.Scalar();
}

double Node::number() const {
  require_scalar("a number");
  Quantity q;
  try {
    q = parse_quantity(node_.Scalar());
  } catch (const UnitError& e) {
    fail(e.what());
  }
  if (!q.unit.empty()) {
    fail_at_offset(q.unit_offset,
                   "expected a plain number without unit, got '" + node_.Scalar() + "'");
  }
  return q.value;
}

std::int64_t Node::integer() const {
  const double v = number();
  if (v != std::floor(v) || std::fabs(v) > 9.0e15) {
    fail("expected a whole number, got '" + node_.Scalar() + "'");
  }
  return static_cast<std::int64_t>(v);
}

bool Node::boolean() const {
  require_scalar("true or false");
  const std::string& s = node_.Scalar();
  if (s == "true") return true;
  if (s == "false") return false;
  fail("expected true or false, got '" + s + "'");
}

std::string Node::choice(const std::vector<std::string>& allowed) const {
  require_scalar("one of " + quoted_list(allowed));
  const std::string& s = node_.Scalar();
  for (const std::string& a : allowed) {
    if (a == s) return s;
  }
  const std::string suggestion = did_you_mean(s, allowed);
  fail("'" + s + "' is not one of " + quoted_list(allowed) +
       (suggestion.empty() ? "" : "; " + suggestion));
}

Quantity Node::quantity_text() const {
  require_scalar("a value with a unit");
  const std::string& s = node_.Scalar();
  Quantity q;
  try {
    q = parse_quantity(s);
  } catch (const UnitError& e) {
    fail(e.what());
  }
  if (!q.unit.empty() && !is_known_unit(q.unit)) {
    fail_at_offset(q.unit_offset, "unknown unit '" + q.unit + "' in '" + s + "'");
  }
  return q;
}

double Node::quantity(const Dimension& dim) const {
  require_scalar("a " + std::string(dim.name) + " with a unit, e.g. '" + std::string(dim.example) +
                 "'");
  const std::string& s = node_.Scalar();
  Quantity q;
  try {
    q = parse_quantity(s);
  } catch (const UnitError& e) {
    fail(std::string(e.what()) + "; a " + std::string(dim.name) + " is written like '" +
             std::string(dim.example) + "'",
         std::string(dim.units_hint));
  }
  if (q.unit.empty()) {
    fail("a " + std::string(dim.name) + " needs a unit: got the bare number '" + s +
             "', write e.g. '" + std::string(dim.example) + "'",
         std::string(dim.units_hint));
  }
  if (!is_known_unit(q.unit)) {
    fail_at_offset(q.unit_offset, "unknown unit '" + q.unit + "' in '" + s + "'",
                   std::string(dim.units_hint));
  }
  try {
    return convert(q.value, q.unit, dim.si_unit);
  } catch (const UnitOverflowError& e) {
    fail(std::string(e.what()) + " (got '" + s + "')");
  } catch (const UnitError&) {
    fail_at_offset(q.unit_offset,
                   "'" + q.unit + "' is not a " + std::string(dim.name) + " unit (in '" + s + "')",
                   std::string(dim.units_hint));
  }
}

double Node::quantity_or_number(const Dimension& dim) const {
  require_scalar("a " + std::string(dim.name));
  try {
    if (parse_quantity(node_.Scalar()).unit.empty()) return number();
  } catch (const UnitError&) {
    // fall through: quantity() reports it with the dimension's example
  }
  return quantity(dim);
}

Concentration Node::concentration() const {
  require_scalar("a concentration with a unit, e.g. '2.5 mmol/kgw'");
  const std::string& s = node_.Scalar();
  Quantity q;
  try {
    q = parse_quantity(s);
  } catch (const UnitError& e) {
    fail(std::string(e.what()) + "; a concentration is written like '2.5 mmol/kgw'",
         kConcentrationUnitsHint);
  }
  if (q.unit.empty()) {
    fail("a concentration needs a unit: got the bare number '" + s + "', write e.g. '" + s +
             " mmol/kgw'",
         kConcentrationUnitsHint);
  }
  if (!is_known_unit(q.unit)) {
    fail_at_offset(q.unit_offset, "unknown unit '" + q.unit + "' in '" + s + "'",
                   kConcentrationUnitsHint);
  }
  const ConcentrationKind kind = concentration_kind(q.unit);
  if (kind == ConcentrationKind::NotConcentration) {
    fail_at_offset(q.unit_offset, "'" + q.unit + "' is not a concentration unit (in '" + s + "')",
                   kConcentrationUnitsHint);
  }
  Concentration c;
  c.kind = kind;
  try {
    c.value = convert(q.value, q.unit, kind == ConcentrationKind::Molal ? "mol/kg" : "mol/m3");
  } catch (const UnitError& e) {
    fail(std::string(e.what()) + " (got '" + s + "')");
  }
  return c;
}

}  // namespace calcikin::input
