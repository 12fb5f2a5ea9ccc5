# Generates generated/calcikin_build_info.hpp at configure time and refreshes the git commit at every
# build (cmake/GitCommit.cmake), so --version and every output file name the exact source.
configure_file(${CMAKE_CURRENT_LIST_DIR}/build_info.hpp.in
               ${PROJECT_BINARY_DIR}/generated/calcikin_build_info.hpp @ONLY)
add_custom_target(calcikin_git_commit
  COMMAND ${CMAKE_COMMAND} -DSRC=${PROJECT_SOURCE_DIR}
          -DOUT=${PROJECT_BINARY_DIR}/generated/calcikin_git_commit.hpp
          -P ${CMAKE_CURRENT_LIST_DIR}/GitCommit.cmake
  BYPRODUCTS ${PROJECT_BINARY_DIR}/generated/calcikin_git_commit.hpp
  COMMENT "Reading the git commit")
