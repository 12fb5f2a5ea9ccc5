// The `solution:` and `minerals:` sections.
#include <set>

#include "models/scenario/loader_sections.hpp"
#include "models/scenario/overrides.hpp"

namespace calcikin::scenario::detail {
namespace {

// Range checks shared with sweeps and --set (overrides.cpp), reported at the value.
void check_range(const input::Node& node, PathTarget target, double value) {
  if (auto problem = range_problem(target, value))
    node.fail(*problem + " (got '" + node.text() + "')");
}

std::string base_element(const std::string& name) { return name.substr(0, name.find('(')); }

void load_totals(const input::Node& node, SolutionSpec& out) {
  std::set<std::string> bare, with_valence;
  for (const input::Entry& e : node.entries()) {
    if (!is_element_name(e.key)) {
      e.key_node.fail(
          "'" + e.key + "' is not an element name",
          "elements are written as symbols with an optional valence: Ca Mg P Na K Cl C(4) S(6)");
    }
    if (e.key == "H" || e.key == "O" || e.key == "H(1)" || e.key == "O(-2)" || e.key == "H(0)" ||
        e.key == "O(0)") {
      e.key_node.fail("total '" + e.key +
                      "' cannot be given: hydrogen and oxygen follow from water and pH");
    }
    const std::string base = base_element(e.key);
    (e.key == base ? bare : with_valence).insert(base);
    if (bare.count(base) && with_valence.count(base)) {
      e.key_node.fail("'" + base + "' is given both as a total and by valence state",
                      "give either " + base + " or its valence states, e.g. C(4)");
    }
    const input::Concentration c = e.value.concentration();
    check_range(e.value, PathTarget::Total, c.value);
    TotalEntry t;
    t.element = e.key;
    t.value = c.value;
    t.basis = c.kind == input::ConcentrationKind::Molal ? ConcentrationBasis::Molal
                                                        : ConcentrationBasis::Molar;
    t.where = e.value.location();
    out.totals.push_back(t);
  }
}

}  // namespace

void load_solution(const input::Node& node, SolutionSpec& out) {
  node.check_known_keys(
      {"temperature", "pH", "pH_mode", "charge_balance", "density", "totals", "buffer"});
  if (auto n = node.get("temperature")) {
    out.temperature = n->quantity(input::kTemperature);
    out.temperature_where = n->location();
    check_range(*n, PathTarget::Temperature, out.temperature);
  }
  if (auto n = node.get("pH")) {
    out.pH = n->number();
    out.pH_where = n->location();
    check_range(*n, PathTarget::PH, out.pH);
  }
  if (auto n = node.get("pH_mode"))
    out.pH_mode = n->choice({"fixed", "free"}) == "fixed" ? PhMode::Fixed : PhMode::Free;
  if (auto n = node.get("density")) {
    out.density = n->quantity(input::kMassDensity);
    check_range(*n, PathTarget::Density, out.density);
  }
  load_totals(node.at("totals"), out);
  if (out.totals.empty())
    node.at("totals").fail("no totals given", "e.g. totals: {Ca: 2.5 mmol/kgw, P: 1.0 mmol/kgw}");
  if (auto n = node.get("charge_balance")) {
    const std::string element = n->text();
    bool found = false;
    for (const TotalEntry& t : out.totals) found = found || t.element == element;
    if (!found) {
      n->fail("charge_balance element '" + element + "' is not among the totals",
              "charge balance adjusts one of solution.totals, e.g. charge_balance: Cl");
    }
    out.charge_balance = element;
    out.charge_balance_where = n->location();
  }
  if (auto n = node.get("buffer")) {
    BufferSpec b;
    b.where = n->location();
    b.name = n->at("name").text();
    if (!is_phase_name(b.name))
      n->at("name").fail("'" + b.name + "' is not a buffer name", "e.g. HEPES, Tris");
    const input::Node total = n->at("total");
    b.total = total.quantity(input::kMolality);
    check_range(total, PathTarget::BufferTotal, b.total);
    n->check_known_keys();
    out.buffer = b;
  }
  node.check_known_keys();
}

void load_minerals(const input::Node& node, std::vector<MineralSpec>& out) {
  for (const input::Entry& e : node.entries()) {
    if (!is_phase_name(e.key))
      e.key_node.fail("'" + e.key + "' is not a phase name", "e.g. ACP, HAP, OCP, WH");
    MineralSpec m;
    m.phase = e.key;
    m.where = e.key_node.location();
    const auto equilibrate = e.value.get("equilibrate");
    const auto amount = e.value.get("amount");
    if (equilibrate) m.equilibrate = equilibrate->boolean();
    if (amount) {
      if (m.equilibrate) amount->fail("give either 'amount' or 'equilibrate: true', not both");
      m.amount = amount->quantity(input::kMolality);
      check_range(*amount, PathTarget::MineralAmount, m.amount);
    }
    if (!equilibrate && !amount) {
      e.value.fail("mineral '" + e.key + "' needs 'amount' or 'equilibrate: true'",
                   "e.g. " + e.key + ": {amount: 2.2 mmol/kgw, radius: 25 nm}");
    }
    if (auto r = e.value.get("radius")) {
      m.radius = r->quantity(input::kLength);
      check_range(*r, PathTarget::MineralRadius, m.radius);
    }
    if (auto x = e.value.get("mg_fraction")) {
      if (m.phase != "ACP") x->fail("only ACP has an 'mg_fraction' (Mg/(Ca+Mg) at t = 0)");
      m.mg_fraction = x->number();
      if (!(m.mg_fraction >= 0.0 && m.mg_fraction < 1.0))
        x->fail("mg_fraction must lie in [0, 1)",
                "e.g. ACP: {equilibrate: true, mg_fraction: 0.05}");
    }
    e.value.check_known_keys();
    out.push_back(m);
  }
}

}  // namespace calcikin::scenario::detail
