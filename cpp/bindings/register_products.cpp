// Products in a kind's algebra and small-matrix kernels. _core.matrix_product_parts:
// the parts of a product of small matrices (products.hpp, one kernel per dtype in the
// selected KernelTable), for _algebra._matrix_product; _core.outer_product_parts: the
// parts of an outer product of two dual vectors (outer_products.hpp), for
// _algebra._outer_planes; _core.expm_frechet: expm and its Frechet derivatives
// (small_matrix.hpp), for linalg._expm_and_frechet. Each checks the operands, releases
// the GIL, calls the kernel.
#include <pybind11/numpy.h>

#include <complex>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "hyperdiff/dispatch.hpp"
#include "hyperdiff/outer_products.hpp"
#include "hyperdiff/runtime.hpp"
#include "hyperdiff/small_matrix.hpp"
#include "operands.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace hyperdiff::bindings {
namespace {

// The layout's pairs as the kernels take them: (q, 2) int64, each index below first,
// 1 + first + q planes. A read-only table whose indices were judged is remembered (and
// held, so its address names it): _algebra._pair_table's, which T6's products would
// otherwise judge entry by entry each call (1,275 pairs, 2 us).
const std::int64_t* checked_pairs(const py::array& pairs, int first, py::ssize_t planes) {
  const auto c_order = py::array::c_style;
  if (!pairs.dtype().is(py::dtype::of<std::int64_t>()) || !(pairs.flags() & c_order) ||
      pairs.ndim() != 2 || pairs.shape(1) != 2 || first < 0 ||
      1 + first + pairs.shape(0) != planes) {
    throw py::value_error("the kernels take pairs (q, 2) of int64, 1 + first + q planes");
  }
  const auto* table = static_cast<const std::int64_t*>(pairs.data());
  struct Judged {
    py::object table;
    int first;
  };
  static std::vector<Judged> judged;  // (the GIL is held)
  // (an array that owns its data has a null base, which pybind11 gives as a null
  // handle, not None: is_none() alone never held, and every call judged the table)
  const py::object base = pairs.base();
  const bool fixed = !pairs.writeable() && (!base || base.is_none());
  if (fixed) {
    for (const Judged& j : judged) {
      if (j.table.ptr() == pairs.ptr() && j.first == first) return table;
    }
  }
  for (py::ssize_t i = 0; i < pairs.size(); ++i) {
    if (table[i] < 0 || table[i] >= first) throw py::value_error("a pair outside the layout");
  }
  if (fixed) {
    if (judged.size() >= 16) judged.erase(judged.begin());
    judged.push_back({pairs, first});
  }
  return table;
}

// An operand's planes known +0 (a product's record of x itself, of `planes` planes), or
// null.
std::shared_ptr<const bool[]> zero_planes_of(const py::array& x, py::ssize_t planes) {
  return known_zero_planes(x.ptr(), static_cast<std::size_t>(planes));
}

// Products of at least this many planes record their zero planes (below, the record
// costs more than the scan it saves).
constexpr py::ssize_t kRecordPlanes = 64;

bool matrix_product_parts(py::array out, const py::array& x, const py::array& y, int first,
                          const py::array& pairs, bool record) {
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
  const std::int64_t* table = checked_pairs(pairs, first, out.shape(0));
  const py::ssize_t planes = out.shape(0);
  const auto scanned = [&](const py::array& a) {
    return pairs_known_zero(a.ptr()) ? 1 + first : planes;
  };
  ProductShape shape{planes, out.shape(1),   x.shape(2), out.shape(2), first,
                     table,  pairs.shape(0), scanned(x), scanned(y)};
  const auto x_zero = zero_planes_of(x, planes), y_zero = zero_planes_of(y, planes);
  shape.x_zero = x_zero.get();
  shape.y_zero = y_zero.get();
  // (out's record: for the caller that hands out to nothing but a fresh dual array)
  std::shared_ptr<bool[]> zero;
  if (record && planes >= kRecordPlanes) zero.reset(new bool[static_cast<std::size_t>(planes)]);
  shape.out_zero = zero.get();
  const MatrixProductKernel kernel = kernel_table().matrix_product[column];
  void* data = out.mutable_data();
  bool nonfinite = false;
  {
    py::gil_scoped_release release;
    nonfinite = kernel(data, x.data(), y.data(), shape);
  }
  // (an inf or nan: the caller mends out, so no record)
  if (!nonfinite && zero != nullptr &&
      !record_zero_planes(out.ptr(), std::move(zero), static_cast<std::size_t>(planes))) {
    throw py::error_already_set();
  }
  return nonfinite;
}

// x @ y of two dual arrays' planes, matrices (P, m, n) and (P, n, p) or vectors (P, n)
// (numpy's matmul: a vector a row on the left, a column on the right, its axis then
// dropped), of one dtype, C order, p <= kMaxProductWidth and m n p <= 256
// (_algebra.matmul_of_one_kind's common call, past its Python steps: T6's two): fresh
// planes, the value numpy's matmul of the values (numpy's own bits: BLAS's), the parts
// the kernel's, their zero planes recorded for two matrices' product (nothing but the
// caller's new dual array holds them). None for anything else, and where x or y holds
// an inf or nan (the caller's strong zeros).
py::object small_matrix_product(const py::handle& x_obj, const py::handle& y_obj, int first,
                                const py::array& pairs) {
  if (!py::isinstance<py::array>(x_obj) || !py::isinstance<py::array>(y_obj)) return py::none();
  auto x = py::reinterpret_borrow<py::array>(x_obj);
  auto y = py::reinterpret_borrow<py::array>(y_obj);
  const auto c_order = py::array::c_style;
  const bool x_vector = x.ndim() == 2, y_vector = y.ndim() == 2;
  if (x.ndim() < 2 || x.ndim() > 3 || y.ndim() < 2 || y.ndim() > 3 || !(x.flags() & c_order) ||
      !(y.flags() & c_order) || !x.dtype().is(y.dtype()) || dtype_column(x.dtype().num()) < 0) {
    return py::none();
  }
  const py::ssize_t planes = x.shape(0), n = x.shape(x.ndim() - 1);
  const py::ssize_t m = x_vector ? 1 : x.shape(1), p = y_vector ? 1 : y.shape(2);
  // (a column on the right, p = 1: past 8192 components of x, numpy's one GEMV of the
  // stacked planes is faster. Hessian layouts, x @ v: HyperDualVec(30) 3 x 3 27 us here
  // against 36, HyperDualVec(10) 8 x 8 12 against 30; HyperDualVec(50) 5 x 5 110
  // against 67, HyperDualVec(100) 2 x 2 192 against 81.)
  if (planes < 1 || y.shape(0) != planes || y.shape(1) != n || p > kMaxProductWidth ||
      m * n * p > 256 || (p == 1 && planes * m * n > 8192)) {
    return py::none();
  }
  // (held for the module's life: a static py::object would be released after Python's end)
  static const py::handle matmul =
      py::object(py::module_::import("numpy").attr("matmul")).release();
  // (two vectors' product is a numpy scalar: read as a 0-d array)
  const auto value = py::array::ensure(matmul(x[py::int_(0)], y[py::int_(0)]));
  if (!value || !value.dtype().is(x.dtype()) || !(value.flags() & c_order) ||
      value.size() != m * p) {
    return py::none();
  }
  const bool matrices = !x_vector && !y_vector;
  std::vector<py::ssize_t> shape{planes};
  for (py::ssize_t k = 0; k < value.ndim(); ++k) shape.push_back(value.shape(k));
  // (the result owns its planes, the kernel writes through a (planes, m, p) view: two
  // vectors' product is a number, whose planes view no other array's: _is_number)
  py::array result(x.dtype(), shape);
  py::array out = matrices ? result : result.reshape(std::vector<py::ssize_t>{planes, m, p});
  std::memcpy(out.mutable_data(), value.data(), static_cast<std::size_t>(value.nbytes()));
  if (!matrices) {  // (the kernel's shapes: views, as numpy's matmul promotes vectors)
    x = x.reshape(std::vector<py::ssize_t>{planes, m, n});
    y = y.reshape(std::vector<py::ssize_t>{planes, n, p});
  }
  if (matrix_product_parts(out, x, y, first, pairs, matrices)) return py::none();
  return std::move(result);
}

// False when x is not as the kernel takes it (Python's numpy products instead).
bool self_dot_parts(py::array out, const py::array& x, int first, const py::array& pairs) {
  const auto c_order = py::array::c_style;
  const int column = dtype_column(out.dtype().num());
  if (column < 0 || !(out.flags() & c_order) || !(x.flags() & c_order) || !out.writeable() ||
      !x.dtype().is(out.dtype()) || out.ndim() != 1 || x.ndim() < 2 || x.shape(0) != out.shape(0) ||
      x.shape(0) < 1) {
    return false;
  }
  const SelfDotKernel kernel = kernel_table().self_dot[column];
  if (kernel == nullptr) return false;  // (complex)
  const std::int64_t* table = checked_pairs(pairs, first, out.shape(0));
  // (x's planes of any shape, each read as one vector)
  ProductShape shape{out.shape(0), 1, x.size() / x.shape(0), 1, first, table, pairs.shape(0), 0, 0};
  const auto x_zero = zero_planes_of(x, x.shape(0));
  shape.x_zero = x_zero.get();
  void* data = out.mutable_data();
  py::gil_scoped_release release;
  kernel(data, x.data(), shape);
  return true;
}

template <class T>
void outer_of(py::array& out, const py::array& x, const py::array& y, int first,
              const std::int64_t* table) {
  T* data = static_cast<T*>(out.mutable_data());
  const T *xs = static_cast<const T*>(x.data()), *ys = static_cast<const T*>(y.data());
  py::gil_scoped_release release;
  outer_products::outer_parts(data, xs, ys, out.shape(0), out.shape(1), out.shape(2), first, table);
}

void outer_product_parts(py::array out, const py::array& x, const py::array& y, int first,
                         const py::array& pairs) {
  const auto c_order = py::array::c_style;
  const int column = dtype_index(out);
  if (!(out.flags() & c_order) || !(x.flags() & c_order) || !(y.flags() & c_order) ||
      !out.writeable() || !x.dtype().is(out.dtype()) || !y.dtype().is(out.dtype())) {
    throw py::value_error(
        "outer_product_parts takes C-ordered operands of out's dtype and a writeable out");
  }
  if (out.ndim() != 3 || x.ndim() != 2 || y.ndim() != 2 || x.shape(0) != out.shape(0) ||
      y.shape(0) != out.shape(0) || x.shape(1) != out.shape(1) || y.shape(1) != out.shape(2)) {
    throw py::value_error("outer_product_parts takes x (P, m), y (P, p), out (P, m, p)");
  }
  const std::int64_t* table = checked_pairs(pairs, first, out.shape(0));
  switch (column) {
    case 0:
      return outer_of<double>(out, x, y, first, table);
    case 1:
      return outer_of<float>(out, x, y, first, table);
    case 2:
      return outer_of<std::complex<double>>(out, x, y, first, table);
    default:
      return outer_of<std::complex<float>>(out, x, y, first, table);
  }
}

template <class T>
py::object expm_frechet_of(const py::array& a, const py::object& directions,
                           const py::array& coefficients, double theta) {
  const py::ssize_t n = a.shape(a.ndim() - 1), matrices = n > 0 ? a.size() / (n * n) : 0;
  const py::ssize_t k = directions.is_none() ? 0 : directions.cast<py::array>().shape(0);
  std::vector<py::ssize_t> shape(a.shape(), a.shape() + a.ndim());
  py::array_t<T> r(shape);
  shape.insert(shape.begin(), k);
  py::array_t<T> dr(shape);
  const T* parts = k > 0 ? static_cast<const T*>(directions.cast<py::array>().data()) : nullptr;
  bool done;
  {
    py::gil_scoped_release release;
    done = small_matrix::expm_frechet(static_cast<const T*>(a.data()), parts, r.mutable_data(),
                                      dr.mutable_data(), matrices, n, k,
                                      static_cast<const T*>(coefficients.data()), theta);
  }
  if (!done) return py::none();
  return py::make_tuple(r, directions.is_none() ? py::object(py::none()) : py::object(dr));
}

py::object expm_frechet(const py::array& a, const py::object& directions,
                        const py::array& coefficients, double theta) {
  const int column = dtype_index(a);
  const auto c_order = py::array::c_style;
  const bool square = a.ndim() >= 2 && a.shape(a.ndim() - 1) == a.shape(a.ndim() - 2);
  if (!square || !(a.flags() & c_order) || !coefficients.dtype().is(a.dtype()) ||
      !(coefficients.flags() & c_order) || coefficients.ndim() != 2 || coefficients.shape(0) != 4 ||
      coefficients.shape(1) != 4) {
    throw py::value_error(
        "expm_frechet takes C-ordered square matrices (..., n, n) and coefficients (4, 4) of "
        "their dtype");
  }
  if (!directions.is_none()) {
    const auto parts = directions.cast<py::array>();
    bool fits =
        parts.dtype().is(a.dtype()) && (parts.flags() & c_order) && parts.ndim() == a.ndim() + 1;
    for (py::ssize_t d = 0; fits && d < a.ndim(); ++d) fits = parts.shape(d + 1) == a.shape(d);
    if (!fits) {
      throw py::value_error("expm_frechet takes C-ordered directions (K, *a.shape) of a's dtype");
    }
  }
  switch (column) {
    case 0:
      return expm_frechet_of<double>(a, directions, coefficients, theta);
    case 1:
      return expm_frechet_of<float>(a, directions, coefficients, theta);
    case 2:
      return expm_frechet_of<std::complex<double>>(a, directions, coefficients, theta);
    default:
      return expm_frechet_of<std::complex<float>>(a, directions, coefficients, theta);
  }
}

// out[s] = x[s % xs] @ y[s % ys] for a stack of S small matrices (m x k times k x n,
// each at most 4), an operand's stack repeating every xs or ys (a constant's matrices
// against every plane of a dual stack): the sums in order, x_i0 y_0j + x_i1 y_1j +
// ..., no fused multiply-adds (the kernels' options). numpy's matmul costs ~70 ns a
// 2 x 2 product there, whole-stack operations entry by entry ~10; this, ~1.
template <class T, std::size_t K, std::size_t N>
void stacked_small_product(const T* x, const T* y, T* out, std::size_t stack, std::size_t xs,
                           std::size_t ys, std::size_t m) {
  for (std::size_t s = 0, u = 0, t = 0; s < stack; ++s) {
    const T* a = x + u * m * K;
    const T* b = y + t * K * N;
    T* o = out + s * m * N;
    for (std::size_t i = 0; i < m; ++i) {
      for (std::size_t j = 0; j < N; ++j) {
        T sum = a[i * K] * b[j];
        for (std::size_t p = 1; p < K; ++p) sum += a[i * K + p] * b[p * N + j];
        o[i * N + j] = sum;
      }
    }
    u = u + 1 == xs ? 0 : u + 1;
    t = t + 1 == ys ? 0 : t + 1;
  }
}

// stacked_small_product for k, n in 1..4 (compile-time: the loops unrolled, 7.5 -> ~1 ns
// a 2 x 2 product)
template <class T, std::size_t K = 1, std::size_t N = 1>
void stacked_small_product(const T* x, const T* y, T* out, std::size_t stack, std::size_t xs,
                           std::size_t ys, std::size_t m, std::size_t k, std::size_t n) {
  if (K == k && N == n) return stacked_small_product<T, K, N>(x, y, out, stack, xs, ys, m);
  if constexpr (N < 4) {
    if (K == k) return stacked_small_product<T, K, N + 1>(x, y, out, stack, xs, ys, m, k, n);
  }
  if constexpr (K < 4) {
    return stacked_small_product<T, K + 1, N>(x, y, out, stack, xs, ys, m, k, n);
  }
}

// None when the arrays are not as this takes them (numpy computes them instead): x
// (xs, m, k), y (ys, k, n), out (S, m, n), S a multiple of xs and of ys, C order, one
// dtype.
py::object stacked_matmul(const py::array& x, const py::array& y, py::array& out) {
  const py::dtype dtype = x.dtype();
  const auto c_order = py::array::c_style;
  if (x.ndim() != 3 || y.ndim() != 3 || out.ndim() != 3 || !y.dtype().is(dtype) ||
      !out.dtype().is(dtype) || !(x.flags() & c_order) || !(y.flags() & c_order) ||
      !(out.flags() & c_order) || !out.writeable()) {
    return py::none();
  }
  const auto size_of = [](const py::array& a, int d) {
    return static_cast<std::size_t>(a.shape(d));
  };
  const std::size_t stack = size_of(out, 0), xs = size_of(x, 0), ys = size_of(y, 0);
  const std::size_t m = size_of(x, 1), k = size_of(x, 2), n = size_of(y, 2);
  if (xs == 0 || ys == 0 || stack % xs != 0 || stack % ys != 0 || size_of(y, 1) != k ||
      size_of(out, 1) != m || size_of(out, 2) != n || m == 0 || k == 0 || n == 0 || m > 4 ||
      k > 4 || n > 4) {
    return py::none();
  }
  const char kind = dtype.kind();
  const auto size = dtype.itemsize();
  const auto run = [&](auto tag) {
    using T = decltype(tag);
    const auto* a = static_cast<const T*>(x.data());
    const auto* b = static_cast<const T*>(y.data());
    auto* o = static_cast<T*>(out.mutable_data());
    py::gil_scoped_release release;
    stacked_small_product(a, b, o, stack, xs, ys, m, k, n);
  };
  if (kind == 'f' && size == 8) {
    run(double{});
  } else if (kind == 'f' && size == 4) {
    run(float{});
  } else if (kind == 'c' && size == 16) {
    run(std::complex<double>{});
  } else if (kind == 'c' && size == 8) {
    run(std::complex<float>{});
  } else {
    return py::none();
  }
  return py::bool_(true);
}

}  // namespace

void register_products(py::module_& m) {
  m.attr("MAX_PRODUCT_WIDTH") = kMaxProductWidth;
  m.def("matrix_product_parts", &matrix_product_parts, py::arg("out"), py::arg("x"), py::arg("y"),
        py::arg("first"), py::arg("pairs"), py::arg("record") = false,
        "Planes 1.. of out = x @ y (planes (P, m, n) and (P, n, p), 1 <= p <= 8) in the "
        "algebra of the layout (first, pairs): x_k y0 + x0 y_k, and x_a y_b + x_b y_a "
        "added to each pair's plane. Plane 0 is left as it is. Returns whether x or y "
        "holds an inf or nan. With record (for an out that only a fresh dual array will "
        "hold, written only through its _stack), out's planes written as zeros are "
        "remembered, and a later product or self_dot_parts of out reads them as zero "
        "without a scan, until out is exposed or freed.");
  m.def("small_matrix_product", &small_matrix_product, py::arg("x"), py::arg("y"), py::arg("first"),
        py::arg("pairs"),
        "The planes of x @ y for two dual arrays' planes, matrices (P, m, n) and (P, n, p) "
        "or vectors (P, n), of one dtype in the algebra of the layout (first, pairs), C "
        "order, p <= 8 and m n p <= 256: fresh planes (the value numpy's matmul, the parts "
        "matrix_product_parts', with its record for two matrices), for a new dual array "
        "alone to hold; None for other operands and where x or y holds an inf or nan.");
  m.def("stacked_matmul", &stacked_matmul, py::arg("x"), py::arg("y"), py::arg("out"),
        "out[s] = x[s % len(x)] @ y[s % len(y)] for stacks of small matrices (x (xs, m, k), "
        "y (ys, k, n), out (S, m, n), S a multiple of xs and ys, m, k, n <= 4, C order, one "
        "float or complex dtype): True; None for arrays it does not take.");
  m.def("self_dot_parts", &self_dot_parts, py::arg("out"), py::arg("x"), py::arg("first"),
        py::arg("pairs"),
        "Planes 1.. of out = x . x for a real dual array x (planes (P, ...), each read as "
        "one vector) in the algebra of the layout (first, pairs): 2 x0 . x_k, and 2 x_a . "
        "x_b added to each pair's plane; plane 0 is left as it is. False (nothing "
        "written) for arrays it does not take.");
  m.def(
      "outer_stream_bytes",
      [](std::size_t bytes) {
        const std::size_t previous = outer_products::stream_from_bytes();
        outer_products::stream_from_bytes() = bytes;
        return previous;
      },
      py::arg("bytes"),
      "Set the part planes' size from which outer_product_parts streams its output "
      "(half the L3 by default); returns the previous value.");
  m.def("outer_product_parts", &outer_product_parts, py::arg("out"), py::arg("x"), py::arg("y"),
        py::arg("first"), py::arg("pairs"),
        "Planes 1.. of out = outer(x, y) (planes (P, m) and (P, p)) in the algebra of the "
        "layout (first, pairs), numpy's elementwise formula bit for bit: x0 y_k + x_k y0, "
        "plus x_a y_b + x_b y_a on each pair's plane. Plane 0 is left as it is.");
  m.def("expm_frechet", &expm_frechet, py::arg("a"), py::arg("directions"), py::arg("coefficients"),
        py::arg("theta"),
        "(expm(a), L(a, E_k) for each direction E_k, or None without directions) of C-ordered "
        "(stacked) square matrices by scaling and squaring with the degree-13 Pade "
        "approximant (coefficients: rows S0, S2, S1, S3 over A^6, A^4, A^2, I; theta: the "
        "1-norm a squaring brings the stack under); None where the norm is not finite or the "
        "approximant's denominator is singular.");
}

}  // namespace hyperdiff::bindings
