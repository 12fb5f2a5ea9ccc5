#include "models/api/initial_solution.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "models/scenario/loader.hpp"

namespace calcikin::api {
namespace {

const char* basis_name(scenario::ConcentrationBasis b) {
  return b == scenario::ConcentrationBasis::Molal ? "molal" : "molar";
}

void check_one_basis(const scenario::Scenario& s) {
  // The first total fixes the basis; the first total (given or swept) of the other basis is the
  // error, with a note at the first.
  const scenario::SolutionSpec& sol = s.solution;
  struct Written {
    scenario::ConcentrationBasis basis;
    input::SourceLocation where;
    std::string what;
  };
  std::vector<Written> written;
  for (const scenario::TotalEntry& t : sol.totals)
    written.push_back({t.basis, t.where, "solution.totals." + t.element});
  for (const scenario::SweepParameter& p : s.sweep.parameters)
    if (p.target == scenario::PathTarget::Total)
      written.push_back({p.basis, p.where, "sweep " + p.path});
  if (written.empty()) return;
  const Written& first = written.front();
  for (const Written& w : written) {
    if (w.basis == first.basis) continue;
    scenario::fail_at(
        s, w.where, "solution.totals", "molal and molar concentrations are mixed in one solution",
        "PHREEQC's conversion needs one basis: write every total in mmol/kgw or every total in mM",
        {scenario::note_at(s, first.where,
                           std::string("the first total (") + first.what + ") is " +
                               basis_name(first.basis) + ", this one is " + basis_name(w.basis))});
  }
}

std::string temperature_problem(double kelvin, const thermo::Database& db) {
  char msg[256];
  std::snprintf(
      msg, sizeof msg, "temperature %g degC is outside the range of database %s (%g to %g degC)",
      kelvin - 273.15, db.name.c_str(), db.min_temperature - 273.15, db.max_temperature - 273.15);
  return msg;
}

bool temperature_in_range(double kelvin, const thermo::Database& db) {
  // The Speciator's own tolerance (Speciator::set_temperature).
  return kelvin >= db.min_temperature - 1e-9 && kelvin <= db.max_temperature + 1e-9;
}

void check_temperatures(const scenario::Scenario& s, const thermo::Database& db) {
  if (!temperature_in_range(s.solution.temperature, db))
    scenario::fail_at(s, s.solution.temperature_where, "solution.temperature",
                      temperature_problem(s.solution.temperature, db),
                      "use a database made for this temperature (a PHREEQC .dat file with "
                      "analytical log K expressions)");
  for (const scenario::SweepParameter& p : s.sweep.parameters) {
    if (p.target != scenario::PathTarget::Temperature) continue;
    for (double v : p.values)
      if (!temperature_in_range(v, db))
        scenario::fail_at(s, p.where, "sweep.parameters." + p.path, temperature_problem(v, db));
  }
}

void check_density(const scenario::Scenario& s, const thermo::Database& db) {
  const scenario::SolutionSpec& sol = s.solution;
  if (!(water_per_litre(sol, db) > 0.0)) {
    const input::SourceLocation where =
        sol.totals.empty() ? sol.temperature_where : sol.totals.front().where;
    scenario::fail_at(s, where, "solution.totals",
                      "the solutes outweigh the solution (density too low)",
                      "solution.density is the mass of one litre of solution (default 1.0 kg/L)");
  }
  // The heaviest sweep point: every swept molar total at its largest value, the density at its
  // smallest (the solute mass grows with each total, so no point of the sweep is heavier).
  scenario::SolutionSpec heaviest = sol;
  const scenario::SweepParameter* culprit = nullptr;
  for (const scenario::SweepParameter& p : s.sweep.parameters) {
    if (p.values.empty()) continue;
    if (p.target == scenario::PathTarget::Density) {
      heaviest.density = *std::min_element(p.values.begin(), p.values.end());
      culprit = &p;
    } else if (p.target == scenario::PathTarget::Total &&
               p.basis == scenario::ConcentrationBasis::Molar) {
      const std::string& element = p.key;
      const double largest = *std::max_element(p.values.begin(), p.values.end());
      auto it = std::find_if(heaviest.totals.begin(), heaviest.totals.end(),
                             [&](const scenario::TotalEntry& t) { return t.element == element; });
      if (it == heaviest.totals.end())
        heaviest.totals.push_back({element, largest, p.basis, p.where});
      else
        it->value = largest;
      culprit = &p;
    }
  }
  if (culprit != nullptr && !(water_per_litre(heaviest, db) > 0.0))
    scenario::fail_at(s, culprit->where, "sweep.parameters." + culprit->path,
                      "at the sweep's largest totals the solutes outweigh the solution (density "
                      "too low)");
}

}  // namespace

double water_per_litre(const scenario::SolutionSpec& sol, const thermo::Database& db) {
  double solutes = 0.0;  // kg per litre
  bool any_molar = false;
  for (const scenario::TotalEntry& t : sol.totals) {
    if (t.basis != scenario::ConcentrationBasis::Molar) continue;
    any_molar = true;
    const int b = db.find_basis(t.element);
    if (b >= 0)  // mol/m3 -> mol/L, g/mol -> kg/mol
      solutes += t.value * 1e-3 * db.basis[static_cast<std::size_t>(b)].gram_formula_weight * 1e-3;
  }
  return any_molar ? sol.density - solutes : 1.0;
}

InitialSolution::InitialSolution(const scenario::Scenario& s, const thermo::Database& db) {
  const scenario::SolutionSpec& sol = s.solution;
  check_one_basis(s);
  for (const scenario::TotalEntry& t : sol.totals) {
    components_.push_back(t.element);
    locations_.push_back(t.where);
    molar_ = molar_ || t.basis == scenario::ConcentrationBasis::Molar;
  }
  charge_index_ = components_.size();
  if (sol.charge_balance) {
    const auto it = std::find(components_.begin(), components_.end(), *sol.charge_balance);
    if (it == components_.end())
      scenario::fail_at(
          s, sol.charge_balance_where, "solution.charge_balance",
          "the charge-balance element '" + *sol.charge_balance + "' is not among solution.totals",
          "list it in totals with a first estimate, e.g. Cl: 140 mmol/kgw");
    charge_index_ = static_cast<std::size_t>(it - components_.begin());
  }
  if (sol.buffer) {
    if (db.find_basis(sol.buffer->name) < 0)
      scenario::fail_at(
          s, sol.buffer->where, "solution.buffer.name",
          "database " + db.name + " has no buffer component '" + sol.buffer->name + "'",
          "the builtin database has Tris and HEPES");
    components_.push_back(sol.buffer->name);
    locations_.push_back(sol.buffer->where);
  }
  check_density(s, db);
  check_temperatures(s, db);
}

std::vector<double> InitialSolution::molalities(const scenario::SolutionSpec& sol,
                                                const thermo::Database& db) const {
  const double water = water_per_litre(sol, db);
  if (!(water > 0.0))
    throw std::domain_error("the solutes outweigh the solution (density too low)");
  std::vector<double> out;
  out.reserve(components_.size());
  for (const scenario::TotalEntry& t : sol.totals) out.push_back(molality(t, water));
  if (sol.buffer) out.push_back(sol.buffer->total);
  return out;
}

}  // namespace calcikin::api
