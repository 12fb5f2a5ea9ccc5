#pragma once
// api::speciate: the speciation entry point shared by `calcikin speciate` and the Python module.
//
//   scenario::Scenario s = scenario::load_file("scenarios/sbf.yaml");
//   api::SpeciationReport r = api::speciate(s);   // InputError for bad input (scenario line)
//   std::string json = api::to_json(r);           // full precision (%.17g)
//
// Molar totals are converted to molal with PHREEQC's rule (kg water per litre = density - mass of
// solutes per litre, using the database's formula weights); elements are checked against the
// database; the pH is fixed at solution.pH; with solution.charge_balance the named element's total
// is adjusted to electroneutrality (PHREEQC's `charge`). A buffer (solution.buffer) enters as its
// own component when the database has it (builtin: Tris, HEPES).
#include <stdexcept>
#include <string>
#include <vector>

#include "models/scenario/scenario.hpp"
#include "models/thermo/speciation_status.hpp"

namespace calcikin::api {

struct SpeciesResult {
  std::string name;
  double molality = 0.0;  // mol/kg water
  double activity = 0.0;
  double log_gamma = 0.0;  // log10
};

struct PhaseResult {
  std::string name;
  std::string formula;
  double saturation_index = 0.0;  // log10(IAP/K)
  double log_iap = 0.0;
  double log_k = 0.0;                  // including the phase's log K offset (WH: dlogK_stab)
  double ion_count = 0.0;              // nu
  double mean_saturation_ratio = 0.0;  // S = Omega^(1/nu)
};

struct SpeciationReport {
  std::string database;      // "builtin" or the file path
  double temperature = 0.0;  // K
  double pH = 0.0;
  double ionic_strength = 0.0;  // mol/kg
  double activity_water = 0.0;
  double charge_balance = 0.0;                         // sum z m, mol/kg (0 after charge balancing)
  std::string charge_balance_element;                  // "" when none
  std::vector<std::pair<std::string, double>> totals;  // element (as written) -> mol/kg water
  std::vector<SpeciesResult> species;
  std::vector<PhaseResult> phases;  // phases whose elements are all present
  thermo::SpeciationStatus status;
};

// Raised when the speciation does not converge; what() describes the state it reached.
class SpeciationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thermodynamic choices given outside the scenario file (CLI flags, Python arguments). They map
// onto the scenario's `thermodynamics` section (same named parameters, see
// scenario/thermo_parameters.hpp) and replace a value the file sets. A phase or species that is not
// part of this solution's system is ignored (it cannot affect the result); one the database lacks
// is an InputError.
struct SpeciateOptions {
  // phase -> log K offset; for the builtin WH this is dlogK_stab itself (default -12)
  std::vector<std::pair<std::string, double>> phase_log_k_offsets;
  // species -> shift of its formation log K (e.g. NaHPO4- -0.78: phreeqc.dat's constant, W1)
  std::vector<std::pair<std::string, double>> species_log_k_offsets;
  // optional species of the database to include (builtin: CaCl+, MgCl+, NaCl)
  std::vector<std::string> enable_species;
};

SpeciationReport speciate(const scenario::Scenario& scenario, const SpeciateOptions& options = {});

// {"temperature_C", "pH", "ionic_strength", "activity_water", "totals", "species",
// "saturation_indices",
//  "phases", ...}; numbers with %.17g, names as the database spells them.
std::string to_json(const SpeciationReport& report);
// A readable table for terminals.
std::string to_table(const SpeciationReport& report);

}  // namespace calcikin::api
