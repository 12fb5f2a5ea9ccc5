#include "models/thermo/reaction_text.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

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
    out.push_back(tok);
  }
  return true;
}

}  // namespace

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
