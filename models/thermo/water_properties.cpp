#include "models/thermo/water_properties.hpp"

#include <cmath>

namespace calcikin::thermo {
namespace {
constexpr double kPressureAtm = 1.0;      // PHREEQC's default pressure
constexpr double kAvogadro = 6.02252e23;  // PHREEQC's AVOGADRO (global_structures.h)
constexpr double kPi = 3.14159265358979;  // PHREEQC's pi
}  // namespace

double water_density(double kelvin) {
  const double tc = kelvin - 273.15;
  // Wagner & Pruss 2002, eq. 2.6 (saturated liquid density), kg/m3.
  const double th = 1.0 - kelvin / 647.096;
  const double b1 = 1.99274064, b2 = 1.09965342, b3 = -0.510839303, b4 = -1.75493479,
               b5 = -45.5170352, b6 = -6.7469445e5;
  const double rho_sat =
      322.0 * (1.0 + b1 * std::pow(th, 1.0 / 3.0) + b2 * std::pow(th, 2.0 / 3.0) +
               b3 * std::pow(th, 5.0 / 3.0) + b4 * std::pow(th, 16.0 / 3.0) +
               b5 * std::pow(th, 43.0 / 3.0) + b6 * std::pow(th, 110.0 / 3.0));
  // PHREEQC's interpolation from the saturation pressure to the actual pressure (atm).
  const double p0 =
      5.1880000E-02 +
      tc * (-4.1885519E-04 + tc * (6.6780748E-06 + tc * (-3.6648699E-08 + tc * 8.3501912E-11)));
  const double p1 =
      -6.0251348E-06 +
      tc * (3.6696407E-07 + tc * (-9.2056269E-09 + tc * (6.7024182E-11 + tc * -1.5947241E-13)));
  const double p2 =
      -2.2983596E-09 +
      tc * (-4.0133819E-10 + tc * (1.2619821E-11 + tc * (-9.8952363E-14 + tc * 2.3363281E-16)));
  const double p3 =
      7.0517647E-11 +
      tc * (6.8566831E-12 + tc * (-2.2829750E-13 + tc * (1.8113313E-15 + tc * -4.2475324E-18)));
  // PHREEQC multiplies p_sat by the water activity of the current solution; at a_w ~ 0.995 that
  // changes rho by < 1e-8 relative, so pure water (a_w = 1) is used.
  const double p_sat = std::exp(11.6702 - 3816.44 / (kelvin - 46.13));
  double pa = kPressureAtm < p_sat ? p_sat : kPressureAtm;
  pa -= (p_sat - 1e-6);
  return rho_sat + pa * (p0 + pa * (p1 + pa * (p2 + std::sqrt(pa) * p3)));
}

double water_relative_permittivity(double kelvin) {
  const double u1 = 3.4279e2, u2 = -5.0866e-3, u3 = 9.469e-7, u4 = -2.0525, u5 = 3.1159e3,
               u6 = -1.8289e2, u7 = -8.0325e3, u8 = 4.2142e6, u9 = 2.1417;
  const double t = kelvin;
  const double d1000 = u1 * std::exp(t * (u2 + t * u3));
  const double c = u4 + u5 / (u6 + t);
  const double b = u7 + u8 / t + u9 * t;
  const double p_bar = kPressureAtm * 1.01325;
  return d1000 + c * std::log((b + p_bar) / (b + 1e3));
}

DebyeHuckel debye_huckel_parameters(double kelvin) {
  const double eps_r = water_relative_permittivity(kelvin);
  const double rho_g_cm3 = water_density(kelvin) / 1e3;
  // e^2/(eps_r k T) in cgs: 4.803204e-10^2 / 1.38065e-16 = 1.671008e-3
  const double e2_dkt = 1.671008e-3 / (eps_r * kelvin);
  const double dh_b = std::sqrt(8.0 * kPi * kAvogadro * e2_dkt * rho_g_cm3 / 1e3);  // 1/cm
  DebyeHuckel out;
  out.A = dh_b * e2_dkt / (2.0 * std::log(10.0));
  out.B = dh_b / 1e8;
  return out;
}

}  // namespace calcikin::thermo
