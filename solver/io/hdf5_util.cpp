#include "solver/io/hdf5_util.hpp"

#include <hdf5_hl.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace calcikin::io::h5 {

void Handle::reset() noexcept {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE:
      H5Fclose(id_);
      break;
    case H5I_GROUP:
      H5Gclose(id_);
      break;
    case H5I_DATASET:
      H5Dclose(id_);
      break;
    case H5I_DATASPACE:
      H5Sclose(id_);
      break;
    case H5I_DATATYPE:
      H5Tclose(id_);
      break;
    case H5I_ATTR:
      H5Aclose(id_);
      break;
    case H5I_GENPROP_LST:
      H5Pclose(id_);
      break;
    default:
      break;
  }
  id_ = H5I_INVALID_HID;
}

namespace {

// HDF5's file drivers record the operating system's error in the error stack ("errno = 28, error
// message = 'No space left on device'"); the first one found is the cause of the failure.
herr_t find_system_error(unsigned, const H5E_error2_t* error, void* data) {
  auto* code = static_cast<int*>(data);
  if (*code != 0 || error == nullptr || error->desc == nullptr) return 0;
  if (const char* p = std::strstr(error->desc, "errno = ")) *code = std::atoi(p + 8);
  return 0;
}

// "HDF5: cannot WHAT", with the system error under it when there is one.
std::string failure(const std::string& what) {
  int code = 0;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, find_system_error, &code);
  H5Eclear2(H5E_DEFAULT);
  std::string text = "HDF5: cannot " + what;
  if (code > 0) text += ": " + describe_system_error(code);
  return text;
}

}  // namespace

std::string describe_system_error(int code) {
  switch (code) {
    case ENOSPC:
      return "no space left on device (ENOSPC)";
    case EDQUOT:
      return "disk quota exceeded (EDQUOT)";
    case EFBIG:
      return "file too large (EFBIG: the file-size limit, ulimit -f, or the file system's largest "
             "file)";
    default:
      return std::string(std::strerror(code)) + " (errno " + std::to_string(code) + ")";
  }
}

Handle check(hid_t id, const std::string& what) {
  if (id < 0) throw IoError(failure(what));
  return Handle(id);
}

void check_status(herr_t status, const std::string& what) {
  if (status < 0) throw IoError(failure(what));
}

void silence_errors() {
  // No HDF5 clean-up at exit: every object is closed by its Handle, and HDF5 1.10 crashes
  // (SIGSEGV in H5F__close_cb) when it terminates with a file whose close failed (disk full).
  // Effective only before the library is initialised, i.e. on the first call.
  H5dont_atexit();
  // The automatic error printing is a per-thread setting in a thread-safe HDF5 (the sweep's
  // writer thread printed HDF5-DIAG traces on a full disk): silenced once in every calling thread.
  thread_local bool silenced = false;
  if (!silenced) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    silenced = true;
  }
}

Handle utf8_string_type(std::size_t length) {
  Handle t = check(H5Tcopy(H5T_C_S1), "copy string type");
  check_status(H5Tset_size(t.get(), length < 1 ? 1 : length), "set string size");
  check_status(H5Tset_strpad(t.get(), H5T_STR_NULLPAD), "set string padding");
  check_status(H5Tset_cset(t.get(), H5T_CSET_UTF8), "set string character set");
  return t;
}

Handle utf8_vlen_string_type() {
  Handle t = check(H5Tcopy(H5T_C_S1), "copy string type");
  check_status(H5Tset_size(t.get(), H5T_VARIABLE), "set string size");
  check_status(H5Tset_cset(t.get(), H5T_CSET_UTF8), "set string character set");
  return t;
}

namespace {
void replace_attribute(hid_t object, const std::string& name) {
  if (H5Aexists(object, name.c_str()) > 0)
    check_status(H5Adelete(object, name.c_str()), "replace attribute " + name);
}
}  // namespace

void write_attribute(hid_t object, const std::string& name, const std::string& value) {
  replace_attribute(object, name);
  Handle type = utf8_vlen_string_type();
  Handle space = check(H5Screate(H5S_SCALAR), "create scalar space");
  Handle attr =
      check(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
            "create attribute " + name);
  const char* text = value.c_str();
  check_status(H5Awrite(attr.get(), type.get(), &text), "write attribute " + name);
}

void write_attribute(hid_t object, const std::string& name, double value) {
  replace_attribute(object, name);
  Handle space = check(H5Screate(H5S_SCALAR), "create scalar space");
  Handle attr =
      check(H5Acreate2(object, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
            "create attribute " + name);
  check_status(H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &value), "write attribute " + name);
}

void write_attribute(hid_t object, const std::string& name, std::int64_t value) {
  replace_attribute(object, name);
  Handle space = check(H5Screate(H5S_SCALAR), "create scalar space");
  Handle attr =
      check(H5Acreate2(object, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
            "create attribute " + name);
  check_status(H5Awrite(attr.get(), H5T_NATIVE_INT64, &value), "write attribute " + name);
}

void write_attribute(hid_t object, const std::string& name,
                     const std::vector<std::int8_t>& values) {
  replace_attribute(object, name);
  hsize_t n = values.size();
  Handle space = check(H5Screate_simple(1, &n, nullptr), "create attribute space");
  Handle attr =
      check(H5Acreate2(object, name.c_str(), H5T_STD_I8LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
            "create attribute " + name);
  check_status(H5Awrite(attr.get(), H5T_NATIVE_INT8, values.data()), "write attribute " + name);
}

void write_fill_value_attribute(hid_t dataset, double value) {
  replace_attribute(dataset, "_FillValue");
  Handle type = check(H5Dget_type(dataset), "read dataset type");
  Handle space = check(H5Screate(H5S_SCALAR), "create scalar space");
  Handle attr =
      check(H5Acreate2(dataset, "_FillValue", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
            "create attribute _FillValue");
  check_status(H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &value), "write attribute _FillValue");
}

bool is_string_type(hid_t type) { return H5Tget_class(type) == H5T_STRING; }

std::vector<std::string> read_strings(hid_t dataset, hid_t mem_space, hid_t file_space) {
  Handle type = check(H5Dget_type(dataset), "read string type");
  Handle whole;  // H5S_ALL: the whole dataset
  if (mem_space == H5S_ALL) whole = check(H5Dget_space(dataset), "read dataset space");
  const auto n = static_cast<std::size_t>(
      H5Sget_select_npoints(mem_space == H5S_ALL ? whole.get() : mem_space));
  std::vector<std::string> out;
  out.reserve(n);
  if (n == 0) return out;
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem = utf8_vlen_string_type();
    std::vector<char*> text(n, nullptr);
    check_status(H5Dread(dataset, mem.get(), mem_space, file_space, H5P_DEFAULT, text.data()),
                 "read strings");
    for (char* t : text) out.emplace_back(t != nullptr ? t : "");
    H5Dvlen_reclaim(mem.get(), mem_space == H5S_ALL ? whole.get() : mem_space, H5P_DEFAULT,
                    text.data());
    return out;
  }
  const std::size_t len = H5Tget_size(type.get());
  Handle mem = utf8_string_type(len);
  std::vector<char> bytes(n * len, '\0');
  check_status(H5Dread(dataset, mem.get(), mem_space, file_space, H5P_DEFAULT, bytes.data()),
               "read strings");
  for (std::size_t i = 0; i < n; ++i) {
    const char* t = &bytes[i * len];
    std::size_t k = 0;
    while (k < len && t[k] != '\0') ++k;
    out.emplace_back(t, k);
  }
  return out;
}

void write_vlen_strings(hid_t dataset, hid_t mem_space, hid_t file_space,
                        const std::vector<std::string>& values) {
  if (values.empty()) return;
  Handle mem = utf8_vlen_string_type();
  std::vector<const char*> text(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) text[i] = values[i].c_str();
  check_status(H5Dwrite(dataset, mem.get(), mem_space, file_space, H5P_DEFAULT, text.data()),
               "write strings");
}

bool has_attribute(hid_t object, const std::string& name) {
  return H5Aexists(object, name.c_str()) > 0;
}

std::string read_string_attribute(hid_t object, const std::string& name) {
  if (!has_attribute(object, name)) return {};
  Handle attr = check(H5Aopen(object, name.c_str(), H5P_DEFAULT), "open attribute " + name);
  Handle type = check(H5Aget_type(attr.get()), "read type of attribute " + name);
  if (H5Tget_class(type.get()) != H5T_STRING) return {};
  // One value only: an array attribute would be read past the buffer.
  Handle space = check(H5Aget_space(attr.get()), "read attribute space");
  if (H5Sget_simple_extent_npoints(space.get()) != 1)
    throw IoError("attribute " + name + " is not a single string");
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem = utf8_vlen_string_type();
    char* text = nullptr;
    check_status(H5Aread(attr.get(), mem.get(), &text), "read attribute " + name);
    std::string out = text != nullptr ? text : "";
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, &text);
    return out;
  }
  const std::size_t size = H5Tget_size(type.get());
  if (size == 0 || size > kMaxFixedStringBytes)
    throw IoError("attribute " + name + " has an implausible string size");
  std::string out(size, '\0');
  check_status(H5Aread(attr.get(), type.get(), out.data()), "read attribute " + name);
  out.resize(out.find('\0') == std::string::npos ? size : out.find('\0'));
  return out;
}

bool read_number_attribute(hid_t object, const std::string& name, double& out) {
  if (!has_attribute(object, name)) return false;
  Handle attr = check(H5Aopen(object, name.c_str(), H5P_DEFAULT), "open attribute " + name);
  Handle type = check(H5Aget_type(attr.get()), "read type of attribute " + name);
  const H5T_class_t cls = H5Tget_class(type.get());
  Handle space = check(H5Aget_space(attr.get()), "read attribute space");
  // One number only: an array attribute would be read past `out`; strings do not convert.
  if ((cls != H5T_INTEGER && cls != H5T_FLOAT) || H5Sget_simple_extent_npoints(space.get()) != 1)
    throw IoError("attribute " + name + " is not a single number");
  check_status(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &out), "read attribute " + name);
  return true;
}

bool has_dataset(hid_t file, const std::string& name) {
  if (H5Lexists(file, name.c_str(), H5P_DEFAULT) <= 0) return false;
  H5O_info_t info;
  if (H5Oget_info_by_name(file, name.c_str(), &info, H5P_DEFAULT) < 0) return false;
  return info.type == H5O_TYPE_DATASET;
}

std::vector<hsize_t> dataset_shape(hid_t dataset) {
  Handle space = check(H5Dget_space(dataset), "read dataset space");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(rank > 0 ? static_cast<std::size_t>(rank) : 0);
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

namespace {
herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}
}  // namespace

std::vector<std::string> dataset_names(hid_t file) {
  std::vector<std::string> names;
  hsize_t idx = 0;
  check_status(H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_name, &names),
               "list datasets");
  std::vector<std::string> datasets;
  for (auto& n : names) {
    if (has_dataset(file, n)) datasets.push_back(std::move(n));
  }
  return datasets;
}

std::vector<std::string> dimension_names(hid_t dataset) {
  const std::size_t rank = dataset_shape(dataset).size();
  std::vector<std::string> names(rank);
  for (std::size_t k = 0; k < rank; ++k) {
    H5DSiterate_scales(
        dataset, static_cast<unsigned>(k), nullptr,
        [](hid_t, unsigned, hid_t scale, void* out) -> herr_t {
          char name[256] = {0};
          H5Iget_name(scale, name, sizeof name - 1);
          *static_cast<std::string*>(out) = name[0] == '/' ? name + 1 : name;
          return 1;  // the first scale is the dimension's name
        },
        &names[k]);
  }
  return names;
}

}  // namespace calcikin::io::h5
