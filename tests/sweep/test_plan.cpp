// Sweep plans (grid/zip/list/latin hypercube) and shards.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>

#include "solver/sweep/plan.hpp"
#include "solver/sweep/shard.hpp"

using namespace calcikin::sweep;

namespace {
PlanSpec grid_2x3() {
  PlanSpec s;
  s.mode = PlanMode::Grid;
  s.parameters.push_back({"solution.totals.Mg", "mol/kg", {0.0, 0.001}, false});
  s.parameters.push_back({"solution.pH", "1", {6.0, 7.0, 7.4}, false});
  return s;
}
}  // namespace

TEST(SweepPlan, GridVariesTheLastParameterFastest) {
  const SweepPlan plan(grid_2x3());
  ASSERT_EQ(plan.size(), 6u);
  double v[2];
  plan.point(0, v);
  EXPECT_EQ(v[0], 0.0);
  EXPECT_EQ(v[1], 6.0);
  plan.point(2, v);
  EXPECT_EQ(v[0], 0.0);
  EXPECT_EQ(v[1], 7.4);
  plan.point(3, v);
  EXPECT_EQ(v[0], 0.001);
  EXPECT_EQ(v[1], 6.0);
}

TEST(SweepPlan, SinglePlanHasOnePointAndNoParameters) {
  const SweepPlan plan(PlanSpec{});
  EXPECT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan.parameter_count(), 0u);
}

TEST(SweepPlan, ZipPairsValuesAndRejectsDifferentLengths) {
  PlanSpec s = grid_2x3();
  s.mode = PlanMode::Zip;
  EXPECT_THROW(SweepPlan{s}, std::invalid_argument);
  s.parameters[1].values = {6.0, 7.0};
  const SweepPlan plan(s);
  ASSERT_EQ(plan.size(), 2u);
  double v[2];
  plan.point(1, v);
  EXPECT_EQ(v[0], 0.001);
  EXPECT_EQ(v[1], 7.0);
}

TEST(SweepPlan, DescribeNamesPathsValuesAndUnits) {
  const SweepPlan plan(grid_2x3());
  EXPECT_EQ(plan.describe(4), "solution.totals.Mg=0.001 mol/kg, solution.pH=7");
  EXPECT_EQ(plan.variable_name(0), "solution_totals_Mg");
}

TEST(SweepPlan, LatinHypercubeFillsEveryStratumOnceAndIsReproducible) {
  PlanSpec s;
  s.mode = PlanMode::LatinHypercube;
  s.samples = 50;
  s.seed = 42;
  s.parameters.push_back({"a", "1", {0.0, 1.0}, false});
  s.parameters.push_back({"b", "1", {1e-6, 1e-2}, true});
  const SweepPlan plan(s), again(s);
  std::set<int> strata_a, strata_b;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    double v[2], w[2];
    plan.point(i, v);
    again.point(i, w);
    EXPECT_EQ(v[0], w[0]);
    EXPECT_EQ(v[1], w[1]);
    ASSERT_GE(v[0], 0.0);
    ASSERT_LT(v[0], 1.0);
    ASSERT_GE(v[1], 1e-6);
    ASSERT_LT(v[1], 1e-2);
    strata_a.insert(static_cast<int>(v[0] * 50));
    strata_b.insert(static_cast<int>((std::log10(v[1]) + 6.0) / 4.0 * 50));
  }
  EXPECT_EQ(strata_a.size(), 50u);
  EXPECT_EQ(strata_b.size(), 50u);
  s.seed = 43;
  double v[2], w[2];
  SweepPlan(s).point(0, v);
  plan.point(0, w);
  EXPECT_NE(v[0], w[0]);
}

TEST(SweepPlan, LatinHypercubeRejectsMissingBoundsAndNonPositiveLogBounds) {
  PlanSpec s;
  s.mode = PlanMode::LatinHypercube;
  s.samples = 10;
  s.parameters.push_back({"a", "1", {0.0}, false});
  EXPECT_THROW(SweepPlan{s}, std::invalid_argument);
  s.parameters[0] = {"a", "1", {0.0, 1.0}, true};
  EXPECT_THROW(SweepPlan{s}, std::invalid_argument);
}

TEST(Shard, ParsesKOverNAndRejectsOthers) {
  const Shard s = parse_shard("2/5");
  EXPECT_EQ(s.index, 2u);
  EXPECT_EQ(s.count, 5u);
  EXPECT_TRUE(s.contains(7));
  EXPECT_FALSE(s.contains(8));
  EXPECT_EQ(s.size_of(13), 3u);  // 2, 7, 12
  for (const char* bad : {"5/5", "1", "a/2", "1/0", "-1/3", ""})
    EXPECT_THROW(parse_shard(bad), std::invalid_argument) << bad;
}

namespace {
void set_slurm(const char* id, const char* count, const char* min, const char* max) {
  for (const auto& [name, value] : {std::pair{"SLURM_ARRAY_TASK_ID", id},
                                    {"SLURM_ARRAY_TASK_COUNT", count},
                                    {"SLURM_ARRAY_TASK_MIN", min},
                                    {"SLURM_ARRAY_TASK_MAX", max}}) {
    if (value == nullptr) {
      unsetenv(name);
    } else {
      setenv(name, value, 1);
    }
  }
}
}  // namespace

TEST(Shard, SlurmOnRequestCountsFromTheArrayMinimum) {
  set_slurm("4", "4", "1", "4");
  Shard s = parse_shard("slurm");
  EXPECT_EQ(s.index, 3u);
  EXPECT_EQ(s.count, 4u);
  set_slurm("0", "3", nullptr, nullptr);
  s = shard_from_slurm();
  EXPECT_EQ(s.index, 0u);
  EXPECT_EQ(s.count, 3u);
  set_slurm(nullptr, nullptr, nullptr, nullptr);
}

TEST(Shard, SlurmSparseOrMissingArrayIdsAreUsageErrorsNamingTheVariables) {
  set_slurm("9", "3", "1", "9");  // --array=1,5,9
  try {
    shard_from_slurm();
    FAIL() << "a sparse array was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("SLURM_ARRAY_TASK_ID=9"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("consecutive"), std::string::npos) << e.what();
  }
  set_slurm("5", "3", "1", "9");  // the middle id of the same array: also refused (MAX-MIN+1 != N)
  EXPECT_THROW(shard_from_slurm(), std::invalid_argument);
  set_slurm("x", "3", nullptr, nullptr);
  EXPECT_THROW(shard_from_slurm(), std::invalid_argument);
  set_slurm(nullptr, nullptr, nullptr, nullptr);
  EXPECT_THROW(parse_shard("slurm"), std::invalid_argument);
}
