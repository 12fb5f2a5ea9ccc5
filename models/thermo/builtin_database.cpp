// Loader of calcikin's own database format (models/data/thermo_database.yaml, compiled into the
// library). Units are explicit on every dimensional value and converted to SI with calcikin::input.
#include <cmath>
#include <map>
#include <mutex>

#include "models/thermo/database.hpp"
#include "models/thermo/reaction_text.hpp"
#include "solver/input/document.hpp"

namespace calcikin::thermo {

// Defined in the generated file builtin_database_text.cpp (CMake embeds the YAML file).
extern const char* const kBuiltinDatabaseText;
extern const char* const kBuiltinDatabaseName;

namespace {

using input::Node;

constexpr input::Dimension kMolarEnthalpy{"molar enthalpy", "J/mol", "-15 kJ/mol",
                                          "molar enthalpy units: J/mol kJ/mol"};
constexpr input::Dimension kMolarMass{"molar mass", "kg/mol", "502.31 g/mol",
                                      "molar mass units: g/mol kg/mol"};
constexpr input::Dimension kDensity{"density", "kg/m3", "3.16 g/cm3",
                                    "density units: g/cm3 kg/m3 kg/L"};

// A reaction term resolved to the basis: a component species, H+, H2O or a species defined earlier.
struct Resolved {
  std::map<std::size_t, double> terms;
  double h = 0.0, w = 0.0;
  LogKExpression log_k;  // formation constant of the term from the basis
};

class BuiltinLoader {
 public:
  std::shared_ptr<const Database> load(const std::string& text, const std::string& name) {
    auto doc = input::Document::from_text(text, name);
    Node root = doc->root();
    db_ = std::make_shared<Database>();
    db_->name = "builtin";
    const std::string schema = root.at("schema").text();
    if (schema != "calcikin/thermo-database/1")
      root.at("schema").fail("unknown database schema '" + schema + "'",
                             "expected calcikin/thermo-database/1");
    (void)root.at("name").text();
    Node range = root.at("temperature_range");
    db_->min_temperature = range.at("min").quantity(input::kTemperature);
    db_->max_temperature = range.at("max").quantity(input::kTemperature);
    range.check_known_keys();
    read_activity(root.at("activity"));
    read_components(root.at("components"));
    read_species(root.at("species"));
    read_phases(root.at("phases"));
    root.check_known_keys();
    return db_;
  }

 private:
  void read_activity(const Node& a) {
    const std::string charged = a.at("charged").choice({"davies"});
    (void)charged;
    db_->neutral_b = a.at("neutral_log_gamma_coefficient").number();
    db_->water_activity = a.at("water_activity").choice({"phreeqc", "unity"}) == "phreeqc"
                              ? WaterActivityModel::Phreeqc
                              : WaterActivityModel::Unity;
    a.check_known_keys();
  }

  GammaParameters gamma_for(double charge) const {
    GammaParameters g;
    if (charge == 0.0) {
      g.model = GammaModel::NeutralLinear;
      g.b = db_->neutral_b;
    } else {
      g.model = GammaModel::Davies;
    }
    return g;
  }

  void read_components(const Node& comps) {
    // H+ is species 0 of every database.
    AqueousSpecies h;
    h.name = "H+";
    h.charge = 1.0;
    h.reaction.h_plus = 1.0;
    h.gamma = gamma_for(1.0);
    h.source = "proton";
    db_->h_plus_gamma = h.gamma;
    db_->species.push_back(h);
    for (const input::Entry& e : comps.entries()) {
      const Node& c = e.value;
      BasisSpecies b;
      b.element = e.key;
      b.where = e.key_node.location();
      const Node sp = c.at("species");
      const auto tok = parse_species_name(sp.text());
      if (!tok)
        sp.fail("cannot read the species name '" + sp.text() + "'",
                "write the charge like Ca+2, CO3-2, Na+");
      b.species = tok->name;
      b.gram_formula_weight = c.at("formula_weight").quantity(kMolarMass) * 1e3;  // g/mol
      if (auto al = c.get("aliases"))
        for (const Node& n : al->items()) b.aliases.push_back(n.text());
      (void)c.at("source").text();
      c.check_known_keys();
      if (db_->find_basis(b.element) >= 0)
        e.key_node.fail("component " + b.element + " is defined twice");
      const std::size_t index = db_->basis.size();
      db_->basis.push_back(b);
      AqueousSpecies s;
      s.name = b.species;
      s.charge = tok->charge;
      s.reaction.terms.emplace_back(index, 1.0);
      s.mass_balance.emplace_back(index, 1.0);
      s.gamma = gamma_for(tok->charge);
      s.source = c.at("source").text();
      s.where = b.where;
      db_->species.push_back(s);
    }
  }

  // Resolves a reaction term (component species, H+, H2O or an earlier species).
  Resolved resolve(const ReactionToken& t, const Node& where) const {
    Resolved r;
    if (t.name == "H+") {
      r.h = 1.0;
      return r;
    }
    if (t.name == "H2O") {
      r.w = 1.0;
      return r;
    }
    const int s = db_->find_species(t.name);
    if (s < 0)
      where.fail("'" + t.name +
                 "' is neither a component species, H+, H2O nor a species defined above");
    const AqueousSpecies& sp = db_->species[static_cast<std::size_t>(s)];
    for (const auto& [k, v] : sp.reaction.terms) r.terms[k] += v;
    r.h = sp.reaction.h_plus;
    r.w = sp.reaction.water;
    r.log_k = sp.reaction.log_k;
    return r;
  }

  // log_k (+ delta_h, + log_k_temperature) | log_k_points | analytic
  LogKExpression read_log_k(const Node& n) const {
    LogKExpression lk;
    const bool has_points = n.has("log_k_points");
    const bool has_analytic = n.has("analytic");
    const bool has_log_k = n.has("log_k");
    if (static_cast<int>(has_points) + static_cast<int>(has_analytic) +
            static_cast<int>(has_log_k) !=
        1)
      n.fail("give exactly one of log_k, log_k_points or analytic");
    if (has_analytic) {
      const auto items = n.at("analytic").items();
      if (items.empty() || items.size() > 6)
        n.at("analytic").fail("analytic needs 1 to 6 coefficients A1..A6");
      for (std::size_t i = 0; i < items.size(); ++i) lk.analytic[i] = items[i].number();
      return lk;
    }
    const double rln10 = kGasConstant * std::log(10.0);
    if (has_points) {
      const auto pts = n.at("log_k_points").items();
      if (pts.size() != 2)
        n.at("log_k_points").fail("log_k_points needs exactly two {temperature, log_k} points");
      const double t1 = pts[0].at("temperature").quantity(input::kTemperature);
      const double k1 = pts[0].at("log_k").number();
      const double t2 = pts[1].at("temperature").quantity(input::kTemperature);
      const double k2 = pts[1].at("log_k").number();
      pts[0].check_known_keys();
      pts[1].check_known_keys();
      if (t1 == t2) n.at("log_k_points").fail("the two temperatures must differ");
      // van 't Hoff through both points: log K = c - dH/(R ln10) (1/T)
      lk.delta_h = -(k2 - k1) * rln10 / (1.0 / t2 - 1.0 / t1);
      lk.log_k_25 = k1 - lk.delta_h / rln10 * (1.0 / t1 - 1.0 / kReferenceTemperature);
      return lk;
    }
    const double value = n.at("log_k").number();
    lk.delta_h = n.has("delta_h") ? n.at("delta_h").quantity(kMolarEnthalpy) : 0.0;
    const double t = n.has("log_k_temperature")
                         ? n.at("log_k_temperature").quantity(input::kTemperature)
                         : kReferenceTemperature;
    lk.log_k_25 = value - lk.delta_h / rln10 * (1.0 / t - 1.0 / kReferenceTemperature);
    return lk;
  }

  void read_species(const Node& list) {
    for (const Node& n : list.items()) {
      const Node rx = n.at("reaction");
      std::string err;
      const auto r = parse_reaction(rx.text(), &err);
      if (!r) rx.fail("cannot read the reaction: " + err);
      const ReactionToken& self = r->rhs.front();
      if (self.coefficient != 1.0)
        rx.fail("the species (first term after '=') needs coefficient 1");
      if (const auto problem = reaction_balance_problem(*r, ReactionKind::Species);
          !problem.empty())
        rx.fail(problem);
      if (db_->find_species(self.name) >= 0) rx.fail("species " + self.name + " is defined twice");
      AqueousSpecies s;
      s.name = self.name;
      s.charge = self.charge;
      s.reaction.log_k = read_log_k(n);
      std::map<std::size_t, double> terms;
      auto add = [&](const ReactionToken& t, double c) {
        const Resolved x = resolve(t, rx);
        for (const auto& [k, v] : x.terms) terms[k] += c * v;
        s.reaction.h_plus += c * x.h;
        s.reaction.water += c * x.w;
        s.reaction.log_k.add_scaled(x.log_k, c);
      };
      for (const auto& t : r->lhs) add(t, t.coefficient);
      for (std::size_t i = 1; i < r->rhs.size(); ++i) add(r->rhs[i], -r->rhs[i].coefficient);
      double charge = s.reaction.h_plus;
      for (const auto& [k, v] : terms) {
        if (v == 0.0) continue;
        s.reaction.terms.emplace_back(k, v);
        s.mass_balance.emplace_back(k, v * db_->basis[k].atoms);
        charge +=
            v *
            db_->species[static_cast<std::size_t>(db_->find_species(db_->basis[k].species))].charge;
      }
      if (std::fabs(charge - s.charge) > 1e-9) rx.fail("the reaction is not charge balanced");
      s.gamma = gamma_for(s.charge);
      s.optional = n.has("optional") && n.at("optional").boolean();
      s.source = n.at("source").text();
      s.where = rx.location();
      n.check_known_keys();
      db_->species.push_back(s);
    }
  }

  void read_phases(const Node& list) {
    for (const Node& n : list.items()) {
      Phase p;
      p.name = n.at("name").text();
      if (db_->find_phase(p.name) >= 0) n.at("name").fail("phase " + p.name + " is defined twice");
      const Node rx = n.at("reaction");
      std::string err;
      const auto r = parse_reaction(rx.text(), &err);
      if (!r) rx.fail("cannot read the reaction: " + err);
      if (r->lhs.size() != 1 || r->lhs[0].coefficient != 1.0)
        rx.fail("a phase reaction dissolves one formula unit: 'Formula = products'");
      if (const auto problem = reaction_balance_problem(*r, ReactionKind::Phase); !problem.empty())
        rx.fail(problem);
      p.formula = r->lhs[0].name;
      p.reaction.log_k = read_log_k(n);
      std::map<std::size_t, double> terms;
      double nu = 0.0;
      for (const auto& t : r->rhs) {
        const Resolved x = resolve(t, rx);
        for (const auto& [k, v] : x.terms) terms[k] += t.coefficient * v;
        p.reaction.h_plus += t.coefficient * x.h;
        p.reaction.water += t.coefficient * x.w;
        p.reaction.log_k.add_scaled(x.log_k, -t.coefficient);
        if (t.name != "H2O") nu += t.coefficient;
      }
      for (const auto& [k, v] : terms)
        if (v != 0.0) p.reaction.terms.emplace_back(k, v);
      p.ion_count = nu;
      p.molar_mass = n.at("molar_mass").quantity(kMolarMass);
      p.density = n.at("density").quantity(kDensity);
      p.molar_volume = p.molar_mass / p.density;
      if (auto off = n.get("log_k_offset")) {
        p.offset_parameter = off->at("name").text();
        p.default_log_k_offset = off->at("default").number();
        p.offset_min = off->at("min").number();
        p.offset_max = off->at("max").number();
        off->check_known_keys();
      }
      if (auto note = n.get("note")) p.note = note->text();
      p.source = n.at("source").text();
      p.where = rx.location();
      n.check_known_keys();
      db_->phases.push_back(p);
    }
  }

  std::shared_ptr<Database> db_;
};

}  // namespace

std::shared_ptr<const Database> builtin_database() {
  static std::once_flag once;
  static std::shared_ptr<const Database> db;
  static std::exception_ptr error;
  std::call_once(once, [] {
    try {
      db = BuiltinLoader().load(kBuiltinDatabaseText, kBuiltinDatabaseName);
    } catch (...) {
      error = std::current_exception();
    }
  });
  if (error) std::rethrow_exception(error);
  return db;
}

}  // namespace calcikin::thermo
