// kinetics.parameter_set: the parameter set `calcikin fit` writes, loaded by a scenario. Values go
// through the catalogues as the scenario's own parameters do; the scenario's explicit parameters
// take precedence; errors point into the set's file; not identifiable parameters are loaded with a
// warning; a fit's set gives the same run as its values written by hand, bit for bit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "models/api/simulation.hpp"
#include "models/fit/fit.hpp"
#include "models/fit/objective.hpp"
#include "models/fit/problem.hpp"
#include "models/scenario/loader.hpp"
#include "solver/input/input_error.hpp"
#include "solver/input/units.hpp"
#include "tests/api/input_error_text.hpp"

using namespace calcikin;
using calcikin::test::error_of;
namespace fs = std::filesystem;

namespace {

const std::string kDataDir = std::string(CALCIKIN_SOURCE_DIR) + "/tests/fit/data";

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A private folder (removed at the end) holding the files of one test.
struct Folder {
  fs::path dir;
  explicit Folder(const std::string& tag)
      : dir(fs::temp_directory_path() /
            ("calcikin-parameter-set-" + tag + "-" + std::to_string(::getpid()))) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Folder() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
  }
  scenario::Scenario load(const std::string& text) const {
    return scenario::load_text(text, (dir / "t50.yaml").string(), dir.string());
  }
};

// tests/fit/data/t50_auto.yaml (autocatalytic T50 assay: fast) with `extra` added under kinetics:.
std::string t50_auto(const std::string& extra) {
  std::string text = read(kDataDir + "/t50_auto.yaml");
  const std::string anchor = "  model: autocatalytic\n";
  text.replace(text.find(anchor), anchor.size(), anchor + extra);
  return text;
}

double parameter(const scenario::Scenario& s, const std::string& name) {
  for (const scenario::ParameterOverride& p : s.kinetics.parameters)
    if (p.name == name) return p.value;
  return -1.0;
}

}  // namespace

TEST(ParameterSet, ValuesAreConvertedThroughTheCataloguesAndThermodynamicEntriesApply) {
  Folder f("values");
  f.write("set.yaml",
          "kinetics:\n  parameters:\n    autocatalytic.k0: 0.18 1/min\n"
          "thermodynamics:\n  parameters:\n    WH.dlogK_stab: -9.5\n");
  const scenario::Scenario s = f.load(t50_auto("  parameter_set: set.yaml\n"));
  EXPECT_DOUBLE_EQ(parameter(s, "autocatalytic.k0"), 0.18 / 60.0);
  ASSERT_EQ(s.thermodynamics.parameters.size(), 1u);
  EXPECT_EQ(s.thermodynamics.parameters[0].value, -9.5);
  EXPECT_EQ(s.kinetics.parameter_set, (f.dir / "set.yaml").string());
  EXPECT_NE(s.kinetics.parameter_set_text.find("autocatalytic.k0"), std::string::npos);
  EXPECT_TRUE(s.warnings.empty());
}

TEST(ParameterSet, TheScenarioOwnParametersTakePrecedenceOverTheSet) {
  Folder f("precedence");
  f.write("set.yaml",
          "kinetics:\n  parameters:\n    inhibitor.amount: 9 umol/kgw\n"
          "    autocatalytic.k1: 2e-4 1/s\n"
          "thermodynamics:\n  parameters:\n    WH.dlogK_stab: -9.5\n");
  std::string text = t50_auto("  parameter_set: set.yaml\n");
  text.replace(text.find("database: builtin\n"), 18,
               "database: builtin\nthermodynamics:\n  parameters: {WH.dlogK_stab: -11}\n");
  const scenario::Scenario s = f.load(text);
  EXPECT_DOUBLE_EQ(parameter(s, "inhibitor.amount"), 4.1e-6);  // the scenario's, not the set's
  EXPECT_DOUBLE_EQ(parameter(s, "autocatalytic.k1"), 2e-4);    // only in the set
  ASSERT_EQ(s.thermodynamics.parameters.size(), 1u);
  EXPECT_EQ(s.thermodynamics.parameters[0].value, -11.0);
}

TEST(ParameterSet, AMissingFileIsAnErrorAtTheKeyInTheScenario) {
  Folder f("missing");
  const std::string e = error_of([&] { f.load(t50_auto("  parameter_set: nowhere.yaml\n")); });
  EXPECT_NE(e.find("t50.yaml:33:18"), std::string::npos) << e;
  EXPECT_NE(e.find("parameter set file not found"), std::string::npos) << e;
  EXPECT_NE(e.find("  parameter_set: nowhere.yaml"), std::string::npos) << e;
  EXPECT_NE(e.find("                 ^"), std::string::npos) << e;
}

TEST(ParameterSet, ABadValueInTheSetIsAnErrorWithCaretInTheSetFile) {
  Folder f("bad");
  f.write("set.yaml", "kinetics:\n  parameters:\n    autocatalytic.k0: 0.18 mol/L\n");
  const std::string unit = error_of([&] { f.load(t50_auto("  parameter_set: set.yaml\n")); });
  EXPECT_NE(unit.find((f.dir / "set.yaml").string() + ":3:"), std::string::npos) << unit;
  EXPECT_NE(unit.find("does not fit this parameter"), std::string::npos) << unit;
  EXPECT_NE(unit.find('^'), std::string::npos) << unit;
  f.write("set.yaml", "kinetics:\n  parameters:\n    autocatalytic.k00: 0.18 1/s\n");
  const std::string name = error_of([&] { f.load(t50_auto("  parameter_set: set.yaml\n")); });
  EXPECT_NE(name.find((f.dir / "set.yaml").string() + ":3:"), std::string::npos) << name;
  EXPECT_NE(name.find("autocatalytic.k0"), std::string::npos) << name;  // did you mean
  f.write("set.yaml", "kinetic:\n  parameters: {}\n");
  const std::string key = error_of([&] { f.load(t50_auto("  parameter_set: set.yaml\n")); });
  EXPECT_NE(key.find((f.dir / "set.yaml").string() + ":1:1"), std::string::npos) << key;
}

TEST(ParameterSet, NotIdentifiableParametersAreLoadedWithAWarningAtTheirLine) {
  Folder f("flat");
  f.write("set.yaml",
          "kinetics:\n  parameters:\n    autocatalytic.k0: 1e-6 1/s\n"
          "    autocatalytic.k1: 3e-4 1/s   # not identifiable\n"
          "not_identifiable: [kinetics.parameters.autocatalytic.k1]\n");
  const scenario::Scenario s = f.load(t50_auto("  parameter_set: set.yaml\n"));
  EXPECT_DOUBLE_EQ(parameter(s, "autocatalytic.k1"), 3e-4);
  ASSERT_EQ(s.warnings.size(), 1u);
  const std::string& w = s.warnings[0];
  EXPECT_EQ(w.rfind("warning: " + (f.dir / "set.yaml").string() + ":4:", 0), 0u) << w;
  EXPECT_NE(w.find("not identifiable"), std::string::npos) << w;
  EXPECT_NE(w.find('^'), std::string::npos) << w;
  // Chosen in the scenario: the set's value is not used, no warning.
  std::string text = t50_auto("  parameter_set: set.yaml\n");
  text.replace(text.find("    inhibitor.amount"), 4, "    autocatalytic.k1: 1e-4 1/s\n    ");
  EXPECT_TRUE(f.load(text).warnings.empty());
}

// fit output -> scenario using it -> run: the fitted values, and the same run as the values
// written by hand in kinetics.parameters (bit for bit).
TEST(ParameterSet, AFitsParameterSetRunsBitIdenticallyToItsValuesWrittenByHand) {
  Folder f("roundtrip");
  for (const char* name : {"recovery.yaml", "recovery.csv", "t50_auto.yaml"})
    fs::copy_file(kDataDir + "/" + name, f.dir / name);
  const auto prepared =
      fit::PreparedFit::prepare(fit::load_problem((f.dir / "recovery.yaml").string()));
  fit::FitResult result;
  const double k0 = 1.0 / 3.0 * 1e-6, k1 = 2.0 / 7.0 * 1e-3;  // 17 significant digits
  fit::ParameterEstimate a;
  a.name = "autocatalytic.k0";
  a.unit = "1/s";
  a.value = k0;
  fit::ParameterEstimate b = a;
  b.name = "autocatalytic.k1";
  b.value = k1;
  b.identifiable = false;
  result.parameters = {a, b};
  f.write("fit.yaml", fit::parameter_set_yaml(*prepared, result));

  const scenario::Scenario from_set = f.load(t50_auto("  parameter_set: fit.yaml\n"));
  EXPECT_EQ(parameter(from_set, "autocatalytic.k0"), k0);
  EXPECT_EQ(parameter(from_set, "autocatalytic.k1"), k1);
  ASSERT_EQ(from_set.warnings.size(), 1u);  // k1, marked by the fit
  EXPECT_NE(from_set.warnings[0].find("autocatalytic.k1"), std::string::npos);

  std::string hand = t50_auto("");
  hand.replace(hand.find("    inhibitor.amount"), 4,
               "    autocatalytic.k0: " + input::format_number(k0) +
                   " 1/s\n    autocatalytic.k1: " + input::format_number(k1) + " 1/s\n    ");
  const scenario::Scenario by_hand = f.load(hand);
  const auto sim_set = api::Simulation::prepare(from_set);
  const auto sim_hand = api::Simulation::prepare(by_hand);
  const io::RunRecord r_set = sim_set->run_once(), r_hand = sim_hand->run_once();
  ASSERT_EQ(r_set.status, io::RunStatus::Ok);
  const io::RunLayout& L = sim_set->layout();
  for (const char* v : {"t50", "steps", "crystalline_fraction", "phase_amount"}) {
    const std::size_t i = L.variable_index(v);
    const std::size_t n = L.variable_size(i);
    for (std::size_t k = 0; k < n; ++k)
      EXPECT_EQ(r_set.data(i)[k], r_hand.data(i)[k]) << v << "[" << k << "]";
  }
  EXPECT_GT(r_set.data(L.variable_index("t50"))[0], 0.0);
}
