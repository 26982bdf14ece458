// The operand checks of the checked entry points (register_elementwise.cpp,
// register_taylor.cpp): one reading of a component dtype and of a plane layout.
// (register_operators.cpp's fast paths read the same rules from raw numpy objects
// and decline, instead of raising, where these raise.)
#pragma once

#include <pybind11/numpy.h>

#include <cstddef>
#include <stdexcept>
#include <string>

namespace hyperdiff::bindings {

// The kernel tables' dtype order: float64, float32, complex128, complex64.
inline int dtype_index(const pybind11::array& a) {
  namespace np = pybind11::detail;
  switch (a.dtype().num()) {
    case np::npy_api::NPY_DOUBLE_:
      return 0;
    case np::npy_api::NPY_FLOAT_:
      return 1;
    case np::npy_api::NPY_CDOUBLE_:
      return 2;
    case np::npy_api::NPY_CFLOAT_:
      return 3;
    default:
      throw pybind11::type_error(
          "hyperdiff kernels take float64, float32, complex128 or complex64 components, not " +
          std::string(pybind11::str(a.dtype())));
  }
}

// Elements per plane and the distance between planes (in elements) of an operand
// with `planes` planes. Each plane must be one C-contiguous block; the planes may
// lie further apart, as in a view x[..., 1:] of a dual array's planes, which then
// needs no copy.
struct PlaneLayout {
  std::size_t count;
  std::size_t stride;
};

inline PlaneLayout plane_layout(const pybind11::array& a, int planes, const char* what) {
  const std::size_t size = static_cast<std::size_t>(a.size());
  if (size % planes != 0) throw std::invalid_argument(std::string(what) + " has no whole planes");
  const std::size_t count = size / planes;
  if (a.flags() & pybind11::array::c_style) return {count, count};
  const pybind11::ssize_t item = a.itemsize();
  bool blocks = planes > 1 && a.ndim() >= 1 && a.shape(0) == planes && a.strides(0) > 0 &&
                a.strides(0) % item == 0;
  pybind11::ssize_t expected = item;
  for (pybind11::ssize_t d = a.ndim() - 1; blocks && d >= 1; --d) {
    blocks = a.shape(d) == 1 || a.strides(d) == expected;
    expected *= a.shape(d);
  }
  if (!blocks) {
    throw std::invalid_argument(std::string(what) + " must be C-contiguous within each plane");
  }
  return {count, static_cast<std::size_t>(a.strides(0) / item)};
}

// An operand's layout, which must have `count` elements per plane or one.
inline PlaneLayout operand_layout(const pybind11::array& a, int planes, std::size_t count,
                                  const char* what) {
  const PlaneLayout layout = plane_layout(a, planes, what);
  if (layout.count != count && layout.count != 1) {
    throw std::invalid_argument(std::string(what) + " does not match the output's shape");
  }
  return layout;
}

// out: C-contiguous, writeable, `planes` planes (`planes_name` says what that is).
inline void check_out(const pybind11::array& out, int planes, const std::string& planes_name) {
  if (!(out.flags() & pybind11::array::c_style)) {
    throw std::invalid_argument("out must be C-contiguous");
  }
  if (!out.writeable()) throw std::invalid_argument("out is read-only");
  if (out.ndim() < 1 || out.shape(0) != planes) {
    throw std::invalid_argument("out must have shape (planes, ...) with planes = " +
                                std::to_string(planes) + " (" + planes_name + ")");
  }
}

}  // namespace hyperdiff::bindings
