// bench_speciation: time per solution of calcikin's speciation + all saturation indices.
//
//   bench_speciation --database builtin|PATH --solutions FILE.csv [--repeats 21]
//
// FILE.csv: header line, then one solution per line: temperature_C,pH,Ca,Mg,P,Na,K,Cl,C(4),S(6)
// (totals in mol/kg water; Cl is adjusted to charge balance). The solutions are solved in file
// order with one Speciator (warm starts from the previous solution, as inside an ODE right-hand
// side) and again with a cold start for every solution. Prints one JSON object: median CPU time
// (thread CPU clock) and wall time per solution over the repeats (seconds), iterations, a checksum
// of the SIs.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "models/thermo/thermo.hpp"

using namespace calcikin::thermo;

namespace {
struct Solution {
  double temperature_c, pH, totals[8];
};

std::vector<Solution> read_csv(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  std::vector<Solution> out;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::replace(line.begin(), line.end(), ',', ' ');
    std::istringstream is(line);
    Solution s{};
    is >> s.temperature_c >> s.pH;
    for (double& t : s.totals) is >> t;
    if (is) out.push_back(s);
  }
  return out;
}

// CPU time of this thread: robust when the machine is shared (wall time is reported too).
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
}  // namespace

int main(int argc, char** argv) {
  std::string database = "builtin", solutions_file;
  int repeats = 21;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--database")
      database = argv[i + 1];
    else if (a == "--solutions")
      solutions_file = argv[i + 1];
    else if (a == "--repeats")
      repeats = std::stoi(argv[i + 1]);
  }
  const std::vector<Solution> solutions = read_csv(solutions_file);
  if (solutions.empty()) {
    std::fprintf(stderr, "no solutions read from '%s'\n", solutions_file.c_str());
    return 2;
  }
  auto system = ChemicalSystem::create(load_database(database),
                                       {"Ca", "Mg", "P", "Na", "K", "Cl", "C(4)", "S(6)"});
  Speciator sp(system);
  const std::size_t np = system->num_phases();
  double checksum = 0.0;
  long iterations_warm = 0, iterations_cold = 0, failures = 0;
  std::vector<double> warm, cold, warm_wall, cold_wall;
  for (int r = 0; r < repeats; ++r) {
    for (int mode = 0; mode < 2; ++mode) {
      const auto t0 = std::chrono::steady_clock::now();
      const double c0 = thread_cpu_seconds();
      for (const Solution& s : solutions) {
        if (mode == 1) sp.reset_initial_guess();
        if (sp.temperature() != s.temperature_c + 273.15)
          sp.set_temperature(s.temperature_c + 273.15);
        double cl = 0.0;
        const SpeciationStatus st = sp.solve_charge_balance(s.totals, s.pH, 5, &cl);
        if (!st.converged) ++failures;
        for (std::size_t p = 0; p < np; ++p) checksum += sp.saturation_index(p);
        if (r == 0) (mode == 0 ? iterations_warm : iterations_cold) += st.iterations;
      }
      const double dt =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const double dc = thread_cpu_seconds() - c0;
      (mode == 0 ? warm : cold).push_back(dc / static_cast<double>(solutions.size()));
      (mode == 0 ? warm_wall : cold_wall).push_back(dt / static_cast<double>(solutions.size()));
    }
  }
  std::printf(
      "{\"database\": \"%s\", \"solutions\": %zu, \"repeats\": %d, \"phases\": %zu, \"species\": "
      "%zu, "
      "\"seconds_per_solution_warm\": %.6e, \"seconds_per_solution_cold\": %.6e, "
      "\"wall_seconds_per_solution_warm\": %.6e, \"wall_seconds_per_solution_cold\": %.6e, "
      "\"mean_iterations_warm\": %.3f, \"mean_iterations_cold\": %.3f, \"failures\": %ld, "
      "\"checksum\": %.10e}\n",
      database.c_str(), solutions.size(), repeats, np, system->num_species(), median(warm),
      median(cold), median(warm_wall), median(cold_wall),
      static_cast<double>(iterations_warm) / static_cast<double>(solutions.size()),
      static_cast<double>(iterations_cold) / static_cast<double>(solutions.size()), failures,
      checksum / repeats / 2);
  return failures == 0 ? 0 : 1;
}
