// The sweep engine end to end with the logistic test model: placement by index (thread-count
// invariance), failure isolation, shards + merge, cancellation + resume, thinning, compression.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "logistic_sweep.hpp"
#include "solver/io/dataset_compare.hpp"
#include "solver/io/io_error.hpp"
#include "solver/io/sweep_merge.hpp"
#include "solver/io/sweep_reader.hpp"

using namespace calcikin;
using calcikin::testing::LogisticSweep;
using calcikin::testing::run_logistic;
namespace fs = std::filesystem;

namespace {

class SweepEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("calcikin_sweep_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

std::vector<double> read_doubles(const std::string& path, const char* name) {
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  hid_t s = H5Dget_space(d);
  std::vector<double> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(s)));
  H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  H5Sclose(s);
  H5Dclose(d);
  H5Fclose(f);
  return v;
}

std::string differences(const std::string& a, const std::string& b) {
  std::string text;
  for (const auto& d : io::compare_datasets(a, b)) text += d + "\n";
  return text;
}

}  // namespace

TEST_F(SweepEngine, FileIsBitIdenticalForOneAndTwoThreads) {
  LogisticSweep s;
  s.plan = LogisticSweep::zip_plan(300);
  s.flush_rows = 16;  // many small out-of-order batches
  s.threads = 1;
  run_logistic(file("one.h5"), s);
  s.threads = 2;
  run_logistic(file("two.h5"), s);
  EXPECT_EQ(differences(file("one.h5"), file("two.h5")), "");
  EXPECT_FALSE(fs::exists(file("one.h5.partial")));
}

TEST_F(SweepEngine, FailingPointsGetNaNStatusAndAMessageNamingTheirValuesAndTheSweepGoesOn) {
  LogisticSweep s;
  s.threads = 2;
  const auto summary = run_logistic(file("grid.h5"), s);
  EXPECT_EQ(summary.total, 18u);
  // r = 1e6 (3 points: step cap) and x0 = -1 (6 points, one of them already counted)
  EXPECT_EQ(summary.failed, 3u + 6u - 1u);
  const auto info = io::read_sweep_info(file("grid.h5"));
  EXPECT_EQ(info.completed, 18u);
  EXPECT_EQ(info.failed, 8u);
  ASSERT_FALSE(info.first_failures.empty());
  EXPECT_EQ(info.first_failures[0],
            "initial population must be positive; run 2 (model.rate=0.5 1/s, model.initial=-1)");
  bool saw_step_cap = false;
  for (const auto& m : info.first_failures)
    saw_step_cap =
        saw_step_cap || (m.rfind("step cap", 0) == 0 && m.find("; run ") != std::string::npos &&
                         m.find("model.rate=1e+06 1/s, model.initial=0.01)") != std::string::npos);
  EXPECT_TRUE(saw_step_cap);
  const auto t_half = read_doubles(file("grid.h5"), "t_half");
  EXPECT_TRUE(std::isnan(t_half[2]));                  // x0 = -1
  EXPECT_TRUE(std::isnan(t_half[15]));                 // r = 1e6
  EXPECT_NEAR(t_half[0], std::log(99.0) / 0.5, 1e-3);  // logistic: t_half = ln((K - x0)/x0)/r
  EXPECT_NEAR(t_half[4], std::log(9.0) / 1.0, 1e-3);
  const auto steps = read_doubles(file("grid.h5"), "steps");  // int64: -1 marks a failed run
  EXPECT_EQ(steps[15], -1.0);
  EXPECT_GT(steps[0], 0.0);
  const auto x = read_doubles(file("grid.h5"), "x");  // 18 x 12
  for (std::size_t t = 0; t < 12; ++t) EXPECT_TRUE(std::isnan(x[std::size_t{15} * 12 + t]));
}

TEST_F(SweepEngine, ShardsMergedEqualTheSingleRun) {
  LogisticSweep s;
  s.plan = LogisticSweep::zip_plan(40);
  run_logistic(file("whole.h5"), s);
  std::vector<std::string> parts;
  for (std::size_t k = 0; k < 3; ++k) {
    s.shard = sweep::Shard{k, 3};
    parts.push_back(file("part" + std::to_string(k) + ".h5"));
    run_logistic(parts.back(), s);
  }
  const auto part_info = io::read_sweep_info(parts[1]);
  EXPECT_EQ(part_info.rows, 13u);  // runs 1, 4, ..., 37
  const auto summary = io::merge_parts({parts[2], parts[0], parts[1]}, file("merged.h5"));
  EXPECT_EQ(summary.runs, 40u);
  EXPECT_EQ(differences(file("whole.h5"), file("merged.h5")), "");
}

TEST_F(SweepEngine, MergeRefusesPartsOfAnotherScenarioAndMissingShards) {
  LogisticSweep s;
  s.plan = LogisticSweep::zip_plan(10);
  s.shard = sweep::Shard{0, 2};
  run_logistic(file("a.h5"), s);
  s.shard = sweep::Shard{1, 2};
  s.scenario_hash = "another";
  run_logistic(file("b.h5"), s);
  try {
    io::merge_parts({file("a.h5"), file("b.h5")}, file("m.h5"));
    FAIL() << "merged parts of different scenarios";
  } catch (const io::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("another scenario"), std::string::npos) << e.what();
  }
  EXPECT_THROW(io::merge_parts({file("a.h5")}, file("m.h5")), io::IoError);  // shard 1/2 missing
  EXPECT_FALSE(fs::exists(file("m.h5")));
}

TEST_F(SweepEngine, CancelledSweepKeepsAResumablePartialAndResumingEqualsAnUninterruptedRun) {
  LogisticSweep s;
  s.plan = LogisticSweep::zip_plan(60);
  s.threads = 2;
  run_logistic(file("ref.h5"), s);

  sweep::CancelToken cancel;
  s.cancel = &cancel;
  s.settings.delay_seconds = 0.02;  // ~0.6 s in all: progress reports come every 0.25 s
  s.flush_rows = 4;
  s.on_progress = [&](const sweep::Progress& p) {
    if (p.done >= 10) cancel.request();
  };
  const auto first = run_logistic(file("out.h5"), s);
  ASSERT_TRUE(first.interrupted);
  EXPECT_FALSE(fs::exists(file("out.h5")));
  ASSERT_TRUE(fs::exists(file("out.h5.partial")));
  const auto info = io::read_sweep_info(file("out.h5.partial"));
  EXPECT_GE(info.completed, 10u);
  EXPECT_LT(info.completed, 60u);

  cancel.clear();
  s.on_progress = nullptr;
  const auto second = run_logistic(file("out.h5"), s, /*resume=*/true);
  EXPECT_FALSE(second.interrupted);
  EXPECT_EQ(second.skipped, info.completed);
  EXPECT_EQ(second.skipped + second.computed, 60u);
  EXPECT_EQ(differences(file("ref.h5"), file("out.h5")), "");
}

TEST_F(SweepEngine, ResumeRefusesAPartialFileOfAnotherScenario) {
  LogisticSweep s;
  s.plan = LogisticSweep::zip_plan(20);
  sweep::CancelToken cancel;
  cancel.request();  // nothing computed: the partial file stays
  s.cancel = &cancel;
  run_logistic(file("x.h5"), s);
  ASSERT_TRUE(fs::exists(file("x.h5.partial")));
  s.scenario_hash = "edited";
  cancel.clear();
  EXPECT_THROW(run_logistic(file("x.h5"), s, true), io::IoError);
}

TEST_F(SweepEngine, TimeSeriesEveryNKeepsEveryNthTimeAndTheLastAndNoneDropsThem) {
  LogisticSweep s;
  s.time_series = io::TimeSeriesOutput::Every;
  s.every = 5;  // of 12 times: 0, 5, 10 and 11
  run_logistic(file("every.h5"), s);
  run_logistic(file("all.h5"), LogisticSweep{});
  const auto all_time = read_doubles(file("all.h5"), "time");
  const auto time = read_doubles(file("every.h5"), "time");
  ASSERT_EQ(time.size(), 4u);
  EXPECT_EQ(time[1], all_time[5]);
  EXPECT_EQ(time[3], all_time[11]);
  const auto all_x = read_doubles(file("all.h5"), "x");
  const auto x = read_doubles(file("every.h5"), "x");
  ASSERT_EQ(x.size(), 18u * 4u);
  EXPECT_EQ(x[4 + 2], all_x[12 + 10]);  // run 1, time 10
  s.time_series = io::TimeSeriesOutput::None;
  run_logistic(file("none.h5"), s);
  const auto info = io::read_sweep_info(file("none.h5"));
  for (const auto& v : info.variables) {
    EXPECT_NE(v.name, "x");
    EXPECT_NE(v.name, "time");
  }
}

TEST_F(SweepEngine, CompressedFileHoldsTheSameData) {
  LogisticSweep s;
  s.plan = LogisticSweep::zip_plan(50);
  run_logistic(file("plain.h5"), s);
  s.compression = 4;
  run_logistic(file("packed.h5"), s);
  EXPECT_EQ(differences(file("plain.h5"), file("packed.h5")), "");
  EXPECT_FALSE(fs::exists(file("packed.h5.partial")));
}

TEST_F(SweepEngine, SweptInputsCarryTheirPathUnitsAndAreListedAsCoordinates) {
  run_logistic(file("g.h5"), LogisticSweep{});
  const auto info = io::read_sweep_info(file("g.h5"));
  bool found = false;
  for (const auto& v : info.variables) {
    if (v.name == "model_rate") {
      found = true;
      EXPECT_EQ(v.sweep_path, "model.rate");
      EXPECT_EQ(v.units, "1/s");
      EXPECT_EQ(v.dims, std::vector<std::string>{"run"});
    }
    if (v.name == "x") {
      EXPECT_EQ(v.dims, (std::vector<std::string>{"run", "time"}));
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(read_doubles(file("g.h5"), "model_rate")[17], 1e6);
}
