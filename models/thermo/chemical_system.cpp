#include "models/thermo/chemical_system.hpp"

#include <algorithm>

namespace calcikin::thermo {
namespace {
std::string available_elements(const Database& db) {
  std::string out;
  for (const auto& b : db.basis) {
    if (!out.empty()) out += " ";
    out += b.element;
  }
  return out;
}
}  // namespace

std::shared_ptr<const ChemicalSystem> ChemicalSystem::create(
    const std::shared_ptr<const Database>& database, const std::vector<std::string>& elements,
    const SystemOptions& options) {
  std::shared_ptr<ChemicalSystem> sys(new ChemicalSystem());
  sys->database_ = database;
  const Database& db = *database;
  auto where = [&](std::size_t i) {
    return i < options.element_locations.size() ? options.element_locations[i]
                                                : input::SourceLocation{db.name, 0, 0};
  };
  std::vector<int> element_of_basis(db.basis.size(), -1);
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const std::string& e = elements[i];
    const int b = db.find_basis(e);
    if (b < 0) {
      std::string problem = "element '" + e + "' is not a component of database " + db.name;
      if (e == "H" || e == "O" || e == "H(1)" || e == "O(-2)")
        problem = "H and O are not given as totals: pH and the water fix them";
      throw input::InputError(where(i), "solution.totals." + e, problem, "",
                              "components of this database: " + available_elements(db));
    }
    if (element_of_basis[static_cast<std::size_t>(b)] >= 0)
      throw input::InputError(
          where(i), "solution.totals." + e,
          "element '" + e + "' is given twice (same component as '" +
              elements[static_cast<std::size_t>(element_of_basis[static_cast<std::size_t>(b)])] +
              "')");
    element_of_basis[static_cast<std::size_t>(b)] = static_cast<int>(i);
    sys->elements_.push_back(e);
    sys->basis_of_element_.push_back(static_cast<std::size_t>(b));
  }
  for (const auto& name : options.enable_species) {
    const int s = db.find_species(name);
    if (s < 0 || !db.species[static_cast<std::size_t>(s)].optional)
      throw input::InputError(input::SourceLocation{db.name, 0, 0}, "species",
                              "'" + name + "' is not an optional species of database " + db.name);
  }
  auto in_system = [&](const std::vector<std::pair<std::size_t, double>>& terms) {
    for (const auto& [k, v] : terms)
      if (element_of_basis[k] < 0) return false;
    return true;
  };
  auto mapped = [&](const std::vector<std::pair<std::size_t, double>>& terms) {
    std::vector<std::pair<std::size_t, double>> out;
    out.reserve(terms.size());
    for (const auto& [k, v] : terms)
      out.emplace_back(static_cast<std::size_t>(element_of_basis[k]), v);
    return out;
  };
  for (std::size_t i = 0; i < db.species.size(); ++i) {
    const AqueousSpecies& s = db.species[i];
    if (!in_system(s.reaction.terms)) continue;
    if (s.optional && std::find(options.enable_species.begin(), options.enable_species.end(),
                                s.name) == options.enable_species.end())
      continue;
    if (!s.unsupported.empty())
      throw input::InputError(
          s.unsupported_where, "SOLUTION_SPECIES." + s.name, s.unsupported, s.unsupported_line,
          "this species forms in the given solution; use another database or remove the option");
    SpeciesRow row;
    row.db_index = i;
    row.charge = s.charge;
    row.terms = mapped(s.reaction.terms);
    row.balance = mapped(s.mass_balance);
    row.h_plus = s.reaction.h_plus;
    row.water = s.reaction.water;
    row.log_k = s.reaction.log_k;
    row.gamma = s.gamma;
    if (s.name == "H+") sys->h_plus_ = sys->species_.size();
    sys->species_.push_back(row);
  }
  for (std::size_t i = 0; i < db.phases.size(); ++i) {
    const Phase& p = db.phases[i];
    if (!in_system(p.reaction.terms)) continue;
    if (!p.unsupported.empty())
      throw input::InputError(
          p.unsupported_where, "PHASES." + p.name, p.unsupported, p.unsupported_line,
          "this phase can form from the given solution; use another database or remove the option");
    PhaseRow row;
    row.db_index = i;
    row.terms = mapped(p.reaction.terms);
    row.h_plus = p.reaction.h_plus;
    row.water = p.reaction.water;
    row.log_k = p.reaction.log_k;
    sys->phases_.push_back(row);
  }
  return sys;
}

int ChemicalSystem::element_index(std::string_view name) const {
  const int b = database_->find_basis(name);
  if (b < 0) return -1;
  for (std::size_t i = 0; i < basis_of_element_.size(); ++i)
    if (basis_of_element_[i] == static_cast<std::size_t>(b)) return static_cast<int>(i);
  return -1;
}

const std::string& ChemicalSystem::species_name(std::size_t i) const {
  return database_->species[species_[i].db_index].name;
}

int ChemicalSystem::species_index(std::string_view name) const {
  for (std::size_t i = 0; i < species_.size(); ++i)
    if (species_name(i) == name) return static_cast<int>(i);
  return -1;
}

double ChemicalSystem::species_charge(std::size_t i) const { return species_[i].charge; }

double ChemicalSystem::species_element_coefficient(std::size_t species, std::size_t element) const {
  for (const auto& [k, v] : species_[species].balance)
    if (k == element) return v;
  return 0.0;
}

const std::string& ChemicalSystem::phase_name(std::size_t i) const {
  return database_->phases[phases_[i].db_index].name;
}

int ChemicalSystem::phase_index(std::string_view name) const {
  for (std::size_t i = 0; i < phases_.size(); ++i)
    if (phase_name(i) == name) return static_cast<int>(i);
  return -1;
}

double ChemicalSystem::phase_element_coefficient(std::size_t phase, std::size_t element) const {
  const double atoms = database_->basis[basis_of_element_[element]].atoms;
  for (const auto& [k, v] : phases_[phase].terms)
    if (k == element) return v * atoms;
  return 0.0;
}

double ChemicalSystem::phase_proton_coefficient(std::size_t phase) const {
  return phases_[phase].h_plus;
}

double ChemicalSystem::phase_molar_volume(std::size_t phase) const {
  return database_->phases[phases_[phase].db_index].molar_volume;
}

double ChemicalSystem::phase_ion_count(std::size_t phase) const {
  return database_->phases[phases_[phase].db_index].ion_count;
}

const Phase& ChemicalSystem::phase(std::size_t i) const {
  return database_->phases[phases_[i].db_index];
}

}  // namespace calcikin::thermo
