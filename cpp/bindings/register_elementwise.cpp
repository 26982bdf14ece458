// Elementwise kernels: check arrays, take pointers, release the GIL, call.
//
// A dual array of kind K and shape S is an array of shape (planes(K), *S) whose
// planes are each one C-contiguous block (its out= must be C-contiguous). A real
// operand is a C-contiguous array of the same dtype.
// Operands hold either as many elements per plane as the output or one
// (broadcast), or have the output's shape with any strides (a strided view, or numpy's
// broadcast_to view: read a block at a time, operands.hpp's run_gathered); anything
// else the Python layer broadcasts beforehand.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "hyperdiff/runtime.hpp"
#include "jet_layout.hpp"
#include "operands.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace hyperdiff::bindings {
namespace {

int checked_planes(int kind) {
  const int planes = kind_planes(kind);
  if (planes == 0) throw std::invalid_argument("unknown kind " + std::to_string(kind));
  return planes;
}

void check_unary_function(int function) {
  static const std::size_t table_size = unary_functions().size();
  if (function < 0 || static_cast<std::size_t>(function) >= table_size) {
    throw std::invalid_argument("unknown unary function " + std::to_string(function));
  }
}

void check_binary_function(int function) {
  static const std::size_t table_size = binary_functions().size();
  if (function < 0 || static_cast<std::size_t>(function) >= table_size) {
    throw std::invalid_argument("unknown binary function " + std::to_string(function));
  }
}

// A kernel of the table, or a TypeError naming the function (complex
// components exist only for the functions with complex derivatives).
template <class Kernel>
Kernel checked(Kernel kernel, bool unary_table, int function) {
  if (kernel == nullptr) {
    const FunctionInfo info = (unary_table ? unary_functions() : binary_functions())[function];
    throw py::type_error("hyperdiff has no complex kernel for " + info.module + "." + info.name);
  }
  return kernel;
}

// A checked unary call of any kind: the dtype index, elements per plane, x's plane stride.
struct UnaryCall {
  int dtype;
  std::size_t count;
  std::size_t x_stride;
};

UnaryCall check_unary(int function, int planes, const py::array& x, const py::array& out) {
  check_unary_function(function);
  const int dtype = dtype_index(x);
  if (dtype_index(out) != dtype) throw py::type_error("x and out must have the same dtype");
  check_out(out, planes, "1 + first + len(pairs) for a Jet");
  if (x.ndim() < 1 || x.shape(0) != planes || x.size() != out.size()) {
    throw std::invalid_argument("x must have the shape of out");
  }
  const PlaneLayout layout = plane_layout(x, planes, "x");
  return {dtype, layout.count, layout.stride};
}

// A checked binary call of any kind: dtype index, elements per plane, operands.
struct BinaryCall {
  int dtype;
  std::size_t count;
  PartsMode mode;
  CheckedOperand x, y;
};

BinaryCall check_binary(int function, int planes, const py::array& x, bool x_parts,
                        const py::array& y, bool y_parts, const py::array& out) {
  check_binary_function(function);
  const int dtype = dtype_index(out);
  if (!x_parts && !y_parts) throw std::invalid_argument("one operand must carry parts");
  if (dtype_index(x) != dtype || dtype_index(y) != dtype) {
    throw py::type_error("operands and out must have the same dtype");
  }
  check_out(out, planes, "1 + first + len(pairs) for a Jet");
  const std::size_t count = static_cast<std::size_t>(out.size()) / planes;
  const PartsMode mode = x_parts ? (y_parts ? kBothParts : kXParts) : kYParts;
  return {dtype, count, mode, checked_operand(x, x_parts ? planes : 1, out, count, "x"),
          checked_operand(y, y_parts ? planes : 1, out, count, "y")};
}

void unary(int function, int kind, const py::array& x, py::array& out) {
  const UnaryCall call = check_unary(function, checked_planes(kind), x, out);
  const UnaryKernel kernel =
      checked(kernel_table().unary[function][kind][call.dtype], true, function);
  const void* xp = x.data();
  void* op = out.mutable_data();
  const std::size_t count = call.count, x_stride = call.x_stride;
  run_kernel(count, [&](std::size_t begin, std::size_t end) {
    kernel(xp, x_stride, op, count, begin, end);
  });
}

void binary(int function, int kind, const py::array& x, bool x_parts, const py::array& y,
            bool y_parts, py::array& out) {
  const BinaryCall call = check_binary(function, checked_planes(kind), x, x_parts, y, y_parts, out);
  const BinaryKernel kernel =
      checked(kernel_table().binary[function][kind][call.dtype][call.mode], false, function);
  void* op = out.mutable_data();
  const std::size_t count = call.count;
  if (call.x.gathered || call.y.gathered) {
    run_gathered(count, call.x, call.y, op, out.itemsize(), kernel);
    return;
  }
  run_kernel(count, [&](std::size_t begin, std::size_t end) {
    kernel(call.x.blocks, call.y.blocks, op, count, begin, end);
  });
}

void jet_unary(int function, const Layout& jet, const py::array& x, py::array& out) {
  const UnaryCall call = check_unary(function, jet.planes(), x, out);
  const JetUnaryKernel kernel =
      checked(kernel_table().jet_unary[function][call.dtype], true, function);
  const JetLayout& layout = jet.get();
  const void* xp = x.data();
  void* op = out.mutable_data();
  const std::size_t count = call.count, x_stride = call.x_stride;
  run_kernel(count, [&](std::size_t begin, std::size_t end) {
    kernel(layout, xp, x_stride, op, count, begin, end);
  });
}

void jet_binary(int function, const Layout& jet, const py::array& x, bool x_parts,
                const py::array& y, bool y_parts, py::array& out) {
  const BinaryCall call = check_binary(function, jet.planes(), x, x_parts, y, y_parts, out);
  const JetBinaryKernel kernel =
      checked(kernel_table().jet_binary[function][call.dtype][call.mode], false, function);
  const JetLayout& layout = jet.get();
  void* op = out.mutable_data();
  const std::size_t count = call.count;
  if (call.x.gathered || call.y.gathered) {
    run_gathered(count, call.x, call.y, op, out.itemsize(),
                 [&](Operand xo, Operand yo, void* o, std::size_t stride, std::size_t begin,
                     std::size_t end) { kernel(layout, xo, yo, o, stride, begin, end); });
    return;
  }
  run_kernel(count, [&](std::size_t begin, std::size_t end) {
    kernel(layout, call.x.blocks, call.y.blocks, op, count, begin, end);
  });
}

py::list function_list(const std::vector<FunctionInfo>& infos) {
  py::list out;
  for (const auto& f : infos) out.append(py::make_tuple(f.name, f.module, f.has_complex));
  return out;
}

}  // namespace

void register_elementwise(py::module_& m) {
  m.def("unary", &unary, py::arg("function"), py::arg("kind"), py::arg("x"), py::arg("out"),
        "out = f(x) for the table's unary function index `function`.");
  m.def("binary", &binary, py::arg("function"), py::arg("kind"), py::arg("x"), py::arg("x_parts"),
        py::arg("y"), py::arg("y_parts"), py::arg("out"),
        "out = f(x, y) for the table's binary function index `function`.");
  py::class_<Layout>(m, "JetLayout",
                     "A checked Jet layout: `first` first-order parts and second-order parts "
                     "whose first-order index pairs are the rows of `pairs` (Q x 2).")
      .def(py::init<std::int64_t, const py::array&>(), py::arg("first"), py::arg("pairs"))
      .def_property_readonly("planes", &Layout::planes);
  m.def("jet_unary", &jet_unary, py::arg("function"), py::arg("layout"), py::arg("x"),
        py::arg("out"), "out = f(x) on a Jet of the given layout.");
  m.def("jet_binary", &jet_binary, py::arg("function"), py::arg("layout"), py::arg("x"),
        py::arg("x_parts"), py::arg("y"), py::arg("y_parts"), py::arg("out"),
        "out = f(x, y) on a Jet of the given layout.");
  py::list component_dtypes;
  for (const int type_num : kComponentTypes) component_dtypes.append(py::dtype(type_num));
  m.attr("COMPONENT_DTYPES") = py::tuple(component_dtypes);
  m.attr("UNARY_FUNCTIONS") = function_list(unary_functions());
  m.attr("BINARY_FUNCTIONS") = function_list(binary_functions());
  m.attr("KINDS") = py::make_tuple(py::make_tuple("Dual", kind_planes(0)),
                                   py::make_tuple("HyperDual", kind_planes(1)));
}

}  // namespace hyperdiff::bindings
