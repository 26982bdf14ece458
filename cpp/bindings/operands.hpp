// The operand rules of every entry point, written once: the checked calls
// (register_elementwise.cpp, register_taylor.cpp) raise where they fail, the fast
// paths (register_operators.cpp) decline (Python's general path takes the call).
// A component dtype's column in the kernel tables, the plane layout of an operand,
// and how a kernel runs (the GIL, threads).
#pragma once

#include <pybind11/numpy.h>

#include <cstddef>
#include <stdexcept>
#include <string>

#include "hyperdiff/runtime.hpp"

namespace hyperdiff::bindings {

// The kernel tables' dtype order: float64, float32, complex128, complex64 (numpy's
// type numbers); -1 for any other dtype.
inline int dtype_column(int type_num) {
  namespace np = pybind11::detail;
  switch (type_num) {
    case np::npy_api::NPY_DOUBLE_:
      return 0;
    case np::npy_api::NPY_FLOAT_:
      return 1;
    case np::npy_api::NPY_CDOUBLE_:
      return 2;
    case np::npy_api::NPY_CFLOAT_:
      return 3;
    default:
      return -1;
  }
}

inline int dtype_index(const pybind11::array& a) {
  const int column = dtype_column(a.dtype().num());
  if (column < 0) {
    throw pybind11::type_error(
        "hyperdiff kernels take float64, float32, complex128 or complex64 components, not " +
        std::string(pybind11::str(a.dtype())));
  }
  return column;
}

// Elements per plane and the distance between planes (in elements) of an operand
// with `planes` planes. Each plane must be one C-contiguous block; the planes may
// lie further apart, as in a view x[..., 1:] of a dual array's planes, which then
// needs no copy.
struct PlaneLayout {
  std::size_t count;
  std::size_t stride;
};

// The plane rule, from an array's raw shape and strides (bytes; the planes on the
// first axis): true, with the layout, when each plane is one C-contiguous block and
// the planes lie a positive whole number of items apart (or the array is C-contiguous).
template <class Int>
bool plane_blocks(int ndim, const Int* shape, const Int* strides, Int itemsize, bool c_contiguous,
                  PlaneLayout* layout) {
  if (ndim < 1 || shape[0] < 1) return false;
  std::size_t count = 1;
  Int expected = itemsize;
  bool blocks = true;
  for (int d = ndim - 1; d >= 1; --d) {
    blocks = blocks && (shape[d] == 1 || strides[d] == expected);
    expected *= shape[d];
    count *= static_cast<std::size_t>(shape[d]);
  }
  if (c_contiguous) {
    *layout = {count, count};
    return true;
  }
  if (!blocks || strides[0] <= 0 || strides[0] % itemsize != 0) return false;
  *layout = {count, static_cast<std::size_t>(strides[0] / itemsize)};
  return true;
}

inline PlaneLayout plane_layout(const pybind11::array& a, int planes, const char* what) {
  const std::size_t size = static_cast<std::size_t>(a.size());
  if (size % planes != 0) throw std::invalid_argument(std::string(what) + " has no whole planes");
  const std::size_t count = size / planes;
  if (a.flags() & pybind11::array::c_style) return {count, count};
  PlaneLayout layout;
  const pybind11::ssize_t item = a.itemsize();
  if (planes < 2 || a.ndim() < 1 || a.shape(0) != planes ||
      !plane_blocks(static_cast<int>(a.ndim()), a.shape(), a.strides(), item, false, &layout)) {
    throw std::invalid_argument(std::string(what) + " must be C-contiguous within each plane");
  }
  return layout;
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

// How every entry point runs a kernel over `count` elements: below kKeepGil on this
// thread with the GIL held (at a few thousand elements a kernel takes a few
// microseconds, about what releasing and retaking the GIL costs), above it without
// the GIL, split over hyperdiff's threads where parallel_for finds that pays (above
// runtime.hpp's kParallelThreshold).
inline constexpr std::size_t kKeepGil = 4096;

template <class Body>
void run_kernel(std::size_t count, const Body& body) {
  if (count < kKeepGil) {
    body(std::size_t{0}, count);
    return;
  }
  pybind11::gil_scoped_release release;
  parallel_for(count, body);
}

}  // namespace hyperdiff::bindings
