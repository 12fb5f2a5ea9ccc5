#include "models/api/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <stdexcept>

#include "models/api/initial_solution.hpp"
#include "models/api/thermo_settings.hpp"
#include "models/kinetics/acp_equilibration.hpp"
#include "models/kinetics/autocatalytic_model.hpp"
#include "models/kinetics/mechanistic_model.hpp"
#include "models/kinetics/parameter_catalogue.hpp"
#include "models/kinetics/speciator_chemistry.hpp"
#include "models/kinetics/trajectory.hpp"
#include "models/scenario/loader.hpp"
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
const std::vector<std::string> kKineticPhases = {"ACP", "HAP", "WH", "OCP"};

// Outside the physical domain of a kinetic parameter (not merely outside its plausible range,
// which fitting may leave): a non-finite value; a negative value where the whole catalogue range
// is >= 0 (rate constants, energies, prefactors); a contact angle outside [0, pi] rad (Young's
// equation); a crystalline fraction that marks an event outside (0, 1) (it could never be
// reached).
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
  if (info.name.rfind("events.", 0) == 0 && ends_with("_fraction") && !(v > 0.0 && v < 1.0)) {
    std::snprintf(text, sizeof text,
                  "'%s' must lie strictly between 0 and 1 (a crystalline fraction that is "
                  "reached), got %g",
                  info.name.c_str(), v);
    return std::string(text);
  }
  if (info.min_si >= 0.0 && v < 0.0) return "'" + info.name + "' cannot be negative";
  return std::nullopt;
}

kinetics::CrystalKind kind_of(const std::string& phase) {
  if (phase == "HAP") return kinetics::CrystalKind::HAP;
  if (phase == "WH") return kinetics::CrystalKind::WH;
  return kinetics::CrystalKind::OCP;
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

}  // namespace

scenario::ParameterCatalogue Simulation::parameter_catalogue() {
  scenario::ParameterCatalogue c;
  const kinetics::ParameterCatalogue& cat = kinetics::ParameterCatalogue::builtin();
  c.names = cat.names();
  c.si_unit_of = [](std::string_view name) -> std::optional<std::string> {
    const kinetics::ParameterInfo* p =
        kinetics::ParameterCatalogue::builtin().find(std::string(name));
    if (p == nullptr) return std::nullopt;
    return p->unit == "1" ? std::string() : p->unit;
  };
  return c;
}

std::shared_ptr<const Simulation> Simulation::prepare(scenario::Scenario s) {
  // Errors raised below by code that knows only a location get the scenario line and caret.
  try {
    return prepare_checked(s);
  } catch (const input::InputError& e) {
    throw scenario::with_source_line(s, e);
  }
}

std::shared_ptr<const Simulation> Simulation::prepare_checked(scenario::Scenario s) {
  std::shared_ptr<Simulation> sim(new Simulation());
  const auto fail_at = [&s](const input::SourceLocation& where, const std::string& key,
                            const std::string& problem, const std::string& hint = {}) {
    scenario::fail_at(s, where, key, problem, hint);
  };
  scenario::resolve_kinetic_parameters(s, parameter_catalogue());

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
      if (hint.empty()) hint = "kinetic phases: ACP, HAP, WH, OCP";
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
              "list it in kinetics.phases (ACP, HAP, WH, OCP)");
    if (m.equilibrate && m.phase != "ACP")
      fail_at(m.where, "minerals." + m.phase + ".equilibrate",
              "only ACP can be equilibrated with the initial solution");
  }

  // ---- kinetic parameters of the base scenario. The catalogue ranges are plausible ranges (not
  // enforced: fitting may leave them), but a parameter whose whole range is >= 0 (rate constants,
  // energies, prefactors) cannot be negative.
  const kinetics::ParameterCatalogue& catalogue = kinetics::ParameterCatalogue::builtin();
  for (const scenario::ParameterOverride& o : s.kinetics.parameters) {
    const kinetics::ParameterInfo& info =
        catalogue.at(o.name, o.where, "kinetics.parameters." + o.name, o.source_line);
    if (auto problem = physical_problem(info, o.value))
      throw input::InputError(o.where, "kinetics.parameters." + o.name, *problem, o.source_line,
                              info.description + " (plausible range in docs/model.md)");
  }
  for (const scenario::SweepParameter& p : s.sweep.parameters) {
    const std::string prefix = "kinetics.parameters.";
    if (p.path.rfind(prefix, 0) != 0) continue;
    const kinetics::ParameterInfo& info =
        catalogue.at(p.path.substr(prefix.size()), p.where, p.path, p.source_line);
    for (double v : p.values)
      if (auto problem = physical_problem(info, v))
        throw input::InputError(p.where, p.path, *problem, p.source_line, info.description);
  }
  sim->parameters_ = kinetics::KineticParameters::defaults();
  for (const scenario::ParameterOverride& o : s.kinetics.parameters)
    sim->parameters_.set(o.name, o.value);

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
  for (const scenario::SweepParameter& p : s.sweep.parameters)
    if (p.path.rfind("solution.totals.", 0) == 0) {
      const std::string el = p.path.substr(16);
      if (std::find(elements.begin(), elements.end(), el) == elements.end()) {
        elements.push_back(el);
        where.push_back(p.where);
      }
    }
  thermo::SystemOptions options;
  options.element_locations = where;
  options.enable_species = s.thermodynamics.optional_species;
  sim->system_ = thermo::ChemicalSystem::create(db, elements, options);
  for (const std::string& ph : sim->phases_)
    if (sim->system_->phase_index(ph) < 0)
      fail_at(s.kinetics.phases_where, "kinetics.phases",
              "the database '" + s.database + "' has no phase '" + ph + "'");
  for (std::size_t i = 0; i < sim->system_->num_elements(); ++i)
    sim->elements_.push_back(sim->system_->element_name(i));

  // ---- swept paths (resolved once; applying one point is then an assignment)
  for (const scenario::SweepParameter& p : s.sweep.parameters) {
    scenario::ResolvedPath r = scenario::resolve_path(s, p.path, p.where, p.source_line);
    r.basis = p.basis;
    if (r.target == scenario::PathTarget::TimeEnd)
      fail_at(p.where, p.path,
              "time.end cannot be swept: every run of a sweep shares one time axis",
              "sweep a parameter of the chemistry or the kinetics, and set time.end once");
    // A swept thermodynamic parameter the file does not set starts from the database default, so
    // that every point's scenario has the same parameter list (bound once below).
    if (r.target == scenario::PathTarget::ThermoParameter) {
      const auto& params = s.thermodynamics.parameters;
      if (std::none_of(params.begin(), params.end(),
                       [&](const auto& t) { return t.name == r.key; }))
        scenario::apply(
            s, r, scenario::thermo_parameter_catalogue(s.database)->find(r.key)->default_value);
    }
    sim->swept_paths_.push_back(std::move(r));
  }
  sim->thermo_bindings_ = bind_thermo_parameters(s, *sim->system_);

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
      var("steps", {}, "1", "CVODE steps", io::ValueKind::Int64),
      var("rhs_evaluations", {}, "1", "right-hand side evaluations", io::ValueKind::Int64),
      var("jacobian_evaluations", {}, "1", "Jacobian evaluations", io::ValueKind::Int64),
      var("error_test_failures", {}, "1", "CVODE error test failures", io::ValueKind::Int64),
      var("nonlinear_convergence_failures", {}, "1", "CVODE nonlinear convergence failures",
          io::ValueKind::Int64),
  };
  L.variables[12].labels = sim->phases_;
  L.variables[12].labels.emplace_back("none");  // no solid left (or formed) at the end
  L.validate();
  sim->scenario_ = std::move(s);
  return sim;
}

// ------------------------------------------------------------------------------------------------
// One evaluator per thread: a CVODE workspace and a Speciator, reused for every point.

class SimulationEvaluator final : public sweep::PointEvaluator, private kinetics::ObservationSink {
 public:
  explicit SimulationEvaluator(const Simulation& sim)
      : sim_(sim),
        point_(sim.scenario_),
        totals_(sim.system_->num_elements(), 0.0),
        chemistry_(sim.system_, sim.phases_, totals_, sim.scenario_.solution.temperature, false,
                   sim.scenario_.solution.pH) {
    const io::RunLayout& L = sim.layout_;
    v_dissolved_ = L.variable_index("dissolved_total");
    v_solid_ = L.variable_index("solid_element");
    v_amount_ = L.variable_index("phase_amount");
    v_si_ = L.variable_index("saturation_index");
    v_radius_ = L.variable_index("mean_radius");
    v_ph_ = L.variable_index("pH");
    v_ca_ = L.variable_index("free_calcium_activity");
    v_alpha_ = L.variable_index("crystalline_fraction");
    for (int k = 0; k < 3; ++k) element_index_[k] = sim.system_->element_index(kOutputElements[k]);
  }

  void evaluate(std::size_t run_index, const double* swept, io::RunRecord& out) noexcept override {
    try {
      out.run_index = run_index;
      run(swept, out);
    } catch (const std::exception& e) {
      out.fail(e.what());
    } catch (...) {
      out.fail("unknown error");
    }
  }

 private:
  bool needs_chemistry(std::size_t k) const override { return sim_.output_written(k); }

  void record(std::size_t k, double t, const kinetics::Observation& o) override {
    const std::size_t np = sim_.phases_.size();
    double* dissolved = record_->data(v_dissolved_) + 3 * k;
    for (int e = 0; e < 3; ++e) dissolved[e] = o.dissolved[static_cast<std::size_t>(e)];
    for (std::size_t p = 0; p < np; ++p) {
      double* solid = record_->data(v_solid_) + 3 * (k * np + p);
      for (std::size_t e = 0; e < 3; ++e) solid[e] = o.solid[p][e];
      record_->data(v_amount_)[k * np + p] = o.amount[p];
      record_->data(v_si_)[k * np + p] = o.saturation_index[p];
      record_->data(v_radius_)[k * np + p] = o.mean_radius[p];
    }
    record_->data(v_ph_)[k] = o.pH;
    record_->data(v_ca_)[k] = std::pow(10.0, o.log10_activity_ca);
    record_->data(v_alpha_)[k] = o.crystalline_fraction;
    // Conservation: dissolved + solids - source*t equals the initial totals.
    for (std::size_t e = 0; e < 3; ++e) {
      double sum = o.dissolved[e];
      for (std::size_t p = 0; p < np; ++p) sum += o.solid[p][e];
      if (e == kP) sum -= source_rate_ * t;
      const double ref = element_totals_[e];
      if (ref > 0.0) conservation_ = std::max(conservation_, std::fabs(sum - ref) / ref);
    }
  }

  // Molal totals of every system element for the point scenario (molar input: PHREEQC's rule,
  // initial_solution.hpp, the same conversion as `speciate`).
  void fill_totals() {
    const scenario::SolutionSpec& sol = point_.solution;
    std::fill(totals_.begin(), totals_.end(), 0.0);
    const double kgw_per_litre = water_per_litre(sol, sim_.system_->database());
    if (!(kgw_per_litre > 0.0))
      throw std::domain_error("the solutes outweigh the solution (density too low)");
    for (const scenario::TotalEntry& t : sol.totals) {
      const int i = sim_.system_->element_index(t.element);
      if (i < 0) continue;
      totals_[static_cast<std::size_t>(i)] = molality(t, kgw_per_litre);
    }
    if (sol.buffer) {
      const int i = sim_.system_->element_index(sol.buffer->name);
      if (i >= 0) totals_[static_cast<std::size_t>(i)] = sol.buffer->total;
    }
  }

  void run(const double* swept, io::RunRecord& out) {
    // ---- the point's scenario
    for (std::size_t i = 0; i < sim_.swept_paths_.size(); ++i)
      scenario::apply(point_, sim_.swept_paths_[i], swept[i]);
    kinetics::KineticParameters params = kinetics::KineticParameters::defaults();
    for (const scenario::ParameterOverride& o : point_.kinetics.parameters)
      params.set(o.name, o.value);
    fill_totals();
    apply_thermo_parameters(chemistry_.speciator(), sim_.thermo_bindings_, point_.thermodynamics);
    // Every point starts speciation from the same initial guess, so its results do not depend on
    // which points this thread computed before (bit-identical files for any threads/shards/resume).
    chemistry_.speciator().reset_initial_guess();
    const scenario::SolutionSpec& sol = point_.solution;
    if (sol.temperature != temperature_) {
      chemistry_.speciator().set_temperature(sol.temperature);
      temperature_ = sol.temperature;
    }
    chemistry_.set_free_pH(false);
    chemistry_.set_pH(sol.pH);
    if (sol.charge_balance) {
      const int i = sim_.system_->element_index(*sol.charge_balance);
      if (i < 0)
        throw std::runtime_error("charge-balance element '" + *sol.charge_balance +
                                 "' is not in the system");
      double adjusted = 0.0;
      const thermo::SpeciationStatus st = chemistry_.speciator().solve_charge_balance(
          totals_.data(), sol.pH, static_cast<std::size_t>(i), &adjusted);
      if (!st.converged)
        throw std::runtime_error("no " + *sol.charge_balance + " total balances the charge");
      totals_[static_cast<std::size_t>(i)] = adjusted;
    }
    chemistry_.set_background_totals(totals_);
    std::array<double, kinetics::kComponentCount> dissolved{};
    for (int k = 0; k < 3; ++k)
      dissolved[static_cast<std::size_t>(k)] =
          element_index_[k] >= 0 ? totals_[static_cast<std::size_t>(element_index_[k])] : 0.0;

    // ---- pre-formed minerals
    double acp_amount = 0.0, acp_radius = 25e-9, acp_mg_fraction = 0.0;
    std::vector<kinetics::CrystalSetup>& crystals = crystals_;
    crystals.clear();
    for (std::size_t c = 1; c < sim_.phases_.size(); ++c)
      crystals.push_back({kind_of(sim_.phases_[c]), c, 0.0, 25e-9});
    for (const scenario::MineralSpec& m : point_.minerals) {
      if (m.phase == "ACP") {
        acp_radius = m.radius;
        // Mg-bearing ACP from t = 0, Mg conserved (models/kinetics/acp_equilibration.hpp).
        const kinetics::MgAcpInitial eq =
            kinetics::initial_mg_acp(chemistry_, 0, dissolved, m.equilibrate, m.amount,
                                     m.mg_fraction, params.acp_mg_distribution);
        acp_amount = eq.amount;
        acp_mg_fraction = eq.mg_fraction;
        dissolved = eq.dissolved;
      } else {
        for (std::size_t c = 1; c < sim_.phases_.size(); ++c)
          if (sim_.phases_[c] == m.phase) {
            crystals[c - 1].seed_amount = m.amount;
            crystals[c - 1].seed_radius = m.radius;
          }
      }
    }
    if (sol.pH_mode == scenario::PhMode::Free) {
      dissolved[kH] = chemistry_.proton_balance_at(dissolved.data(), sol.pH);
      chemistry_.set_free_pH(true);
    }
    out.data(sim_.layout_.variable_index("initial_acp_amount"))[0] = acp_amount;

    // ---- model
    std::unique_ptr<kinetics::KineticsModel> model;
    if (sim_.autocatalytic_) {
      kinetics::AutocatalyticSetup a;
      a.dissolved = dissolved;
      a.acp_phase = 0;
      a.crystal_phase = 1;
      a.acp_amount = acp_amount;
      a.acp_radius = acp_radius;
      a.parameters = params;
      a.atol = point_.solver.atol_scale;
      model = std::make_unique<kinetics::AutocatalyticModel>(chemistry_, a);
    } else {
      kinetics::MechanisticSetup m;
      m.temperature = sol.temperature;
      m.dissolved = dissolved;
      m.acp_phase = 0;
      m.acp_amount = acp_amount;
      m.acp_radius = acp_radius;
      m.acp_mg_fraction = acp_mg_fraction;
      m.crystals = crystals;
      m.parameters = params;
      m.atol_scale = point_.solver.atol_scale;
      auto mech = std::make_unique<kinetics::MechanisticModel>(chemistry_, m);
      mech->set_steady_stop(point_.solver.stop_when_steady, point_.solver.steady_tolerance);
      model = std::move(mech);
    }
    element_totals_ = model->element_totals();
    source_rate_ = params.phosphate_source_rate;
    conservation_ = 0.0;

    ode::IntegratorOptions opt;
    opt.rtol = point_.solver.rtol;
    opt.max_steps = static_cast<long>(point_.solver.max_steps);
    opt.max_step = point_.solver.max_step;
    record_ = &out;
    const kinetics::TrajectoryResult r =
        kinetics::run_trajectory(*model, integrator_, sim_.output_times_, opt, this);
    record_ = nullptr;

    // ---- scalars
    const io::RunLayout& L = sim_.layout_;
    const std::size_t np = sim_.phases_.size();
    out.data(L.variable_index("t50"))[0] = r.t50;
    out.data(L.variable_index("induction_time"))[0] = r.induction_time;
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
      out.data(L.variable_index("final_phase_fraction"))[p] = share;
      const double cations = f.solid[p][kCa] + f.solid[p][kMg];
      out.data(L.variable_index("solid_mg_fraction"))[p] =
          cations > 0.0 ? f.solid[p][kMg] / cations : std::numeric_limits<double>::quiet_NaN();
      if (any_solid && f.solid[p][kP] > f.solid[dominant][kP]) dominant = p;
    }
    out.data(L.variable_index("dominant_phase"))[0] = static_cast<double>(dominant);
    out.data(L.variable_index("conservation_error"))[0] = conservation_;
    const ode::IntegratorStatistics& st = r.integration.statistics;
    out.data(L.variable_index("steps"))[0] = static_cast<double>(st.steps);
    out.data(L.variable_index("rhs_evaluations"))[0] = static_cast<double>(st.rhs_evaluations);
    out.data(L.variable_index("jacobian_evaluations"))[0] =
        static_cast<double>(st.jacobian_evaluations);
    out.data(L.variable_index("error_test_failures"))[0] =
        static_cast<double>(st.error_test_failures);
    out.data(L.variable_index("nonlinear_convergence_failures"))[0] =
        static_cast<double>(st.nonlinear_convergence_failures);
    if (r.integration.status == ode::IntegrationStatus::Failed) {
      out.fail(r.integration.message);
      return;
    }
    out.status = io::RunStatus::Ok;
  }

  const Simulation& sim_;
  scenario::Scenario point_;
  std::vector<double> totals_;
  kinetics::SpeciatorChemistry chemistry_;
  ode::CvodeIntegrator integrator_;
  std::vector<kinetics::CrystalSetup> crystals_;
  double temperature_ = std::numeric_limits<double>::quiet_NaN();
  int element_index_[3] = {-1, -1, -1};
  std::array<double, kinetics::kComponentCount> element_totals_{};
  double source_rate_ = 0.0;
  double conservation_ = 0.0;
  io::RunRecord* record_ = nullptr;
  std::size_t v_dissolved_ = 0, v_solid_ = 0, v_amount_ = 0, v_si_ = 0, v_radius_ = 0, v_ph_ = 0,
              v_ca_ = 0, v_alpha_ = 0;
};

sweep::EvaluatorFactory Simulation::evaluator_factory() const {
  return [this]() -> std::unique_ptr<sweep::PointEvaluator> {
    return std::make_unique<SimulationEvaluator>(*this);
  };
}

io::RunRecord Simulation::run_once() const {
  io::RunRecord record(layout_);
  record.reset(0);
  std::vector<double> swept;
  for (const scenario::SweepParameter& p : scenario_.sweep.parameters)
    swept.push_back(p.values.empty() ? 0.0 : p.values.front());
  SimulationEvaluator evaluator(*this);
  evaluator.evaluate(0, swept.empty() ? nullptr : swept.data(), record);
  return record;
}

}  // namespace calcikin::api
