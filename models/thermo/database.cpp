#include "models/thermo/database.hpp"

#include <fstream>
#include <sstream>

namespace calcikin::thermo {
namespace {
// Element names compare without a '+' in the valence: "C(+4)" == "C(4)".
std::string normalized(std::string_view e) {
  std::string out;
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (e[i] == '+' && i > 0 && e[i - 1] == '(') continue;
    out.push_back(e[i]);
  }
  return out;
}
}  // namespace

int Database::find_basis(std::string_view element) const {
  const std::string n = normalized(element);
  for (std::size_t i = 0; i < basis.size(); ++i) {
    if (normalized(basis[i].element) == n) return static_cast<int>(i);
    for (const auto& a : basis[i].aliases)
      if (normalized(a) == n) return static_cast<int>(i);
  }
  return -1;
}

int Database::find_species(std::string_view species_name) const {
  for (std::size_t i = 0; i < species.size(); ++i)
    if (species[i].name == species_name) return static_cast<int>(i);
  return -1;
}

int Database::find_phase(std::string_view phase_name) const {
  for (std::size_t i = 0; i < phases.size(); ++i)
    if (phases[i].name == phase_name) return static_cast<int>(i);
  return -1;
}

std::shared_ptr<const Database> load_database(const std::string& spec) {
  if (spec == "builtin") return builtin_database();
  std::ifstream in(spec, std::ios::binary);
  if (!in) {
    throw input::InputError(
        input::SourceLocation{spec, 0, 0}, "database",
        "cannot read the database file '" + spec + "'", "",
        "give \"builtin\" or the path of a PHREEQC database (phreeqc.dat, minteq.v4.dat, "
        "wateq4f.dat, llnl.dat)");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return read_phreeqc_database(text.str(), spec);
}

}  // namespace calcikin::thermo
