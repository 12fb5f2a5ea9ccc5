#pragma once
// Counts calls of the global operator new in this test executable (allocation_counter.cpp replaces
// it), so that tests can assert that a hot path allocates nothing.
#include <cstddef>

namespace calcikin::test {
std::size_t allocation_count();
}
