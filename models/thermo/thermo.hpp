#pragma once
// calcikin::thermo: databases, chemical systems, speciation and saturation indices.
#include "models/thermo/chemical_system.hpp"
#include "models/thermo/database.hpp"
#include "models/thermo/speciator.hpp"
