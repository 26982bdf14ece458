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
#include "operands.hpp"
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

const TaylorTable& table() { return taylor_table(); }

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

void taylor_unary(int function, int degree, const py::array& x, py::array& out, bool probe) {
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
  const int dtype = dtype_index(x);
  if (dtype_index(out) != dtype) throw py::type_error("x and out must have the same dtype");
  const int planes = degree + 1 + int(probe);
  check_out(out, planes, probe ? "degree + 2" : "degree + 1");
  if (x.ndim() < 1 || x.shape(0) != planes || x.size() != out.size()) {
    throw std::invalid_argument("x must have the shape of out");
  }
  const TaylorUnaryKernel kernel = table().unary[function][dtype];
  if (kernel == nullptr) {
    throw py::type_error("hyperdiff has no complex kernel for " + function_name(true, function));
  }
  const auto [count, x_stride] = plane_layout(x, planes, "x");
  const void* xp = x.data();
  void* op = out.mutable_data();
  py::gil_scoped_release release;
  parallel_for(count, [&, count = count, x_stride = x_stride](std::size_t begin, std::size_t end) {
    kernel(degree, probe, xp, x_stride, op, count, begin, end);
  });
}

void taylor_binary(int function, int degree, const py::array& x, bool x_parts, const py::array& y,
                   bool y_parts, py::array& out, bool probe) {
  check_degree(degree);
  if (function < 0 || static_cast<std::size_t>(function) >= binary_functions().size()) {
    throw std::invalid_argument("unknown binary function " + std::to_string(function));
  }
  if (!x_parts && !y_parts) throw std::invalid_argument("one operand must carry parts");
  const int dtype = dtype_index(out);
  if (dtype_index(x) != dtype || dtype_index(y) != dtype) {
    throw py::type_error("operands and out must have the same dtype");
  }
  const int planes = degree + 1 + int(probe);
  check_out(out, planes, probe ? "degree + 2" : "degree + 1");
  const std::size_t count = static_cast<std::size_t>(out.size()) / planes;
  const CheckedOperand xc = checked_operand(x, x_parts ? planes : 1, out, count, "x");
  const CheckedOperand yc = checked_operand(y, y_parts ? planes : 1, out, count, "y");
  const PartsMode mode = x_parts ? (y_parts ? kBothParts : kXParts) : kYParts;
  const TaylorBinaryKernel kernel = table().binary[function][dtype][mode];
  if (kernel == nullptr) {
    throw py::type_error("hyperdiff has no complex kernel for " + function_name(false, function));
  }
  void* op = out.mutable_data();
  if (xc.gathered || yc.gathered) {
    run_gathered(count, xc, yc, op, out.itemsize(),
                 [&](Operand xo, Operand yo, void* o, std::size_t stride, std::size_t begin,
                     std::size_t end) { kernel(degree, probe, xo, yo, o, stride, begin, end); });
    return;
  }
  const Operand xo = xc.blocks, yo = yc.blocks;
  py::gil_scoped_release release;
  parallel_for(count, [&](std::size_t begin, std::size_t end) {
    kernel(degree, probe, xo, yo, op, count, begin, end);
  });
}

}  // namespace

const TaylorTable& taylor_table() {
  static const TaylorTable t = select_table();
  return t;
}

void register_taylor(py::module_& m) {
  m.def("taylor_unary", &taylor_unary, py::arg("function"), py::arg("degree"), py::arg("x"),
        py::arg("out"), py::arg("probe") = false,
        "out = f(x) on Taylor polynomials of the given degree (taylor.hpp); probe: plane "
        "degree + 1 is one more direction at first order.");
  m.def("taylor_binary", &taylor_binary, py::arg("function"), py::arg("degree"), py::arg("x"),
        py::arg("x_parts"), py::arg("y"), py::arg("y_parts"), py::arg("out"),
        py::arg("probe") = false,
        "out = f(x, y) on Taylor polynomials of the given degree (probe: as taylor_unary).");
  py::list degrees;
  for (std::size_t f = 0; f < unary_functions().size(); ++f) {
    degrees.append(table().unary_degree[f]);
  }
  m.attr("TAYLOR_UNARY_DEGREES") = degrees;
  m.attr("TAYLOR_MAX_DEGREE") = kTaylorMaxDegree;
}

}  // namespace hyperdiff::bindings
