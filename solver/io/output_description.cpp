#include "solver/io/output_description.hpp"

#include <limits>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "solver/io/output_names.hpp"

namespace calcikin::io {

const StoredVariable& OutputDescription::variable(const std::string& name) const {
  for (const auto& v : variables) {
    if (v.name == name) return v;
  }
  throw std::out_of_range("no stored variable '" + name + "'");
}

std::string time_series_text(const WriterSetup& setup) {
  switch (setup.time_series) {
    case TimeSeriesOutput::All:
      return "all";
    case TimeSeriesOutput::None:
      return "none";
    case TimeSeriesOutput::Every:
      return "every " + std::to_string(setup.time_series_every);
  }
  return "all";
}

OutputPlan plan_output(const WriterSetup& setup) {
  const RunLayout& layout = setup.layout;
  layout.validate();
  OutputPlan plan;
  plan.rows = setup.total_runs / setup.shard_count +
              (setup.shard_index < setup.total_runs % setup.shard_count ? 1 : 0);
  plan.keep_time = setup.time_series != TimeSeriesOutput::None;
  std::size_t n_time = 0;
  bool has_time = false;
  for (const auto& c : layout.dimensions) {
    if (c.name == kTimeDimension) {
      n_time = c.size();
      has_time = true;
    }
  }
  if (has_time) {
    const std::size_t every = setup.time_series == TimeSeriesOutput::Every
                                  ? std::max<std::size_t>(1, setup.time_series_every)
                                  : 1;
    for (std::size_t i = 0; i < n_time; i += every) plan.time_keep.push_back(i);
    if (!plan.time_keep.empty() && plan.time_keep.back() != n_time - 1)
      plan.time_keep.push_back(n_time - 1);  // the end state is always kept
  }
  for (std::size_t v = 0; v < layout.variables.size(); ++v) {
    const Variable& var = layout.variables[v];
    const bool series = layout.is_time_series(v);
    if (series && !plan.keep_time) continue;
    PlannedOutput out;
    out.layout_index = v;
    out.kind = var.kind;
    out.float32 =
        series && var.kind == ValueKind::Float64 && setup.precision == TimeSeriesPrecision::Float32;
    for (const auto& d : var.dims) {
      const std::size_t n = layout.dimensions[layout.dimension_index(d)].size();
      out.record_shape.push_back(n);
      out.shape.push_back(d == kTimeDimension ? plan.time_keep.size() : n);
    }
    out.out_size = 1;
    for (std::size_t n : out.shape) out.out_size *= n;
    if (series && plan.time_keep.size() != n_time) {
      // Row-major walk over the stored index space, mapping each element to the record's.
      out.gather.resize(out.out_size);
      std::vector<std::size_t> idx(out.shape.size(), 0);
      for (std::size_t e = 0; e < out.out_size; ++e) {
        std::size_t flat = 0;
        for (std::size_t k = 0; k < idx.size(); ++k) {
          const std::size_t i = var.dims[k] == kTimeDimension ? plan.time_keep[idx[k]] : idx[k];
          flat = flat * out.record_shape[k] + i;
        }
        out.gather[e] = flat;
        for (std::size_t k = idx.size(); k-- > 0;) {
          if (++idx[k] < out.shape[k]) break;
          idx[k] = 0;
        }
      }
    }
    if (var.kind == ValueKind::Label) {
      for (const auto& l : var.labels) out.label_length = std::max(out.label_length, l.size());
    }
    plan.outputs.push_back(std::move(out));
  }
  return plan;
}

OutputDescription describe_output(const WriterSetup& setup, const OutputPlan& plan) {
  const RunLayout& layout = setup.layout;
  OutputDescription d;
  const auto unit = [](const std::string& u) { return u.empty() ? std::string("1") : u; };
  // Coordinates listed in every per-run variable: the swept inputs.
  std::string coordinates;
  for (const auto& s : setup.swept) coordinates += (coordinates.empty() ? "" : " ") + s.name;
  const auto per_run = [&](std::vector<std::string> dims) {
    dims.insert(dims.begin(), kRunDimension);
    return dims;
  };

  d.variables.push_back(
      {kRunDimension,
       {kRunDimension},
       StoredRole::RunIndex,
       0,
       {{"long_name", std::string("run (sweep point) index")}, {"units", std::string("1")}}});
  for (std::size_t k = 0; k < layout.dimensions.size(); ++k) {
    const Coordinate& c = layout.dimensions[k];
    if (c.name == kTimeDimension && !plan.keep_time) continue;
    StoredVariable v{c.name, {c.name}, StoredRole::Dimension, k, {}};
    if (!c.labels.empty()) {
      v.attributes.emplace_back("_Encoding", std::string("utf-8"));  // xarray decodes to str
    } else {
      v.attributes.emplace_back("units", unit(c.units));
    }
    if (!c.long_name.empty()) v.attributes.emplace_back("long_name", c.long_name);
    d.variables.push_back(std::move(v));
  }
  for (std::size_t s = 0; s < setup.swept.size(); ++s) {
    const SweptVariable& sv = setup.swept[s];
    d.variables.push_back({sv.name,
                           per_run({}),
                           StoredRole::Swept,
                           s,
                           {{"sweep_path", sv.path},
                            {"units", unit(sv.units)},
                            {"long_name", "swept input " + sv.path}}});
  }
  for (std::size_t o = 0; o < plan.outputs.size(); ++o) {
    const Variable& var = layout.variables[plan.outputs[o].layout_index];
    StoredVariable v{var.name, per_run(var.dims), StoredRole::Output, o, {}};
    if (var.kind != ValueKind::Label) {
      v.attributes.emplace_back("units", unit(var.units));
      // The fill of a run not (yet) computed; the writer stores it in the dataset's own type.
      if (var.kind == ValueKind::Float64)
        v.attributes.emplace_back("_FillValue", std::numeric_limits<double>::quiet_NaN());
      else
        v.attributes.emplace_back("_FillValue", static_cast<std::int64_t>(kMissingInteger));
    } else {
      v.attributes.emplace_back("_Encoding", std::string("utf-8"));
    }
    if (!var.long_name.empty()) v.attributes.emplace_back("long_name", var.long_name);
    if (!coordinates.empty()) v.attributes.emplace_back("coordinates", coordinates);
    d.variables.push_back(std::move(v));
  }
  if (!setup.parameters.empty()) {
    d.variables.push_back(
        {kParameterDimension,
         {kParameterDimension},
         StoredRole::Parameter,
         0,
         {{"_Encoding", std::string("utf-8")},
          {"long_name", std::string("effective model parameter (dotted scenario path)")}}});
    d.variables.push_back({kParameterValueVariable,
                           {kParameterDimension},
                           StoredRole::Parameter,
                           1,
                           {{"long_name", std::string("value of each model parameter used by the "
                                                      "run, in SI units (parameter_units); NaN "
                                                      "where swept: see the coordinate whose "
                                                      "sweep_path is the parameter")}}});
    d.variables.push_back({kParameterUnitsVariable,
                           {kParameterDimension},
                           StoredRole::Parameter,
                           2,
                           {{"_Encoding", std::string("utf-8")},
                            {"long_name", std::string("SI unit of parameter_value")}}});
  }
  {
    StoredVariable v{kStatusVariable, per_run({}), StoredRole::Status, 0, {}};
    v.attributes = {{"long_name", std::string("outcome of the run")},
                    {"flag_values", std::vector<std::int8_t>{-1, 0, 1}},
                    {"flag_meanings", std::string("not_run ok failed")}};
    if (!coordinates.empty()) v.attributes.emplace_back("coordinates", coordinates);
    d.variables.push_back(std::move(v));
  }
  {
    StoredVariable v{kMessageVariable, per_run({}), StoredRole::Message, 0, {}};
    v.attributes = {{"long_name", std::string("why the run failed (empty when ok)")},
                    {"_Encoding", std::string("utf-8")}};
    if (!coordinates.empty()) v.attributes.emplace_back("coordinates", coordinates);
    d.variables.push_back(std::move(v));
  }
  {
    StoredVariable v{kCompletedVariable, per_run({}), StoredRole::Completed, 0, {}};
    v.attributes = {
        {"long_name",
         std::string("1 when the run's row is complete (written after the row's data)")}};
    if (!coordinates.empty()) v.attributes.emplace_back("coordinates", coordinates);
    d.variables.push_back(std::move(v));
  }

  d.root = {{"Conventions", std::string("CF-1.8")},
            {"calcikin_format", std::string(kFormatName)},
            {"calcikin_format_version", static_cast<std::int64_t>(kFormatVersion)},
            {"total_runs", static_cast<std::int64_t>(setup.total_runs)},
            {"shard_index", static_cast<std::int64_t>(setup.shard_index)},
            {"shard_count", static_cast<std::int64_t>(setup.shard_count)},
            {"time_series", time_series_text(setup)}};
  for (const auto& [k, v] : setup.text_attributes) d.root.emplace_back(k, v);
  for (const auto& [k, v] : setup.integer_attributes) d.root.emplace_back(k, v);
  // CF `source` and `history` (unless the caller gave them).
  const auto text = [&](const char* key) {
    const auto it = setup.text_attributes.find(key);
    return it == setup.text_attributes.end() ? std::string() : it->second;
  };
  std::string program = text("program").empty() ? std::string("calcikin") : text("program");
  if (!text("program_version").empty()) program += " " + text("program_version");
  if (setup.text_attributes.count("source") == 0) {
    d.root.emplace_back(
        "source", program + (text("git_commit").empty() ? std::string()
                                                        : " (git " + text("git_commit") + ")"));
  }
  if (setup.text_attributes.count("history") == 0) {
    std::string line = text("created_utc");
    line += (line.empty() ? "" : " ") + program + " run";
    if (!text("scenario_file").empty()) line += " " + text("scenario_file");
    std::string overrides = text("overrides");
    for (std::size_t p = 0; (p = overrides.find('\n', p)) != std::string::npos;)
      overrides.replace(p, 1, " --set ");
    if (!overrides.empty()) line += " --set " + overrides;
    d.root.emplace_back("history", line);
  }
  return d;
}

ParameterTable parameter_table(const WriterSetup& setup) {
  ParameterTable t;
  t.names.reserve(setup.parameters.size());
  for (const auto& p : setup.parameters) {
    bool swept = false;
    for (const auto& sv : setup.swept) swept = swept || sv.path == p.name;
    t.names.push_back(p.name);
    t.values.push_back(swept ? std::numeric_limits<double>::quiet_NaN() : p.value);
    t.units.push_back(p.units.empty() ? "1" : p.units);
  }
  return t;
}

std::uint64_t expected_file_bytes(const WriterSetup& setup) {
  // HDF5 metadata, fitted to files of this writer (1, 100 and 10,000 runs; with and without time
  // series): a fixed part, an object header per dataset, and a global-heap entry per per-run
  // string.
  constexpr std::uint64_t kFixedBytes = 10000;
  constexpr std::uint64_t kBytesPerDataset = 626;
  constexpr std::uint64_t kHeapBytesPerRunString = 20;
  constexpr std::uint64_t kReferenceBytes = 16;  // a variable-length string in its dataset
  const OutputPlan plan = plan_output(setup);
  const RunLayout& layout = setup.layout;
  const std::uint64_t rows = plan.rows;
  std::uint64_t datasets = 4;  // run, status, message, completed
  std::uint64_t per_run = 8 + 1 + 1 + kReferenceBytes + kHeapBytesPerRunString;
  std::uint64_t fixed = kFixedBytes;
  for (const auto& c : layout.dimensions) {
    if (c.name == kTimeDimension && !plan.keep_time) continue;
    if (c.labels.empty()) {
      datasets += 1;
      fixed += 8 * (c.name == kTimeDimension ? plan.time_keep.size() : c.values.size());
    } else {
      datasets += 2;  // the dimension and its NAME_name strings
      for (const auto& l : c.labels)
        fixed += 4 + kReferenceBytes + kHeapBytesPerRunString + l.size();
    }
  }
  datasets += setup.swept.size();
  per_run += 8 * setup.swept.size();
  for (const PlannedOutput& out : plan.outputs) {
    datasets += 1;
    if (out.kind == ValueKind::Label) {
      per_run += out.out_size * (kReferenceBytes + kHeapBytesPerRunString);
    } else {
      per_run += out.out_size * (out.float32 ? 4 : 8);
    }
  }
  if (!setup.parameters.empty()) {
    datasets += 4;  // parameter, parameter_name, parameter_value, parameter_units
    for (const auto& p : setup.parameters) {
      fixed += 8 + 2 * (kReferenceBytes + kHeapBytesPerRunString) + p.name.size() +
               std::max<std::size_t>(p.units.size(), 1);
    }
  }
  for (const auto& [key, text] : setup.text_attributes) fixed += key.size() + text.size();
  return fixed + datasets * kBytesPerDataset + rows * per_run;
}

}  // namespace calcikin::io
