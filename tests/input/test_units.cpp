#include <gtest/gtest.h>

#include "solver/input/units.hpp"

namespace ci = calcikin::input;

TEST(Units, MolalUnitsConvertToMolPerKg) {
  EXPECT_DOUBLE_EQ(ci::convert(2.5, "mmol/kgw", "mol/kg"), 2.5e-3);
  EXPECT_DOUBLE_EQ(ci::convert(1.0, "mol/kgw", "mol/kg"), 1.0);
  EXPECT_DOUBLE_EQ(ci::convert(7.0, "umol/kgw", "mol/kg"), 7.0e-6);
}

TEST(Units, MolarUnitsIncludingMAndMicroSignConvertToMolPerCubicMetre) {
  EXPECT_DOUBLE_EQ(ci::convert(1.0, "mol/L", "mol/m3"), 1000.0);
  EXPECT_DOUBLE_EQ(ci::convert(2.0, "mmol/L", "mol/m3"), 2.0);
  EXPECT_DOUBLE_EQ(ci::convert(2.0, "mM", "mol/m3"), 2.0);
  EXPECT_DOUBLE_EQ(ci::convert(5.0, "uM", "mol/m3"), 5.0e-3);
  EXPECT_DOUBLE_EQ(ci::convert(5.0, "µM", "mol/m3"), 5.0e-3);
  EXPECT_DOUBLE_EQ(ci::convert(5.0, "umol/L", "mol/m3"), 5.0e-3);
}

TEST(Units, TemperatureConversionAppliesTheCelsiusOffset) {
  EXPECT_DOUBLE_EQ(ci::convert(37.0, "degC", "K"), 310.15);
  EXPECT_DOUBLE_EQ(ci::convert(300.0, "K", "K"), 300.0);
}

TEST(Units, TimeLengthAndKineticUnitsConvertToSi) {
  EXPECT_DOUBLE_EQ(ci::convert(48.0, "h", "s"), 172800.0);
  EXPECT_DOUBLE_EQ(ci::convert(2.0, "min", "s"), 120.0);
  EXPECT_DOUBLE_EQ(ci::convert(1.0, "day", "s"), 86400.0);
  EXPECT_DOUBLE_EQ(ci::convert(25.0, "nm", "m"), 25e-9);
  EXPECT_DOUBLE_EQ(ci::convert(3.0, "um", "m"), 3e-6);
  EXPECT_DOUBLE_EQ(ci::convert(0.1, "J/m2", "J/m2"), 0.1);
  EXPECT_DOUBLE_EQ(ci::convert(1.0, "L/mol", "m3/mol"), 1e-3);
  EXPECT_DOUBLE_EQ(ci::convert(1e-8, "mol/m2/s", "mol/m2/s"), 1e-8);
  EXPECT_DOUBLE_EQ(ci::convert(3600.0, "1/h", "1/s"), 1.0);
  EXPECT_DOUBLE_EQ(ci::convert(1.0, "1/m2/s", "1/m2/s"), 1.0);
  EXPECT_DOUBLE_EQ(ci::convert(1.0, "1/m3/s", "1/m3/s"), 1.0);
  EXPECT_NEAR(ci::convert(3.6, "mmol/L/h", "mol/m3/s"), 1e-3, 1e-15);
  EXPECT_NEAR(ci::convert(180.0, "deg", "rad"), 3.141592653589793, 1e-12);
  EXPECT_DOUBLE_EQ(ci::convert(0.5, "", "1"), 0.5);
}

TEST(Units, ReciprocalUnitsAreNotConvertible) {
  // udunits2 alone would invert the value (L/mol -> mol/L); a concentration in L/mol is an error.
  EXPECT_FALSE(ci::are_convertible("L/mol", "mol/m3"));
  EXPECT_THROW(ci::convert(1.0, "L/mol", "mol/L"), ci::UnitError);
  EXPECT_THROW(ci::convert(1.0, "s", "1/s"), ci::UnitError);
}

TEST(Units, UnknownAndIncompatibleUnitsThrowUnitError) {
  EXPECT_THROW(ci::convert(1.0, "mMol", "mol/m3"), ci::UnitError);
  EXPECT_THROW(ci::convert(1.0, "nm", "mol/kg"), ci::UnitError);
  EXPECT_FALSE(ci::is_known_unit("furlongs_per_fortnightx"));
  EXPECT_TRUE(ci::is_known_unit("mmol/kgw"));
}

TEST(Units, UnitTextWithItsOwnNumberIsRejected) {
  // "5 3 mM" must not silently become 15 mM.
  EXPECT_FALSE(ci::is_known_unit("3 mM"));
  EXPECT_FALSE(ci::is_known_unit("K @ 273.15"));
  EXPECT_TRUE(ci::is_known_unit("1/s"));
  EXPECT_FALSE(ci::is_known_unit("mmol/2kg"));  // a scale factor inside the unit
  EXPECT_FALSE(ci::is_known_unit("mmol/0gw"));
  EXPECT_TRUE(ci::is_known_unit("kg.m-3"));  // exponents stay allowed
  EXPECT_TRUE(ci::is_known_unit("s^-1"));
  EXPECT_FALSE(ci::is_known_unit("\xB5M"));  // a lone Latin-1 micro sign is not UTF-8
}

TEST(Units, ConcentrationKindTellsMolalFromMolar) {
  EXPECT_EQ(ci::concentration_kind("mmol/kgw"), ci::ConcentrationKind::Molal);
  EXPECT_EQ(ci::concentration_kind("mol/kg"), ci::ConcentrationKind::Molal);
  EXPECT_EQ(ci::concentration_kind("mM"), ci::ConcentrationKind::Molar);
  EXPECT_EQ(ci::concentration_kind("umol/L"), ci::ConcentrationKind::Molar);
  EXPECT_EQ(ci::concentration_kind("nm"), ci::ConcentrationKind::NotConcentration);
  EXPECT_EQ(ci::concentration_kind("L/mol"), ci::ConcentrationKind::NotConcentration);
  EXPECT_EQ(ci::concentration_kind(""), ci::ConcentrationKind::NotConcentration);
  EXPECT_EQ(ci::concentration_kind("bogus"), ci::ConcentrationKind::NotConcentration);
}

TEST(Units, ParseQuantitySplitsNumberAndUnit) {
  const ci::Quantity q = ci::parse_quantity("2.5 mmol/kgw");
  EXPECT_DOUBLE_EQ(q.value, 2.5);
  EXPECT_EQ(q.unit, "mmol/kgw");
  EXPECT_EQ(q.unit_offset, 4u);
  const ci::Quantity bare = ci::parse_quantity("7.40");
  EXPECT_DOUBLE_EQ(bare.value, 7.4);
  EXPECT_EQ(bare.unit, "");
  EXPECT_DOUBLE_EQ(ci::parse_quantity("1e-8 mol/m2/s").value, 1e-8);
  EXPECT_DOUBLE_EQ(ci::parse_quantity("+3 h").value, 3.0);
  EXPECT_DOUBLE_EQ(ci::parse_quantity("-1 mM").value, -1.0);
}

TEST(Units, ParseQuantityRejectsNonNumbersNonFiniteAndGluedUnits) {
  EXPECT_THROW(ci::parse_quantity(""), ci::UnitError);
  EXPECT_THROW(ci::parse_quantity("abc"), ci::UnitError);
  EXPECT_THROW(ci::parse_quantity("nan mM"), ci::UnitError);
  EXPECT_THROW(ci::parse_quantity("inf"), ci::UnitError);
  EXPECT_THROW(ci::parse_quantity("1e999 mM"), ci::UnitError);
  EXPECT_THROW(ci::parse_quantity("5mM"), ci::UnitError);
}

TEST(Units, FormatNumberRoundTrips) {
  EXPECT_EQ(ci::format_number(37.0), "37");
  EXPECT_EQ(ci::format_number(0.002), "0.002");
  EXPECT_EQ(std::stod(ci::format_number(0.1 + 0.2)), 0.1 + 0.2);
}
