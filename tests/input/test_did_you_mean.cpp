#include <gtest/gtest.h>

#include "solver/input/did_you_mean.hpp"

namespace ci = calcikin::input;

TEST(DidYouMean, EditDistanceCountsInsertionsDeletionsSubstitutionsAndSwaps) {
  EXPECT_EQ(ci::edit_distance("temperature", "temperature"), 0u);
  EXPECT_EQ(ci::edit_distance("temprature", "temperature"), 1u);
  EXPECT_EQ(ci::edit_distance("tmeperature", "temperature"), 1u);  // adjacent swap
  EXPECT_EQ(ci::edit_distance("abc", ""), 3u);
}

TEST(DidYouMean, SuggestsCloseCandidateAndNothingForFarOnes) {
  const std::vector<std::string> keys{"temperature", "pH", "totals", "charge_balance"};
  EXPECT_EQ(ci::closest_match("temprature", keys), std::optional<std::string>("temperature"));
  EXPECT_EQ(ci::closest_match("ph", keys), std::optional<std::string>("pH"));  // case only
  EXPECT_EQ(ci::closest_match("totls", keys), std::optional<std::string>("totals"));
  EXPECT_EQ(ci::closest_match("viscosity", keys), std::nullopt);
  EXPECT_EQ(ci::did_you_mean("zzz", keys), "");
  EXPECT_EQ(ci::did_you_mean("chargebalance", keys), "did you mean 'charge_balance'?");
}
