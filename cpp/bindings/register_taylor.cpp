// Taylor kernels (taylor.hpp): check arrays, take pointers, release the GIL, call.
//
// A Taylor array of degree d and shape S is an array of shape (d + 1, *S), each
// plane one C-contiguous block (the planes may lie apart); operands as in
// register_elementwise.cpp: as many elements per plane as the output, or one.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <stdexcept>
#include <string>

#include "hyperdiff/runtime.hpp"
#include "hyperdiff/taylor.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace hyperdiff {
// One table per instruction set and component family (cpp/src/taylor.cpp).
#if HYPERDIFF_X86_ISAS
void taylor_fill_kernels_v2_real(TaylorTable&);
void taylor_fill_kernels_v3_real(TaylorTable&);
void taylor_fill_kernels_v4_real(TaylorTable&);
void taylor_fill_kernels_v2_complex(TaylorTable&);
void taylor_fill_kernels_v3_complex(TaylorTable&);
#else
void taylor_fill_kernels_generic_real(TaylorTable&);
void taylor_fill_kernels_generic_complex(TaylorTable&);
#endif
}  // namespace hyperdiff

namespace hyperdiff::bindings {
namespace {

// The table of the instruction set the elementwise kernels use (runtime.cpp).
TaylorTable select_table() {
  TaylorTable table;
#if HYPERDIFF_X86_ISAS
  const std::string& isa = kernel_isa();
  if (isa == "x86-64-v4") {
    taylor_fill_kernels_v4_real(table);
    taylor_fill_kernels_v3_complex(table);
  } else if (isa == "x86-64-v3") {
    taylor_fill_kernels_v3_real(table);
    taylor_fill_kernels_v3_complex(table);
  } else {
    taylor_fill_kernels_v2_real(table);
    taylor_fill_kernels_v2_complex(table);
  }
#else
  taylor_fill_kernels_generic_real(table);
  taylor_fill_kernels_generic_complex(table);
#endif
  return table;
}

const TaylorTable& table() {
  static const TaylorTable t = select_table();
  return t;
}

int dtype_of(const py::array& a) {
  switch (a.dtype().num()) {
    case py::detail::npy_api::NPY_DOUBLE_:
      return 0;
    case py::detail::npy_api::NPY_FLOAT_:
      return 1;
    case py::detail::npy_api::NPY_CDOUBLE_:
      return 2;
    case py::detail::npy_api::NPY_CFLOAT_:
      return 3;
    default:
      throw py::type_error(
          "hyperdiff kernels take float64, float32, complex128 or complex64 components, not " +
          std::string(py::str(a.dtype())));
  }
}

// Elements per plane and the distance between planes of an operand of `planes`
// planes, each one C-contiguous block.
std::pair<std::size_t, std::size_t> planes_of(const py::array& a, int planes, const char* what) {
  const std::size_t size = static_cast<std::size_t>(a.size());
  if (size % planes != 0) throw std::invalid_argument(std::string(what) + " has no whole planes");
  const std::size_t count = size / planes;
  if (a.flags() & py::array::c_style) return {count, count};
  const py::ssize_t item = a.itemsize();
  bool blocks = planes > 1 && a.ndim() >= 1 && a.shape(0) == planes && a.strides(0) > 0 &&
                a.strides(0) % item == 0;
  py::ssize_t expected = item;
  for (py::ssize_t d = a.ndim() - 1; blocks && d >= 1; --d) {
    blocks = a.shape(d) == 1 || a.strides(d) == expected;
    expected *= a.shape(d);
  }
  if (!blocks) {
    throw std::invalid_argument(std::string(what) + " must be C-contiguous within each plane");
  }
  return {count, static_cast<std::size_t>(a.strides(0) / item)};
}

void check_out(const py::array& out, int planes) {
  if (!(out.flags() & py::array::c_style)) throw std::invalid_argument("out must be C-contiguous");
  if (!out.writeable()) throw std::invalid_argument("out is read-only");
  if (out.ndim() < 1 || out.shape(0) != planes) {
    throw std::invalid_argument("out must have shape (degree + 1, ...)");
  }
}

void check_degree(int degree) {
  if (degree < 0 || degree > kTaylorMaxDegree) {
    throw std::invalid_argument("the degree must lie in [0, " + std::to_string(kTaylorMaxDegree) +
                                "], not " + std::to_string(degree));
  }
}

std::string function_name(bool unary, int function) {
  const FunctionInfo info = (unary ? unary_functions() : binary_functions()).at(function);
  return info.module + "." + info.name;
}

void taylor_unary(int function, int degree, const py::array& x, py::array& out) {
  check_degree(degree);
  if (function < 0 || static_cast<std::size_t>(function) >= unary_functions().size()) {
    throw std::invalid_argument("unknown unary function " + std::to_string(function));
  }
  if (degree > table().unary_degree[function]) {
    throw py::type_error("hyperdiff has no Taylor rule of degree " + std::to_string(degree) +
                         " for " + function_name(true, function) + " (at most " +
                         std::to_string(table().unary_degree[function]) +
                         "; its higher derivatives need polygamma functions)");
  }
  const int dtype = dtype_of(x);
  if (dtype_of(out) != dtype) throw py::type_error("x and out must have the same dtype");
  check_out(out, degree + 1);
  if (x.ndim() < 1 || x.shape(0) != degree + 1 || x.size() != out.size()) {
    throw std::invalid_argument("x must have the shape of out");
  }
  const TaylorUnaryKernel kernel = table().unary[function][dtype];
  if (kernel == nullptr) {
    throw py::type_error("hyperdiff has no complex kernel for " + function_name(true, function));
  }
  const auto [count, x_stride] = planes_of(x, degree + 1, "x");
  const void* xp = x.data();
  void* op = out.mutable_data();
  py::gil_scoped_release release;
  parallel_for(count, [&, count = count, x_stride = x_stride](std::size_t begin, std::size_t end) {
    kernel(degree, xp, x_stride, op, count, begin, end);
  });
}

void taylor_binary(int function, int degree, const py::array& x, bool x_parts, const py::array& y,
                   bool y_parts, py::array& out) {
  check_degree(degree);
  if (function < 0 || static_cast<std::size_t>(function) >= binary_functions().size()) {
    throw std::invalid_argument("unknown binary function " + std::to_string(function));
  }
  if (!x_parts && !y_parts) throw std::invalid_argument("one operand must carry parts");
  const int dtype = dtype_of(out);
  if (dtype_of(x) != dtype || dtype_of(y) != dtype) {
    throw py::type_error("operands and out must have the same dtype");
  }
  const int planes = degree + 1;
  check_out(out, planes);
  const std::size_t count = static_cast<std::size_t>(out.size()) / planes;
  const auto xl = planes_of(x, x_parts ? planes : 1, "x");
  const auto yl = planes_of(y, y_parts ? planes : 1, "y");
  for (const auto& l : {xl, yl}) {
    if (l.first != count && l.first != 1) {
      throw std::invalid_argument("an operand does not match the output's shape");
    }
  }
  const PartsMode mode = x_parts ? (y_parts ? kBothParts : kFirstParts) : kSecondParts;
  const TaylorBinaryKernel kernel = table().binary[function][dtype][mode];
  if (kernel == nullptr) {
    throw py::type_error("hyperdiff has no complex kernel for " + function_name(false, function));
  }
  const Operand xo{x.data(), xl.second, xl.first == 1 && count != 1};
  const Operand yo{y.data(), yl.second, yl.first == 1 && count != 1};
  void* op = out.mutable_data();
  py::gil_scoped_release release;
  parallel_for(count, [&](std::size_t begin, std::size_t end) {
    kernel(degree, xo, yo, op, count, begin, end);
  });
}

}  // namespace

void register_taylor(py::module_& m) {
  m.def("taylor_unary", &taylor_unary, py::arg("function"), py::arg("degree"), py::arg("x"),
        py::arg("out"), "out = f(x) on Taylor polynomials of the given degree (taylor.hpp).");
  m.def("taylor_binary", &taylor_binary, py::arg("function"), py::arg("degree"), py::arg("x"),
        py::arg("x_parts"), py::arg("y"), py::arg("y_parts"), py::arg("out"),
        "out = f(x, y) on Taylor polynomials of the given degree.");
  py::list degrees;
  for (std::size_t f = 0; f < unary_functions().size(); ++f) {
    degrees.append(table().unary_degree[f]);
  }
  m.attr("TAYLOR_UNARY_DEGREES") = degrees;
  m.attr("TAYLOR_MAX_DEGREE") = kTaylorMaxDegree;
}

}  // namespace hyperdiff::bindings
