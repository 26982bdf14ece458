// _core.matrix_product_parts: the parts of a product of small matrices in a kind's
// algebra (products.hpp, one kernel per dtype in the selected KernelTable), for
// _algebra._matrix_product. Checks the operands, releases the GIL, calls the kernel.
#include <pybind11/numpy.h>

#include <cstdint>
#include <string>

#include "hyperdiff/dispatch.hpp"
#include "hyperdiff/runtime.hpp"
#include "operands.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace hyperdiff::bindings {
namespace {

void matrix_product_parts(py::array out, const py::array& x, const py::array& y, int first,
                          const py::array& pairs) {
  const auto c_order = py::array::c_style;
  const int column = dtype_index(out);
  if (!(out.flags() & c_order) || !(x.flags() & c_order) || !(y.flags() & c_order) ||
      !out.writeable()) {
    throw py::value_error("matrix_product_parts takes C-ordered arrays and a writeable out");
  }
  if (!x.dtype().is(out.dtype()) || !y.dtype().is(out.dtype())) {
    throw py::type_error("matrix_product_parts takes operands of out's dtype");
  }
  if (out.ndim() != 3 || x.ndim() != 3 || y.ndim() != 3 || x.shape(0) != out.shape(0) ||
      y.shape(0) != out.shape(0) || x.shape(1) != out.shape(1) || x.shape(2) != y.shape(1) ||
      y.shape(2) != out.shape(2) || out.shape(2) < 1 || out.shape(2) > kMaxProductWidth) {
    throw py::value_error(
        "matrix_product_parts takes x (P, m, n), y (P, n, p), out (P, m, p) with 1 <= p <= " +
        std::to_string(kMaxProductWidth));
  }
  if (!pairs.dtype().is(py::dtype::of<std::int64_t>()) || !(pairs.flags() & c_order) ||
      pairs.ndim() != 2 || pairs.shape(1) != 2 || first < 0 ||
      1 + first + pairs.shape(0) != out.shape(0)) {
    throw py::value_error("matrix_product_parts takes pairs (q, 2) of int64, 1 + first + q planes");
  }
  const auto* table = static_cast<const std::int64_t*>(pairs.data());
  for (py::ssize_t i = 0; i < pairs.size(); ++i) {
    if (table[i] < 0 || table[i] >= first) throw py::value_error("a pair outside the layout");
  }
  const ProductShape shape{out.shape(0), out.shape(1), x.shape(2),    out.shape(2),
                           first,        table,        pairs.shape(0)};
  const MatrixProductKernel kernel = kernel_table().matrix_product[column];
  void* data = out.mutable_data();
  py::gil_scoped_release release;
  kernel(data, x.data(), y.data(), shape);
}

}  // namespace

void register_products(py::module_& m) {
  m.attr("MAX_PRODUCT_WIDTH") = kMaxProductWidth;
  m.def("matrix_product_parts", &matrix_product_parts, py::arg("out"), py::arg("x"), py::arg("y"),
        py::arg("first"), py::arg("pairs"),
        "Planes 1.. of out = x @ y (planes (P, m, n) and (P, n, p), 1 <= p <= 8) in the "
        "algebra of the layout (first, pairs): x_k y0 + x0 y_k, and x_a y_b + x_b y_a "
        "added to each pair's plane. Plane 0 is left as it is.");
}

}  // namespace hyperdiff::bindings
