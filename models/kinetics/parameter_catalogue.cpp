#include "models/kinetics/parameter_catalogue.hpp"

#include <algorithm>

#include "solver/input/did_you_mean.hpp"
#include "solver/input/document.hpp"
#include "solver/input/units.hpp"

namespace calcikin::kinetics {

namespace {

double read_value(const input::Node& node, const std::string& unit) {
  const input::Quantity q = node.quantity_text();
  if (unit == input::kDimensionless) {
    if (!q.unit.empty())
      node.fail("a dimensionless parameter must be a bare number", "write e.g. '0.3'");
    return q.value;
  }
  if (q.unit.empty()) node.fail("this parameter needs a unit convertible to '" + unit + "'");
  try {
    return input::convert(q.value, q.unit, unit);
  } catch (const input::UnitError& e) {
    node.fail_at_offset(q.unit_offset, e.what(), "the parameter's SI unit is '" + unit + "'");
  }
}

}  // namespace

ParameterCatalogue ParameterCatalogue::parse(const std::string& text, const std::string& name) {
  auto doc = input::Document::from_text(text, name);
  const input::Node root = doc->root();
  const std::string schema = root.at("schema").text();
  if (schema != "calcikin/kinetic-parameters/1")
    root.at("schema").fail("unknown schema '" + schema + "'",
                           "expected calcikin/kinetic-parameters/1");
  ParameterCatalogue catalogue;
  for (const input::Entry& e : root.at("parameters").entries()) {
    ParameterInfo p;
    p.name = e.key;
    p.unit = e.value.at("unit").text();
    if (p.unit != input::kDimensionless && !input::is_known_unit(p.unit))
      e.value.at("unit").fail("unknown unit '" + p.unit + "'");
    p.default_si = read_value(e.value.at("default"), p.unit);
    const input::Node range = e.value.at("range");
    const std::vector<input::Node> bounds = range.items();
    if (bounds.size() != 2) range.fail("expected [low, high]");
    p.min_si = read_value(bounds[0], p.unit);
    p.max_si = read_value(bounds[1], p.unit);
    if (!(p.min_si <= p.default_si && p.default_si <= p.max_si))
      e.value.at("default").fail("default lies outside its range");
    p.tag = e.value.at("tag").choice({"literature", "estimate", "calibrated"});
    p.source = e.value.at("source").text();
    p.description = e.value.at("description").text();
    e.value.check_known_keys();
    catalogue.parameters_.push_back(std::move(p));
  }
  root.check_known_keys();
  return catalogue;
}

const ParameterCatalogue& ParameterCatalogue::builtin() {
  static const ParameterCatalogue catalogue =
      parse(builtin_kinetics_parameters_text(), "models/data/kinetics_parameters.yaml");
  return catalogue;
}

const ParameterInfo* ParameterCatalogue::find(const std::string& name) const noexcept {
  for (const ParameterInfo& p : parameters_)
    if (p.name == name) return &p;
  return nullptr;
}

std::vector<std::string> ParameterCatalogue::names() const {
  std::vector<std::string> out;
  out.reserve(parameters_.size());
  for (const ParameterInfo& p : parameters_) out.push_back(p.name);
  return out;
}

const ParameterInfo& ParameterCatalogue::at(const std::string& name,
                                            const input::SourceLocation& where,
                                            const std::string& key_path,
                                            const std::string& source_line) const {
  if (const ParameterInfo* p = find(name)) return *p;
  std::string hint = input::did_you_mean(name, names());
  if (hint.empty())
    hint = "the parameters are listed in models/data/kinetics_parameters.yaml and docs/model.md";
  throw input::InputError(where, key_path, "unknown kinetic parameter '" + name + "'", source_line,
                          hint);
}

}  // namespace calcikin::kinetics
