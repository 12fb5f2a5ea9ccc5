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
  std::string formula;  // the name without its charge: "Ca", "CaHPO4:2H2O", "e"
};

struct ReactionText {
  std::vector<ReactionToken> lhs;
  std::vector<ReactionToken> rhs;
};

// Returns nullopt (and sets *error) when the text is not a reaction.
std::optional<ReactionText> parse_reaction(std::string_view text, std::string* error);

// PHREEQC's check of a reaction (parse.cpp check_eqn, run for every SOLUTION_SPECIES and PHASES
// reaction unless -no_check): the coefficient of the defined species (first term after '=' for a
// species, first term before '=' for a phase) is 1, and the charge and every element balance
// within 1e-9 (e- carries charge -1 and no element). Elements are read from the formulas as
// PHREEQC does (get_elts_in_species): an element is an upper-case letter followed by lower-case
// letters or '_', or a bracketed name ("[13C]"); a number after an element or ')' multiplies it;
// "(...)" groups; ":" starts a hydrate part with its own leading coefficient ("CaSO4:2H2O").
// Returns the problem in words (PHREEQC's wording, with the imbalance), empty when balanced.
enum class ReactionKind { Species, Phase };
std::string reaction_balance_problem(const ReactionText& reaction, ReactionKind kind);

// Canonical species name with its charge ("Ca++" -> "Ca+2", "Na+1" -> "Na+"); nullopt when the
// charge is malformed.
std::optional<ReactionToken> parse_species_name(std::string_view text);

}  // namespace calcikin::thermo
