#include "models/fit/problem.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "models/kinetics/mechanistic_model.hpp"
#include "models/kinetics/parameter_catalogue.hpp"
#include "models/scenario/loader.hpp"
#include "models/scenario/overrides.hpp"
#include "models/scenario/thermo_parameters.hpp"
#include "solver/input/did_you_mean.hpp"
#include "solver/input/document.hpp"
#include "solver/input/units.hpp"

namespace calcikin::fit {

namespace fs = std::filesystem;
using input::InputError;
using input::Node;
using input::SourceLocation;

namespace {

const char* kSchema = "calcikin/calibration/1";
const std::string kThermoPrefix = "thermodynamics.parameters.";
const std::vector<std::string> kElements = {"Ca", "Mg", "P"};
// Every kinetic phase of the model (ACP, HAP, WH, OCP, DCPD, newberyite): a condition's scenario
// may have any of them (checked per condition when the objective is set up).
const std::vector<std::string>& kPhases = kinetics::kinetic_phase_names();
const std::vector<std::string> kExpressions = {"t50",
                                               "induction_time",
                                               "pH",
                                               "free_calcium_activity",
                                               "crystalline_fraction",
                                               "dissolved_total.<El>",
                                               "phase_amount.<Phase>",
                                               "phase_fraction.<Phase>",
                                               "mean_radius.<Phase>",
                                               "saturation_index.<Phase>",
                                               "final_phase_fraction.<Phase>",
                                               "final_phase"};

bool dimensionless(const std::string& unit) { return unit.empty() || unit == "1"; }

std::string resolve(const std::string& base_dir, const std::string& file) {
  const fs::path p(file);
  if (p.is_absolute() || base_dir.empty()) return p.lexically_normal().string();
  return (fs::path(base_dir) / p).lexically_normal().string();
}

// "NUMBER UNIT" at a node, converted to si_unit; a bare number only when dimensionless.
double quantity_in(const Node& n, const std::string& si_unit, const std::string& what) {
  const input::Quantity q = n.quantity_text();
  if (q.unit.empty()) {
    if (!dimensionless(si_unit))
      n.fail(what + " needs a unit: got the bare number '" + n.text() + "'",
             "its SI unit is " + si_unit + ", e.g. '" + n.text() + " " + si_unit + "'");
    return q.value;
  }
  try {
    return input::convert(q.value, q.unit, dimensionless(si_unit) ? "1" : si_unit);
  } catch (const input::UnitError& e) {
    n.fail_at_offset(q.unit_offset,
                     "unit '" + q.unit + "' does not fit " + what + " (SI unit " +
                         (dimensionless(si_unit) ? std::string("1, dimensionless") : si_unit) +
                         ")");
  }
}

void parse_observable_expr(Observable& o, const Node& at) {
  const std::string& e = o.expr;
  const auto dot = e.find('.');
  const std::string head = e.substr(0, dot);
  const std::string tail = dot == std::string::npos ? "" : e.substr(dot + 1);
  auto need = [&](const std::vector<std::string>& allowed, const char* kind) {
    if (std::find(allowed.begin(), allowed.end(), tail) == allowed.end()) {
      std::string hint = input::did_you_mean(tail, allowed);
      at.fail("'" + e + "': unknown " + kind + " '" + tail + "'",
              hint.empty() ? std::string(kind) + "s: " + input::quoted_list(allowed) : hint);
    }
    o.selector = tail;
  };
  o.variable = head;
  if (head == "t50" || head == "induction_time") {
    o.kind = head == "t50" ? ObservableKind::T50 : ObservableKind::InductionTime;
    o.si_unit = "s";
  } else if (head == "pH" || head == "free_calcium_activity" || head == "crystalline_fraction") {
    o.kind = ObservableKind::TimeSeries;
    o.si_unit = "1";
  } else if (head == "dissolved_total") {
    need(kElements, "element");
    o.si_unit = "mol/kg";
  } else if (head == "phase_amount" || head == "mean_radius" || head == "saturation_index") {
    need(kPhases, "phase");
    o.si_unit = head == "phase_amount" ? "mol/kg" : head == "mean_radius" ? "m" : "1";
  } else if (head == "phase_fraction") {
    // The phase's share of the solid phosphate at the measured time (final_phase_fraction's
    // definition at every output time).
    need(kPhases, "phase");
    o.kind = ObservableKind::TimeSeries;
    o.si_unit = "1";
  } else if (head == "final_phase_fraction") {
    need(kPhases, "phase");
    o.kind = ObservableKind::FinalShare;
    o.si_unit = "1";
  } else if (head == "final_phase") {
    o.kind = ObservableKind::FinalPhase;
    o.si_unit = "1";
  } else {
    at.fail("unknown observable expression '" + e + "'",
            "expressions: " + input::quoted_list(kExpressions));
  }
  if (head != "t50" && head != "induction_time" && head != "final_phase" &&
      dot != std::string::npos && o.selector.empty())
    at.fail("'" + e + "' takes no selector after the dot");
  if ((head == "pH" || head == "free_calcium_activity" || head == "crystalline_fraction" ||
       head == "t50" || head == "induction_time" || head == "final_phase") &&
      dot != std::string::npos)
    at.fail("'" + head + "' takes no selector ('" + tail + "')");
}

// ---- the measurements CSV

struct CsvCell {
  std::string text;
  int column = 1;  // 1-based
};

std::vector<CsvCell> split_csv(const std::string& line) {
  std::vector<CsvCell> cells;
  std::size_t i = 0;
  while (true) {
    CsvCell c;
    while (i < line.size() && line[i] == ' ') ++i;
    c.column = static_cast<int>(i) + 1;
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (i < line.size()) {
        if (line[i] == '"' && i + 1 < line.size() && line[i + 1] == '"') {
          c.text += '"';
          i += 2;
        } else if (line[i] == '"') {
          ++i;
          break;
        } else {
          c.text += line[i++];
        }
      }
      while (i < line.size() && line[i] != ',') ++i;
    } else {
      while (i < line.size() && line[i] != ',') c.text += line[i++];
      while (!c.text.empty() && (c.text.back() == ' ' || c.text.back() == '\r')) c.text.pop_back();
    }
    cells.push_back(c);
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return cells;
}

void parse_measurements(CalibrationProblem& p, const Node& at) {
  const std::string& file = p.measurements_file;
  std::ifstream in(file, std::ios::binary);
  if (!in) at.fail("cannot read the measurements file '" + file + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  p.measurements_text = ss.str();
  std::vector<std::string> lines;
  {
    std::string line;
    std::istringstream ls(p.measurements_text);
    while (std::getline(ls, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(line);
    }
  }
  auto fail = [&](int line, int column, const std::string& problem, const std::string& hint = {}) {
    throw InputError(SourceLocation{file, line, column}, "measurements", problem,
                     line >= 1 && line <= static_cast<int>(lines.size())
                         ? lines[static_cast<std::size_t>(line - 1)]
                         : std::string(),
                     hint);
  };
  // Header: first non-blank, non-comment line.
  std::size_t h = 0;
  while (h < lines.size() && (lines[h].find_first_not_of(" \t") == std::string::npos ||
                              lines[h][lines[h].find_first_not_of(" \t")] == '#'))
    ++h;
  if (h == lines.size())
    fail(1, 1, "the measurements file is empty",
         "expected a header row "
         "'condition,observable,time [h],value,sigma,source'");
  const int header_line = static_cast<int>(h) + 1;
  const std::vector<std::string> known = {"condition", "observable", "time",
                                          "value",     "sigma",      "source"};
  std::map<std::string, std::size_t> col;
  std::map<std::string, std::string> unit;
  std::map<std::string, int> col_at;
  const std::vector<CsvCell> header = split_csv(lines[h]);
  for (std::size_t c = 0; c < header.size(); ++c) {
    std::string name = header[c].text, u;
    const auto lb = name.find('[');
    if (lb != std::string::npos) {
      const auto rb = name.find(']', lb);
      if (rb == std::string::npos)
        fail(header_line, header[c].column + static_cast<int>(lb), "unclosed '[' in the header");
      u = name.substr(lb + 1, rb - lb - 1);
      name = name.substr(0, lb);
      while (!name.empty() && name.back() == ' ') name.pop_back();
      while (!u.empty() && u.back() == ' ') u.pop_back();
      while (!u.empty() && u.front() == ' ') u.erase(0, 1);
      if (!u.empty() && !input::is_known_unit(u))
        fail(header_line, header[c].column + static_cast<int>(lb) + 1, "unknown unit '" + u + "'");
    }
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      const std::string hint = input::did_you_mean(name, known);
      fail(header_line, header[c].column, "unknown column '" + name + "'",
           hint.empty() ? "columns: " + input::quoted_list(known) : hint);
    }
    if (col.count(name)) fail(header_line, header[c].column, "column '" + name + "' twice");
    col[name] = c;
    unit[name] = u;
    col_at[name] = header[c].column;
  }
  for (const char* required : {"condition", "observable", "value"})
    if (!col.count(required))
      fail(header_line, 1, std::string("the header has no '") + required + "' column",
           "columns: condition, observable, time [UNIT], value [UNIT], sigma, source");
  if (col.count("time") && unit["time"].empty())
    fail(header_line, col_at["time"], "missing units: the time column needs a unit",
         "write it in the header, e.g. 'time [h]'");
  if (col.count("time") && !input::are_convertible(unit["time"], "s"))
    fail(header_line, col_at["time"], "the time unit '" + unit["time"] + "' is not a time");
  if (col.count("sigma") && !unit["sigma"].empty() && unit["value"].empty())
    fail(header_line, col_at["sigma"], "sigma has a unit but value has none",
         "give both the same unit, e.g. 'value [mM]' and 'sigma [mM]'");

  std::vector<std::string> cond_ids, obs_ids;
  for (const Condition& c : p.conditions) cond_ids.push_back(c.id);
  for (const Observable& o : p.observables) obs_ids.push_back(o.id);

  for (std::size_t li = h + 1; li < lines.size(); ++li) {
    const std::string& line = lines[li];
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    const int ln = static_cast<int>(li) + 1;
    const std::vector<CsvCell> cells = split_csv(line);
    if (cells.size() > header.size())
      fail(ln, cells[header.size()].column,
           "more cells (" + std::to_string(cells.size()) + ") than header columns (" +
               std::to_string(header.size()) + ")");
    auto cell = [&](const std::string& name) -> CsvCell {
      const auto it = col.find(name);
      if (it == col.end() || it->second >= cells.size())
        return CsvCell{"", static_cast<int>(line.size()) + 1};
      return cells[it->second];
    };
    Measurement m;
    m.line = ln;
    const CsvCell cc = cell("condition"), oc = cell("observable"), vc = cell("value");
    const auto ci = std::find(cond_ids.begin(), cond_ids.end(), cc.text);
    if (ci == cond_ids.end()) {
      const std::string hint = input::did_you_mean(cc.text, cond_ids);
      fail(ln, cc.column, "unknown condition '" + cc.text + "'",
           hint.empty() ? "conditions: " + input::quoted_list(cond_ids) : hint);
    }
    m.condition = static_cast<std::size_t>(ci - cond_ids.begin());
    const auto oi = std::find(obs_ids.begin(), obs_ids.end(), oc.text);
    if (oi == obs_ids.end()) {
      const std::string hint = input::did_you_mean(oc.text, obs_ids);
      fail(ln, oc.column, "unknown observable '" + oc.text + "'",
           hint.empty() ? "observables: " + input::quoted_list(obs_ids) : hint);
    }
    m.observable = static_cast<std::size_t>(oi - obs_ids.begin());
    const Observable& o = p.observables[m.observable];
    const Condition& cond = p.conditions[m.condition];
    m.source = cell("source").text;

    // time
    const CsvCell tc = cell("time");
    if (o.kind == ObservableKind::TimeSeries) {
      if (tc.text.empty())
        fail(ln, tc.column, "observable '" + o.id + "' is a time course: the row needs a time");
      try {
        m.time = input::convert(input::parse_quantity(tc.text).value, unit["time"], "s");
      } catch (const input::UnitError&) {
        fail(ln, tc.column, "expected a number for the time, got '" + tc.text + "'");
      }
      if (!(m.time >= 0.0)) fail(ln, tc.column, "a measurement time cannot be negative");
      if (m.time > cond.scenario.time.end * (1 + 1e-12))
        fail(ln, tc.column,
             "time " + tc.text + " " + unit["time"] + " lies beyond the end of condition '" +
                 cond.id + "' (time.end = " + input::format_number(cond.scenario.time.end) + " s)",
             "set time.end in the condition (set: {time.end: ...})");
    }

    // value
    if (vc.text.empty()) fail(ln, vc.column, "the value is empty");
    if (o.kind == ObservableKind::FinalPhase) {
      const auto pi = std::find(kPhases.begin(), kPhases.end(), vc.text);
      if (pi == kPhases.end()) {
        const std::string hint = input::did_you_mean(vc.text, kPhases);
        fail(ln, vc.column, "unknown phase '" + vc.text + "'",
             hint.empty() ? "phases: " + input::quoted_list(kPhases) : hint);
      }
      m.category = vc.text;
      m.value = static_cast<double>(pi - kPhases.begin());
    } else {
      std::string text = vc.text;
      int offset = 0;
      if (!text.empty() && text[0] == '>') {
        if (o.kind != ObservableKind::T50 && o.kind != ObservableKind::InductionTime)
          fail(ln, vc.column,
               "only event times (t50, induction_time) can be right-censored ('>X')");
        m.censored = true;
        text.erase(0, 1);
        offset = 1;
      }
      double v = 0.0;
      try {
        v = input::parse_quantity(text).value;
      } catch (const input::UnitError&) {
        fail(ln, vc.column + offset, "expected a number, got '" + text + "'");
      }
      std::string from = unit["value"].empty() ? o.unit : unit["value"];
      if (from.empty() && !dimensionless(o.si_unit))
        fail(ln, vc.column,
             "missing units: the value of observable '" + o.id + "' (" + o.expr + ", SI unit " +
                 o.si_unit + ") has no unit",
             "give the observable a 'unit:' or the header one, e.g. 'value [" +
                 std::string(o.si_unit == "s"        ? "min"
                             : o.si_unit == "mol/kg" ? "mmol/kgw"
                                                     : "nm") +
                 "]'");
      try {
        m.value =
            from.empty() ? v : input::convert(v, from, dimensionless(o.si_unit) ? "1" : o.si_unit);
      } catch (const input::UnitError&) {
        fail(ln, vc.column,
             "unit '" + from + "' does not fit observable '" + o.id + "' (SI unit " + o.si_unit +
                 ")");
      }
      if ((o.noise == NoiseModel::LogNormal || o.noise == NoiseModel::RightCensored ||
           m.censored) &&
          !(m.value > 0.0))
        fail(ln, vc.column, "a log-normal or censored value must be positive");
      if ((o.variable == "phase_fraction" || o.kind == ObservableKind::FinalShare) &&
          !(m.value >= 0.0 && m.value <= 1.0))
        fail(ln, vc.column, "a phase fraction lies in [0, 1], got " + vc.text,
             "the phase's share of the solid phosphate, e.g. 0.35 (not a percentage)");
      if (o.noise == NoiseModel::RightCensored) m.censored = true;
    }

    // sigma
    const CsvCell sc = cell("sigma");
    if (sc.text.empty()) {
      m.sigma = o.sigma;
      if (o.noise != NoiseModel::Categorical && !(m.sigma > 0.0))
        fail(ln, sc.column,
             "no sigma: the row gives none and observable '" + o.id + "' has no default",
             "add a sigma column value or 'sigma:' to the observable");
    } else {
      double s = 0.0;
      try {
        s = input::parse_quantity(sc.text).value;
      } catch (const input::UnitError&) {
        fail(ln, sc.column, "expected a number for sigma, got '" + sc.text + "'");
      }
      const bool log_scale = o.noise != NoiseModel::Normal;
      if (!log_scale && !dimensionless(o.si_unit)) {
        const std::string from = unit["sigma"].empty()
                                     ? (unit["value"].empty() ? o.unit : unit["value"])
                                     : unit["sigma"];
        s = from.empty() ? s : input::convert(s, from, o.si_unit);
      }
      if (!(s > 0.0))
        fail(ln, sc.column, "sigma must be positive, got " + sc.text,
             "sigma is the standard deviation of the measurement error");
      m.sigma = s;
    }
    p.measurements.push_back(m);
  }
  if (p.measurements.empty())
    fail(header_line, 1, "no measurements: the file has a header but no data rows");
}

}  // namespace

double to_scaled(const FitParameter& p, double si) noexcept {
  return p.scale == Scale::Log10 ? std::log10(si) : si;
}
double from_scaled(const FitParameter& p, double x) noexcept {
  return p.scale == Scale::Log10 ? std::pow(10.0, x) : x;
}

CalibrationProblem load_problem(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError(SourceLocation{path, 0, 0}, "", "cannot read the problem file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  const fs::path parent = fs::path(path).parent_path();
  return load_problem_text(ss.str(), path, parent.string());
}

CalibrationProblem load_problem_text(const std::string& text, const std::string& name,
                                     const std::string& base_dir) {
  CalibrationProblem p;
  p.source_file = name;
  p.source_text = text;
  const auto doc = input::Document::from_text(text, name);
  const Node root = doc->root();
  const Node schema = root.at("schema");
  if (schema.text() != kSchema)
    schema.fail("unknown schema '" + schema.text() + "'",
                std::string("expected '") + kSchema + "'");

  // ---- conditions
  const Node conds = root.at("conditions");
  std::set<std::string> ids;
  for (const Node& c : conds.items()) {
    Condition cond;
    cond.where = c.location();
    const Node id = c.at("id");
    cond.id = id.text();
    if (!ids.insert(cond.id).second) id.fail("condition '" + cond.id + "' is listed twice");
    const Node sc = c.at("scenario");
    cond.scenario_file = resolve(base_dir, sc.text());
    if (!fs::exists(cond.scenario_file))
      sc.fail("scenario file '" + cond.scenario_file + "' not found");
    cond.scenario = scenario::load_file(cond.scenario_file);
    if (cond.scenario.sweep.mode != scenario::SweepMode::None)
      sc.fail("the scenario '" + sc.text() + "' has a sweep; a condition is one simulation",
              "remove its sweep section, or list one condition per point with 'set:'");
    if (auto set = c.get("set")) {
      for (const input::Entry& e : set->entries()) {
        const std::string arg = e.key + "=" + e.value.text();
        try {
          scenario::apply_set(cond.scenario, arg);
        } catch (const InputError& err) {
          e.value.fail(err.problem(), err.hint());
        }
        cond.sets.push_back(arg);
      }
    }
    c.check_known_keys();
    p.conditions.push_back(std::move(cond));
  }
  if (p.conditions.empty()) conds.fail("no conditions", "list at least one scenario");

  // ---- observables
  const Node obs = root.at("observables");
  std::set<std::string> oids;
  for (const Node& n : obs.items()) {
    Observable o;
    o.where = n.location();
    const Node id = n.at("id");
    o.id = id.text();
    if (!oids.insert(o.id).second) id.fail("observable '" + o.id + "' is listed twice");
    const Node expr = n.at("expr");
    o.expr = expr.text();
    parse_observable_expr(o, expr);
    const Node noise = n.at("noise");
    const std::string nm = noise.choice({"normal", "lognormal", "right-censored", "categorical"});
    o.noise = nm == "normal"        ? NoiseModel::Normal
              : nm == "lognormal"   ? NoiseModel::LogNormal
              : nm == "categorical" ? NoiseModel::Categorical
                                    : NoiseModel::RightCensored;
    const bool event = o.kind == ObservableKind::T50 || o.kind == ObservableKind::InductionTime;
    if (o.noise == NoiseModel::Categorical && o.kind != ObservableKind::FinalPhase)
      noise.fail("categorical noise needs the expression 'final_phase'");
    if (o.kind == ObservableKind::FinalPhase && o.noise != NoiseModel::Categorical)
      noise.fail("'final_phase' is a class: its noise model is 'categorical'");
    if (o.noise == NoiseModel::RightCensored && !event)
      noise.fail("only event times (t50, induction_time) can be right-censored");
    if (auto u = n.get("unit")) {
      o.unit = u->text();
      if (!input::is_known_unit(o.unit)) u->fail("unknown unit '" + o.unit + "'");
      if (!input::are_convertible(o.unit, dimensionless(o.si_unit) ? "1" : o.si_unit))
        u->fail("unit '" + o.unit + "' does not fit '" + o.expr + "' (SI unit " + o.si_unit + ")");
    }
    if (auto s = n.get("sigma")) {
      if (o.noise == NoiseModel::Normal) {
        const input::Quantity q = s->quantity_text();
        const std::string from = q.unit.empty() ? o.unit : q.unit;
        if (from.empty() && !dimensionless(o.si_unit))
          s->fail("missing units: sigma of '" + o.expr + "' needs a unit (SI unit " + o.si_unit +
                  ")");
        try {
          o.sigma = from.empty() ? q.value : input::convert(q.value, from, o.si_unit);
        } catch (const input::UnitError&) {
          s->fail("unit '" + from + "' does not fit '" + o.expr + "'");
        }
      } else {
        o.sigma = s->number();  // natural-log scale, dimensionless
      }
      if (!(o.sigma > 0.0)) s->fail("sigma must be positive");
    }
    if (auto t = n.get("temperature")) {
      o.temperature = t->number();
      if (!(o.temperature > 0.0)) t->fail("the temperature of a categorical model must be > 0");
    }
    n.check_known_keys();
    p.observables.push_back(std::move(o));
  }
  if (p.observables.empty()) obs.fail("no observables");

  // ---- measurements
  const Node meas = root.at("measurements");
  p.measurements_file = resolve(base_dir, meas.text());
  parse_measurements(p, meas);

  // ---- parameters
  const Node params = root.at("parameters");
  const kinetics::ParameterCatalogue& kin = kinetics::ParameterCatalogue::builtin();
  std::set<std::string> names;
  for (const Node& n : params.items()) {
    FitParameter fp;
    fp.where = n.location();
    const Node nn = n.at("name");
    fp.name = nn.text();
    if (!names.insert(fp.name).second) nn.fail("parameter '" + fp.name + "' is listed twice");
    double cat_min = 0.0, cat_max = 0.0;
    if (fp.name.rfind(kThermoPrefix, 0) == 0) {
      const std::string tn = fp.name.substr(kThermoPrefix.size());
      const auto cat = scenario::thermo_parameter_catalogue(p.conditions.front().scenario.database);
      const scenario::ThermoParameterInfo& info = scenario::require_thermo_parameter(
          *cat, tn, nn.location(), "parameters.name", nn.source_line());
      fp.path = fp.name;
      fp.unit = "";
      fp.nominal = info.default_value;
      cat_min = info.min;
      cat_max = info.max;
      fp.scale = Scale::Linear;
    } else {
      const kinetics::ParameterInfo& info =
          kin.at(fp.name, nn.location(), "parameters.name", nn.source_line());
      fp.path = "kinetics.parameters." + fp.name;
      fp.unit = info.unit == "1" ? "" : info.unit;
      fp.nominal = info.default_si;
      cat_min = info.min_si;
      cat_max = info.max_si;
      fp.scale = info.min_si > 0.0 ? Scale::Log10 : Scale::Linear;
    }
    if (auto sc = n.get("scale"))
      fp.scale = sc->choice({"lin", "log10"}) == "lin" ? Scale::Linear : Scale::Log10;
    fp.lower = cat_min;
    fp.upper = cat_max;
    if (auto b = n.get("bounds")) {
      const std::vector<Node> items = b->items();
      if (items.size() != 2) b->fail("bounds are two values: [lower, upper]");
      fp.lower = quantity_in(items[0], fp.unit, "a bound of '" + fp.name + "'");
      fp.upper = quantity_in(items[1], fp.unit, "a bound of '" + fp.name + "'");
      if (!(fp.lower < fp.upper)) b->fail("the lower bound must lie below the upper bound");
      if (fp.scale == Scale::Log10 && !(fp.lower > 0.0))
        b->fail("a log10-scaled parameter needs a positive lower bound");
    } else if (!(std::isfinite(fp.lower) && std::isfinite(fp.upper) && fp.lower < fp.upper)) {
      n.fail("'" + fp.name + "' has no catalogue range: give 'bounds: [lower, upper]'");
    } else if (fp.scale == Scale::Log10 && !(fp.lower > 0.0)) {
      n.fail("'" + fp.name + "' cannot be log10-scaled: its range includes 0",
             "use 'scale: lin' or positive bounds");
    }
    if (auto pr = n.get("prior")) {
      const std::vector<input::Entry> es = pr->entries();
      if (es.size() != 1)
        pr->fail(
            "a prior is one of {normal: [mean, sd]}, {lognormal: [median, sd_ln]}, {uniform: "
            "[lower, upper]}");
      const input::Entry& e = es.front();
      const std::vector<Node> v = e.value.items();
      if (v.size() != 2) e.value.fail("two values expected");
      if (e.key == "normal") {
        fp.prior = PriorKind::Normal;
        fp.prior_a = quantity_in(v[0], fp.unit, "the prior mean");
        fp.prior_b = quantity_in(v[1], fp.unit, "the prior sd");
      } else if (e.key == "lognormal") {
        fp.prior = PriorKind::LogNormal;
        fp.prior_a = quantity_in(v[0], fp.unit, "the prior median");
        fp.prior_b = v[1].number();
        if (!(fp.prior_a > 0.0)) v[0].fail("a log-normal median must be positive");
      } else if (e.key == "uniform") {
        fp.prior = PriorKind::Uniform;
        fp.prior_a = quantity_in(v[0], fp.unit, "the prior's lower end");
        fp.prior_b = quantity_in(v[1], fp.unit, "the prior's upper end");
        fp.lower = std::max(fp.lower, fp.prior_a);
        fp.upper = std::min(fp.upper, fp.prior_b);
      } else {
        e.key_node.fail("unknown prior '" + e.key + "'", "priors: normal, lognormal, uniform");
      }
      if (fp.prior != PriorKind::Uniform && !(fp.prior_b > 0.0))
        v[1].fail("the prior's spread must be positive");
    }
    n.check_known_keys();
    p.parameters.push_back(std::move(fp));
  }
  if (p.parameters.empty()) params.fail("no parameters to fit");

  // ---- fit settings
  if (auto f = root.get("fit")) {
    if (auto s = f->get("starts")) {
      const std::int64_t v = s->integer();
      if (v < 1 || v > 100000) s->fail("starts must lie between 1 and 100000");
      p.settings.starts = static_cast<std::size_t>(v);
    }
    if (auto s = f->get("seed")) p.settings.seed = static_cast<std::uint64_t>(s->integer());
    if (auto s = f->get("max_iterations")) {
      const std::int64_t v = s->integer();
      if (v < 1 || v > 100000) s->fail("max_iterations must lie between 1 and 100000");
      p.settings.max_iterations = static_cast<int>(v);
    }
    if (auto s = f->get("profiles")) p.settings.profiles = s->boolean();
    if (auto s = f->get("gradient"))
      p.settings.gradient = s->choice({"sensitivities", "finite-differences"}) == "sensitivities"
                                ? FitSettings::Gradient::Sensitivities
                                : FitSettings::Gradient::FiniteDifferences;
    if (auto s = f->get("sample")) p.settings.sample = s->boolean();
    if (auto s = f->get("method")) {
      const std::string m = s->choice({"auto", "levenberg_marquardt", "nelder_mead"});
      p.settings.method = m == "auto"                  ? FitSettings::Method::Auto
                          : m == "levenberg_marquardt" ? FitSettings::Method::LevenbergMarquardt
                                                       : FitSettings::Method::NelderMead;
    }
    if (auto l = f->get("loss")) {
      // {type: huber, scale: 2} or just huber
      const Node type = l->is_map() ? l->at("type") : *l;
      const std::string t = type.choice({"linear", "huber", "soft_l1", "cauchy", "arctan"});
      using optimize::LossKind;
      p.settings.loss.kind = t == "linear"    ? LossKind::Linear
                             : t == "huber"   ? LossKind::Huber
                             : t == "soft_l1" ? LossKind::SoftL1
                             : t == "cauchy"  ? LossKind::Cauchy
                                              : LossKind::Arctan;
      if (l->is_map()) {
        if (auto sc = l->get("scale")) {
          p.settings.loss.scale = sc->number();
          if (!(p.settings.loss.scale > 0.0))
            sc->fail("the loss scale must be positive, got " + sc->text(),
                     "it is in units of the residual (sigmas): e.g. 'scale: 2'");
        }
        l->check_known_keys();
      }
    }
    if (auto s = f->get("rtol")) {
      p.settings.rtol = s->number();
      if (!(p.settings.rtol > 0.0 && p.settings.rtol < 1e-2)) s->fail("rtol must lie in (0, 0.01)");
    }
    if (auto s = f->get("sensitivity_tolerance_factor")) {
      p.settings.sensitivity_tolerance_factor = s->number();
      if (!(p.settings.sensitivity_tolerance_factor >= 1.0 &&
            p.settings.sensitivity_tolerance_factor <= 1000.0))
        s->fail("sensitivity_tolerance_factor must lie between 1 and 1000, got " + s->text(),
                "the sensitivities' tolerances are this factor times the states' (1: as accurate "
                "as the states)");
    }
    if (auto s = f->get("iteration_jacobian"))
      p.settings.fast_iteration_jacobian = s->choice({"fast", "accurate"}) == "fast";
    f->check_known_keys();
  }

  // ---- sampling settings
  if (auto f = root.get("sampling")) {
    SamplingSettings& s = p.sampling;
    auto count = [](const Node& n, std::int64_t lo, std::int64_t hi, const char* what) {
      const std::int64_t v = n.integer();
      if (v < lo || v > hi)
        n.fail(std::string(what) + " must lie between " + std::to_string(lo) + " and " +
               std::to_string(hi) + ", got " + n.text());
      return static_cast<std::size_t>(v);
    };
    if (auto n = f->get("walkers")) {
      s.walkers = count(*n, 4, 100000, "walkers");
      if (s.walkers % 2 != 0)
        n->fail("walkers must be even (the ensemble moves in two halves)",
                "e.g. " + std::to_string(s.walkers + 1));
      if (s.walkers < 2 * p.parameters.size())
        n->fail("walkers must be at least twice the number of fitted parameters (" +
                    std::to_string(2 * p.parameters.size()) + ")",
                "an ensemble with fewer walkers cannot span the parameter space");
    }
    if (auto n = f->get("steps")) s.steps = count(*n, 1, 100000000, "steps");
    if (auto n = f->get("burn")) {
      s.burn = count(*n, 0, 100000000, "burn");
      if (s.burn >= s.steps)
        n->fail("burn (" + std::to_string(s.burn) + ") must be smaller than steps (" +
                std::to_string(s.steps) + ")");
    } else if (s.burn >= s.steps) {
      s.burn = s.steps / 4;
    }
    if (auto n = f->get("thin")) s.thin = count(*n, 1, 1000000, "thin");
    if (auto n = f->get("seed"))
      s.seed = static_cast<std::uint64_t>(count(*n, 0, INT64_MAX, "seed"));
    if (auto n = f->get("checkpoint_every"))
      s.checkpoint_every = count(*n, 1, 100000000, "checkpoint_every");
    f->check_known_keys();
  }
  root.check_known_keys();
  return p;
}

}  // namespace calcikin::fit
