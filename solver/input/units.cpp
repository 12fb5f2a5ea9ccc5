// udunits2 behind one lock. The unit system is read once from the XML database found at configure
// time (CALCIKIN_UDUNITS2_XML) and extended with kgw and M.
#include "solver/input/units.hpp"

#include <udunits2.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

namespace calcikin::input {
namespace {

std::mutex& units_mutex() {
  static std::mutex m;
  return m;
}

struct UnitFree {
  void operator()(ut_unit* u) const { ut_free(u); }
};
struct ConverterFree {
  void operator()(cv_converter* c) const { cv_free(c); }
};
using UnitPtr = std::unique_ptr<ut_unit, UnitFree>;
using ConverterPtr = std::unique_ptr<cv_converter, ConverterFree>;

// The process-wide unit system (never freed: lives until exit). Called with the lock held.
ut_system* unit_system() {
  static ut_system* system = [] {
    ut_set_error_message_handler(ut_ignore);  // udunits2 would print to stderr; we report ourselves
    ut_system* s = ut_read_xml(CALCIKIN_UDUNITS2_XML);
    if (s == nullptr) {
      throw UnitError(std::string("cannot read the udunits2 database ") + CALCIKIN_UDUNITS2_XML);
    }
    // kgw: kilogram of water. Molalities are amounts per kg of solvent water; for unit algebra a
    // kgw is a kg (what makes it water is the quantity, not the unit).
    UnitPtr kg(ut_parse(s, "kg", UT_ASCII));
    ut_map_symbol_to_unit("kgw", UT_ASCII, kg.get());
    // M: molar, mol/L (mM, uM and µM then come from udunits2's prefixes).
    UnitPtr molar(ut_parse(s, "mol/L", UT_ASCII));
    ut_map_symbol_to_unit("M", UT_ASCII, molar.get());
    // deg: angular degree (contact angles in heterogeneous nucleation), udunits2 only knows
    // "arc_degree".
    UnitPtr degree(ut_parse(s, "arc_degree", UT_ASCII));
    ut_map_symbol_to_unit("deg", UT_ASCII, degree.get());
    return s;
  }();
  return system;
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

bool is_dimensionless_text(const std::string& t) { return t.empty() || t == "1"; }

// Same dimension. ut_are_convertible alone also accepts reciprocal units (it would turn L/mol into
// mol/L by inverting the value), so the quotient must be dimensionless too.
bool same_dimension(const ut_unit* a, const ut_unit* b) {
  if (ut_are_convertible(a, b) == 0) return false;
  UnitPtr quotient(ut_divide(a, b));
  if (!quotient) return false;
  return ut_are_convertible(quotient.get(), ut_get_dimensionless_unit_one(unit_system())) != 0;
}

// Only these reach udunits2: ASCII letters, digits and unit operators, plus the UTF-8 micro signs
// (U+00B5, U+03BC) and the degree sign. udunits2's lexer leaks memory on invalid UTF-8 (found by
// the loader fuzz test), and no unit needs anything else.
bool has_only_unit_characters(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (std::isalnum(c) || std::strchr("/.*^-+()_ ", c) != nullptr) continue;
      return false;
    }
    const bool two_byte_sign =
        i + 1 < text.size() && ((c == 0xC2 && (text[i + 1] == '\xB5' || text[i + 1] == '\xB0')) ||
                                (c == 0xCE && text[i + 1] == '\xBC'));
    if (!two_byte_sign) return false;
    ++i;
  }
  return true;
}

// Numbers inside a unit are exponents only: a digit run must follow a letter or '^', optionally
// with a sign in between (m2, m-3, s^-1); the one exception is a leading "1/" (1/s). udunits2 would
// accept a scale factor ("mmol/2kg") and leaks its lexer's identifier on some malformed numeric
// texts.
bool has_only_exponent_digits(const std::string& text) {
  const std::size_t start = text.rfind("1/", 0) == 0 ? 2 : 0;
  for (std::size_t i = start; i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) continue;
    if (i > start && std::isdigit(static_cast<unsigned char>(text[i - 1])))
      continue;  // inside a run
    std::size_t j = i;
    if (j > start && (text[j - 1] == '-' || text[j - 1] == '+')) --j;
    if (j == start) return false;
    const auto before = static_cast<unsigned char>(text[j - 1]);
    if (!std::isalpha(before) && before != '^') return false;
  }
  return true;
}

// Parses a unit text; nullptr when udunits2 does not know it. Called with the lock held.
UnitPtr parse_unit(const std::string& text) {
  ut_system* s = unit_system();
  if (is_dimensionless_text(text)) return UnitPtr(ut_clone(ut_get_dimensionless_unit_one(s)));
  // udunits2 reads "3 mM" as a scaled unit and "K @ 273.15" as a shifted one: a scenario's unit
  // text carries neither (a stray second number would silently scale the value). "1/s" stays
  // allowed.
  const char c = text.front();
  const bool leading_number = (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+';
  if ((leading_number && text.rfind("1/", 0) != 0) || !has_only_unit_characters(text) ||
      !has_only_exponent_digits(text)) {
    return nullptr;
  }
  return UnitPtr(ut_parse(s, text.c_str(), UT_UTF8));
}

}  // namespace

Quantity parse_quantity(std::string_view text) {
  std::size_t start = 0;
  while (start < text.size() && (text[start] == ' ' || text[start] == '\t')) ++start;
  std::size_t begin = start;
  if (begin < text.size() && text[begin] == '+') ++begin;  // from_chars rejects a leading '+'
  double value = 0.0;
  const char* first = text.data() + begin;
  const char* last = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || ptr == first) {
    throw UnitError("expected a number, got '" + std::string(text) + "'");
  }
  if (!std::isfinite(value)) {
    throw UnitError("value is not a finite number: '" + std::string(text) + "'");
  }
  Quantity q;
  q.value = value;
  const std::size_t rest = static_cast<std::size_t>(ptr - text.data());
  if (rest < text.size() && text[rest] != ' ' && text[rest] != '\t') {
    // "5mM" or "5,0": a unit must be separated from its number.
    throw UnitError("expected a space between the number and the unit in '" + std::string(text) +
                    "'");
  }
  q.unit = trim(text.substr(rest));
  q.unit_offset = q.unit.empty() ? text.size() : text.find(q.unit, rest);
  return q;
}

bool is_known_unit(std::string_view unit_text) {
  std::lock_guard<std::mutex> lock(units_mutex());
  return parse_unit(trim(unit_text)) != nullptr;
}

bool are_convertible(std::string_view from, std::string_view to) {
  std::lock_guard<std::mutex> lock(units_mutex());
  UnitPtr a = parse_unit(trim(from));
  UnitPtr b = parse_unit(trim(to));
  return a && b && same_dimension(a.get(), b.get());
}

double convert(double value, std::string_view unit_text, std::string_view target_unit) {
  const std::string from_text = trim(unit_text);
  const std::string to_text = trim(target_unit);
  std::lock_guard<std::mutex> lock(units_mutex());
  UnitPtr from = parse_unit(from_text);
  if (!from) throw UnitError("unknown unit '" + from_text + "'");
  UnitPtr to = parse_unit(to_text);
  if (!to) throw UnitError("unknown target unit '" + to_text + "' (a bug: please report)");
  if (!same_dimension(from.get(), to.get())) {
    throw UnitError("unit '" + from_text + "' cannot be converted to '" +
                    (is_dimensionless_text(to_text) ? std::string("1 (dimensionless)") : to_text) +
                    "'");
  }
  ConverterPtr converter(ut_get_converter(from.get(), to.get()));
  if (!converter) throw UnitError("cannot convert '" + from_text + "' to '" + to_text + "'");
  const double result = cv_convert_double(converter.get(), value);
  if (!std::isfinite(result)) {
    throw UnitOverflowError("the value is too large: it is not a finite number in '" + to_text +
                            "'");
  }
  return result;
}

std::string format_number(double value) {
  char buffer[32];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

ConcentrationKind concentration_kind(std::string_view unit_text) {
  if (trim(unit_text).empty()) return ConcentrationKind::NotConcentration;
  if (are_convertible(unit_text, "mol/kg")) return ConcentrationKind::Molal;
  if (are_convertible(unit_text, "mol/m3")) return ConcentrationKind::Molar;
  return ConcentrationKind::NotConcentration;
}

}  // namespace calcikin::input
