#pragma once
// The outcome of one speciation solve (thermo::Speciator), on its own so that headers which only
// report it (models/api/speciate.hpp) need not include the Speciator and Eigen.

namespace calcikin::thermo {

struct SpeciationStatus {
  bool converged = false;
  int iterations = 0;
  double residual = 0.0;  // largest scaled residual reached
};

}  // namespace calcikin::thermo
