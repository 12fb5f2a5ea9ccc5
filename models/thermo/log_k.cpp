#include "models/thermo/log_k.hpp"

#include <cmath>

namespace calcikin::thermo {

double LogKExpression::evaluate(double kelvin) const {
  const double t = kelvin;
  const double van_t_hoff =
      log_k_25 - delta_h * (kReferenceTemperature - t) /
                     (std::log(10.0) * kGasConstant * t * kReferenceTemperature);
  const double a = analytic[0] + analytic[1] * t + analytic[2] / t + analytic[3] * std::log10(t) +
                   analytic[4] / (t * t) + analytic[5] * t * t;
  return van_t_hoff + a;
}

void LogKExpression::add_scaled(const LogKExpression& other, double factor) {
  log_k_25 += factor * other.log_k_25;
  delta_h += factor * other.delta_h;
  for (std::size_t i = 0; i < analytic.size(); ++i) analytic[i] += factor * other.analytic[i];
}

bool LogKExpression::has_analytic() const {
  for (double a : analytic)
    if (a != 0.0) return true;
  return false;
}

}  // namespace calcikin::thermo
