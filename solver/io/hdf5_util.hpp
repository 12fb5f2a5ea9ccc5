#pragma once
// Small RAII and attribute helpers over the HDF5 C API, shared by the writer, the reader and merge.
// Every failing call becomes an IoError naming the file and object.
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "solver/io/io_error.hpp"

namespace calcikin::io::h5 {

// Owns one HDF5 identifier and closes it with the right H5*close.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }
  hid_t get() const noexcept { return id_; }
  bool valid() const noexcept { return id_ >= 0; }
  void reset() noexcept;

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// Throws IoError(what) when id < 0, else wraps it.
Handle check(hid_t id, const std::string& what);
void check_status(herr_t status, const std::string& what);
// The text of an operating-system error for messages: "no space left on device (ENOSPC)".
std::string describe_system_error(int code);

// Silences HDF5's own error printing for the lifetime of the process (errors become IoError text).
void silence_errors();

// Types.
Handle utf8_string_type(std::size_t length);  // fixed length, NUL padded (length >= 1)
Handle utf8_vlen_string_type();

// Attributes on any object (file root, dataset).
void write_attribute(hid_t object, const std::string& name,
                     const std::string& value);  // vlen UTF-8
void write_attribute(hid_t object, const std::string& name, double value);
void write_attribute(hid_t object, const std::string& name, std::int64_t value);
void write_attribute(hid_t object, const std::string& name, const std::vector<std::int8_t>& values);
// `_FillValue` of a dataset, stored in the dataset's own type (netCDF requires that), converted
// from `value`; the dataset's HDF5 fill value should be the same number.
void write_fill_value_attribute(hid_t dataset, double value);
bool has_attribute(hid_t object, const std::string& name);
// Readers accept only single-valued attributes (IoError otherwise) and fixed strings up to this
// size.
inline constexpr std::size_t kMaxFixedStringBytes = 1u << 20;
std::string read_string_attribute(hid_t object, const std::string& name);  // "" when absent
bool read_number_attribute(hid_t object, const std::string& name,
                           double& out);  // false when absent

// String datasets, fixed-length or variable-length: reads the selected elements (file_space
// selection, mem_space of the same count) as UTF-8 strings without trailing NULs.
std::vector<std::string> read_strings(hid_t dataset, hid_t mem_space, hid_t file_space);
// Writes strings into a variable-length UTF-8 string dataset.
void write_vlen_strings(hid_t dataset, hid_t mem_space, hid_t file_space,
                        const std::vector<std::string>& values);
bool is_string_type(hid_t type);

// Dataset helpers.
bool has_dataset(hid_t file, const std::string& name);
std::vector<hsize_t> dataset_shape(hid_t dataset);
std::vector<std::string> dataset_names(hid_t file);  // root group, in name order
// Names of the dimension scales attached to each dimension of a dataset ("" where none).
std::vector<std::string> dimension_names(hid_t dataset);

}  // namespace calcikin::io::h5
