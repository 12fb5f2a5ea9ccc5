#include "solver/io/dataset_compare.hpp"

#include <cstring>

#include "solver/io/hdf5_util.hpp"

namespace calcikin::io {

using h5::check;
using h5::check_status;
using h5::Handle;

namespace {

std::vector<unsigned char> raw_values(hid_t dataset, hid_t type) {
  Handle space = check(H5Dget_space(dataset), "read space");
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
  std::vector<unsigned char> bytes(n * H5Tget_size(type));
  if (!bytes.empty())
    check_status(H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()),
                 "read values");
  return bytes;
}

}  // namespace

std::vector<std::string> compare_datasets(const std::string& a, const std::string& b) {
  h5::silence_errors();
  Handle fa = check(H5Fopen(a.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open " + a);
  Handle fb = check(H5Fopen(b.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open " + b);
  std::vector<std::string> out;
  const auto names_a = h5::dataset_names(fa.get());
  const auto names_b = h5::dataset_names(fb.get());
  if (names_a != names_b) out.push_back("the files hold different sets of datasets");
  for (const auto& name : names_a) {
    if (!h5::has_dataset(fb.get(), name)) {
      out.push_back(name + ": only in " + a);
      continue;
    }
    Handle da = check(H5Dopen2(fa.get(), name.c_str(), H5P_DEFAULT), "open " + name);
    Handle db = check(H5Dopen2(fb.get(), name.c_str(), H5P_DEFAULT), "open " + name);
    if (h5::dataset_shape(da.get()) != h5::dataset_shape(db.get())) {
      out.push_back(name + ": shapes differ");
      continue;
    }
    Handle ta = check(H5Dget_type(da.get()), "read type");
    Handle tb = check(H5Dget_type(db.get()), "read type");
    if (H5Tequal(ta.get(), tb.get()) <= 0) {
      out.push_back(name + ": types differ");
      continue;
    }
    // Strings by content (variable-length ones are pointers in memory), everything else by bytes.
    const bool differ = h5::is_string_type(ta.get())
                            ? h5::read_strings(da.get(), H5S_ALL, H5S_ALL) !=
                                  h5::read_strings(db.get(), H5S_ALL, H5S_ALL)
                            : raw_values(da.get(), ta.get()) != raw_values(db.get(), ta.get());
    if (differ) out.push_back(name + ": values differ");
    for (const char* attr : {"units", "long_name", "coordinates", "sweep_path"}) {
      if (h5::read_string_attribute(da.get(), attr) != h5::read_string_attribute(db.get(), attr)) {
        out.push_back(name + ": attribute " + attr + " differs");
      }
    }
    if (h5::dimension_names(da.get()) != h5::dimension_names(db.get()))
      out.push_back(name + ": dimensions differ");
  }
  return out;
}

}  // namespace calcikin::io
