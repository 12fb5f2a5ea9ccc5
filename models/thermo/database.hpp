#pragma once
// A thermodynamic database: component (basis) species, aqueous species and solid phases, each
// reaction written in terms of the basis species plus H+ and H2O, with a log K(T) expression and
// the activity-coefficient rule of the database it came from. Loaded once (builtin YAML or a
// PHREEQC .dat file), immutable afterwards and shared between threads.
#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/thermo/log_k.hpp"
#include "solver/input/input_error.hpp"

namespace calcikin::thermo {

// How log10 gamma of a species depends on the ionic strength I (PHREEQC model.cpp gammas()):
enum class GammaModel {
  Davies,         // -A z^2 (sqrt(I)/(1+sqrt(I)) - 0.3 I)          (charged species without -gamma)
  DebyeHuckel,    // -A z^2 sqrt(I)/(1 + a B sqrt(I)) + b I         (WATEQ, "-gamma a b")
  NeutralLinear,  // b I  (neutral species without -gamma; b = the database's neutral default)
  Unity,          // 0
  BDot,           // llnl.dat: -A_llnl z^2 sqrt(I)/(1 + a B_llnl sqrt(I)) + Bdot I (neutral: 0)
  BDotCO2,        // llnl.dat CO2 (-co2_llnl_gamma): Drummond's polynomial in T and I
};

struct GammaParameters {
  GammaModel model = GammaModel::Davies;
  double a = 0.0;  // ion-size parameter, Angstrom (DebyeHuckel, BDot)
  double b = 0.0;  // linear term, kg/mol (DebyeHuckel, NeutralLinear)
};

// A reaction in terms of the basis: product (the species, or the dissolved ions of a phase)
// expressed as sum_k nu_k basis_k + nu_H H+ + nu_W H2O.
struct BasisReaction {
  std::vector<std::pair<std::size_t, double>> terms;  // (basis index, coefficient), no zeros
  double h_plus = 0.0;
  double water = 0.0;
  LogKExpression log_k;  // formation constant of the species / dissolution constant of the phase
};

// One component: an element in one valence state and its master species.
struct BasisSpecies {
  std::string element;               // "Ca", "C(4)", "P" (as the database names it)
  std::vector<std::string> aliases;  // other names that mean the same component: "C" for "C(4)"
  std::string species;               // master species name: "Ca+2", "CO3-2"
  double atoms = 1.0;  // atoms of the element per master species (mass-balance coefficient)
  double gram_formula_weight = 0.0;  // g/mol of what a mass concentration is expressed as
  input::SourceLocation where;
};

struct AqueousSpecies {
  std::string name;  // "CaHPO4", "Ca+2", "H+", "OH-"
  double charge = 0.0;
  BasisReaction reaction;  // formation from the basis (a master species: itself, log K 0)
  GammaParameters gamma;
  // Mass-balance coefficient per basis species (normally the reaction coefficients; PHREEQC's
  // -mole_balance can change it).
  std::vector<std::pair<std::size_t, double>> mass_balance;
  bool optional = false;  // only included when asked for (builtin: CaCl+, MgCl+, NaCl)
  std::string source;     // literature source (builtin) or "file:line" (PHREEQC file)
  input::SourceLocation where;
  // Non-empty when the entry uses something this reader does not support; using the species
  // is then an InputError with this text (pointing at `unsupported_where`).
  std::string unsupported;
  input::SourceLocation unsupported_where;
  std::string unsupported_line;  // the text of that line (for the caret in the message)
};

struct Phase {
  std::string name;        // "HAP", "Hydroxyapatite", "Calcite"
  std::string formula;     // "Ca5(PO4)3OH"
  BasisReaction reaction;  // dissolution: 1 phase = products; log_k is log10 Ksp
  double molar_volume = std::numeric_limits<double>::quiet_NaN();  // m3/mol (NaN: not given)
  double molar_mass = std::numeric_limits<double>::quiet_NaN();    // kg/mol (NaN: not given)
  double density = std::numeric_limits<double>::quiet_NaN();       // kg/m3 (NaN: not given)
  double ion_count = 0.0;  // nu: number of ions per formula unit (H+ counts, H2O does not)
  std::string source;
  std::string note;  // e.g. the basis of an approximate ACP formula
  // A named, sweepable log K offset (builtin WH: dlogK_stab). The effective log K is the database
  // expression + offset; a Speciator starts with default_log_k_offset.
  std::string offset_parameter;
  double default_log_k_offset = 0.0;
  double offset_min = 0.0, offset_max = 0.0;
  input::SourceLocation where;
  std::string unsupported;
  input::SourceLocation unsupported_where;
  std::string unsupported_line;
};

// How water activity is computed.
enum class WaterActivityModel {
  Phreeqc,  // a_w = 1 - 0.017 sum_j m_j over all solute species (PHREEQC model.cpp residuals())
  Unity,    // a_w = 1
};

// Parameters of llnl.dat's LLNL_AQUEOUS_MODEL_PARAMETERS (linear interpolation in temperature).
struct LlnlModel {
  std::vector<double> temperatures_c, adh, bdh, bdot;
  std::vector<double> co2_coefficients;  // 5 numbers (Drummond 1981)
};

struct Database {
  std::string name;  // "builtin" or the file path
  std::vector<BasisSpecies> basis;
  std::vector<AqueousSpecies> species;  // includes H+ and the master species
  std::vector<Phase> phases;
  GammaParameters h_plus_gamma;  // H+ (kept in `species` too)
  WaterActivityModel water_activity = WaterActivityModel::Phreeqc;
  double neutral_b = 0.1;  // log gamma = neutral_b I for neutral species without -gamma
  std::optional<LlnlModel> llnl;
  double min_temperature = 273.15;  // K, range the constants are meant for
  double max_temperature = 333.15;

  // Index of a component by element name or alias ("C" finds "C(4)"); -1 when absent.
  int find_basis(std::string_view element) const;
  int find_species(std::string_view species_name) const;
  int find_phase(std::string_view phase_name) const;
};

// "builtin" -> the database in models/data/thermo_database.yaml (compiled in); anything else is a
// path to a PHREEQC .dat file. Throws input::InputError (file, line, problem) for bad files.
std::shared_ptr<const Database> load_database(const std::string& spec);

// The builtin database (parsed once, cached).
std::shared_ptr<const Database> builtin_database();

// Reads a PHREEQC database (SOLUTION_MASTER_SPECIES, SOLUTION_SPECIES, PHASES, and for llnl.dat
// LLNL_AQUEOUS_MODEL_PARAMETERS); other blocks are skipped. `text` is the file content; `path` is
// used in messages.
std::shared_ptr<const Database> read_phreeqc_database(const std::string& text,
                                                      const std::string& path);

}  // namespace calcikin::thermo
