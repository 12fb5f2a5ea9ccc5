// Reader for PHREEQC database files (phreeqc.dat, minteq.v4.dat, wateq4f.dat, llnl.dat).
//
// Read: SOLUTION_MASTER_SPECIES, SOLUTION_SPECIES, PHASES and LLNL_AQUEOUS_MODEL_PARAMETERS.
// Every other keyword block is skipped (exchange, surfaces, rates, Pitzer, gases' binary
// parameters, ...): none of them changes the speciation of a solution.
//
// Reactions are rewritten to the master species of the valence states that carry no electron
// (PHREEQC's primary masters, e.g. CO3-2 for C and C(4)); species and phases whose reaction needs
// e- (other valence states, e.g. CH4 or Fe+3) are left out of the database, like PHREEQC leaves
// out valence states that are not in a solution. An option the reader does not support is stored
// with the entry and becomes an InputError naming the file and line as soon as the entry is
// needed (ChemicalSystem::create), so nothing unsupported is ever silently dropped from a result.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "models/thermo/database.hpp"
#include "models/thermo/reaction_text.hpp"

namespace calcikin::thermo {
namespace {

using input::InputError;
using input::SourceLocation;

struct Line {
  std::string text;  // one logical line (comment removed, split at ';')
  int number = 0;    // 1-based line number in the file
  std::string raw;   // the physical line, for messages
};

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> split_ws(const std::string& s) {
  std::istringstream is(s);
  std::vector<std::string> out;
  std::string w;
  while (is >> w) out.push_back(w);
  return out;
}

std::vector<Line> logical_lines(const std::string& text) {
  std::vector<Line> out;
  std::istringstream is(text);
  std::string raw;
  int number = 0;
  while (std::getline(is, raw)) {
    ++number;
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    std::string body = raw.substr(0, raw.find('#'));
    std::size_t start = 0;
    while (start <= body.size()) {
      const std::size_t semi = body.find(';', start);
      const std::string part =
          trim(body.substr(start, semi == std::string::npos ? std::string::npos : semi - start));
      if (!part.empty()) out.push_back({part, number, raw});
      if (semi == std::string::npos) break;
      start = semi + 1;
    }
  }
  return out;
}

const std::set<std::string>& keywords() {
  static const std::set<std::string> k = {"SOLUTION_MASTER_SPECIES",
                                          "SOLUTION_SPECIES",
                                          "PHASES",
                                          "EXCHANGE_MASTER_SPECIES",
                                          "EXCHANGE_SPECIES",
                                          "SURFACE_MASTER_SPECIES",
                                          "SURFACE_SPECIES",
                                          "RATES",
                                          "END",
                                          "LLNL_AQUEOUS_MODEL_PARAMETERS",
                                          "NAMED_EXPRESSIONS",
                                          "GAS_BINARY_PARAMETERS",
                                          "MEAN_GAMMAS",
                                          "PITZER",
                                          "SIT",
                                          "ISOTOPES",
                                          "CALCULATE_VALUES",
                                          "ISOTOPE_RATIOS",
                                          "ISOTOPE_ALPHAS",
                                          "TITLE",
                                          "SOLUTION",
                                          "KNOBS",
                                          "SELECTED_OUTPUT",
                                          "USER_PUNCH",
                                          "USER_PRINT",
                                          "PRINT",
                                          "DATABASE",
                                          "SOLUTION_SPREAD",
                                          "INCREMENTAL_REACTIONS",
                                          "EQUILIBRIUM_PHASES",
                                          "REACTION",
                                          "KINETICS",
                                          "SURFACE",
                                          "EXCHANGE",
                                          "GAS_PHASE",
                                          "SAVE",
                                          "USE",
                                          "MIX",
                                          "COPY",
                                          "DELETE",
                                          "RUN_CELLS",
                                          "USER_GRAPH",
                                          "TRANSPORT",
                                          "ADVECTION",
                                          "INVERSE_MODELING",
                                          "SOLID_SOLUTIONS",
                                          "REACTION_TEMPERATURE",
                                          "REACTION_PRESSURE",
                                          "SOLUTION_MIX",
                                          "DUMP"};
  return k;
}

// PHREEQC writes valence states as "C(+4)" or "C(4)": compare them without the '+'.
std::string normalize_element(const std::string& e) {
  std::string out;
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (e[i] == '+' && i > 0 && e[i - 1] == '(') continue;
    out.push_back(e[i]);
  }
  return out;
}

// PHREEQC's delta_h units: kJ/mol unless the text names kcal, cal or J (read.cpp
// read_delta_h_only).
double delta_h_to_j_per_mol(double value, const std::string& unit_text) {
  const std::string u = lower(unit_text);
  if (u.find("kcal") != std::string::npos) return value * 4184.0;
  if (u.find("cal") != std::string::npos) return value * 4.184;
  if (u.find("kj") != std::string::npos || u.empty()) return value * 1000.0;
  if (u.find('j') != std::string::npos) return value;
  return value * 1000.0;
}

struct RawEntry {
  std::string name;     // canonical species name / phase name
  std::string formula;  // phases: first lhs token
  double charge = 0.0;
  ReactionText reaction;
  LogKExpression own_log_k;  // as read (before rewriting)
  LogKExpression analytic_part;
  bool has_analytic = false;
  bool has_gamma = false, has_llnl_gamma = false, co2_llnl = false;
  double gamma_a = 0.0, gamma_b = 0.0;
  double vm = std::numeric_limits<double>::quiet_NaN();  // phases: cm3/mol
  bool check_balance = true;      // -no_check turns PHREEQC's balance check off for this entry
  SourceLocation reaction_where;  // the reaction line (phases: the line after the name)
  std::string reaction_line;
  std::string unsupported;
  SourceLocation unsupported_where;
  std::string unsupported_line;
  SourceLocation where;
};

class Reader {
 public:
  Reader(const std::string& text, const std::string& path)
      : path_(path), lines_(logical_lines(text)) {}

  std::shared_ptr<const Database> read() {
    enum class Block { None, Master, Species, Phases, Llnl, Skip } block = Block::None;
    RawEntry* current = nullptr;
    std::string llnl_option;
    for (const Line& line : lines_) {
      const auto words = split_ws(line.text);
      if (words.empty()) continue;
      if (keywords().count(words[0]) != 0) {
        current = nullptr;
        const std::string& k = words[0];
        if (k == "SOLUTION_MASTER_SPECIES")
          block = Block::Master;
        else if (k == "SOLUTION_SPECIES")
          block = Block::Species;
        else if (k == "PHASES")
          block = Block::Phases;
        else if (k == "LLNL_AQUEOUS_MODEL_PARAMETERS") {
          block = Block::Llnl;
          llnl_.emplace();
        } else
          block = Block::Skip;
        continue;
      }
      switch (block) {
        case Block::Master:
          read_master(line, words);
          break;
        case Block::Species:
          current = read_species_line(line, words, current);
          break;
        case Block::Phases:
          current = read_phase_line(line, words, current);
          break;
        case Block::Llnl:
          read_llnl_line(line, words, llnl_option);
          break;
        case Block::None:
          // Not (yet) a PHREEQC database: its text is not quoted (any file may be named as the
          // database, and its first line may be private).
          throw InputError(
              SourceLocation{path_, line.number, 0}, "",
              "not a PHREEQC database: text before the first keyword block", "",
              "a PHREEQC database starts with a keyword such as SOLUTION_MASTER_SPECIES");
        case Block::Skip:
          break;
      }
    }
    return build();
  }

 private:
  [[noreturn]] void fail(const Line& line, const std::string& problem,
                         const std::string& hint = {}) const {
    throw InputError(SourceLocation{path_, line.number, 1}, "", problem, line.raw, hint);
  }
  SourceLocation at(const Line& line) const { return SourceLocation{path_, line.number, 1}; }

  double number(const Line& line, const std::string& w) const {
    char* end = nullptr;
    const double v = std::strtod(w.c_str(), &end);
    if (end == w.c_str() || *end != '\0' || !std::isfinite(v))
      fail(line, "expected a number, got '" + w + "'");
    return v;
  }

  // ---- SOLUTION_MASTER_SPECIES: element  species  alk  gfw_formula  [element_gfw]
  void read_master(const Line& line, const std::vector<std::string>& w) {
    if (w.size() < 3)
      fail(line,
           "a master-species line needs: element species alkalinity gfw_or_formula [element_gfw]");
    MasterEntry m;
    m.element = w[0];
    m.species = w[1];
    m.where = at(line);
    if (w.size() >= 5) {
      char* end = nullptr;
      m.element_gfw = std::strtod(w[4].c_str(), &end);
    }
    if (w.size() >= 4) {
      char* end = nullptr;
      const double v = std::strtod(w[3].c_str(), &end);
      if (end != w[3].c_str() && *end == '\0')
        m.formula_gfw = v;
      else
        m.formula = w[3];
    }
    masters_.push_back(m);
  }

  // ---- options shared by species and phases
  // Returns true when the option was recognised (also when ignored knowingly).
  bool read_option(const Line& line, const std::vector<std::string>& w, RawEntry& e,
                   bool is_phase) {
    std::string opt = lower(w[0]);
    if (!opt.empty() && opt[0] == '-') opt.erase(0, 1);
    auto numbers = [&](std::size_t max) {
      std::vector<double> v;
      for (std::size_t i = 1; i < w.size() && v.size() < max; ++i) v.push_back(number(line, w[i]));
      return v;
    };
    if (opt == "log_k" || opt == "logk") {
      if (w.size() < 2) fail(line, "log_k needs a value");
      e.own_log_k.log_k_25 = number(line, w[1]);
      return true;
    }
    if (opt == "delta_h" || opt == "deltah") {
      if (w.size() < 2) fail(line, "delta_h needs a value");
      std::string unit;
      for (std::size_t i = 2; i < w.size(); ++i) unit += w[i];
      e.own_log_k.delta_h = delta_h_to_j_per_mol(number(line, w[1]), unit);
      return true;
    }
    if (opt == "analytic" || opt == "analytical" || opt == "analytical_expression" ||
        opt == "a_e" || opt == "ae") {
      const auto v = numbers(6);
      if (v.empty()) fail(line, "an analytical expression needs 1 to 6 coefficients");
      e.analytic_part = LogKExpression{};
      for (std::size_t i = 0; i < v.size(); ++i) e.analytic_part.analytic[i] = v[i];
      e.has_analytic = true;
      return true;
    }
    if (!is_phase && opt == "gamma") {
      const auto v = numbers(2);
      if (v.empty()) fail(line, "-gamma needs the ion-size parameter a and the b parameter");
      e.has_gamma = true;
      e.gamma_a = v[0];
      e.gamma_b = v.size() > 1 ? v[1] : 0.0;
      return true;
    }
    if (!is_phase && opt == "llnl_gamma") {
      const auto v = numbers(1);
      if (v.empty()) fail(line, "-llnl_gamma needs the ion-size parameter");
      e.has_llnl_gamma = true;
      e.gamma_a = v[0];
      return true;
    }
    if (!is_phase && opt == "co2_llnl_gamma") {
      e.co2_llnl = true;
      return true;
    }
    if (opt == "no_check" || opt == "check") {
      e.check_balance = opt == "check";
      return true;
    }
    if (is_phase && opt == "vm") {
      const auto v = numbers(1);
      if (!v.empty()) e.vm = v[0];
      return true;
    }
    // Known options that do not affect speciation at 1 atm: molar volumes of aqueous species
    // (pressure and density), diffusion, viscosity, diffuse-layer and gas critical constants.
    static const std::set<std::string> ignored = {
        "vm",  "dw",  "viscosity", "erm_ddl", "millero",
        "t_c", "p_c", "omega",     "delta_v", "tracer_diffusion_coefficient"};
    if (ignored.count(opt) != 0) return true;
    static const std::set<std::string> unsupported = {
        "mole_balance", "mass_balance",   "mb",  "add_logk", "add_log_k",
        "add_constant", "activity_water", "dha", "dhb"};
    if (unsupported.count(opt) != 0 || opt.rfind('-', 0) == 0 || w[0][0] == '-') {
      if (e.unsupported.empty()) {
        e.unsupported = "option '" + w[0] + "' of " + (is_phase ? "phase " : "species ") + e.name +
                        " is not supported by calcikin's PHREEQC reader";
        e.unsupported_where = at(line);
        e.unsupported_line = line.raw;
      }
      return true;
    }
    return false;
  }

  RawEntry* read_species_line(const Line& line, const std::vector<std::string>& w,
                              RawEntry* current) {
    if (line.text.find('=') == std::string::npos || w[0][0] == '-') {
      if (current == nullptr) fail(line, "option before the first reaction in SOLUTION_SPECIES");
      if (!read_option(line, w, *current, false))
        fail(line, "cannot read '" + line.text + "' in SOLUTION_SPECIES",
             "expected a reaction (A + B = C) or an option such as -log_k");
      return current;
    }
    std::string err;
    auto r = parse_reaction(line.text, &err);
    if (!r) fail(line, "cannot read the reaction: " + err);
    RawEntry e;
    e.reaction = *r;
    e.name = r->rhs.front().name;
    e.charge = r->rhs.front().charge;
    e.where = at(line);
    e.reaction_where = e.where;
    e.reaction_line = line.raw;
    species_order_.push_back(e.name);
    species_[e.name] = e;  // a later definition replaces an earlier one (as in PHREEQC)
    return &species_[e.name];
  }

  RawEntry* read_phase_line(const Line& line, const std::vector<std::string>& w,
                            RawEntry* current) {
    if (line.text.find('=') != std::string::npos && w[0][0] != '-') {
      if (current == nullptr || !current->reaction.lhs.empty())
        fail(line, "a reaction without a phase name in PHASES");
      std::string err;
      auto r = parse_reaction(line.text, &err);
      if (!r) fail(line, "cannot read the reaction of phase " + current->name + ": " + err);
      current->reaction = *r;
      current->formula = r->lhs.front().name;
      current->reaction_where = at(line);
      current->reaction_line = line.raw;
      return current;
    }
    if (current != nullptr && read_option(line, w, *current, true)) return current;
    if (w[0][0] == '-') fail(line, "option '" + w[0] + "' before the first phase in PHASES");
    // The phase name is the first word; PHREEQC ignores the rest of the line ("Willemite 289").
    RawEntry e;
    e.name = w[0];
    e.where = at(line);
    phase_order_.push_back(e.name);
    phases_[e.name] = e;
    return &phases_[e.name];
  }

  void read_llnl_line(const Line& line, const std::vector<std::string>& w, std::string& option) {
    std::size_t first = 0;
    if (w[0].size() > 1 && w[0][0] == '-' && std::isalpha(static_cast<unsigned char>(w[0][1]))) {
      option = lower(w[0].substr(1));
      first = 1;
    }
    for (std::size_t i = first; i < w.size(); ++i) {
      const double v = number(line, w[i]);
      if (option == "temperatures" || option == "temp" || option == "t")
        llnl_->temperatures_c.push_back(v);
      else if (option == "dh_a" || option == "adh")
        llnl_->adh.push_back(v);
      else if (option == "dh_b" || option == "bdh")
        llnl_->bdh.push_back(v);
      else if (option == "bdot")
        llnl_->bdot.push_back(v);
      else if (option == "co2_coefs" || option == "co2_coef")
        llnl_->co2_coefficients.push_back(v);
      else
        fail(line, "unknown option '-" + option + "' in LLNL_AQUEOUS_MODEL_PARAMETERS");
    }
  }

  // ---- assemble the database
  struct MasterEntry {
    std::string element, species, formula;
    double formula_gfw = 0.0, element_gfw = 0.0;
    SourceLocation where;
  };

  struct Rewritten {
    bool ok = false;  // reducible to basis species without e-
    bool visiting = false;
    bool done = false;
    std::map<std::size_t, double> terms;
    double h_plus = 0.0, water = 0.0;
    LogKExpression log_k;  // formation constant from the basis
    std::string why_not;
  };

  // Gram formula weight of a formula such as "HCO3", "SO4", "Ca0.5(CO3)0.5" from the element
  // weights of the master table (PHREEQC uses it to convert mass and molar units); 0 when an
  // element is unknown.
  double formula_weight(const std::string& f) const {
    std::size_t i = 0;
    std::function<double(bool)> group = [&](bool inner) -> double {
      double sum = 0.0;
      while (i < f.size()) {
        const char c = f[i];
        double part = 0.0;
        if (c == '(') {
          ++i;
          part = group(true);
          if (i >= f.size() || f[i] != ')') return 0.0;
          ++i;
        } else if (c == ')') {
          return inner ? sum : 0.0;
        } else if (std::isupper(static_cast<unsigned char>(c))) {
          std::string el(1, c);
          ++i;
          while (i < f.size() && std::islower(static_cast<unsigned char>(f[i])))
            el.push_back(f[i++]);
          const auto w = element_weights_.find(el);
          if (w == element_weights_.end()) return -1e300;
          part = w->second;
        } else {
          return -1e300;
        }
        std::size_t j = i;
        while (j < f.size() && (std::isdigit(static_cast<unsigned char>(f[j])) || f[j] == '.')) ++j;
        const double n = j > i ? std::strtod(f.substr(i, j - i).c_str(), nullptr) : 1.0;
        i = j;
        sum += n * part;
      }
      return sum;
    };
    const double w = group(false);
    return w > 0.0 ? w : 0.0;
  }

  LogKExpression effective_log_k(const RawEntry& e) const {
    // PHREEQC: an analytical expression replaces log_k/delta_h (tidy.cpp select_log_k_expression)
    if (e.has_analytic) return e.analytic_part;
    return e.own_log_k;
  }

  // Rewrites the formation of species `name` in terms of the basis.
  const Rewritten& rewrite(const std::string& name) {
    Rewritten& r = rewritten_[name];
    if (r.done) return r;
    if (r.visiting) {
      r.why_not = "circular reaction definitions";
      return r;
    }
    r.visiting = true;
    auto finish = [&](bool ok) -> const Rewritten& {
      r.ok = ok;
      r.done = true;
      r.visiting = false;
      return r;
    };
    if (name == "H+") {
      r.h_plus = 1.0;
      return finish(true);
    }
    if (name == "H2O") {
      r.water = 1.0;
      return finish(true);
    }
    if (name == "e-") {
      r.why_not = "needs e- (another valence state)";
      return finish(false);
    }
    const auto b = basis_by_species_.find(name);
    if (b != basis_by_species_.end()) {
      r.terms[b->second] = 1.0;
      return finish(true);
    }
    const auto it = species_.find(name);
    if (it == species_.end()) {
      r.why_not = "species " + name + " is not defined in SOLUTION_SPECIES";
      return finish(false);
    }
    const RawEntry& e = it->second;
    const double self = e.reaction.rhs.front().coefficient;
    r.log_k = effective_log_k(e);
    r.log_k.log_k_25 /= self;
    r.log_k.delta_h /= self;
    for (double& a : r.log_k.analytic) a /= self;
    auto add = [&](const ReactionToken& t, double c) -> bool {
      const Rewritten& sub = rewrite(t.name);
      if (!sub.ok) {
        r.why_not = sub.why_not;
        return false;
      }
      for (const auto& [k, v] : sub.terms) r.terms[k] += c * v;
      r.h_plus += c * sub.h_plus;
      r.water += c * sub.water;
      r.log_k.add_scaled(sub.log_k, c);
      return true;
    };
    for (const auto& t : e.reaction.lhs)
      if (!add(t, t.coefficient / self)) return finish(false);
    for (std::size_t i = 1; i < e.reaction.rhs.size(); ++i)
      if (!add(e.reaction.rhs[i], -e.reaction.rhs[i].coefficient / self)) return finish(false);
    return finish(true);
  }

  // PHREEQC checks every reaction it keeps (tidy.cpp tidy_species/tidy_phases -> check_eqn) and
  // stops with an input error for each one that does not balance; so does this reader: the first
  // (in file order) is the error, the others are listed as notes.
  void check_reactions() const {
    struct Problem {
      const RawEntry* entry;
      std::string text;
    };
    std::vector<Problem> problems;
    auto check = [&](const std::vector<std::string>& order,
                     const std::map<std::string, RawEntry>& entries, ReactionKind kind) {
      std::set<std::string> seen;
      for (const auto& name : order) {
        if (!seen.insert(name).second) continue;
        const RawEntry& e = entries.at(name);
        if (!e.check_balance || e.reaction.lhs.empty()) continue;
        std::string problem = reaction_balance_problem(e.reaction, kind);
        if (!problem.empty())
          problems.push_back({&e, (kind == ReactionKind::Species ? "species " : "phase ") + name +
                                      ": " + problem});
      }
    };
    check(species_order_, species_, ReactionKind::Species);
    check(phase_order_, phases_, ReactionKind::Phase);
    if (problems.empty()) return;
    std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
      return a.entry->reaction_where.line < b.entry->reaction_where.line;
    });
    std::vector<input::InputNote> notes;
    constexpr std::size_t kMaxNotes = 9;
    for (std::size_t i = 1; i < problems.size() && notes.size() < kMaxNotes; ++i)
      notes.push_back(
          {problems[i].entry->reaction_where, problems[i].text, problems[i].entry->reaction_line});
    std::string what = problems.front().text;
    if (problems.size() > 1)
      what += " (" + std::to_string(problems.size()) + " reactions do not balance" +
              (problems.size() > notes.size() + 1
                   ? ", the first " + std::to_string(notes.size() + 1) + " are shown"
                   : "") +
              ")";
    throw InputError(problems.front().entry->reaction_where, "", what,
                     problems.front().entry->reaction_line,
                     "PHREEQC refuses a reaction that does not balance in mass and charge; "
                     "-no_check after the reaction skips the check (as in PHREEQC)",
                     std::move(notes));
  }

  std::shared_ptr<const Database> build() {
    check_reactions();
    auto db = std::make_shared<Database>();
    db->name = path_;
    db->min_temperature = 273.15;
    db->max_temperature = 373.15;
    db->neutral_b = 0.1;  // PHREEQC read.cpp: dhb = 0.1 for neutral species without -gamma
    db->water_activity = WaterActivityModel::Phreeqc;
    if (llnl_) {
      const auto& l = *llnl_;
      const std::size_t n = l.temperatures_c.size();
      if (n == 0 || l.adh.size() != n || l.bdh.size() != n || l.bdot.size() != n)
        throw InputError(SourceLocation{path_, 0, 0}, "LLNL_AQUEOUS_MODEL_PARAMETERS",
                         "-temperatures, -dh_a, -dh_b and -bdot need the same number of values");
      for (std::size_t i = 1; i < n; ++i)
        if (!(l.temperatures_c[i] > l.temperatures_c[i - 1]))
          throw InputError(SourceLocation{path_, 0, 0}, "LLNL_AQUEOUS_MODEL_PARAMETERS",
                           "-temperatures must increase (the Debye-Hueckel parameters are "
                           "interpolated in temperature)");
      db->llnl = l;
      db->min_temperature = 273.15 + l.temperatures_c.front();
      db->max_temperature = 273.15 + l.temperatures_c.back();
    }
    for (const MasterEntry& m : masters_)
      if (m.element.find('(') == std::string::npos && m.element_gfw > 0.0)
        element_weights_[m.element] = m.element_gfw;
    auto gfw_of = [&](const MasterEntry& m) {
      if (m.formula_gfw > 0.0) return m.formula_gfw;
      const double w = m.formula.empty() ? 0.0 : formula_weight(m.formula);
      return w > 0.0 ? w : m.element_gfw;
    };
    // Basis: one component per master species that PHREEQC can reach without e-; element names
    // that share a master species ("C", "C(+4)") become aliases of one component.
    for (const MasterEntry& m : masters_) {
      const std::string el = normalize_element(m.element);
      if (m.species == "H+" || m.species == "H2O" || m.species == "e-" || el == "Alkalinity")
        continue;
      const auto sp = species_.find(canonical(m.species));
      if (sp == species_.end()) continue;
      const auto& rx = sp->second.reaction;
      const bool identity =
          rx.lhs.size() == 1 && rx.rhs.size() == 1 && rx.lhs[0].name == rx.rhs[0].name;
      if (!identity) continue;  // a secondary master defined by a redox reaction (CH4, Fe+3, ...)
      const std::string sp_name = sp->first;
      auto found = basis_by_species_.find(sp_name);
      if (found == basis_by_species_.end()) {
        BasisSpecies b;
        b.element = el;
        b.species = sp_name;
        b.atoms = 1.0;
        b.gram_formula_weight = gfw_of(m);
        // PHREEQC refuses a primary master species without a positive gram formula weight
        // (needed for mass units such as mg/L); so does this reader.
        if (!(b.gram_formula_weight > 0.0) || !std::isfinite(b.gram_formula_weight)) {
          throw InputError(m.where, "SOLUTION_MASTER_SPECIES",
                           "the gram formula weight of " + m.element +
                               " must be a positive number (from gfw_or_formula '" +
                               (m.formula.empty() ? std::to_string(m.formula_gfw) : m.formula) +
                               "')");
        }
        b.where = m.where;
        basis_by_species_[sp_name] = db->basis.size();
        db->basis.push_back(b);
      } else {
        BasisSpecies& b = db->basis[found->second];
        // Prefer the valence-state name ("C(4)") as the element; keep the other as an alias.
        if (el.find('(') != std::string::npos && b.element.find('(') == std::string::npos) {
          b.aliases.push_back(b.element);
          b.element = el;
        } else {
          b.aliases.push_back(el);
        }
        if (b.gram_formula_weight <= 0) b.gram_formula_weight = gfw_of(m);
      }
    }
    // Species (H+ first, then the rest in file order; H2O and e- are not species of the solution).
    std::set<std::string> seen;
    std::vector<std::string> order;
    if (species_.count("H+")) order.push_back("H+");
    for (const auto& n : species_order_)
      if (seen.insert(n).second && n != "H+") order.push_back(n);
    for (const auto& name : order) {
      if (name == "H2O" || name == "e-") continue;
      const RawEntry& e = species_.at(name);
      const Rewritten& r = rewrite(name);
      if (!r.ok) continue;  // other valence state (needs e-) or undefined reactant
      AqueousSpecies s;
      s.name = name;
      s.charge = e.charge;
      for (const auto& [k, v] : r.terms)
        if (v != 0.0) s.reaction.terms.emplace_back(k, v);
      s.reaction.h_plus = r.h_plus;
      s.reaction.water = r.water;
      s.reaction.log_k = r.log_k;
      for (const auto& [k, v] : s.reaction.terms)
        s.mass_balance.emplace_back(k, v * db->basis[k].atoms);
      if (e.co2_llnl) {
        s.gamma.model = GammaModel::BDotCO2;
      } else if (e.has_llnl_gamma) {
        s.gamma.model = GammaModel::BDot;
        s.gamma.a = e.gamma_a;
      } else if (e.has_gamma) {
        s.gamma.model = GammaModel::DebyeHuckel;
        s.gamma.a = e.gamma_a;
        s.gamma.b = e.gamma_b;
      } else if (e.charge == 0.0) {
        s.gamma.model = GammaModel::NeutralLinear;
        s.gamma.b = db->neutral_b;
      } else {
        s.gamma.model = GammaModel::Davies;
      }
      if ((s.gamma.model == GammaModel::BDot || s.gamma.model == GammaModel::BDotCO2) &&
          !db->llnl) {
        s.unsupported =
            "species " + name +
            " uses the llnl activity model but the file has no LLNL_AQUEOUS_MODEL_PARAMETERS";
        s.unsupported_where = e.where;
      }
      if (!e.unsupported.empty()) {
        s.unsupported = e.unsupported;
        s.unsupported_where = e.unsupported_where;
        s.unsupported_line = e.unsupported_line;
      }
      s.source = path_ + ":" + std::to_string(e.where.line);
      s.where = e.where;
      if (name == "H+") db->h_plus_gamma = s.gamma;
      db->species.push_back(std::move(s));
    }
    // Phases: dissolution of one formula unit into basis species.
    seen.clear();
    for (const auto& name : phase_order_) {
      if (!seen.insert(name).second) continue;
      const RawEntry& e = phases_.at(name);
      if (e.reaction.lhs.empty()) {
        throw InputError(
            e.where, "PHASES." + name, "phase " + name + " has no reaction", "",
            "the line after a phase name is its dissolution reaction, e.g. CaCO3 = Ca+2 + CO3-2");
      }
      Phase p;
      p.name = name;
      p.formula = e.reaction.lhs.front().name;
      LogKExpression lk = effective_log_k(e);
      const double self = e.reaction.lhs.front().coefficient;
      std::map<std::size_t, double> terms;
      double h = 0.0, w = 0.0;
      bool ok = true;
      auto add = [&](const ReactionToken& t, double c) {
        const Rewritten& sub = rewrite(t.name);
        if (!sub.ok) {
          ok = false;
          return;
        }
        for (const auto& [k, v] : sub.terms) terms[k] += c * v;
        h += c * sub.h_plus;
        w += c * sub.water;
        lk.add_scaled(sub.log_k, -c);
      };
      for (const auto& t : e.reaction.rhs) add(t, t.coefficient / self);
      for (std::size_t i = 1; i < e.reaction.lhs.size(); ++i)
        add(e.reaction.lhs[i], -e.reaction.lhs[i].coefficient / self);
      if (!ok) continue;  // needs another valence state
      for (const auto& [k, v] : terms)
        if (std::fabs(v) > 1e-12) p.reaction.terms.emplace_back(k, v);
      p.reaction.h_plus = std::fabs(h) > 1e-12 ? h : 0.0;
      p.reaction.water = std::fabs(w) > 1e-12 ? w : 0.0;
      p.reaction.log_k = lk;
      // nu: dissolved species per formula unit in the reaction as written (products, H2O excluded)
      double nu = 0.0;
      for (const auto& t : e.reaction.rhs)
        if (t.name != "H2O" && t.name != "e-") nu += t.coefficient / self;
      p.ion_count = nu;
      if (std::isfinite(e.vm)) p.molar_volume = e.vm * 1e-6;  // cm3/mol -> m3/mol
      p.source = path_ + ":" + std::to_string(e.where.line);
      p.where = e.where;
      p.unsupported = e.unsupported;
      p.unsupported_where = e.unsupported_where;
      p.unsupported_line = e.unsupported_line;
      db->phases.push_back(std::move(p));
    }
    if (db->find_species("H+") < 0)
      throw InputError(SourceLocation{path_, 0, 0}, "SOLUTION_SPECIES",
                       "the database defines no H+ species", "",
                       "is this a PHREEQC database file?");
    return db;
  }

  static std::string canonical(const std::string& name) {
    const auto t = parse_species_name(name);
    return t ? t->name : name;
  }

  std::string path_;
  std::vector<Line> lines_;
  std::vector<MasterEntry> masters_;
  std::map<std::string, RawEntry> species_;
  std::vector<std::string> species_order_;
  std::map<std::string, RawEntry> phases_;
  std::vector<std::string> phase_order_;
  std::optional<LlnlModel> llnl_;
  std::map<std::string, std::size_t> basis_by_species_;
  std::map<std::string, Rewritten> rewritten_;
  std::map<std::string, double> element_weights_;
};

}  // namespace

std::shared_ptr<const Database> read_phreeqc_database(const std::string& text,
                                                      const std::string& path) {
  Reader reader(text, path);
  return reader.read();
}

}  // namespace calcikin::thermo
