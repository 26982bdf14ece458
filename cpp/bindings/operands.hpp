// The operand rules of every entry point, written once: the checked calls
// (register_elementwise.cpp, register_taylor.cpp) raise where they fail, the fast
// paths (register_operators.cpp) decline (Python's general path takes the call).
// A component dtype's column in the kernel tables, the plane layout of an operand,
// and how a kernel runs (the GIL, threads).
#pragma once

#include <pybind11/numpy.h>

#include <cstddef>
#include <iterator>
#include <stdexcept>
#include <string>

#include "hyperdiff/dispatch.hpp"
#include "hyperdiff/runtime.hpp"

namespace hyperdiff::bindings {

// The component dtypes, as numpy's type numbers, in the kernel tables' column order
// (kernels.hpp's dtype_index<T>: double, float, complex<double>, complex<float>). The
// one list of them: the operand checks below read it, and Python's COMPONENT_DTYPES
// is it (exported as _core.COMPONENT_DTYPES).
inline constexpr int kComponentTypes[] = {
    pybind11::detail::npy_api::NPY_DOUBLE_, pybind11::detail::npy_api::NPY_FLOAT_,
    pybind11::detail::npy_api::NPY_CDOUBLE_, pybind11::detail::npy_api::NPY_CFLOAT_};
static_assert(std::size(kComponentTypes) == kDtypes, "a column per kernel table dtype");

// A dtype's column in the kernel tables; -1 for a dtype dual arrays cannot have.
inline int dtype_column(int type_num) {
  for (int column = 0; column < kDtypes; ++column) {
    if (kComponentTypes[column] == type_num) return column;
  }
  return -1;
}

// "float64, float32, complex128 or complex64", for the errors.
inline std::string component_dtype_names() {
  std::string names;
  for (int column = 0; column < kDtypes; ++column) {
    names += column == 0 ? "" : column + 1 == kDtypes ? " or " : ", ";
    names += std::string(pybind11::str(pybind11::dtype(kComponentTypes[column])));
  }
  return names;
}

inline int dtype_index(const pybind11::array& a) {
  const int column = dtype_column(a.dtype().num());
  if (column < 0) {
    throw pybind11::type_error("hyperdiff kernels take " + component_dtype_names() +
                               " components, not " + std::string(pybind11::str(a.dtype())));
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
