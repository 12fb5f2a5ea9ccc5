// The `sweep:` section. Values are converted to each path's storage unit (SI) here, once, kinetic
// parameters included (their unit from the kinetic catalogue).
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

#include "models/scenario/loader_sections.hpp"
#include "models/scenario/overrides.hpp"

namespace calcikin::scenario::detail {
namespace {

constexpr std::int64_t kMaxValuesPerParameter = 1000000;
constexpr double kMaxSweepPoints = 1e12;

// Collects one parameter's values, converting each, with the unit given by the item or by `unit:`.
class ValueCollector {
 public:
  ValueCollector(const Scenario& s, const input::Entry& entry, std::string default_unit)
      : default_unit_(std::move(default_unit)) {
    // The one resolution of the path: make_plan and Simulation::prepare consume it as it is.
    static_cast<ResolvedPath&>(param_) =
        resolve_path(s, entry.key, entry.key_node.location(), entry.key_node.source_line(),
                     entry.key_node.path());
    if (param_.target == PathTarget::TimeEnd)
      entry.key_node.fail("time.end cannot be swept: every run of a sweep shares one time axis",
                          "sweep a parameter of the chemistry or the kinetics, and set time.end "
                          "once");
    param_.unit_text = default_unit_;
  }

  // A list item: a number (unit from `unit:`) or "number unit".
  void add_item(const input::Node& item) {
    const input::Quantity q = item.quantity_text();
    add(item, q.value, q.unit.empty() ? default_unit_ : q.unit, q.unit.empty() ? 0 : q.unit_offset);
  }

  void add(const input::Node& at, double number, const std::string& unit, std::size_t unit_offset) {
    if (param_.values.size() >= static_cast<std::size_t>(kMaxValuesPerParameter)) {
      at.fail("too many values for one parameter (the limit is 1000000)");
    }
    ResolvedPath path = param_;
    path.key_path = at.path();
    const double v =
        convert_value(path, number, unit, at.location(), at.source_line(), unit_offset);
    if (param_.target == PathTarget::Total) {
      if (!param_.values.empty() && path.basis != param_.basis) {
        at.fail("mixing molal and molar units in one sweep parameter",
                input::kConcentrationUnitsHint);
      }
      param_.basis = path.basis;
      param_.unit = path.unit;  // mol/kg or mol/m3
    }
    if (param_.values.empty()) param_.unit_text = unit;
    param_.values.push_back(v);
  }

  SweepParameter& parameter() { return param_; }

 private:
  std::string default_unit_;
  SweepParameter param_;
};

// [first, last, n] in the written unit, evenly spaced (linearly or in log10).
void add_range(ValueCollector& c, const input::Node& node, const std::string& unit, bool log) {
  const std::vector<input::Node> items = node.items();
  if (items.size() != 3) node.fail("expected [first, last, count], e.g. [1, 10, 10]");
  const double a = items[0].number();
  const double b = items[1].number();
  const std::int64_t n = items[2].integer();
  if (n < 1 || n > kMaxValuesPerParameter) items[2].fail("count must be between 1 and 1000000");
  if (log && (a <= 0.0 || b <= 0.0)) node.fail("a logspace needs positive bounds");
  for (std::int64_t i = 0; i < n; ++i) {
    const double f = n == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(n - 1);
    const double v =
        log ? std::pow(10.0, std::log10(a) + f * (std::log10(b) - std::log10(a))) : a + f * (b - a);
    c.add(items[i == 0 ? 0 : (i == n - 1 ? 1 : 2)], v, unit, 0);
  }
}

// How many values a grid parameter will have, read from the text without converting any value
// (so that a 1e12-point grid is refused at once, not after converting every value). 1 when the
// entry is malformed: load_parameter reports that.
double written_value_count(const input::Node& spec) {
  const YAML::Node& y = spec.yaml();
  if (!y.IsMap()) return 1.0;
  const YAML::Node values = y["values"];
  if (values && values.IsSequence()) return static_cast<double>(values.size());
  for (const char* range : {"linspace", "logspace"}) {
    const YAML::Node r = y[range];
    if (!r || !r.IsSequence() || r.size() != 3 || !r[2].IsScalar()) continue;
    try {
      const double n = std::stod(r[2].Scalar());
      if (std::isfinite(n) && n >= 1.0) return n;
    } catch (const std::exception&) {
      return 1.0;
    }
  }
  return 1.0;
}

SweepParameter load_parameter(const Scenario& s, const input::Entry& e, SweepMode mode) {
  const input::Node& spec = e.value;
  std::string unit;
  if (auto u = spec.get("unit")) unit = u->text();
  ValueCollector c(s, e, unit);
  if (mode == SweepMode::LatinHypercube) {
    const input::Node range = spec.at("range");
    const std::vector<input::Node> bounds = range.items();
    if (bounds.size() != 2) range.fail("expected [low, high], e.g. range: [0, 4]");
    for (const input::Node& b : bounds) c.add_item(b);
    SweepParameter& p = c.parameter();
    if (auto l = spec.get("log")) p.log_scale = l->boolean();
    if (!(p.values[0] < p.values[1])) range.fail("the low bound must be below the high bound");
    if (p.log_scale && p.values[0] <= 0.0) range.fail("log sampling needs a positive low bound");
  } else {
    const auto values = spec.get("values");
    const auto linspace = spec.get("linspace");
    const auto logspace = spec.get("logspace");
    const int given = (values ? 1 : 0) + (linspace ? 1 : 0) + (logspace ? 1 : 0);
    if (given != 1) {
      spec.fail(
          given == 0 ? "a sweep parameter needs 'values', 'linspace' or 'logspace'"
                     : "give only one of 'values', 'linspace' or 'logspace'",
          "e.g. {values: [0, 0.5, 1], unit: mmol/kgw} or {linspace: [1, 10, 10], unit: mmol/kgw}");
    }
    if (values) {
      for (const input::Node& item : values->items()) c.add_item(item);
      if (c.parameter().values.empty()) values->fail("no values given");
    } else {
      add_range(c, linspace ? *linspace : *logspace, unit, logspace.has_value());
      c.parameter().log_scale = logspace.has_value();
    }
  }
  spec.check_known_keys();
  return c.parameter();
}

// mode: list  ->  points: [{solution.pH: 7.0, solution.totals.Mg: 1 mmol/kgw}, ...]
void load_points(const input::Node& points, Scenario& s) {
  std::map<std::string, std::size_t> index;  // path -> position in s.sweep.parameters
  std::vector<SweepParameter> params;
  const std::vector<input::Node> items = points.items();
  if (items.empty()) points.fail("no points given");
  std::vector<ValueCollector> collectors;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::vector<input::Entry> entries = items[i].entries();
    if (i == 0) {
      for (const input::Entry& e : entries) {
        index[e.key] = collectors.size();
        collectors.emplace_back(s, e, "");
      }
    } else if (entries.size() != index.size()) {
      items[i].fail("every point must set the same paths as the first point");
    }
    for (const input::Entry& e : entries) {
      const auto it = index.find(e.key);
      if (it == index.end()) e.key_node.fail("path '" + e.key + "' is not set in the first point");
      collectors[it->second].add_item(e.value);
    }
  }
  if (collectors.empty()) items[0].fail("a point must set at least one path");
  for (ValueCollector& c : collectors) s.sweep.parameters.push_back(c.parameter());
}

}  // namespace

void load_sweep(const input::Node& node, Scenario& s) {
  const std::string mode = node.at("mode").choice({"grid", "zip", "list", "latin_hypercube"});
  s.sweep.mode = mode == "grid"   ? SweepMode::Grid
                 : mode == "zip"  ? SweepMode::Zip
                 : mode == "list" ? SweepMode::List
                                  : SweepMode::LatinHypercube;
  if (auto n = node.get("confirm_above")) {
    s.sweep.confirm_above = n->integer();
    if (s.sweep.confirm_above < 1) n->fail("confirm_above must be at least 1");
  }
  if (s.sweep.mode == SweepMode::LatinHypercube) {
    const input::Node samples = node.at("samples");
    s.sweep.samples = samples.integer();
    if (s.sweep.samples < 1 || s.sweep.samples > 100000000)
      samples.fail("samples must be between 1 and 100000000");
    const input::Node seed = node.at("seed");
    const std::int64_t seed_value = seed.integer();
    if (seed_value < 0) seed.fail("seed must not be negative");
    s.sweep.seed = static_cast<std::uint64_t>(seed_value);
  }
  if (s.sweep.mode == SweepMode::List) {
    load_points(node.at("points"), s);
  } else {
    const input::Node params = node.at("parameters");
    if (s.sweep.mode == SweepMode::Grid) {
      double points = 1.0;
      for (const input::Entry& e : params.entries()) points *= written_value_count(e.value);
      if (points > kMaxSweepPoints)
        node.fail("the grid has more than 1e12 points (" + input::format_number(points) + ")",
                  "split the sweep, or use latin_hypercube sampling");
    }
    for (const input::Entry& e : params.entries())
      s.sweep.parameters.push_back(load_parameter(s, e, s.sweep.mode));
    if (s.sweep.parameters.empty()) params.fail("no sweep parameters given");
  }
  if (s.sweep.mode == SweepMode::Zip) {
    const std::size_t n = s.sweep.parameters.front().values.size();
    for (const SweepParameter& p : s.sweep.parameters) {
      if (p.values.size() != n) {
        throw input::InputError(p.where, "sweep.parameters." + p.path,
                                "zip mode needs the same number of values for every parameter (" +
                                    std::to_string(p.values.size()) + " here, " +
                                    std::to_string(n) + " in the first)",
                                p.source_line, "",
                                {input::InputNote{s.sweep.parameters.front().where,
                                                  "the first parameter has " + std::to_string(n),
                                                  s.sweep.parameters.front().source_line}});
      }
    }
  }
  if (s.sweep.mode == SweepMode::Grid) {
    double points = 1.0;
    for (const SweepParameter& p : s.sweep.parameters)
      points *= static_cast<double>(p.values.size());
    if (points > kMaxSweepPoints) node.fail("the grid has more than 1e12 points");
  }
  node.check_known_keys();
}

}  // namespace calcikin::scenario::detail
