#pragma once
// Temperature dependence of an equilibrium constant, in PHREEQC's form (PHREEQC 3 k_calc):
//
//   log10 K(T) = log_k_25 - delta_h (298.15 - T) / (R ln10 T 298.15)                (van 't Hoff)
//              + A1 + A2 T + A3 / T + A4 log10 T + A5 / T^2 + A6 T^2              (analytic)
//
// with R = 8.314462618e-3 kJ/(mol K) (PHREEQC's R_KJ_DEG_MOL) and delta_h stored in J/mol. When a
// database entry gives an analytic expression PHREEQC ignores its log_k/delta_h lines; the readers
// apply that rule, so an expression here is either van 't Hoff or analytic. Both forms are linear
// in their parameters, so rewriting a reaction in terms of other reactions is a weighted sum of
// expressions (add_scaled), exactly as PHREEQC does it.
#include <array>

namespace calcikin::thermo {

inline constexpr double kReferenceTemperature = 298.15;  // K
inline constexpr double kGasConstant = 8.314462618;      // J/(mol K), CODATA 2018 (= PHREEQC)

struct LogKExpression {
  double log_k_25 = 0.0;             // log10 K at 298.15 K (van 't Hoff part)
  double delta_h = 0.0;              // J/mol, reaction enthalpy (van 't Hoff part)
  std::array<double, 6> analytic{};  // A1..A6 (analytic part), zero when absent

  double evaluate(double kelvin) const;
  // this += factor * other
  void add_scaled(const LogKExpression& other, double factor);
  bool has_analytic() const;
};

}  // namespace calcikin::thermo
