#include "solver/io/sweep_reader.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <cstring>

#include "solver/io/hdf5_util.hpp"
#include "solver/io/output_names.hpp"
#include "solver/io/run_layout.hpp"

namespace calcikin::io {

using h5::check;
using h5::check_status;
using h5::Handle;

namespace {

herr_t collect_root_attribute(hid_t object, const char* name, const H5A_info_t*, void* data) {
  auto* info = static_cast<SweepFileInfo*>(data);
  Handle attr(H5Aopen(object, name, H5P_DEFAULT));
  Handle type(H5Aget_type(attr.get()));
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls == H5T_STRING) {
    info->text_attributes[name] = h5::read_string_attribute(object, name);
  } else if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
    double value = 0;
    h5::read_number_attribute(object, name, value);
    info->numeric_attributes[name] = value;
  }
  return 0;
}

}  // namespace

SweepFileInfo read_sweep_info(const std::string& path) {
  h5::silence_errors();
  SweepFileInfo info;
  info.path = path;
  // No file lock: `info` must read the .partial file of a sweep that is still running (read-only;
  // rows are flagged completed only after their data, so what it counts is consistent).
  Handle fapl = check(H5Pcreate(H5P_FILE_ACCESS), "create file access list");
  check_status(H5Pset_file_locking(fapl.get(), false, true), "turn file locking off");
  Handle file = check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), "open " + path);
  hsize_t idx = 0;
  check_status(
      H5Aiterate2(file.get(), H5_INDEX_NAME, H5_ITER_INC, &idx, collect_root_attribute, &info),
      "read attributes");
  const auto number = [&](const char* key) -> double {
    const auto it = info.numeric_attributes.find(key);
    if (it == info.numeric_attributes.end())
      throw IoError(path + " is not a calcikin sweep file (no attribute " + key + ")");
    return it->second;
  };
  info.total_runs = static_cast<std::size_t>(number("total_runs"));
  info.shard_index = static_cast<std::size_t>(number("shard_index"));
  info.shard_count = static_cast<std::size_t>(number("shard_count"));
  info.rows = info.total_runs / info.shard_count +
              (info.shard_index < info.total_runs % info.shard_count ? 1 : 0);

  if (info.rows > 0) {
    std::vector<std::uint8_t> done(info.rows);
    std::vector<std::int8_t> status(info.rows);
    Handle c = check(H5Dopen2(file.get(), kCompletedVariable, H5P_DEFAULT), "open completed");
    check_status(H5Dread(c.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, done.data()),
                 "read completed");
    Handle s = check(H5Dopen2(file.get(), kStatusVariable, H5P_DEFAULT), "open status");
    check_status(H5Dread(s.get(), H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, status.data()),
                 "read status");
    Handle m = check(H5Dopen2(file.get(), kMessageVariable, H5P_DEFAULT), "open message");
    Handle mtype = check(H5Dget_type(m.get()), "read message type");
    const std::size_t len = H5Tget_size(mtype.get());
    Handle mspace = check(H5Dget_space(m.get()), "read message space");
    std::vector<char> text(len + 1, '\0');
    for (std::size_t r = 0; r < info.rows; ++r) {
      if (done[r] == 0) continue;
      ++info.completed;
      if (status[r] != static_cast<std::int8_t>(RunStatus::Failed)) continue;
      ++info.failed;
      if (info.first_failures.size() >= 10) continue;
      hsize_t start = r, count = 1;
      check_status(
          H5Sselect_hyperslab(mspace.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr),
          "select message");
      Handle mem = check(H5Screate_simple(1, &count, nullptr), "create memory space");
      check_status(H5Dread(m.get(), mtype.get(), mem.get(), mspace.get(), H5P_DEFAULT, text.data()),
                   "read message");
      info.first_failures.emplace_back(text.data(), strnlen(text.data(), len));
    }
  }
  for (const auto& name : h5::dataset_names(file.get())) {
    Handle ds = check(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), "open " + name);
    VariableInfo v;
    v.name = name;
    for (hsize_t n : h5::dataset_shape(ds.get())) v.shape.push_back(static_cast<std::size_t>(n));
    v.dims = h5::dimension_names(ds.get());
    if (H5DSis_scale(ds.get()) > 0) v.dims = {name};
    v.units = h5::read_string_attribute(ds.get(), "units");
    v.sweep_path = h5::read_string_attribute(ds.get(), "sweep_path");
    info.variables.push_back(std::move(v));
  }
  return info;
}

}  // namespace calcikin::io
