// The `kinetics:`, `time:`, `solver:` and `output:` sections.
#include <algorithm>
#include <cmath>

#include "models/scenario/loader_sections.hpp"
#include "models/scenario/overrides.hpp"

namespace calcikin::scenario::detail {
namespace {

constexpr std::int64_t kMaxTimePoints = 1000000;

bool is_parameter_name(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '(' || c == ')' || c == '-';
  });
}

}  // namespace

ParameterOverride read_kinetic_parameter(const input::Entry& e) {
  if (!is_parameter_name(e.key)) {
    e.key_node.fail("'" + e.key + "' is not a parameter name", "e.g. HAP.growth.rate_constant");
  }
  const input::Quantity q = e.value.quantity_text();
  ParameterOverride p;
  p.name = e.key;
  p.where = e.value.location();
  p.source_line = e.value.source_line();
  // Converted as read, with the catalogue's unit (Cantera's UnitSystem::convert).
  ResolvedPath path;
  path.path = path.key_path = "kinetics.parameters." + p.name;
  path.target = PathTarget::KineticParameter;
  path.key = p.name;
  path.where = p.where;
  path.unit = kinetic_parameter(p.name, p.where, path.key_path, p.source_line).unit;
  p.value = convert_value(path, q.value, q.unit, p.where, p.source_line, q.unit_offset);
  return p;
}

void load_kinetics(const input::Node& node, const std::string& base_dir, Scenario& s) {
  KineticsSpec& out = s.kinetics;
  if (auto n = node.get("model")) out.model = n->choice({"mechanistic", "autocatalytic"});
  if (auto n = node.get("phases")) {
    out.phases_where = n->location();
    for (const input::Node& item : n->items()) {
      const std::string phase = item.text();
      if (!is_phase_name(phase))
        item.fail("'" + phase + "' is not a phase name", "e.g. [ACP, HAP, WH]");
      const auto first = std::find(out.phases.begin(), out.phases.end(), phase);
      if (first != out.phases.end()) {
        const SourceLocation& w =
            out.phase_where[static_cast<std::size_t>(first - out.phases.begin())];
        throw input::InputError(
            item.location(), item.path(), "phase '" + phase + "' is listed twice",
            item.source_line(), "",
            {input::InputNote{w, "first listed here", item.document().line(w.line)}});
      }
      out.phases.push_back(phase);
      out.phase_where.push_back(item.location());
    }
  }
  if (auto n = node.get("parameters"))
    for (const input::Entry& e : n->entries()) out.parameters.push_back(read_kinetic_parameter(e));
  // After the scenario's own parameters: they take precedence over the set's.
  if (auto n = node.get("parameter_set")) load_parameter_set(*n, base_dir, s);
  node.check_known_keys();
}

void load_time(const input::Node& node, TimeSpec& out) {
  if (auto n = node.get("end")) {
    out.end = n->quantity(input::kTime);
    if (auto problem = range_problem(PathTarget::TimeEnd, out.end))
      n->fail(*problem + " (got '" + n->text() + "')");
  }
  out.last = out.end;
  out.last_from_end = true;
  const auto grid = node.get("output");
  node.check_known_keys();
  if (!grid) return;
  const auto logspace = grid->get("logspace");
  const auto linspace = grid->get("linspace");
  const auto times = grid->get("times");
  const int given = (logspace ? 1 : 0) + (linspace ? 1 : 0) + (times ? 1 : 0);
  if (given != 1) {
    grid->fail(given == 0 ? "time.output needs one of 'logspace', 'linspace' or 'times'"
                          : "time.output takes only one of 'logspace', 'linspace' or 'times'",
               "e.g. output: {logspace: [1 s, 48 h], points: 200}");
  }
  if (times) {
    out.grid = TimeGrid::List;
    out.list.clear();
    for (const input::Node& item : times->items()) {
      const double t = item.quantity(input::kTime);
      if (t < 0.0) item.fail("output times cannot be negative");
      if (!out.list.empty() && t <= out.list.back()) item.fail("output times must increase");
      if (t > out.end * (1 + 1e-12)) item.fail("output time after time.end");
      out.list.push_back(t);
    }
    if (out.list.empty()) times->fail("no output times given");
    if (grid->has("points"))
      grid->at("points").fail("'points' does not apply to an explicit 'times' list");
  } else {
    const input::Node range = logspace ? *logspace : *linspace;
    out.grid = logspace ? TimeGrid::Logspace : TimeGrid::Linspace;
    const std::vector<input::Node> ends = range.items();
    if (ends.size() != 2) range.fail("expected two times [first, last], e.g. [1 s, 48 h]");
    out.first = ends[0].quantity(input::kTime);
    out.last = ends[1].quantity(input::kTime);
    out.last_from_end = false;
    if (logspace && out.first <= 0.0) ends[0].fail("a logspace starts after 0: use e.g. '1 s'");
    if (out.first < 0.0) ends[0].fail("output times cannot be negative");
    if (out.last <= out.first) ends[1].fail("the last output time must come after the first");
    if (out.last > out.end * (1 + 1e-12)) ends[1].fail("the last output time is after time.end");
    const input::Node points = grid->at("points");
    const std::int64_t n = points.integer();
    if (n < 2 || n > kMaxTimePoints) points.fail("points must be between 2 and 1000000");
    out.points = static_cast<int>(n);
  }
  grid->check_known_keys();
}

void load_solver(const input::Node& node, SolverSpec& out) {
  if (auto n = node.get("rtol")) {
    out.rtol = n->number();
    if (auto problem = range_problem(PathTarget::SolverRtol, out.rtol)) n->fail(*problem);
  }
  if (auto n = node.get("atol_scale")) {
    out.atol_scale = n->number();
    if (out.atol_scale <= 0.0 || out.atol_scale >= 1.0)
      n->fail("atol_scale must be between 0 and 1 (exclusive)");
  }
  if (auto n = node.get("max_steps")) {
    out.max_steps = n->integer();
    if (out.max_steps < 1) n->fail("max_steps must be at least 1");
  }
  if (auto n = node.get("max_step")) {
    out.max_step = n->quantity(input::kTime);
    if (out.max_step < 0.0) n->fail("max_step cannot be negative (0 = unlimited)");
  }
  if (auto n = node.get("max_wall_time")) {
    out.max_wall_time = n->quantity(input::kTime);
    if (!(out.max_wall_time >= 0.0)) n->fail("max_wall_time cannot be negative (0 = unlimited)");
  }
  if (auto n = node.get("method")) out.exact_solution = n->choice({"auto", "bdf"}) == "auto";
  if (auto n = node.get("stop_when_steady")) out.stop_when_steady = n->boolean();
  if (auto n = node.get("steady_tolerance")) {
    out.steady_tolerance = n->number();
    if (out.steady_tolerance <= 0.0) n->fail("steady_tolerance must be positive");
  }
  node.check_known_keys();
}

void load_output(const input::Node& node, const std::string& base_dir, OutputSpec& out) {
  if (auto n = node.get("file")) {
    const std::string file = n->text();
    if (file.empty()) n->fail("empty output file name", "e.g. file: results/sbf.h5");
    out.file = resolve_relative(base_dir, file);
  }
  if (auto n = node.get("time_series")) {
    if (n->is_map()) {
      const input::Node every = n->at("every");
      const std::int64_t k = every.integer();
      if (k < 1 || k > 1000000000) every.fail("every must be a whole number of at least 1");
      out.time_series = TimeSeriesMode::Every;
      out.every = static_cast<int>(k);
      n->check_known_keys();
    } else {
      out.time_series =
          n->choice({"all", "none"}) == "all" ? TimeSeriesMode::All : TimeSeriesMode::None;
    }
  }
  if (auto n = node.get("compression")) {
    const std::int64_t level = n->integer();
    if (level < 0 || level > 9) n->fail("compression must be a gzip level from 0 (off) to 9");
    out.compression = static_cast<int>(level);
  }
  if (auto n = node.get("precision")) {
    out.precision = n->choice({"float64", "float32"}) == "float32" ? TimeSeriesPrecision::Float32
                                                                   : TimeSeriesPrecision::Float64;
  }
  node.check_known_keys();
}

}  // namespace calcikin::scenario::detail
