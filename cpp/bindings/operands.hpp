// The operand rules of every entry point, written once: the checked calls
// (register_elementwise.cpp, register_taylor.cpp) raise where they fail, the fast
// paths (register_operators.cpp) decline (Python's general path takes the call).
// A component dtype's column in the kernel tables, the plane layout of an operand,
// and how a kernel runs (the GIL, threads).
#pragma once

#include <pybind11/numpy.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

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

// An operand of a checked binary call: planes in blocks of `count` elements or one
// (`blocks`; one: broadcast by the kernel), or, when its shape is the output's but its
// planes are not blocks (a strided view x[:, 0]; numpy's broadcast_to view of a
// smaller array, zero strides), gathered: read a block of elements at a time into
// contiguous scratch planes while the kernel runs, so that no full-size copy is made
// first (run_gathered).
struct CheckedOperand {
  Operand blocks{nullptr, 0, false};
  bool gathered = false;
  const char* data = nullptr;
  std::size_t planes = 0;
  std::ptrdiff_t plane_stride = 0;             // bytes
  std::vector<std::ptrdiff_t> shape, strides;  // the element axes and their byte strides
};

// An operand with `planes` planes (1: no parts, then of the output's element shape S)
// of an output (planes, *S) of `count` elements a plane: its blocks, or gathered when
// its shape is the output's; else an error.
inline CheckedOperand checked_operand(const pybind11::array& a, int planes,
                                      const pybind11::array& out, std::size_t count,
                                      const char* what) {
  CheckedOperand op;
  const auto size = static_cast<std::size_t>(a.size());
  if (size % planes != 0) throw std::invalid_argument(std::string(what) + " has no whole planes");
  PlaneLayout layout{size / planes, size / planes};
  const bool blocks = (a.flags() & pybind11::array::c_style) != 0 ||
                      (planes >= 2 && a.ndim() >= 1 && a.shape(0) == planes &&
                       plane_blocks(static_cast<int>(a.ndim()), a.shape(), a.strides(),
                                    static_cast<pybind11::ssize_t>(a.itemsize()), false, &layout));
  if (blocks && (layout.count == count || layout.count == 1)) {
    op.blocks = Operand{a.data(), layout.stride, layout.count == 1 && count != 1};
    return op;
  }
  // the output's shape: (planes, *S) with parts, S without
  const int lead = planes >= 2 ? 1 : 0;
  bool same = a.ndim() == out.ndim() - 1 + lead && (lead == 0 || a.shape(0) == planes);
  for (pybind11::ssize_t d = lead; same && d < a.ndim(); ++d) {
    same = a.shape(d) == out.shape(d + 1 - lead);
  }
  if (!same) {
    if (!blocks) {
      throw std::invalid_argument(std::string(what) + " must be C-contiguous within each plane");
    }
    throw std::invalid_argument(std::string(what) + " does not match the output's shape");
  }
  op.gathered = true;
  op.data = static_cast<const char*>(a.data());
  op.planes = static_cast<std::size_t>(planes);
  op.plane_stride = lead != 0 ? a.strides(0) : 0;
  for (pybind11::ssize_t d = lead; d < a.ndim(); ++d) {
    op.shape.push_back(a.shape(d));
    op.strides.push_back(a.strides(d));
  }
  return op;
}

// Byte offsets of the elements [start, start + m) (C order of shape) of an array with
// those byte strides.
inline void element_offsets(const std::vector<std::ptrdiff_t>& shape,
                            const std::vector<std::ptrdiff_t>& strides, std::size_t start,
                            std::size_t m, std::ptrdiff_t* offsets) {
  const int ndim = static_cast<int>(shape.size());
  std::vector<std::ptrdiff_t> index(shape.size());
  std::ptrdiff_t offset = 0;
  std::size_t rest = start;
  for (int d = ndim - 1; d >= 0; --d) {
    index[d] = static_cast<std::ptrdiff_t>(rest % static_cast<std::size_t>(shape[d]));
    rest /= static_cast<std::size_t>(shape[d]);
    offset += index[d] * strides[d];
  }
  for (std::size_t k = 0; k < m; ++k) {
    offsets[k] = offset;
    for (int d = ndim - 1; d >= 0; --d) {  // the next element: an odometer
      offset += strides[d];
      if (++index[d] < shape[d]) break;
      offset -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
}

// Each plane's elements at `offsets` into scratch planes `block` items apart.
template <std::size_t Item>
void gather_planes(const CheckedOperand& op, const std::ptrdiff_t* offsets, std::size_t m,
                   char* scratch, std::size_t block) {
  for (std::size_t p = 0; p < op.planes; ++p) {
    const char* source = op.data + static_cast<std::ptrdiff_t>(p) * op.plane_stride;
    char* target = scratch + p * block * Item;
    for (std::size_t k = 0; k < m; ++k) std::memcpy(target + k * Item, source + offsets[k], Item);
  }
}

// kernel(x, y, out, out_plane_stride, begin, end) over the `count` elements of out
// (C order, `item` bytes an element) when an operand is gathered: a block of elements
// at a time (about 16K element-planes, so scratch stays in cache), each gathered
// operand's planes read into scratch first, the others' and out's pointers moved to the
// block (the kernel then runs over elements [0, m) of it).
template <class Kernel>
void run_gathered(std::size_t count, const CheckedOperand& x, const CheckedOperand& y, void* out,
                  std::size_t item, const Kernel& kernel) {
  const std::size_t planes = std::max(x.planes, y.planes);
  const std::size_t block =
      std::clamp<std::size_t>((std::size_t(1) << 14) / std::max<std::size_t>(planes, 1), 16, 4096);
  const auto body = [&](std::size_t begin, std::size_t end) {
    std::vector<std::ptrdiff_t> offsets(block);
    std::vector<char> x_scratch(x.gathered ? x.planes * block * item : 0);
    std::vector<char> y_scratch(y.gathered ? y.planes * block * item : 0);
    const auto at = [&](const CheckedOperand& op, std::vector<char>& scratch, std::size_t start,
                        std::size_t m) {
      if (!op.gathered) {
        if (op.blocks.broadcast) return op.blocks;
        return Operand{static_cast<const char*>(op.blocks.data) + start * item,
                       op.blocks.plane_stride, false};
      }
      element_offsets(op.shape, op.strides, start, m, offsets.data());
      switch (item) {
        case 4:
          gather_planes<4>(op, offsets.data(), m, scratch.data(), block);
          break;
        case 8:
          gather_planes<8>(op, offsets.data(), m, scratch.data(), block);
          break;
        default:
          gather_planes<16>(op, offsets.data(), m, scratch.data(), block);
          break;
      }
      return Operand{scratch.data(), block, false};
    };
    for (std::size_t start = begin; start < end; start += block) {
      const std::size_t m = std::min(block, end - start);
      const Operand xo = at(x, x_scratch, start, m);
      const Operand yo = at(y, y_scratch, start, m);
      kernel(xo, yo, static_cast<char*>(out) + start * item, count, std::size_t{0}, m);
    }
  };
  if (count < kKeepGil) {
    body(0, count);
    return;
  }
  pybind11::gil_scoped_release release;
  parallel_for(count, body);
}

}  // namespace hyperdiff::bindings
