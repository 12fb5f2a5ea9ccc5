#pragma once
// Properties of pure water that the activity model needs, computed exactly as PHREEQC 3 does
// (src/utilities.cpp calc_rho_0 and calc_dielectrics), so that A(T) and B(T) agree with PHREEQC to
// the last digit:
//   density: Wagner & Pruss 2002 (J Phys Chem Ref Data 31:387) eq. 2.6 on the saturation line, plus
//            PHREEQC's pressure polynomial (pressure 1 atm);
//   relative permittivity: Bradley & Pitzer 1979 (J Phys Chem 83:1599);
//   Debye-Hueckel A in (kg/mol)^1/2 and B in 1/(Angstrom (mol/kg)^1/2).
namespace calcikin::thermo {

struct DebyeHuckel {
  double A = 0.0;
  double B = 0.0;
};

double water_density(double kelvin);                // kg/m3 at 1 atm
double water_relative_permittivity(double kelvin);  // at 1 atm
DebyeHuckel debye_huckel_parameters(double kelvin);

}  // namespace calcikin::thermo
