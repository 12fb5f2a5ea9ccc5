#pragma once
// JSON text for machine-readable output (`calcikin speciate --json`, `calcikin info --json`): the
// one escaper and number format, so every command writes the same JSON.
#include <string>
#include <string_view>

namespace calcikin::input {

// A JSON string literal with its quotes: " \ and control characters escaped (\n \r \t, else
// \u00XX); other bytes (UTF-8) as they are.
std::string json_string(std::string_view text);

// A number with full precision (%.17g: reads back as the same double); null when not finite.
std::string json_number(double value);

}  // namespace calcikin::input
