# All third-party dependencies are found here, once, from Debian 12's packages (scripts/setup).
# CVODES (a superset of CVODE with the same API) for every integration: the plain integrator and the
# forward sensitivities of `calcikin fit` (solver/ode/cvodes_sensitivity). Linking CVODE and CVODES
# together would clash (same symbol names), so only CVODES is linked.
find_package(SUNDIALS 6.4 REQUIRED COMPONENTS cvodes nvecserial sunlinsoldense sunmatrixdense)
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
# Ceres Solver (Debian libceres-dev): bounded trust-region Levenberg-Marquardt for `calcikin fit`
# (solver/optimize). Required: the fit is part of every build.
find_package(Ceres 2.1 REQUIRED)
# Debian ships a serial and an MPI-parallel HDF5; the writer is single-process, so take the serial one.
set(HDF5_PREFER_PARALLEL OFF)
if(NOT DEFINED HDF5_C_COMPILER_EXECUTABLE AND EXISTS /usr/bin/h5cc)
  set(HDF5_C_COMPILER_EXECUTABLE /usr/bin/h5cc)
endif()
find_package(HDF5 1.10 REQUIRED COMPONENTS C HL)
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(yaml-cpp 0.7 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Threads REQUIRED)

# udunits2 (Unidata) parses and converts the unit strings of scenario files; it has no CMake config.
find_path(UDUNITS2_INCLUDE_DIR udunits2.h PATH_SUFFIXES udunits2 REQUIRED)
find_library(UDUNITS2_LIBRARY udunits2 REQUIRED)
find_file(UDUNITS2_XML udunits2.xml PATHS /usr/share/xml/udunits /usr/share/udunits REQUIRED)
add_library(calcikin_udunits2 INTERFACE)
target_include_directories(calcikin_udunits2 SYSTEM INTERFACE ${UDUNITS2_INCLUDE_DIR})
target_link_libraries(calcikin_udunits2 INTERFACE ${UDUNITS2_LIBRARY})
target_compile_definitions(calcikin_udunits2 INTERFACE CALCIKIN_UDUNITS2_XML="${UDUNITS2_XML}")

add_library(calcikin_hdf5 INTERFACE)
target_include_directories(calcikin_hdf5 SYSTEM INTERFACE ${HDF5_INCLUDE_DIRS})
target_link_libraries(calcikin_hdf5 INTERFACE ${HDF5_HL_LIBRARIES} ${HDF5_C_LIBRARIES})
target_compile_definitions(calcikin_hdf5 INTERFACE ${HDF5_DEFINITIONS})

if(CALCIKIN_WITH_MPI)
  find_package(MPI REQUIRED COMPONENTS C CXX)
endif()
if(CALCIKIN_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
