#include "models/thermo/reaction_text.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

namespace calcikin::thermo {
namespace {

std::string squeeze(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) out.push_back(c);
  return out;
}

// Charge text such as "+2", "-", "++", "-2", "+0.5" -> value.
std::optional<double> charge_value(const std::string& charge) {
  if (charge.empty()) return 0.0;
  const char sign = charge[0];
  if (sign != '+' && sign != '-') return std::nullopt;
  bool all_signs = true;
  for (char c : charge)
    if (c != sign) all_signs = false;
  if (all_signs) return (sign == '+' ? 1.0 : -1.0) * static_cast<double>(charge.size());
  char* end = nullptr;
  const double v = std::strtod(charge.c_str() + 1, &end);
  if (end == nullptr || *end != '\0' || !std::isfinite(v)) return std::nullopt;
  return sign == '+' ? v : -v;
}

std::string canonical_name(const std::string& base, double charge) {
  if (charge == 0.0) return base;
  std::string out = base + (charge > 0 ? "+" : "-");
  const double a = std::fabs(charge);
  if (a != 1.0) {
    if (a == std::floor(a)) {
      out += std::to_string(static_cast<long long>(a));
    } else {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", a);
      out += buf;
    }
  }
  return out;
}

// Parses one side ("Ca+2+2H++PO4-3") into tokens.
bool parse_side(const std::string& side, std::vector<ReactionToken>& out, std::string* error) {
  std::size_t i = 0;
  const std::size_t n = side.size();
  while (i < n) {
    if (side[i] == '+') {  // separator between terms
      ++i;
      continue;
    }
    ReactionToken tok;
    // coefficient
    std::size_t j = i;
    while (j < n && (std::isdigit(static_cast<unsigned char>(side[j])) || side[j] == '.')) ++j;
    if (j > i) {
      tok.coefficient = std::strtod(side.substr(i, j - i).c_str(), nullptr);
      i = j;
    }
    // name: up to a sign or the end
    std::string base;
    while (i < n && side[i] != '+' && side[i] != '-') {
      if (side[i] == '[') {
        while (i < n && side[i] != ']') base.push_back(side[i++]);
        if (i < n) base.push_back(side[i++]);
        continue;
      }
      base.push_back(side[i++]);
    }
    if (base.empty()) {
      if (error) *error = "empty species name in '" + side + "'";
      return false;
    }
    // charge: signs/digits up to a letter or bracket, then back to the last sign
    std::string charge;
    std::size_t k = i;
    while (k < n && !std::isalpha(static_cast<unsigned char>(side[k])) && side[k] != '(' &&
           side[k] != ')' && side[k] != '[' && side[k] != ']')
      charge.push_back(side[k++]);
    if (k < n) {  // another term follows: the last sign belongs to it
      while (!charge.empty() && charge.back() != '+' && charge.back() != '-') {
        charge.pop_back();
        --k;
      }
      if (!charge.empty()) {
        charge.pop_back();
        --k;
      }
    }
    i = k;
    const auto z = charge_value(charge);
    if (!z) {
      if (error) *error = "cannot read the charge '" + charge + "' of '" + base + "'";
      return false;
    }
    tok.charge = *z;
    tok.name = canonical_name(base, *z);
    tok.formula = base;
    out.push_back(tok);
  }
  return true;
}

// A number at f[i] (digits and '.'), 1 when there is none (PHREEQC get_num).
double formula_number(const std::string& f, std::size_t& i) {
  const std::size_t start = i;
  while (i < f.size() && (std::isdigit(static_cast<unsigned char>(f[i])) || f[i] == '.')) ++i;
  if (i == start) return 1.0;
  return std::strtod(f.substr(start, i - start).c_str(), nullptr);
}

// Adds coef x the elements of f[i..] up to the end or a ')' closing this group (PHREEQC
// get_elts_in_species). Returns an error text, empty on success.
std::string add_elements(const std::string& f, std::size_t& i, double coef, int depth,
                         std::map<std::string, double>& elements) {
  while (i < f.size()) {
    const char c = f[i];
    if (c == ')') {
      if (depth == 0) return "too many right parentheses in '" + f + "'";
      ++i;
      return {};
    }
    if (std::isupper(static_cast<unsigned char>(c)) || c == '[' ||
        (c == 'e' && i + 1 == f.size())) {
      std::string element(1, c);
      ++i;
      if (c == '[') {
        while (i < f.size() && f[i] != ']') element.push_back(f[i++]);
        if (i == f.size()) return "no closing bracket (]) for an element name in '" + f + "'";
        element.push_back(f[i++]);
      }
      while (i < f.size() && (std::islower(static_cast<unsigned char>(f[i])) || f[i] == '_'))
        element.push_back(f[i++]);
      elements[element] += coef * formula_number(f, i);
      continue;
    }
    if (c == '(') {
      ++i;
      std::map<std::string, double> group;
      if (auto err = add_elements(f, i, 1.0, depth + 1, group); !err.empty()) return err;
      const double n = formula_number(f, i);
      for (const auto& [element, v] : group) elements[element] += coef * n * v;
      continue;
    }
    if (c == ':') {
      ++i;
      const double n = formula_number(f, i);
      std::map<std::string, double> part;
      if (auto err = add_elements(f, i, 1.0, depth, part); !err.empty()) return err;
      for (const auto& [element, v] : part) elements[element] += coef * n * v;
      continue;
    }
    return std::string("unexpected character '") + c + "' in the formula '" + f + "'";
  }
  if (depth != 0) return "unbalanced parentheses in '" + f + "'";
  return {};
}

std::string format_moles(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

}  // namespace

std::string reaction_balance_problem(const ReactionText& reaction, ReactionKind kind) {
  constexpr double kTolerance = 1e-9;  // PHREEQC's TOL in check_eqn
  const ReactionToken& self =
      kind == ReactionKind::Species ? reaction.rhs.front() : reaction.lhs.front();
  if (std::fabs(self.coefficient - 1.0) > kTolerance)
    return kind == ReactionKind::Species
               ? "the coefficient of the species (first term after '=') is not 1"
               : "the coefficient of the mineral (first term before '=') is not 1";
  // right - left, as PHREEQC reports it
  double charge = 0.0;
  std::map<std::string, double> elements;
  auto add = [&](const ReactionToken& t, double sign) -> std::string {
    charge += sign * t.coefficient * t.charge;
    std::size_t i = 0;
    std::map<std::string, double> own;
    if (auto err = add_elements(t.formula, i, 1.0, 0, own); !err.empty()) return err;
    for (const auto& [element, v] : own) elements[element] += sign * t.coefficient * v;
    return {};
  };
  for (const auto& t : reaction.lhs)
    if (auto err = add(t, -1.0); !err.empty()) return err;
  for (const auto& t : reaction.rhs)
    if (auto err = add(t, 1.0); !err.empty()) return err;
  std::string problem;
  if (std::fabs(charge) > kTolerance)
    problem = "the reaction is not charge balanced: right - left = " + format_moles(charge) +
              " moles charge";
  for (const auto& [element, v] : elements) {
    if (element == "e" || std::fabs(v) <= kTolerance) continue;
    problem += (problem.empty() ? "" : "; ") + std::string("the reaction does not balance for ") +
               element + ": right - left = " + format_moles(v) + " moles";
  }
  return problem;
}

std::optional<ReactionText> parse_reaction(std::string_view text, std::string* error) {
  const std::string s = squeeze(text);
  const std::size_t eq = s.find('=');
  if (eq == std::string::npos || s.find('=', eq + 1) != std::string::npos) {
    if (error) *error = "a reaction needs exactly one '='";
    return std::nullopt;
  }
  ReactionText r;
  if (!parse_side(s.substr(0, eq), r.lhs, error)) return std::nullopt;
  if (!parse_side(s.substr(eq + 1), r.rhs, error)) return std::nullopt;
  if (r.lhs.empty() || r.rhs.empty()) {
    if (error) *error = "a reaction needs species on both sides of '='";
    return std::nullopt;
  }
  return r;
}

std::optional<ReactionToken> parse_species_name(std::string_view text) {
  std::vector<ReactionToken> toks;
  if (!parse_side(squeeze(text), toks, nullptr) || toks.size() != 1 || toks[0].coefficient != 1.0)
    return std::nullopt;
  return toks[0];
}

}  // namespace calcikin::thermo
