// RunLayout validation and RunRecord reuse.
#include <gtest/gtest.h>

#include <cmath>

#include "solver/io/run_layout.hpp"

using namespace calcikin::io;

TEST(RunLayout, RejectsUnknownDimensionsReservedAndDuplicateNames) {
  RunLayout l;
  l.dimensions.push_back({"time", "s", "", {1.0, 2.0}, {}});
  l.variables.push_back({"x", {"time"}, "1", "", ValueKind::Float64, {}});
  EXPECT_NO_THROW(l.validate());
  l.variables.push_back({"y", {"phase"}, "1", "", ValueKind::Float64, {}});
  EXPECT_THROW(l.validate(), std::invalid_argument);
  l.variables.back() = {"status", {}, "1", "", ValueKind::Float64, {}};
  EXPECT_THROW(l.validate(), std::invalid_argument);
  l.variables.back() = {"x", {}, "1", "", ValueKind::Float64, {}};
  EXPECT_THROW(l.validate(), std::invalid_argument);
  l.variables.back() = {"d", {}, "", "", ValueKind::Label, {}};
  EXPECT_THROW(l.validate(), std::invalid_argument);
}

TEST(RunRecord, IsSizedFromTheLayoutAndResetToNaN) {
  RunLayout l;
  l.dimensions.push_back({"time", "s", "", {1.0, 2.0, 3.0}, {}});
  l.dimensions.push_back({"phase", "", "", {}, {"A", "B"}});
  l.variables.push_back({"x", {"time", "phase"}, "1", "", ValueKind::Float64, {}});
  l.variables.push_back({"n", {}, "1", "", ValueKind::Int64, {}});
  RunRecord r(l);
  ASSERT_EQ(r.size(0), 6u);
  ASSERT_EQ(r.size(1), 1u);
  r.data(0)[5] = 1.0;
  r.status = RunStatus::Ok;
  r.message = "x";
  r.reset(7);
  EXPECT_TRUE(std::isnan(r.data(0)[5]));
  EXPECT_EQ(r.status, RunStatus::NotRun);
  EXPECT_EQ(r.run_index, 7u);
  EXPECT_TRUE(r.message.empty());
}
