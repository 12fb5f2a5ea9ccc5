#include "models/api/output_size.hpp"

#include <cstdio>

#include "models/api/output_parameters.hpp"
#include "models/api/simulation.hpp"
#include "solver/io/output_description.hpp"

namespace calcikin::api {

std::uint64_t expected_output_bytes(const PreparedRun& prepared,
                                    const std::vector<std::string>& overrides) {
  const scenario::Scenario& s = prepared.simulation->scenario();
  const sweep::SweepPlan& plan = prepared.plan;
  // What api::run puts in the writer set-up and the size depends on (the other root attributes are
  // short and counted in the writer's fixed metadata).
  io::WriterSetup setup;
  setup.layout = prepared.simulation->layout();
  for (std::size_t k = 0; k < plan.parameter_count(); ++k)
    setup.swept.push_back({plan.variable_name(k), plan.parameter(k).path, plan.parameter(k).units});
  setup.total_runs = plan.size();
  setup.time_series =
      s.output.time_series == scenario::TimeSeriesMode::All    ? io::TimeSeriesOutput::All
      : s.output.time_series == scenario::TimeSeriesMode::None ? io::TimeSeriesOutput::None
                                                               : io::TimeSeriesOutput::Every;
  setup.time_series_every = static_cast<std::size_t>(std::max(1, s.output.every));
  setup.precision = s.output.precision == scenario::TimeSeriesPrecision::Float32
                        ? io::TimeSeriesPrecision::Float32
                        : io::TimeSeriesPrecision::Float64;
  setup.compression = s.output.compression;
  setup.parameters = effective_parameters(s);
  std::string joined;
  for (const auto& o : overrides) joined += o + "\n";
  setup.text_attributes = {{"scenario", s.source_text},
                           {"scenario_file", s.source_file},
                           {"title", s.name},
                           {"overrides", joined}};
  return io::expected_file_bytes(setup);
}

std::string format_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  std::size_t u = 0;
  while (value >= 1000.0 && u + 1 < sizeof units / sizeof units[0]) {
    value /= 1000.0;
    ++u;
  }
  char text[32];
  if (u == 0)
    std::snprintf(text, sizeof text, "%llu B", static_cast<unsigned long long>(bytes));
  else
    std::snprintf(text, sizeof text, value >= 100 ? "%.1f %s" : "%.3g %s", value, units[u]);
  return text;
}

}  // namespace calcikin::api
