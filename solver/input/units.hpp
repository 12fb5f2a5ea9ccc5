#pragma once
// Unit strings at the edges, SI inside. Every unit string of the project (scenario files, the
// builtin database, kinetic parameter files, --set overrides, Python arguments) is parsed here,
// with Unidata's udunits2 underneath and two additions: `kgw` (kilogram of water, for
// molalities: 2.5 mmol/kgw) and `M` (mol/L, so mM, uM and µM work). udunits2 is not thread-safe:
// every function here takes one process-wide lock, and the project calls them at load time only
// (never inside a sweep point).
#include <stdexcept>
#include <string>
#include <string_view>

namespace calcikin::input {

// Thrown by this file for a unit that cannot be parsed or converted. Callers that know the source
// position (Node::quantity, the overrides) turn it into an InputError with file, line and hint.
class UnitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// The unit fits but the converted value is not a finite double ("1e308 mol/L" in mol/m3).
class UnitOverflowError : public UnitError {
 public:
  using UnitError::UnitError;
};

// A number with its unit as written: "2.5 mmol/kgw" -> {2.5, "mmol/kgw"}; "7.4" -> {7.4, ""}.
struct Quantity {
  double value = 0.0;
  std::string unit;             // trimmed; "" when the text was a bare number
  std::size_t unit_offset = 0;  // where the unit starts in the text (for carets)
};

// Splits "NUMBER [UNIT]". Throws UnitError when the text does not start with a finite number
// ("abc", "", "nan mM", "1e999 mM"). The unit is not checked here: see convert().
Quantity parse_quantity(std::string_view text);

// True when udunits2 (with kgw and M) understands the unit text.
bool is_known_unit(std::string_view unit_text);

// True when `from` can be converted to `to` (same dimension).
bool are_convertible(std::string_view from, std::string_view to);

// The one spelling of "dimensionless" in unit texts (catalogues, paths, output attributes).
inline constexpr const char* kDimensionless = "1";

// Converts value from unit_text to target_unit (both udunits2 strings; "" and "1" mean
// dimensionless). Handles offsets (degC -> K). Throws UnitError for an unknown unit text or
// incompatible dimensions.
double convert(double value, std::string_view unit_text, std::string_view target_unit);

// What kind of amount-of-substance concentration a unit is.
enum class ConcentrationKind { NotConcentration, Molal, Molar };
// Molal: convertible to mol/kg (mol/kgw, mmol/kgw, umol/kgw). Molar: convertible to mol/m3
// (mol/L, mmol/L, mM, umol/L, uM, µM). Anything else (or an unknown unit): NotConcentration.
ConcentrationKind concentration_kind(std::string_view unit_text);

// Shortest text that reads back as the same double in messages ("0.002", "1e-08", "37").
std::string format_number(double value);

// Units shown in hints, per dimension.
inline constexpr const char* kConcentrationUnitsHint =
    "concentration units: mol/kgw mmol/kgw umol/kgw mol/L mmol/L mM umol/L uM µM";
inline constexpr const char* kMolalUnitsHint = "molal units: mol/kgw mmol/kgw umol/kgw";
inline constexpr const char* kTemperatureUnitsHint = "temperature units: degC K";
inline constexpr const char* kTimeUnitsHint = "time units: s min h day";
inline constexpr const char* kLengthUnitsHint = "length units: nm um mm m";

}  // namespace calcikin::input
