// kinetics_rhs_dump: the mechanistic right-hand side on the closed-form chemistry at states along a
// T50-assay-like trajectory (Mg 1 mM, HAP + WH), printed as JSON with everything an independent
// implementation needs to recompute it (setup, scales, chemistry constants, parameters). Used by
// the NumPy cross-check (tests/kinetics/test_numpy_rhs.py) and bench/kinetics/numpy_vs_calcikin.py.
//   kinetics_rhs_dump              the JSON (setup + states + right-hand sides)
//   kinetics_rhs_dump --time N     times N trajectories (0 to 3 days) of the same model on one core
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "kinetics_test_support.hpp"
#include "models/kinetics/parameter_catalogue.hpp"

using namespace calcikin::kinetics;
using namespace calcikin::kinetics::testing;

namespace {
struct Grab : calcikin::ode::IntegrationObserver {
  std::vector<std::vector<double>> y;
  std::vector<double> t;
  std::size_t n = 0;
  bool on_output(std::size_t, double time, const double* s) override {
    y.emplace_back(s, s + n);
    t.push_back(time);
    return true;
  }
};
void print_array(const double* v, std::size_t n) {
  std::printf("[");
  for (std::size_t i = 0; i < n; ++i) std::printf("%s%.17g", i ? ", " : "", v[i]);
  std::printf("]");
}
}  // namespace

int main(int argc, char** argv) {
  IdealChemistry chem(reference_ideal_config(true));
  const MechanisticSetup setup = ideal_setup(chem, t50_totals(1.0e-3), true);
  MechanisticModel model(chem, setup);
  const std::size_t n = model.size();
  if (argc > 2 && std::string(argv[1]) == "--time") {
    const int reps = std::max(1, std::atoi(argv[2]));
    calcikin::ode::CvodeIntegrator integ;
    std::vector<double> ms;
    TrajectoryResult r;
    for (int i = 0; i <= reps; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      r = run_trajectory(model, integ, {3 * 86400.0}, {}, nullptr);
      const auto t1 = std::chrono::steady_clock::now();
      if (i > 0) ms.push_back(1e3 * std::chrono::duration<double>(t1 - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    std::printf(
        "{\"median_ms\": %.5f, \"t50_s\": %.9g, \"steps\": %ld, \"rhs_evaluations\": %ld, "
        "\"jacobian_evaluations\": %ld}\n",
        ms[ms.size() / 2], r.t50, r.integration.statistics.steps,
        r.integration.statistics.rhs_evaluations, r.integration.statistics.jacobian_evaluations);
    return 0;
  }
  Grab grab;
  grab.n = n;
  std::vector<double> y0(n);
  model.initial_state(y0.data());
  calcikin::ode::CvodeIntegrator integ;
  integ.integrate(model, 0.0, y0.data(),
                  {1.0, 600.0, 3600.0, 4 * 3600.0, 86400.0, 2 * 86400.0, 3 * 86400.0}, {}, grab);
  const IdealChemistryConfig& c = chem.config();
  std::printf(
      "{\n\"chemistry\": {\"pH\": %.17g, \"ionic_strength\": %.17g, \"davies_a\": %.17g, "
      "\"log10_kw\": %.17g, "
      "\"log10_k_hpo4\": %.17g, \"log10_k_h2po4\": %.17g, \"phases\": [",
      c.pH, c.ionic_strength, c.davies_a, c.log10_kw, c.log10_k_hpo4, c.log10_k_h2po4);
  for (std::size_t i = 0; i < c.phases.size(); ++i) {
    const IdealPhase& p = c.phases[i];
    std::printf(
        "%s{\"name\": \"%s\", \"log10_k\": %.17g, \"nu\": [%g, %g, %g, %g], \"molar_volume\": "
        "%.17g, "
        "\"ion_count\": %g, \"stoichiometry\": [%g, %g, %g, %g]}",
        i ? ", " : "", p.chemistry.name.c_str(), p.log10_k, p.nu_ca, p.nu_mg, p.nu_po4, p.nu_oh,
        p.chemistry.molar_volume, p.chemistry.ion_count, p.chemistry.stoichiometry[0],
        p.chemistry.stoichiometry[1], p.chemistry.stoichiometry[2], p.chemistry.stoichiometry[3]);
  }
  std::printf("]},\n\"setup\": {\"temperature\": %.17g, \"element_totals\": ", setup.temperature);
  print_array(model.element_totals().data(), kComponentCount);
  std::printf(
      ", \"amount_scale\": %.17g, \"acp_particles\": %.17g, \"length_scale\": %.17g, "
      "\"crystal_number_scale\": [",
      model.amount_scale(), model.acp_particles(), model.length_scale());
  for (std::size_t cidx = 0; cidx < model.crystal_count(); ++cidx)
    std::printf("%s%.17g", cidx ? ", " : "", model.crystal_number_scale(cidx));
  std::printf(
      "], \"crystals\": [\"HAP\", \"WH\"], \"crystal_chemistry_phase\": [1, 2], "
      "\"initial_state\": ");
  print_array(y0.data(), n);
  std::printf("},\n\"parameters\": {");
  const KineticParameters& p = setup.parameters;
  bool first = true;
  for (const ParameterInfo& info : ParameterCatalogue::builtin().parameters()) {
    std::printf("%s\"%s\": %.17g", first ? "" : ", ", info.name.c_str(), p.get(info.name));
    first = false;
  }
  std::printf("},\n\"states\": [");
  std::vector<double> ydot(n);
  model.initial_state(y0.data());  // disarms the run's Jacobian checks (states out of sequence)
  for (std::size_t s = 0; s < grab.y.size(); ++s) {
    model.rhs(grab.t[s], grab.y[s].data(), ydot.data());
    std::printf("%s\n  {\"t\": %.17g, \"y\": ", s ? "," : "", grab.t[s]);
    print_array(grab.y[s].data(), n);
    std::printf(", \"ydot\": ");
    print_array(ydot.data(), n);
    std::printf("}");
  }
  std::printf("\n]}\n");
  return 0;
}
