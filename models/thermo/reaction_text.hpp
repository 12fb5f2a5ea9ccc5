#pragma once
// Parsing of PHREEQC reaction text ("Ca+2 + 2 H+ + PO4-3 = CaH2PO4+") and species names with
// charges ("Ca+2", "Ca++", "OH-", "CO3-2"), following PHREEQC's get_token rules: whitespace is
// ignored, a coefficient is the leading number of a term, and the charge of a species is the run of
// signs and digits after its name up to the last sign before the next term.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace calcikin::thermo {

struct ReactionToken {
  double coefficient = 1.0;
  std::string name;  // canonical: "Ca+2", "OH-", "CaHPO4", "CaHPO4:2H2O"
  double charge = 0.0;
};

struct ReactionText {
  std::vector<ReactionToken> lhs;
  std::vector<ReactionToken> rhs;
};

// Returns nullopt (and sets *error) when the text is not a reaction.
std::optional<ReactionText> parse_reaction(std::string_view text, std::string* error);

// Canonical species name with its charge ("Ca++" -> "Ca+2", "Na+1" -> "Na+"); nullopt when the
// charge is malformed.
std::optional<ReactionToken> parse_species_name(std::string_view text);

}  // namespace calcikin::thermo
