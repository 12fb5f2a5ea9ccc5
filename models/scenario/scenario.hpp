#pragma once
// The parsed scenario file (schema calcikin/scenario/1). All values are SI:
// molality mol/kg water, temperature K, time s, length m, energies J/m2, Langmuir constants m3/mol,
// rates mol/m2/s; kinetic parameters in their catalogue unit. Each value keeps where it came from
// so that later (model-level) validation can still point at the file, line and column. The format
// is described in scenarios/README.md and scenarios/schema/scenario.schema.json.
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "solver/input/input_error.hpp"

namespace calcikin::input {
class Document;
}

namespace calcikin::scenario {

using input::SourceLocation;

// A concentration as written: molal (mol/kgw) or molar (mol/L). Molar values are converted to molal
// when the solution is set up, with PHREEQC's rule: kg water per litre = density - mass of solutes.
enum class ConcentrationBasis { Molal, Molar };

struct TotalEntry {
  std::string element;  // as written: "Ca", "P", "C(4)", "S(6)"
  double value = 0.0;   // mol/kg water (Molal) or mol/m3 (Molar), SI
  ConcentrationBasis basis = ConcentrationBasis::Molal;
  SourceLocation where;
};

enum class PhMode { Fixed, Free };

struct BufferSpec {    // optional pH buffer (free-pH mode): protonation only
  std::string name;    // e.g. "HEPES", "Tris" (must be a species/parameter set known to the model)
  double total = 0.0;  // mol/kg water (molal units only in the file)
  SourceLocation where;
};

struct SolutionSpec {
  double temperature = 298.15;  // K
  SourceLocation temperature_where;
  double pH = 7.0;
  SourceLocation pH_where;
  PhMode pH_mode = PhMode::Fixed;
  std::optional<std::string> charge_balance;  // element adjusted to electroneutrality
  SourceLocation charge_balance_where;
  double density = 1.0;  // kg/L, only used to convert molar input (PHREEQC's default 1.0)
  std::vector<TotalEntry> totals;
  std::optional<BufferSpec> buffer;
};

struct MineralSpec {
  std::string phase;         // "ACP"
  bool equilibrate = false;  // amount from equilibrating the initial solution with the phase
  double amount = 0.0;       // mol/kg water (when !equilibrate)
  double radius = 25e-9;     // m, initial particle radius
  // ACP only: Mg/(Ca+Mg) of the ACP at t = 0; NaN = from the exchange partition (Mg-bearing ACP).
  double mg_fraction = std::numeric_limits<double>::quiet_NaN();
  SourceLocation where;
};

struct ParameterOverride {  // kinetics.parameters: {"HAP.growth.rate_constant": "1e-8 mol/m2/s"}
  std::string name;         // a name of the kinetic catalogue (checked when the file is read)
  double value = 0.0;       // SI: the catalogue's unit for the parameter (converted when read)
  SourceLocation where;
  std::string source_line;  // for messages raised when the parameter is resolved
};

struct KineticsSpec {
  std::string model = "mechanistic";  // "mechanistic" | "autocatalytic"
  std::vector<std::string> phases;    // crystalline/amorphous phases that may form, e.g. ACP HAP WH
  SourceLocation phases_where;
  std::vector<SourceLocation> phase_where;  // each item of `phases`
  std::vector<ParameterOverride> parameters;
  // kinetics.parameter_set: the parameter-set YAML `calcikin fit` writes (absolute path, "" = none)
  // and its text (stored in every output file and part of the scenario hash). Its kinetic entries
  // are in `parameters` and its thermodynamic ones in thermodynamics.parameters (both after the
  // scenario's own entries, which take precedence), with `where` in the set's file.
  std::string parameter_set;
  std::string parameter_set_text;
  SourceLocation parameter_set_where;  // the key's value in the scenario
};

// thermodynamics.parameters: {"WH.dlogK_stab": -10, "NaHPO4-.log_k_offset": -0.78}. Names come from
// the database's catalogue (thermo_parameters.hpp), checked when the file is loaded; values are
// log10 units.
enum class ThermoParameterKind { PhaseLogKOffset, SpeciesLogKOffset };

struct ThermoParameterSetting {
  std::string name;    // "WH.dlogK_stab"
  double value = 0.0;  // dimensionless (log10 units)
  SourceLocation where;
  std::string source_line;
};

struct ThermodynamicsSpec {
  std::vector<ThermoParameterSetting> parameters;
  std::vector<std::string> optional_species;  // optional species of the database to include
  SourceLocation optional_species_where;
};

enum class TimeGrid { Logspace, Linspace, List };

struct TimeSpec {
  double end = 48.0 * 3600.0;  // s
  TimeGrid grid = TimeGrid::Logspace;
  double first = 1.0;  // s (logspace/linspace)
  double last = 48.0 * 3600.0;
  int points = 200;
  std::vector<double> list;  // s (grid == List)
  bool last_from_end =
      true;  // no explicit output range: the grid ends at `end` (also after overrides)
};

struct SolverSpec {
  double rtol = 1e-6;
  double atol_scale = 1e-10;  // absolute tolerance scale, relative to the state's natural scale
  std::int64_t max_steps = 100000;
  double max_step = 0.0;       // s, 0 = unlimited
  double max_wall_time = 0.0;  // s of wall-clock time per point, 0 = unlimited
  // method: auto = a model's closed-form solution where it has one (the Level-1 model), else
  // CVODE's BDF; bdf = always CVODE (e.g. to check the closed form against the integrator).
  bool exact_solution = true;
  bool stop_when_steady = false;
  double steady_tolerance = 1e-12;  // |rate| below which the system counts as steady
};

enum class TimeSeriesMode { All, None, Every };
// Storage type of the time series in the output (per-run values stay float64).
enum class TimeSeriesPrecision { Float64, Float32 };

struct OutputSpec {
  std::string file;  // resolved relative to the scenario file's folder; "" = not set
  TimeSeriesMode time_series = TimeSeriesMode::All;
  int every = 1;        // with TimeSeriesMode::Every
  int compression = 0;  // gzip level 0..9, 0 = off
  TimeSeriesPrecision precision = TimeSeriesPrecision::Float64;
};

enum class SweepMode { None, Grid, Zip, List, LatinHypercube };

// A dotted path into the scenario (what a sweep, `--set` or a fit changes), resolved once, when the
// file is read (scenario::resolve_path, overrides.hpp): its target kind, key and SI storage unit.
// make_plan (the output's units attribute) and Simulation::prepare (the point's binding) consume it
// as it is; nobody parses the path string again.
enum class PathTarget {
  Temperature,
  PH,
  Density,
  Total,
  BufferTotal,
  MineralAmount,
  MineralRadius,
  TimeEnd,
  SolverRtol,
  KineticParameter,
  ThermoParameter,
};

struct ResolvedPath {
  std::string path;      // as written: "solution.totals.Mg"
  std::string key_path;  // shown in messages ("sweep.parameters.solution.pH"); "" = path
  PathTarget target = PathTarget::PH;
  // element (Total), phase (Mineral*), parameter name (Kinetic/ThermoParameter); else ""
  std::string key;
  // SI storage unit (udunits2 text, "1" = dimensionless). Total: mol/kg (molal) or mol/m3 (molar),
  // following `basis`; KineticParameter: the catalogue's unit.
  std::string unit;
  ConcentrationBasis basis = ConcentrationBasis::Molal;  // Total only; set by convert_value
  SourceLocation where;
  std::string source_line;  // the line `where` points at (for the caret), "" when unknown
};

// A swept path (resolved at load) and its values.
struct SweepParameter : ResolvedPath {
  std::vector<double> values;  // SI in `unit` (for LHS: the two bounds), converted when read
  std::string unit_text;       // as written
  bool log_scale = false;      // LHS/logspace
};

struct SweepSpec {
  SweepMode mode = SweepMode::None;
  std::vector<SweepParameter> parameters;
  std::int64_t samples = 0;             // latin_hypercube
  std::uint64_t seed = 0;               // latin_hypercube
  std::int64_t confirm_above = 100000;  // points; larger sweeps need --yes
};

struct Scenario {
  std::string schema;  // "calcikin/scenario/1"
  std::string name;
  std::string description;
  std::string database = "builtin";  // "builtin" or an absolute path to a PHREEQC .dat file
  SourceLocation database_where;

  SolutionSpec solution;
  std::vector<MineralSpec> minerals;
  ThermodynamicsSpec thermodynamics;
  KineticsSpec kinetics;
  TimeSpec time;
  SolverSpec solver;
  OutputSpec output;
  SweepSpec sweep;

  std::string source_file;  // path as given
  std::string base_dir;     // folder relative paths were resolved against ("" = current directory)
  std::string source_text;  // the full YAML text (stored in every output file)
  // Problems that do not stop a run, each a full message ("warning: FILE:LINE:COL: ..." with its
  // line and caret), shown by `validate`, `speciate`, `run` and the Python loader: a parameter of
  // kinetics.parameter_set that its fit marked not identifiable.
  std::vector<std::string> warnings;
  // The parsed file, kept so that an error found after loading (by the model's preparation) still
  // quotes the line with a caret at the right token (scenario::fail_at in loader.hpp). Shared by
  // copies; read-only after loading.
  std::shared_ptr<const input::Document> document;
};

}  // namespace calcikin::scenario
