#pragma once
// A YAML tree that remembers where everything came from, for every input file of the project
// (scenario files, the builtin database models/data/*.yaml, kinetic parameter files).
//
//   auto doc = input::Document::from_file("scenarios/sbf.yaml");   // or from_text(text, name)
//   input::Node root = doc->root();                 // must be a map (else InputError)
//   input::Node sol = root.at("solution");          // required key (error names the missing key)
//   double T = sol.get("temperature")               // optional key
//                  ? sol.at("temperature").quantity(input::kTemperature) : 298.15;   // K
//   for (const input::Entry& e : sol.at("totals").entries()) { e.key; e.key_node; e.value; }
//   sol.check_known_keys();   // every key never asked for (get/at/entries) -> "unknown key" error
//                             // with "did you mean 'X'?" among the keys that were asked for
//
// Every accessor throws InputError with file:line:col, the dotted key path ("solution.totals.Mg",
// list items as "time.output.times[2]"), the source line with a caret, and a hint. Duplicate keys
// (which yaml-cpp 0.7 silently keeps), non-scalar keys and YAML syntax errors are reported when the
// document is read. Reading the tree is single-threaded (load time only).
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "solver/input/input_error.hpp"
#include "solver/input/units.hpp"

namespace calcikin::input {

// What a dimensional value must be: used in messages ("a temperature needs a unit, e.g. '37
// degC'").
struct Dimension {
  std::string_view name;        // "temperature"
  std::string_view si_unit;     // udunits2 text of the unit the value is stored in: "K"
  std::string_view example;     // "37 degC"
  std::string_view units_hint;  // "temperature units: degC K"
};
inline constexpr Dimension kTemperature{"temperature", "K", "37 degC", kTemperatureUnitsHint};
inline constexpr Dimension kTime{"time", "s", "48 h", kTimeUnitsHint};
inline constexpr Dimension kLength{"length", "m", "25 nm", kLengthUnitsHint};
inline constexpr Dimension kMolality{"molality", "mol/kg", "2.5 mmol/kgw", kMolalUnitsHint};
inline constexpr Dimension kMassDensity{"density", "kg/L", "1.0 kg/L",
                                        "density units: kg/L g/mL g/cm3 kg/m3"};
inline constexpr Dimension kSurfaceEnergy{"surface energy", "J/m2", "0.1 J/m2",
                                          "surface energy units: J/m2 mJ/m2"};

// A concentration as written, converted: molal values in mol/kg, molar values in mol/m3.
struct Concentration {
  double value = 0.0;
  ConcentrationKind kind = ConcentrationKind::Molal;
};

class Document;
class Node;
struct Entry;

class Node {
 public:
  // ---- where
  SourceLocation location() const;                   // file, 1-based line and column of this node
  const std::string& path() const { return path_; }  // dotted key path; "" for the root
  std::string source_line() const;                   // the text of the node's first line
  const Document& document() const { return *doc_; }

  // ---- what
  bool is_map() const { return node_.IsMap(); }
  bool is_sequence() const { return node_.IsSequence(); }
  bool is_scalar() const { return node_.IsScalar(); }
  bool is_null() const { return !node_.IsDefined() || node_.IsNull(); }
  std::string kind_name() const;  // "a map", "a list", "a value", "nothing" (for messages)

  // ---- maps (each throws "expected a map" when this is not one)
  std::optional<Node> get(
      std::string_view key) const;       // nullopt when absent; the key becomes known
  Node at(std::string_view key) const;   // required key
  bool has(std::string_view key) const;  // the key becomes known
  std::vector<Entry> entries() const;    // every key is known afterwards
  // Throws for the first key that was never asked for (did you mean ...). `also_known` adds names.
  void check_known_keys(const std::vector<std::string>& also_known = {}) const;

  // ---- lists
  std::vector<Node> items() const;  // throws "expected a list"

  // ---- scalars (each throws with the expected kind, e.g. "expected a number, got a map")
  std::string text() const;      // any scalar, as written
  double number() const;         // bare finite number ("7.40"); a unit is an error
  std::int64_t integer() const;  // whole number ("100000", "1e5")
  bool boolean() const;          // true | false
  // One of `allowed` (error lists them, with did-you-mean).
  std::string choice(const std::vector<std::string>& allowed) const;
  // A value with a unit of the given dimension, converted to dim.si_unit. A bare number is an error
  // that names the dimension and shows dim.example.
  double quantity(const Dimension& dim) const;
  // Same, but a bare number is accepted and taken as already in dim.si_unit.
  double quantity_or_number(const Dimension& dim) const;
  // A molal or molar concentration (hint lists every concentration unit).
  Concentration concentration() const;
  // "NUMBER [UNIT]" as written; the unit is checked to be known to udunits2 when non-empty.
  Quantity quantity_text() const;

  // ---- errors at this node
  [[noreturn]] void fail(const std::string& problem, const std::string& hint = {}) const;
  // Same, with the caret moved `offset` characters into the scalar text (e.g. onto a unit).
  [[noreturn]] void fail_at_offset(std::size_t offset, const std::string& problem,
                                   const std::string& hint = {}) const;

  const YAML::Node& yaml() const { return node_; }

 private:
  friend class Document;
  Node(std::shared_ptr<const Document> doc, const YAML::Node& node, std::string path,
       YAML::Mark fallback);
  Node child(const YAML::Node& value, const std::string& child_path) const;
  void require_map() const;
  void require_scalar(std::string_view expected) const;
  YAML::Mark mark() const;

  std::shared_ptr<const Document> doc_;
  YAML::Node node_;
  std::string path_;
  YAML::Mark fallback_;  // the parent's mark, for nodes yaml-cpp gives no mark (empty values)
};

struct Entry {
  std::string key;
  Node key_node;  // the key itself (for "unknown element 'Xx'" pointing at the key)
  Node value;
};

class Document : public std::enable_shared_from_this<Document> {
 public:
  // Reads and parses a file; InputError when it cannot be read or is not valid YAML.
  static std::shared_ptr<const Document> from_file(const std::string& path);
  // Parses text; `name` is the file name shown in messages.
  static std::shared_ptr<const Document> from_text(const std::string& text,
                                                   const std::string& name);

  Node root() const;  // the top-level node, required to be a map
  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  std::string line(int one_based) const;  // "" when out of range

  // Marks `key` as read in the map at `map_path` (used by Node).
  void mark_known(const std::string& map_path, std::string_view key) const;
  const std::set<std::string>& known_keys(const std::string& map_path) const;

 private:
  Document(std::string text, std::string name);
  void check_single_document() const;
  void check_structure(const YAML::Node& node, const std::string& path, int depth,
                       std::size_t& budget) const;

  std::string text_;
  std::string name_;
  std::vector<std::string> lines_;
  YAML::Node root_;
  mutable std::map<std::string, std::set<std::string>> known_;
};

// The dotted path of a child: join_path("solution", "totals") == "solution.totals".
std::string join_path(const std::string& parent, std::string_view key);

}  // namespace calcikin::input
