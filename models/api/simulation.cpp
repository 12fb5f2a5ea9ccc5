#include "models/api/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <stdexcept>

#include "models/api/initial_solution.hpp"
#include "models/kinetics/acp_equilibration.hpp"
#include "models/kinetics/autocatalytic_model.hpp"
#include "models/kinetics/mechanistic_model.hpp"
#include "models/kinetics/memo_chemistry.hpp"
#include "models/kinetics/parameter_catalogue.hpp"
#include "models/kinetics/speciator_chemistry.hpp"
#include "models/kinetics/trajectory.hpp"
#include "models/scenario/loader.hpp"
#include "models/scenario/overrides.hpp"
#include "models/scenario/thermo_parameters.hpp"
#include "models/thermo/database.hpp"
#include "solver/input/did_you_mean.hpp"
#include "solver/input/input_error.hpp"
#include "solver/ode/cvode_integrator.hpp"

namespace calcikin::api {

namespace {

using kinetics::kCa;
using kinetics::kH;
using kinetics::kMg;
using kinetics::kP;

constexpr const char* kOutputElements[] = {"Ca", "Mg", "P"};
const std::vector<std::string>& kKineticPhases = kinetics::kinetic_phase_names();

kinetics::CrystalKind kind_of(const std::string& phase) {
  return phase == "ACP" ? kinetics::CrystalKind::HAP  // ACP's entry is unused
                        : kinetics::crystal_kind(phase);
}

std::vector<double> make_output_times(const scenario::TimeSpec& t) {
  std::vector<double> out;
  if (t.grid == scenario::TimeGrid::List) {
    out = t.list;
  } else {
    const double last = t.last_from_end ? t.end : t.last;
    const int n = std::max(t.points, 1);
    for (int i = 0; i < n; ++i) {
      const double f = n == 1 ? 1.0 : static_cast<double>(i) / (n - 1);
      out.push_back(t.grid == scenario::TimeGrid::Logspace ? t.first * std::pow(last / t.first, f)
                                                           : t.first + (last - t.first) * f);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

io::Variable var(std::string name, std::vector<std::string> dims, std::string units,
                 std::string long_name, io::ValueKind kind = io::ValueKind::Float64) {
  io::Variable v;
  v.name = std::move(name);
  v.dims = std::move(dims);
  v.units = std::move(units);
  v.long_name = std::move(long_name);
  v.kind = kind;
  return v;
}

// A bare kinetic catalogue name ("HAP.growth.rate_constant") as its path.
std::string qualified_path(std::string_view path) {
  const auto starts = [&](std::string_view prefix) { return path.rfind(prefix, 0) == 0; };
  if (path.find("parameters.") == std::string_view::npos && !starts("solution.") &&
      !starts("minerals.") && !starts("solver.") && !starts("time."))
    return "kinetics.parameters." + std::string(path);
  return std::string(path);
}

}  // namespace

std::shared_ptr<const Simulation> Simulation::prepare(const scenario::Scenario& s,
                                                      const std::vector<BoundPath>& fitted) {
  // Errors raised below by code that knows only a location get the scenario line and caret.
  try {
    return prepare_checked(s, fitted);
  } catch (const input::InputError& e) {
    throw scenario::with_source_line(s, e);
  }
}

std::shared_ptr<const Simulation> Simulation::prepare_checked(
    scenario::Scenario s, const std::vector<BoundPath>& fitted) {
  std::shared_ptr<Simulation> sim(new Simulation());
  const auto fail_at = [&s](const input::SourceLocation& where, const std::string& key,
                            const std::string& problem, const std::string& hint = {}) {
    scenario::fail_at(s, where, key, problem, hint);
  };

  // ---- model level and phases
  sim->autocatalytic_ = s.kinetics.model == "autocatalytic";
  if (!sim->autocatalytic_ && s.kinetics.model != "mechanistic")
    fail_at(s.kinetics.phases_where, "kinetics.model", "unknown model '" + s.kinetics.model + "'",
            "models: mechanistic, autocatalytic");
  sim->phases_ = {"ACP"};
  std::vector<std::string> requested = s.kinetics.phases;
  if (requested.empty()) requested = {"HAP", "WH"};
  for (std::size_t i = 0; i < requested.size(); ++i) {
    const std::string& ph = requested[i];
    const input::SourceLocation& ph_where =
        i < s.kinetics.phase_where.size() ? s.kinetics.phase_where[i] : s.kinetics.phases_where;
    if (std::find(kKineticPhases.begin(), kKineticPhases.end(), ph) == kKineticPhases.end()) {
      std::string hint = input::did_you_mean(ph, kKineticPhases);
      if (hint.empty()) hint = "kinetic phases: ACP, HAP, WH, OCP, DCPD, newberyite";
      fail_at(ph_where, "kinetics.phases[" + std::to_string(i) + "]",
              "no kinetics for phase '" + ph + "'", hint);
    }
    if (ph != "ACP" &&
        std::find(sim->phases_.begin(), sim->phases_.end(), ph) == sim->phases_.end())
      sim->phases_.push_back(ph);
  }
  if (sim->autocatalytic_ && sim->phases_.size() < 2)
    fail_at(s.kinetics.phases_where, "kinetics.phases",
            "the autocatalytic model needs a crystalline phase");
  if (sim->autocatalytic_) sim->phases_.resize(2);
  for (const scenario::MineralSpec& m : s.minerals) {
    if (std::find(sim->phases_.begin(), sim->phases_.end(), m.phase) == sim->phases_.end())
      fail_at(m.where, "minerals." + m.phase,
              "mineral '" + m.phase + "' is not a phase of this simulation",
              "list it in kinetics.phases (ACP, HAP, WH, OCP, DCPD, newberyite)");
    if (m.equilibrate && m.phase != "ACP")
      fail_at(m.where, "minerals." + m.phase + ".equilibrate",
              "only ACP can be equilibrated with the initial solution");
  }

  // ---- kinetic parameters of the base scenario: names, units and physical domains were checked
  // when the file was read (scenario::convert_value), values are SI.
  PointInputs& in = sim->base_;
  in.kinetics = kinetics::KineticParameters::defaults();
  for (const scenario::ParameterOverride& o : s.kinetics.parameters)
    if (!in.kinetics.set(o.name, o.value))
      fail_at(o.where, "kinetics.parameters." + o.name,
              "unknown kinetic parameter '" + o.name + "'");

  // ---- chemical system: every element of the solution, plus Ca, Mg and P (so they can be swept)
  std::shared_ptr<const thermo::Database> db;
  try {
    db = thermo::load_database(s.database);
  } catch (const input::InputError& e) {
    if (e.where().line > 0) throw;  // a problem inside the database file: point there
    fail_at(s.database_where, "database", e.problem(), e.hint());
  }
  // The initial solution, described and checked once (the same code as `speciate`).
  const InitialSolution solution(s, *db);
  std::vector<std::string> elements = solution.components();
  std::vector<input::SourceLocation> where = solution.locations();
  for (const char* e : kOutputElements)
    if (std::find(elements.begin(), elements.end(), e) == elements.end()) {
      elements.emplace_back(e);
      where.emplace_back();
    }
  // Swept paths were resolved when the file was read (a SweepParameter is its ResolvedPath); fitted
  // paths are resolved here, once. Applying one point is then an assignment.
  std::vector<scenario::ResolvedPath> bound(s.sweep.parameters.begin(), s.sweep.parameters.end());
  for (const BoundPath& f : fitted)
    bound.push_back(scenario::resolve_path(s, qualified_path(f.path), f.where, f.source_line));
  for (const scenario::ResolvedPath& r : bound)
    if (r.target == scenario::PathTarget::Total &&
        std::find(elements.begin(), elements.end(), r.key) == elements.end()) {
      elements.push_back(r.key);
      where.push_back(r.where);
    }
  thermo::SystemOptions options;
  options.element_locations = where;
  options.enable_species = s.thermodynamics.optional_species;
  sim->system_ = thermo::ChemicalSystem::create(db, elements, options);
  const thermo::ChemicalSystem& system = *sim->system_;
  for (const std::string& ph : sim->phases_)
    if (system.phase_index(ph) < 0)
      fail_at(s.kinetics.phases_where, "kinetics.phases",
              "the database '" + s.database + "' has no phase '" + ph + "'");

  // ---- the base inputs and what each of their entries means (looked up here, once)
  const scenario::SolutionSpec& sol = s.solution;
  in.temperature = sol.temperature;
  in.pH = sol.pH;
  in.density = sol.density;
  in.rtol = s.solver.rtol;
  sim->free_pH_ = sol.pH_mode == scenario::PhMode::Free;
  const auto add_total = [&](const std::string& element, scenario::ConcentrationBasis basis,
                             double value) {
    const int i = system.element_index(element);
    if (i < 0) return;  // not a component of the system (the system refuses unknown elements)
    TotalEntry t;
    t.element = element;
    t.system_index = static_cast<std::size_t>(i);
    t.basis = basis;
    const int b = db->find_basis(element);
    if (b >= 0)
      t.gram_formula_weight = db->basis[static_cast<std::size_t>(b)].gram_formula_weight * 1e-3;
    sim->totals_.push_back(std::move(t));
    in.totals.push_back(value);
  };
  for (const scenario::TotalEntry& t : sol.totals) add_total(t.element, t.basis, t.value);
  for (const scenario::ResolvedPath& r : bound)
    if (r.target == scenario::PathTarget::Total &&
        std::none_of(sim->totals_.begin(), sim->totals_.end(),
                     [&](const TotalEntry& t) { return t.element == r.key; }))
      add_total(r.key, r.basis, 0.0);
  if (sol.buffer) {
    sim->buffer_index_ = system.element_index(sol.buffer->name);
    in.buffer_total = sol.buffer->total;
  }
  if (sol.charge_balance) {
    sim->charge_balance_index_ = system.element_index(*sol.charge_balance);
    if (sim->charge_balance_index_ < 0)
      fail_at(sol.charge_balance_where, "solution.charge_balance",
              "charge-balance element '" + *sol.charge_balance + "' is not in the system");
  }
  for (int k = 0; k < 3; ++k)
    sim->output_element_index_[k] = system.element_index(kOutputElements[k]);
  const auto add_mineral = [&](const scenario::MineralSpec& m, const std::string& key_path) {
    const auto it = std::find(sim->phases_.begin(), sim->phases_.end(), m.phase);
    if (it == sim->phases_.end())
      fail_at(m.where, key_path, "mineral '" + m.phase + "' is not a phase of this simulation",
              "list it in kinetics.phases (ACP, HAP, WH, OCP, DCPD, newberyite)");
    sim->minerals_.push_back({m.phase, static_cast<std::size_t>(it - sim->phases_.begin())});
    in.minerals.push_back({m.amount, m.radius, m.mg_fraction, m.equilibrate});
  };
  for (const scenario::MineralSpec& m : s.minerals) add_mineral(m, "minerals." + m.phase);
  for (const scenario::ResolvedPath& r : bound)
    if ((r.target == scenario::PathTarget::MineralAmount ||
         r.target == scenario::PathTarget::MineralRadius) &&
        std::none_of(sim->minerals_.begin(), sim->minerals_.end(),
                     [&](const MineralEntry& m) { return m.phase == r.key; })) {
      scenario::MineralSpec m;
      m.phase = r.key;
      m.where = r.where;
      add_mineral(m, r.key_path);
    }
  // Thermodynamic offsets: the scenario's settings, then swept or fitted ones it does not set
  // (starting from the database default, so every point sets the same slots).
  const auto add_thermo = [&](const std::string& name, const input::SourceLocation& at,
                              const std::string& line, const std::optional<double>& value) {
    const auto thermo_catalogue = scenario::thermo_parameter_catalogue(s.database);
    const scenario::ThermoParameterInfo& info = scenario::require_thermo_parameter(
        *thermo_catalogue, name, at, "thermodynamics.parameters." + name, line);
    ThermoSlot slot;
    slot.name = name;
    slot.kind = info.kind;
    slot.system_index = info.kind == scenario::ThermoParameterKind::PhaseLogKOffset
                            ? system.phase_index(info.target)
                            : system.species_index(info.target);
    sim->thermo_slots_.push_back(std::move(slot));
    in.thermo_offsets.push_back(value ? *value : info.default_value);
  };
  for (const scenario::ThermoParameterSetting& p : s.thermodynamics.parameters)
    add_thermo(p.name, p.where, p.source_line, p.value);
  for (const scenario::ResolvedPath& r : bound)
    if (r.target == scenario::PathTarget::ThermoParameter &&
        std::none_of(sim->thermo_slots_.begin(), sim->thermo_slots_.end(),
                     [&](const ThermoSlot& t) { return t.name == r.key; }))
      add_thermo(r.key, r.where, {}, std::nullopt);
  for (const scenario::SweepParameter& p : s.sweep.parameters)
    sim->sweep_bindings_.push_back(sim->bind(p));
  for (std::size_t i = s.sweep.parameters.size(); i < bound.size(); ++i)
    sim->fitted_bindings_.push_back(sim->bind(bound[i]));

  // ---- output layout
  sim->output_times_ = make_output_times(s.time);
  if (sim->output_times_.empty()) throw input::InputError({}, "time", "no output times");
  {
    const std::size_t n = sim->output_times_.size();
    const std::size_t every = s.output.time_series == scenario::TimeSeriesMode::Every
                                  ? static_cast<std::size_t>(std::max(1, s.output.every))
                                  : 1;
    sim->output_written_.assign(n, s.output.time_series == scenario::TimeSeriesMode::None ? 0 : 1);
    if (s.output.time_series == scenario::TimeSeriesMode::Every)
      for (std::size_t k = 0; k < n; ++k) sim->output_written_[k] = k % every == 0 ? 1 : 0;
    sim->output_written_[n - 1] =
        1;  // the end state is always written (and is the summaries' state)
  }
  io::RunLayout& L = sim->layout_;
  io::Coordinate time{"time", "s", "time since mixing", sim->output_times_, {}};
  io::Coordinate phase{
      "phase", "", "mineral phase (ACP first, then the crystalline phases)", {}, sim->phases_};
  io::Coordinate element{"element", "", "element", {}, {"Ca", "Mg", "P"}};
  L.dimensions = {time, phase, element};
  L.variables = {
      var("dissolved_total", {"time", "element"}, "mol/kg",
          "dissolved total of the element per kg water"),
      var("solid_element", {"time", "phase", "element"}, "mol/kg",
          "element held in the phase per kg water"),
      var("phase_amount", {"time", "phase"}, "mol/kg",
          "amount of the phase (formula units) per kg water"),
      var("saturation_index", {"time", "phase"}, "1", "log10 of the saturation ratio"),
      var("mean_radius", {"time", "phase"}, "m",
          "mean particle radius (mu1/mu0; ACP: pool radius)"),
      var("pH", {"time"}, "1", "pH"),
      var("free_calcium_activity", {"time"}, "1", "activity of Ca+2"),
      var("crystalline_fraction", {"time"}, "1",
          "share of the solid phosphate held in crystalline phases"),
      var("t50", {}, "s",
          "time at which the crystalline fraction reaches events.half_conversion_fraction"),
      var("induction_time", {}, "s",
          "time at which the crystalline fraction reaches events.induction_fraction"),
      var("final_phase_fraction", {"phase"}, "1",
          "share of the solid phosphate in each phase at the end"),
      var("solid_mg_fraction", {"phase"}, "1", "Mg/(Ca+Mg) of each solid at the end"),
      var("dominant_phase", {}, "1", "phase holding most of the solid phosphate at the end",
          io::ValueKind::Label),
      var("initial_acp_amount", {}, "mol/kg", "ACP present at t = 0 (pre-formed or equilibrated)"),
      var("conservation_error", {}, "1",
          "largest relative drift of the Ca, Mg, P totals over the outputs"),
      var("steps", {}, "1", "CVODE steps (0: followed in closed form, solver.method auto)",
          io::ValueKind::Int64),
      var("rhs_evaluations", {}, "1", "right-hand side evaluations", io::ValueKind::Int64),
      var("jacobian_evaluations", {}, "1", "Jacobian evaluations", io::ValueKind::Int64),
      var("error_test_failures", {}, "1", "CVODE error test failures", io::ValueKind::Int64),
      var("nonlinear_convergence_failures", {}, "1", "CVODE nonlinear convergence failures",
          io::ValueKind::Int64),
  };
  L.variables[12].labels = sim->phases_;
  L.variables[12].labels.emplace_back("none");  // no solid left (or formed) at the end
  L.validate();
  VariableIndex& v = sim->v_;
  v.dissolved = L.variable_index("dissolved_total");
  v.solid = L.variable_index("solid_element");
  v.amount = L.variable_index("phase_amount");
  v.si = L.variable_index("saturation_index");
  v.radius = L.variable_index("mean_radius");
  v.ph = L.variable_index("pH");
  v.ca = L.variable_index("free_calcium_activity");
  v.alpha = L.variable_index("crystalline_fraction");
  v.t50 = L.variable_index("t50");
  v.induction = L.variable_index("induction_time");
  v.final_fraction = L.variable_index("final_phase_fraction");
  v.mg_fraction = L.variable_index("solid_mg_fraction");
  v.dominant = L.variable_index("dominant_phase");
  v.initial_acp = L.variable_index("initial_acp_amount");
  v.conservation = L.variable_index("conservation_error");
  v.steps = L.variable_index("steps");
  v.rhs = L.variable_index("rhs_evaluations");
  v.jac = L.variable_index("jacobian_evaluations");
  v.etf = L.variable_index("error_test_failures");
  v.ncf = L.variable_index("nonlinear_convergence_failures");
  sim->scenario_ = std::move(s);
  return sim;
}

ParameterBinding Simulation::bind(std::string_view path, const input::SourceLocation& where,
                                  const std::string& source_line) const {
  return bind(scenario::resolve_path(scenario_, qualified_path(path), where, source_line));
}

ParameterBinding Simulation::bind(const scenario::ResolvedPath& r) const {
  const std::string& path = r.path;
  const auto fail = [&](const std::string& problem, const std::string& hint = {}) -> void {
    throw input::InputError(r.where, r.key_path.empty() ? r.path : r.key_path, problem,
                            r.source_line, hint);
  };
  switch (r.target) {
    case scenario::PathTarget::Temperature:
    case scenario::PathTarget::PH:
    case scenario::PathTarget::Density:
    case scenario::PathTarget::BufferTotal:
    case scenario::PathTarget::SolverRtol:
      return {r.target, 0, path, r.unit};
    case scenario::PathTarget::TimeEnd:
      fail("time.end cannot be bound: every run shares one time axis");
      break;
    case scenario::PathTarget::Total:
      for (std::size_t i = 0; i < totals_.size(); ++i)
        if (totals_[i].element == r.key)
          return {r.target, i, path,
                  totals_[i].basis == scenario::ConcentrationBasis::Molal ? "mol/kg" : "mol/m3"};
      fail("'" + r.key + "' is not a total of this problem",
           "set it in solution.totals (or sweep it)");
      break;
    case scenario::PathTarget::MineralAmount:
    case scenario::PathTarget::MineralRadius:
      for (std::size_t i = 0; i < minerals_.size(); ++i)
        if (minerals_[i].phase == r.key) return {r.target, i, path, r.unit};
      fail("'" + r.key + "' is not a mineral of this problem", "list it under minerals");
      break;
    case scenario::PathTarget::KineticParameter: {
      const int slot = kinetics::KineticParameters::slot_of(r.key);
      if (slot < 0) fail("kinetic parameter '" + r.key + "' is not bound to a field (a bug)");
      return {r.target, static_cast<std::size_t>(slot), path, r.unit};
    }
    case scenario::PathTarget::ThermoParameter:
      for (std::size_t i = 0; i < thermo_slots_.size(); ++i)
        if (thermo_slots_[i].name == r.key) return {r.target, i, path, r.unit};
      fail("thermodynamic parameter '" + r.key + "' has no slot in this problem",
           "set it in thermodynamics.parameters, sweep it, or pass it to prepare as fitted");
      break;
  }
  fail("cannot bind '" + path + "'");
  return {};
}

ode::IntegratorOptions Simulation::integrator_options(const PointInputs& in) const noexcept {
  ode::IntegratorOptions opt;
  opt.rtol = in.rtol;
  opt.max_steps = static_cast<long>(scenario_.solver.max_steps);
  opt.max_wall_time = scenario_.solver.max_wall_time;
  opt.max_step = scenario_.solver.max_step;
  opt.exact_solution = scenario_.solver.exact_solution;
  return opt;
}

// ------------------------------------------------------------------------------------------------
// One evaluator per thread: a CVODE workspace and a Speciator, reused for every point.

struct TrajectoryEvaluator::Impl final : private kinetics::ObservationSink {
  explicit Impl(const Simulation& sim)
      : sim_(sim),
        inputs_(sim.base_),
        totals_(sim.system_->num_elements(), 0.0),
        chemistry_(sim.system_, sim.phases_, totals_, sim.base_.temperature, false, sim.base_.pH) {
    crystals_.reserve(sim.phases_.size());
    for (const std::string& phase : sim.phases_) crystal_kinds_.push_back(kind_of(phase));
  }

  void evaluate(const PointInputs& in, io::RunRecord& out) noexcept {
    try {
      run(in, out);
    } catch (const std::exception& e) {
      out.fail(e.what());
    } catch (...) {
      out.fail("unknown error");
    }
  }

  bool needs_chemistry(std::size_t k) const override { return sim_.output_written(k); }

  void record(std::size_t k, double t, const kinetics::Observation& o) override {
    const Simulation::VariableIndex& v = sim_.v_;
    const std::size_t np = sim_.phases_.size();
    double* dissolved = record_->data(v.dissolved) + 3 * k;
    for (int e = 0; e < 3; ++e) dissolved[e] = o.dissolved[static_cast<std::size_t>(e)];
    for (std::size_t p = 0; p < np; ++p) {
      double* solid = record_->data(v.solid) + 3 * (k * np + p);
      for (std::size_t e = 0; e < 3; ++e) solid[e] = o.solid[p][e];
      record_->data(v.amount)[k * np + p] = o.amount[p];
      record_->data(v.si)[k * np + p] = o.saturation_index[p];
      record_->data(v.radius)[k * np + p] = o.mean_radius[p];
    }
    record_->data(v.ph)[k] = o.pH;
    record_->data(v.ca)[k] = std::pow(10.0, o.log10_activity_ca);
    record_->data(v.alpha)[k] = o.crystalline_fraction;
    // Conservation: dissolved + solids - source*t equals the initial totals.
    for (std::size_t e = 0; e < 3; ++e) {
      double sum = o.dissolved[e];
      for (std::size_t p = 0; p < np; ++p) sum += o.solid[p][e];
      if (e == kP) sum -= source_rate_ * t;
      const double ref = element_totals_[e];
      if (ref > 0.0) conservation_ = std::max(conservation_, std::fabs(sum - ref) / ref);
    }
  }

  // Molal totals of every system element (molar input: PHREEQC's rule, initial_solution.hpp, the
  // same conversion as `speciate`).
  void fill_totals(const PointInputs& in) {
    std::fill(totals_.begin(), totals_.end(), 0.0);
    double solutes = 0.0;  // kg per litre
    bool any_molar = false;
    for (std::size_t i = 0; i < sim_.totals_.size(); ++i)
      if (sim_.totals_[i].basis == scenario::ConcentrationBasis::Molar) {
        any_molar = true;
        solutes += in.totals[i] * 1e-3 * sim_.totals_[i].gram_formula_weight;  // mol/m3 -> mol/L
      }
    const double kgw_per_litre = any_molar ? in.density - solutes : 1.0;
    if (!(kgw_per_litre > 0.0))
      throw std::domain_error("the solutes outweigh the solution (density too low)");
    for (std::size_t i = 0; i < sim_.totals_.size(); ++i) {
      const Simulation::TotalEntry& t = sim_.totals_[i];
      totals_[t.system_index] = t.basis == scenario::ConcentrationBasis::Molal
                                    ? in.totals[i]
                                    : in.totals[i] * 1e-3 / kgw_per_litre;
    }
    if (sim_.buffer_index_ >= 0)
      totals_[static_cast<std::size_t>(sim_.buffer_index_)] = in.buffer_total;
  }

  kinetics::KineticsModel& build(const PointInputs& in) {
    const kinetics::KineticParameters& params = in.kinetics;
    memo_.reset();
    fill_totals(in);
    thermo::Speciator& speciator = chemistry_.speciator();
    for (std::size_t i = 0; i < sim_.thermo_slots_.size(); ++i) {
      const Simulation::ThermoSlot& slot = sim_.thermo_slots_[i];
      if (slot.system_index < 0) continue;
      if (slot.kind == scenario::ThermoParameterKind::PhaseLogKOffset)
        speciator.set_phase_log_k_offset(static_cast<std::size_t>(slot.system_index),
                                         in.thermo_offsets[i]);
      else
        speciator.set_species_log_k_offset(static_cast<std::size_t>(slot.system_index),
                                           in.thermo_offsets[i]);
    }
    // Every point starts speciation from the same initial guess, so its results do not depend on
    // which points this thread computed before (bit-identical files for any threads/shards/resume).
    speciator.reset_initial_guess();
    if (in.temperature != temperature_) {
      speciator.set_temperature(in.temperature);
      temperature_ = in.temperature;
    }
    chemistry_.set_free_pH(false);
    chemistry_.set_pH(in.pH);
    if (sim_.charge_balance_index_ >= 0) {
      const auto i = static_cast<std::size_t>(sim_.charge_balance_index_);
      double adjusted = 0.0;
      const thermo::SpeciationStatus st =
          speciator.solve_charge_balance(totals_.data(), in.pH, i, &adjusted);
      if (!st.converged)
        throw std::runtime_error("no " + sim_.system_->element_name(i) +
                                 " total balances the charge");
      totals_[i] = adjusted;
    }
    chemistry_.set_background_totals(totals_);
    std::array<double, kinetics::kComponentCount> dissolved{};
    for (int k = 0; k < 3; ++k)
      dissolved[static_cast<std::size_t>(k)] =
          sim_.output_element_index_[k] >= 0
              ? totals_[static_cast<std::size_t>(sim_.output_element_index_[k])]
              : 0.0;

    // Free pH (unbuffered or weakly buffered media): the scenario pH is that of the solution before
    // any precipitation; the proton balance is fixed there, so the acid released when ACP forms
    // from HPO4-rich solution (and later when it converts) lowers the pH.
    if (sim_.free_pH_) {
      dissolved[kH] = chemistry_.proton_balance_at(dissolved.data(), in.pH);
      chemistry_.set_free_pH(true);
    }

    // ---- pre-formed minerals
    double acp_amount = 0.0, acp_radius = 25e-9, acp_mg_fraction = 0.0;
    crystals_.clear();
    for (std::size_t c = 1; c < sim_.phases_.size(); ++c)
      crystals_.push_back({crystal_kinds_[c], c, 0.0, 25e-9});
    for (std::size_t i = 0; i < sim_.minerals_.size(); ++i) {
      const MineralInput& m = in.minerals[i];
      const std::size_t phase = sim_.minerals_[i].phase_index;
      if (phase == 0) {  // ACP
        acp_radius = m.radius;
        // Mg-bearing ACP from t = 0, Mg conserved (models/kinetics/acp_equilibration.hpp).
        const kinetics::MgAcpInitial eq =
            kinetics::initial_mg_acp(chemistry_, 0, dissolved, m.equilibrate, m.amount,
                                     m.mg_fraction, params.acp_mg_distribution);
        acp_amount = eq.amount;
        acp_mg_fraction = eq.mg_fraction;
        dissolved = eq.dissolved;
      } else {
        crystals_[phase - 1].seed_amount = m.amount;
        crystals_[phase - 1].seed_radius = m.radius;
      }
    }
    acp_amount_ = acp_amount;

    // ---- model
    const scenario::SolverSpec& solver = sim_.scenario_.solver;
    if (sim_.autocatalytic_) {
      kinetics::AutocatalyticSetup& a = auto_setup_;
      a.dissolved = dissolved;
      a.acp_phase = 0;
      a.crystal_phase = 1;
      a.acp_amount = acp_amount;
      a.acp_radius = acp_radius;
      a.parameters = params;
      a.atol = solver.atol_scale;
      model_ = std::make_unique<kinetics::AutocatalyticModel>(chemistry_, a);
    } else {
      kinetics::MechanisticSetup& m = mech_setup_;
      m.temperature = in.temperature;
      m.dissolved = dissolved;
      m.acp_phase = 0;
      m.acp_amount = acp_amount;
      m.acp_radius = acp_radius;
      m.acp_mg_fraction = acp_mg_fraction;
      m.crystals = crystals_;
      m.parameters = params;
      m.atol_scale = solver.atol_scale;
      auto mech = std::make_unique<kinetics::MechanisticModel>(chemistry_, m);
      mech->set_steady_stop(solver.stop_when_steady, solver.steady_tolerance);
      model_ = std::move(mech);
    }
    return *model_;
  }

  // The model of the last build() with other kinetic parameters (sensitivities).
  std::unique_ptr<kinetics::KineticsModel> rebuild(const kinetics::KineticParameters& p) {
    if (model_ == nullptr) throw std::logic_error("model_with_parameters before build_model");
    const scenario::SolverSpec& solver = sim_.scenario_.solver;
    if (sim_.autocatalytic_) {
      kinetics::AutocatalyticSetup a = auto_setup_;
      a.parameters = p;
      return std::make_unique<kinetics::AutocatalyticModel>(memo_, a);
    }
    kinetics::MechanisticSetup m = mech_setup_;
    m.parameters = p;
    auto mech = std::make_unique<kinetics::MechanisticModel>(memo_, m);
    mech->set_steady_stop(solver.stop_when_steady, solver.steady_tolerance);
    return mech;
  }

  void run(const PointInputs& in, io::RunRecord& out) {
    const Simulation::VariableIndex& v = sim_.v_;
    kinetics::KineticsModel& model = build(in);
    out.data(v.initial_acp)[0] = acp_amount_;
    element_totals_ = model.element_totals();
    source_rate_ = in.kinetics.phosphate_source_rate;
    conservation_ = 0.0;

    record_ = &out;
    const kinetics::TrajectoryResult r = kinetics::run_trajectory(
        model, integrator_, sim_.output_times_, sim_.integrator_options(in), this);
    record_ = nullptr;

    // ---- scalars
    const std::size_t np = sim_.phases_.size();
    out.data(v.t50)[0] = r.t50;
    out.data(v.induction)[0] = r.induction_time;
    const kinetics::Observation& f = r.final_observation;
    double p_solid = 0.0;
    for (std::size_t p = 0; p < np; ++p) p_solid += std::max(f.solid[p][kP], 0.0);
    // Below 1e-9 of the phosphate total the "solids" are integration noise: no fractions, no
    // dominant.
    const bool any_solid = p_solid > 1e-9 * element_totals_[kP];
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::size_t dominant = any_solid ? 0 : np;
    for (std::size_t p = 0; p < np; ++p) {
      const double share = any_solid ? std::max(f.solid[p][kP], 0.0) / p_solid : nan;
      out.data(v.final_fraction)[p] = share;
      const double cations = f.solid[p][kCa] + f.solid[p][kMg];
      out.data(v.mg_fraction)[p] = cations > 0.0 ? f.solid[p][kMg] / cations : nan;
      if (any_solid && f.solid[p][kP] > f.solid[dominant][kP]) dominant = p;
    }
    out.data(v.dominant)[0] = static_cast<double>(dominant);
    out.data(v.conservation)[0] = conservation_;
    const ode::IntegratorStatistics& st = r.integration.statistics;
    out.data(v.steps)[0] = static_cast<double>(st.steps);
    out.data(v.rhs)[0] = static_cast<double>(st.rhs_evaluations);
    out.data(v.jac)[0] = static_cast<double>(st.jacobian_evaluations);
    out.data(v.etf)[0] = static_cast<double>(st.error_test_failures);
    out.data(v.ncf)[0] = static_cast<double>(st.nonlinear_convergence_failures);
    if (r.integration.status == ode::IntegrationStatus::Failed) {
      out.fail(r.integration.message);
      return;
    }
    out.status = io::RunStatus::Ok;
  }

  const Simulation& sim_;
  PointInputs inputs_;  // the sweep point's inputs (sized once; copied from the base per point)
  std::vector<double> totals_;
  kinetics::SpeciatorChemistry chemistry_;
  ode::CvodeIntegrator integrator_;
  std::vector<kinetics::CrystalSetup> crystals_;
  std::vector<kinetics::CrystalKind> crystal_kinds_;  // per phase (ACP's entry unused)
  std::unique_ptr<kinetics::KineticsModel> model_;
  kinetics::AutocatalyticSetup auto_setup_;  // of the last build()
  kinetics::MechanisticSetup mech_setup_;
  kinetics::MemoChemistry memo_{chemistry_};  // for rebuild(): shares chemistry_
  double temperature_ = std::numeric_limits<double>::quiet_NaN();
  double acp_amount_ = 0.0;
  std::array<double, kinetics::kComponentCount> element_totals_{};
  double source_rate_ = 0.0;
  double conservation_ = 0.0;
  io::RunRecord* record_ = nullptr;
};

TrajectoryEvaluator::TrajectoryEvaluator(const Simulation& problem)
    : impl_(std::make_unique<Impl>(problem)) {}

TrajectoryEvaluator::~TrajectoryEvaluator() = default;

void TrajectoryEvaluator::evaluate(std::size_t run_index, const double* swept,
                                   io::RunRecord& out) noexcept {
  out.run_index = run_index;
  PointInputs& in = impl_->inputs_;
  in = impl_->sim_.base_;  // same sizes: no allocation
  if (swept != nullptr) apply(impl_->sim_.sweep_bindings_, swept, in);
  impl_->evaluate(in, out);
}

void TrajectoryEvaluator::evaluate(const PointInputs& inputs, io::RunRecord& out) noexcept {
  impl_->evaluate(inputs, out);
}

kinetics::KineticsModel& TrajectoryEvaluator::build_model(const PointInputs& inputs) {
  return impl_->build(inputs);
}

std::unique_ptr<kinetics::KineticsModel> TrajectoryEvaluator::model_with_parameters(
    const kinetics::KineticParameters& parameters) {
  return impl_->rebuild(parameters);
}

bool TrajectoryEvaluator::setup_reads(const ParameterBinding& binding) noexcept {
  if (binding.target() != scenario::PathTarget::KineticParameter) return true;
  static const int acp_distribution =
      kinetics::KineticParameters::slot_of("ACP.mg.distribution_coefficient");
  return static_cast<int>(binding.index()) == acp_distribution;
}

sweep::EvaluatorFactory Simulation::evaluator_factory() const {
  return [this]() -> std::unique_ptr<sweep::PointEvaluator> {
    return std::make_unique<TrajectoryEvaluator>(*this);
  };
}

io::RunRecord Simulation::run_once() const {
  io::RunRecord record(layout_);
  record.reset(0);
  std::vector<double> swept;
  for (const scenario::SweepParameter& p : scenario_.sweep.parameters)
    swept.push_back(p.values.empty() ? 0.0 : p.values.front());
  TrajectoryEvaluator evaluator(*this);
  evaluator.evaluate(0, swept.empty() ? nullptr : swept.data(), record);
  return record;
}

}  // namespace calcikin::api
