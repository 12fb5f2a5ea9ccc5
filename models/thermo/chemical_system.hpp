#pragma once
// A database restricted to a set of component elements: the aqueous species and solid phases that
// a solution of exactly these elements (plus H and O) can form. Immutable and shared between
// threads; every Speciator works on one.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "models/thermo/database.hpp"

namespace calcikin::thermo {

struct SystemOptions {
  // Optional species of the database to include (builtin: "CaCl+", "MgCl+", "NaCl").
  std::vector<std::string> enable_species;
  // Where to point errors about the element list (e.g. the scenario's totals section).
  std::vector<input::SourceLocation> element_locations;  // same order as `elements`, may be empty
};

class ChemicalSystem {
 public:
  // elements: "Ca","Mg","P","Na","K","Cl","C(4)","S(6)", ... (names or aliases of the database's
  // components). Throws input::InputError for an element the database does not have, or when a
  // species/phase the elements can form uses something the reader does not support.
  static std::shared_ptr<const ChemicalSystem> create(
      const std::shared_ptr<const Database>& database, const std::vector<std::string>& elements,
      const SystemOptions& options = {});

  const Database& database() const { return *database_; }

  std::size_t num_elements() const { return elements_.size(); }
  const std::string& element_name(std::size_t i) const { return elements_[i]; }
  int element_index(std::string_view name) const;  // -1 if absent (aliases accepted)

  // Aqueous species, H+ included, H2O excluded.
  std::size_t num_species() const { return species_.size(); }
  const std::string& species_name(std::size_t i) const;
  int species_index(std::string_view name) const;
  double species_charge(std::size_t i) const;
  // mol of element per mol of species (mass balance)
  double species_element_coefficient(std::size_t species, std::size_t element) const;

  std::size_t num_phases() const { return phases_.size(); }
  const std::string& phase_name(std::size_t i) const;
  int phase_index(std::string_view name) const;
  double phase_element_coefficient(std::size_t phase, std::size_t element) const;  // mol/mol
  // H+ released when one formula unit dissolves, relative to the component species (the phase's
  // contribution to TOTH, see Speciator::solve_free_pH): +1 for OCP (Ca4H(PO4)3), -1 for HAP.
  double phase_proton_coefficient(std::size_t phase) const;
  double phase_molar_volume(std::size_t phase) const;  // m3/mol (NaN when the database has none)
  double phase_ion_count(std::size_t phase) const;     // nu
  const Phase& phase(std::size_t i) const;

  double min_temperature() const { return database_->min_temperature; }  // K
  double max_temperature() const { return database_->max_temperature; }  // K

  // ---- internal layout used by the Speciator (indices into the database)
  struct SpeciesRow {
    std::size_t db_index = 0;
    double charge = 0.0;
    std::vector<std::pair<std::size_t, double>> terms;    // (element index in this system, nu)
    std::vector<std::pair<std::size_t, double>> balance;  // (element index, mass-balance coef)
    double h_plus = 0.0, water = 0.0;
    LogKExpression log_k;
    GammaParameters gamma;
  };
  struct PhaseRow {
    std::size_t db_index = 0;
    std::vector<std::pair<std::size_t, double>> terms;  // (element index, nu)
    double h_plus = 0.0, water = 0.0;
    LogKExpression log_k;
  };
  const std::vector<SpeciesRow>& species_rows() const { return species_; }
  const std::vector<PhaseRow>& phase_rows() const { return phases_; }
  const std::vector<std::size_t>& element_basis() const { return basis_of_element_; }
  std::size_t h_plus_species() const { return h_plus_; }  // index of H+ in species_rows()

 private:
  ChemicalSystem() = default;
  std::shared_ptr<const Database> database_;
  std::vector<std::string> elements_;
  std::vector<std::size_t> basis_of_element_;
  std::vector<SpeciesRow> species_;
  std::vector<PhaseRow> phases_;
  std::size_t h_plus_ = 0;
};

}  // namespace calcikin::thermo
