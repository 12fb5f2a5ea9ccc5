#include "models/scenario/overrides.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <optional>

#include "models/kinetics/parameter_catalogue.hpp"
#include "models/scenario/thermo_parameters.hpp"
#include "solver/input/did_you_mean.hpp"
#include "solver/input/units.hpp"

namespace calcikin::scenario {
namespace {

using input::InputError;

const char* const kSetFile = "--set";

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

struct FixedPath {
  const char* path;
  PathTarget target;
  const char* unit;
};
constexpr FixedPath kFixedPaths[] = {
    {"solution.temperature", PathTarget::Temperature, "K"},
    {"solution.pH", PathTarget::PH, input::kDimensionless},
    {"solution.density", PathTarget::Density, "kg/L"},
    {"solution.buffer.total", PathTarget::BufferTotal, "mol/kg"},
    {"time.end", PathTarget::TimeEnd, "s"},
    {"solver.rtol", PathTarget::SolverRtol, input::kDimensionless},
};

const char* hint_for(PathTarget t) {
  switch (t) {
    case PathTarget::Temperature:
      return input::kTemperatureUnitsHint;
    case PathTarget::Total:
      return input::kConcentrationUnitsHint;
    case PathTarget::BufferTotal:
    case PathTarget::MineralAmount:
      return input::kMolalUnitsHint;
    case PathTarget::MineralRadius:
      return input::kLengthUnitsHint;
    case PathTarget::TimeEnd:
      return input::kTimeUnitsHint;
    case PathTarget::Density:
      return "density units: kg/L g/mL g/cm3 kg/m3";
    case PathTarget::PH:
    case PathTarget::SolverRtol:
      return "a plain number without unit";
    case PathTarget::ThermoParameter:
      return "a plain number without unit (log10 units)";
    case PathTarget::KineticParameter:
      return "";
  }
  return "";
}

struct DimensionText {
  const char* name;     // "a temperature"
  const char* example;  // "37 degC"
};
DimensionText dimension_of(PathTarget t) {
  switch (t) {
    case PathTarget::Temperature:
      return {"a temperature", "37 degC"};
    case PathTarget::Total:
      return {"a concentration", "2 mmol/kgw"};
    case PathTarget::BufferTotal:
    case PathTarget::MineralAmount:
      return {"a molality", "2 mmol/kgw"};
    case PathTarget::MineralRadius:
      return {"a length", "25 nm"};
    case PathTarget::TimeEnd:
      return {"a time", "48 h"};
    case PathTarget::Density:
      return {"a density", "1.0 kg/L"};
    default:
      return {"a value", "1"};
  }
}

// Outside the physical domain of a kinetic parameter (not merely outside its plausible range, which
// fitting may leave): a non-finite value; a negative value where the whole catalogue range is >= 0
// (rate constants, energies, prefactors); a contact angle outside [0, pi] rad (Young's equation); a
// crystalline fraction that marks an event outside (0, 1) (it could never be reached), or outside
// [0, 1) where the catalogue's range starts at 0 (the events' solid floor, which 0 switches off).
std::optional<std::string> physical_problem(const kinetics::ParameterInfo& info, double v) {
  auto ends_with = [&](std::string_view tail) {
    return info.name.size() >= tail.size() &&
           info.name.compare(info.name.size() - tail.size(), tail.size(), tail) == 0;
  };
  char text[160];
  if (!std::isfinite(v)) return "'" + info.name + "' is not a finite number";
  if (ends_with(".contact_angle") && !(v >= 0.0 && v <= M_PI)) {
    std::snprintf(text, sizeof text,
                  "a contact angle lies between 0 and pi rad (180 deg), got %g rad", v);
    return std::string(text);
  }
  if (info.name.rfind("events.", 0) == 0 && ends_with("_fraction")) {
    // 0 is a value only where the catalogue's range starts there: it switches the floor of the
    // events' solid off; a crystalline fraction of 0 would mark no event.
    const bool zero_switches_off = info.min_si == 0.0;
    if (!((zero_switches_off ? v >= 0.0 : v > 0.0) && v < 1.0)) {
      std::snprintf(text, sizeof text, "'%s' must lie %s, got %g", info.name.c_str(),
                    zero_switches_off ? "in [0, 1) (0 switches it off)"
                                      : "strictly between 0 and 1 (a crystalline fraction that is "
                                        "reached)",
                    v);
      return std::string(text);
    }
  }
  if (info.min_si >= 0.0 && v < 0.0) return "'" + info.name + "' cannot be negative";
  return std::nullopt;
}

}  // namespace

const kinetics::ParameterInfo& kinetic_parameter(std::string_view name, const SourceLocation& where,
                                                 const std::string& key_path,
                                                 const std::string& source_line) {
  const kinetics::ParameterCatalogue& catalogue = kinetics::ParameterCatalogue::builtin();
  if (const kinetics::ParameterInfo* info = catalogue.find(std::string(name))) return *info;
  const std::vector<std::string> names = catalogue.names();
  const std::string suggestion = input::did_you_mean(name, names);
  throw InputError(
      where, key_path,
      "unknown kinetic parameter '" + std::string(name) + "'" +
          (suggestion.empty() ? "" : "; " + suggestion),
      source_line,
      std::to_string(names.size()) +
          " parameters are known: models/data/kinetics_parameters.yaml, docs/model.md");
}

bool is_element_name(std::string_view name) {
  // Element symbol, optionally with a PHREEQC valence state: Ca, C(4), S(6), Fe(+2), N(-3).
  std::size_t i = 0;
  if (i >= name.size() || !is_upper(name[i])) return false;
  ++i;
  if (i < name.size() && is_lower(name[i])) ++i;
  if (i == name.size()) return true;
  if (name[i] != '(') return false;
  ++i;
  if (i < name.size() && (name[i] == '+' || name[i] == '-')) ++i;
  const std::size_t digits = i;
  while (i < name.size() && is_digit(name[i])) ++i;
  if (i == digits || i - digits > 2) return false;
  return i + 1 == name.size() && name[i] == ')';
}

bool is_phase_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || !std::isalpha(static_cast<unsigned char>(name[0])))
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '(' ||
           c == ')' || c == ':';
  });
}

std::vector<std::string> known_paths(const Scenario& s) {
  std::vector<std::string> out;
  for (const FixedPath& f : kFixedPaths) out.emplace_back(f.path);
  for (const TotalEntry& t : s.solution.totals) out.push_back("solution.totals." + t.element);
  for (const MineralSpec& m : s.minerals) {
    out.push_back("minerals." + m.phase + ".amount");
    out.push_back("minerals." + m.phase + ".radius");
  }
  for (const ParameterOverride& p : s.kinetics.parameters)
    out.push_back("kinetics.parameters." + p.name);
  for (const ThermoParameterSetting& p : s.thermodynamics.parameters)
    out.push_back("thermodynamics.parameters." + p.name);
  return out;
}

ResolvedPath resolve_path(const Scenario& s, std::string_view path, const SourceLocation& where,
                          const std::string& source_line, std::string_view key_path) {
  ResolvedPath r;
  r.path = std::string(path);
  r.key_path = key_path.empty() ? r.path : std::string(key_path);
  r.where = where;
  r.source_line = source_line;
  for (const FixedPath& f : kFixedPaths) {
    if (path == f.path) {
      r.target = f.target;
      r.unit = f.unit;
      return r;
    }
  }
  auto fail = [&](const std::string& problem, const std::string& hint) {
    throw InputError(where, r.key_path, problem, source_line, hint);
  };
  constexpr std::string_view kTotals = "solution.totals.";
  constexpr std::string_view kMinerals = "minerals.";
  constexpr std::string_view kParameters = "kinetics.parameters.";
  constexpr std::string_view kThermo = "thermodynamics.parameters.";
  if (starts_with(path, kTotals)) {
    r.key = std::string(path.substr(kTotals.size()));
    if (!is_element_name(r.key)) {
      fail("'" + r.key + "' is not an element name", "write elements as Ca, Mg, P, C(4), S(6)");
    }
    r.target = PathTarget::Total;
    r.unit = "mol/kg";
    return r;
  }
  if (starts_with(path, kMinerals)) {
    const std::string_view rest = path.substr(kMinerals.size());
    const auto dot = rest.rfind('.');
    const std::string_view field =
        dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
    r.key = std::string(rest.substr(0, dot == std::string_view::npos ? rest.size() : dot));
    if (field == "amount" || field == "radius") {
      if (!is_phase_name(r.key))
        fail("'" + r.key + "' is not a phase name", "e.g. minerals.ACP.amount");
      r.target = field == "amount" ? PathTarget::MineralAmount : PathTarget::MineralRadius;
      r.unit = field == "amount" ? "mol/kg" : "m";
      return r;
    }
    fail("unknown mineral field in '" + std::string(path) + "'",
         "mineral paths end in .amount or .radius, e.g. minerals.ACP.radius");
  }
  if (starts_with(path, kParameters)) {
    r.key = std::string(path.substr(kParameters.size()));
    if (r.key.empty())
      fail("missing parameter name", "e.g. kinetics.parameters.HAP.growth.rate_constant");
    r.target = PathTarget::KineticParameter;
    // The catalogue is data, available here like the thermodynamic one: the name is checked and
    // the SI unit known when the file is read.
    r.unit = kinetic_parameter(r.key, where, r.key_path, source_line).unit;
    return r;
  }
  if (starts_with(path, kThermo)) {
    r.key = std::string(path.substr(kThermo.size()));
    // Names come from the scenario's database (checked here, once; applying is an assignment).
    require_thermo_parameter(*thermo_parameter_catalogue(s.database), r.key, where, r.key_path,
                             source_line);
    r.target = PathTarget::ThermoParameter;
    r.unit = input::kDimensionless;
    return r;
  }
  // Candidates: the paths present, plus the typo's last segment under totals (solution.totls.Mg).
  std::vector<std::string> candidates = known_paths(s);
  const std::string last_segment(
      path.substr(path.rfind('.') == std::string_view::npos ? 0 : path.rfind('.') + 1));
  if (is_element_name(last_segment)) candidates.push_back("solution.totals." + last_segment);
  const std::string suggestion = input::did_you_mean(path, candidates);
  throw InputError(
      where, r.key_path,
      "unknown path '" + std::string(path) + "'" + (suggestion.empty() ? "" : "; " + suggestion),
      source_line,
      "sweepable paths: solution.temperature solution.pH solution.density "
      "solution.totals.<Element> "
      "solution.buffer.total minerals.<Phase>.amount minerals.<Phase>.radius time.end solver.rtol "
      "kinetics.parameters.<name> thermodynamics.parameters.<name>");
}

std::optional<std::string> range_problem(PathTarget target, double value) {
  if (!std::isfinite(value)) return "value is not a finite number";
  switch (target) {
    case PathTarget::Temperature:
      if (value < 273.15 || value > 373.15)
        return std::string("temperature must be between 0 and 100 degC");
      break;
    case PathTarget::PH:
      if (value < 0.0 || value > 14.0) return std::string("pH must be between 0 and 14");
      break;
    case PathTarget::Density:
      if (value <= 0.0 || value > 3.0)
        return std::string("density must be above 0 and at most 3 kg/L");
      break;
    case PathTarget::Total:
    case PathTarget::BufferTotal:
    case PathTarget::MineralAmount:
      if (value < 0.0) return std::string("a concentration cannot be negative");
      break;
    case PathTarget::MineralRadius:
      if (value <= 0.0) return std::string("a radius must be positive");
      break;
    case PathTarget::TimeEnd:
      if (value <= 0.0) return std::string("the end time must be positive");
      break;
    case PathTarget::SolverRtol:
      if (value <= 0.0 || value >= 1.0)
        return std::string("rtol must be between 0 and 1 (exclusive)");
      break;
    case PathTarget::KineticParameter:  // physical domains: api::Simulation::prepare
      break;
    case PathTarget::ThermoParameter:
      // log10 offsets of a log K: a shift of 100 (a factor 1e100 on an equilibrium constant) is
      // beyond any real correction; larger values only overflow the speciation.
      if (std::fabs(value) > 100.0)
        return std::string("a log K offset must be between -100 and 100 (log10 units)");
      break;
  }
  return std::nullopt;
}

double convert_value(ResolvedPath& path, double number, std::string_view unit_text,
                     const SourceLocation& where, const std::string& source_line,
                     std::size_t unit_column_offset) {
  SourceLocation unit_where = where;
  if (unit_where.column > 0) unit_where.column += static_cast<int>(unit_column_offset);
  const std::string unit(unit_text);
  const std::string written =
      unit.empty() ? input::format_number(number) : input::format_number(number) + " " + unit;
  auto fail = [&](const SourceLocation& at, const std::string& problem, const std::string& hint) {
    throw InputError(at, path.key_path.empty() ? path.path : path.key_path, problem, source_line,
                     hint);
  };
  const bool dimensionless = path.unit == input::kDimensionless;
  if (path.target == PathTarget::KineticParameter) {
    const kinetics::ParameterInfo& info =
        kinetic_parameter(path.key, where, path.key_path, source_line);
    if (unit.empty() && !dimensionless)
      fail(where, "this parameter needs a unit: got the bare number '" + written + "'",
           "its SI unit is " + info.unit + ", e.g. '" + written + " " + info.unit + "'");
    if (!unit.empty() && !input::is_known_unit(unit))
      fail(unit_where, "unknown unit '" + unit + "' in '" + written + "'", "");
    double value = 0.0;
    try {
      value = input::convert(number, unit, info.unit);
    } catch (const input::UnitOverflowError& e) {
      fail(where, std::string(e.what()) + " (got '" + written + "')", "");
    } catch (const input::UnitError&) {
      fail(where,
           "unit '" + unit + "' does not fit this parameter (its SI unit is " +
               (dimensionless ? std::string("1, dimensionless") : info.unit) + ")",
           "");
    }
    if (auto problem = physical_problem(info, value))
      fail(where, *problem, info.description + " (plausible range in docs/model.md)");
    return value;
  }
  if (unit.empty() && !dimensionless) {
    const DimensionText dim = dimension_of(path.target);
    fail(where,
         std::string(dim.name) + " needs a unit: got the bare number '" + written +
             "', write e.g. '" + dim.example + "'",
         hint_for(path.target));
  }
  if (!unit.empty() && !input::is_known_unit(unit)) {
    fail(unit_where, "unknown unit '" + unit + "' in '" + written + "'", hint_for(path.target));
  }
  std::string target_unit = path.unit;
  if (path.target == PathTarget::Total) {
    const input::ConcentrationKind kind = input::concentration_kind(unit);
    if (kind == input::ConcentrationKind::NotConcentration) {
      fail(unit_where, "'" + unit + "' is not a concentration unit (in '" + written + "')",
           hint_for(path.target));
    }
    path.basis = kind == input::ConcentrationKind::Molal ? ConcentrationBasis::Molal
                                                         : ConcentrationBasis::Molar;
    target_unit = kind == input::ConcentrationKind::Molal ? "mol/kg" : "mol/m3";
    path.unit = target_unit;
  }
  double value = 0.0;
  try {
    value = input::convert(number, unit, target_unit);
  } catch (const input::UnitOverflowError& e) {
    fail(where, std::string(e.what()) + " (got '" + written + "')", "");
  } catch (const input::UnitError&) {
    fail(unit_where,
         dimensionless ? "expected a plain number without unit, got '" + written + "'"
                       : "'" + unit + "' is not the right kind of unit: expected " +
                             dimension_of(path.target).name + ", e.g. '" +
                             dimension_of(path.target).example + "'",
         hint_for(path.target));
  }
  if (auto problem = range_problem(path.target, value)) {
    fail(where, *problem + " (got '" + written + "')", "");
  }
  return value;
}

void apply(Scenario& s, const ResolvedPath& path, double value) {
  switch (path.target) {
    case PathTarget::Temperature:
      s.solution.temperature = value;
      return;
    case PathTarget::PH:
      s.solution.pH = value;
      return;
    case PathTarget::Density:
      s.solution.density = value;
      return;
    case PathTarget::Total: {
      for (TotalEntry& t : s.solution.totals) {
        if (t.element == path.key) {
          t.value = value;
          t.basis = path.basis;
          return;
        }
      }
      s.solution.totals.push_back(TotalEntry{path.key, value, path.basis, path.where});
      return;
    }
    case PathTarget::BufferTotal:
      if (!s.solution.buffer) s.solution.buffer = BufferSpec{};
      s.solution.buffer->total = value;
      return;
    case PathTarget::MineralAmount:
    case PathTarget::MineralRadius: {
      auto it = std::find_if(s.minerals.begin(), s.minerals.end(),
                             [&](const MineralSpec& m) { return m.phase == path.key; });
      if (it == s.minerals.end()) {
        MineralSpec m;
        m.phase = path.key;
        m.where = path.where;
        s.minerals.push_back(m);
        it = s.minerals.end() - 1;
      }
      if (path.target == PathTarget::MineralAmount) {
        it->amount = value;
        it->equilibrate = false;
      } else {
        it->radius = value;
      }
      return;
    }
    case PathTarget::TimeEnd:
      s.time.end = value;
      if (s.time.last_from_end) s.time.last = value;
      return;
    case PathTarget::SolverRtol:
      s.solver.rtol = value;
      return;
    case PathTarget::ThermoParameter: {
      for (ThermoParameterSetting& p : s.thermodynamics.parameters) {
        if (p.name == path.key) {
          p.value = value;
          return;
        }
      }
      ThermoParameterSetting p;
      p.name = path.key;
      p.value = value;
      p.where = path.where;
      s.thermodynamics.parameters.push_back(p);
      return;
    }
    case PathTarget::KineticParameter: {
      for (ParameterOverride& p : s.kinetics.parameters) {
        if (p.name == path.key) {
          p.value = value;
          return;
        }
      }
      ParameterOverride p;
      p.name = path.key;
      p.value = value;
      p.where = path.where;
      s.kinetics.parameters.push_back(p);
      return;
    }
  }
}

SweepParameter sweep_parameter(const Scenario& s, std::string_view path, std::vector<double> values,
                               ConcentrationBasis basis) {
  SweepParameter p;
  static_cast<ResolvedPath&>(p) = resolve_path(s, path, {});
  if (p.target == PathTarget::Total) {
    p.basis = basis;
    p.unit = basis == ConcentrationBasis::Molal ? "mol/kg" : "mol/m3";
  }
  p.values = std::move(values);
  p.unit_text = p.unit;
  return p;
}

SetOverride parse_set(std::string_view argument) {
  const SourceLocation where{kSetFile, 0, 0};
  const auto eq = argument.find('=');
  auto trim = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return std::string(v);
  };
  if (eq == std::string_view::npos) {
    throw InputError(where, "", "expected PATH=VALUE, got '" + std::string(argument) + "'", "",
                     "e.g. --set solution.totals.Mg='2 mmol/kgw' or --set solution.pH=7.2");
  }
  SetOverride o{trim(argument.substr(0, eq)), trim(argument.substr(eq + 1))};
  if (o.path.empty())
    throw InputError(where, "", "missing path before '=' in '" + std::string(argument) + "'");
  if (o.value_text.empty()) throw InputError(where, o.path, "missing value after '='");
  return o;
}

namespace {

// --set output.KEY=VALUE: the output settings (not sweepable, so not paths of resolve_path).
void apply_output_set(Scenario& s, const SetOverride& o, const SourceLocation& where) {
  const std::string key = o.path.substr(std::string_view("output.").size());
  const std::string& v = o.value_text;
  const auto fail = [&](const std::string& problem, const std::string& hint) {
    throw InputError(where, o.path, problem, "", hint);
  };
  const auto whole_number = [&](long long low, long long high) -> std::optional<long long> {
    if (v.empty() || v.size() > 10 || !std::all_of(v.begin(), v.end(), is_digit))
      return std::nullopt;
    const long long n = std::stoll(v);
    return n >= low && n <= high ? std::optional<long long>(n) : std::nullopt;
  };
  if (key == "compression") {
    const auto level = whole_number(0, 9);
    if (!level) fail("compression must be a gzip level from 0 (off) to 9, not '" + v + "'", "");
    s.output.compression = static_cast<int>(*level);
  } else if (key == "precision") {
    if (v != "float64" && v != "float32")
      fail("precision must be float64 or float32, not '" + v + "'", "");
    s.output.precision =
        v == "float32" ? TimeSeriesPrecision::Float32 : TimeSeriesPrecision::Float64;
  } else if (key == "time_series") {
    if (v == "all" || v == "none") {
      s.output.time_series = v == "all" ? TimeSeriesMode::All : TimeSeriesMode::None;
    } else {
      const auto every = whole_number(1, 1000000000);
      if (!every)
        fail("time_series must be all, none or N (every N-th output time), not '" + v + "'", "");
      s.output.time_series = TimeSeriesMode::Every;
      s.output.every = static_cast<int>(*every);
    }
  } else {
    const std::vector<std::string> keys{"output.compression", "output.precision",
                                        "output.time_series"};
    const std::string suggestion = input::did_you_mean(o.path, keys);
    fail("unknown output setting '" + o.path + "'" + (suggestion.empty() ? "" : "; " + suggestion),
         "settable with --set: " + input::quoted_list(keys));
  }
}

}  // namespace

void apply_set(Scenario& s, std::string_view argument) {
  const SetOverride o = parse_set(argument);
  const SourceLocation where{kSetFile, 0, 0};
  if (starts_with(o.path, "output.")) {
    apply_output_set(s, o, where);
    return;
  }
  ResolvedPath path = resolve_path(s, o.path, where);
  input::Quantity q;
  try {
    q = input::parse_quantity(o.value_text);
  } catch (const input::UnitError& e) {
    throw InputError(where, o.path, e.what(), "",
                     "a value is a number with an optional unit, e.g. '2 mmol/kgw'");
  }
  const double value = convert_value(path, q.value, q.unit, where);
  apply(s, path, value);
}

}  // namespace calcikin::scenario
