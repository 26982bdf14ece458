// Chain rules on derivative arrays computed elsewhere.
//
// The Python-side table of scipy.special functions (src/hyperdiff/_special.py)
// evaluates f, f', f'' at the value with scipy's own ufuncs (psi' = polygamma(1, x),
// i0' = i1, jv'' from Bessel's equation, ...) and hands the arrays here; each
// kind's chain rule in kinds.hpp combines them with the operand's planes:
//   unary:  (f0, f1 g_p, f1 h_q + f2 g_a g_b)
//   binary: g_p: fx x_p + fy y_p
//           h_q: fx xh_q + fy yh_q + fxx x_a x_b + fxy (x_a y_b + x_b y_a) + fyy y_a y_b
// for every kind (Dual, HyperDual, and the Jet layouts) and component dtype, with
// no function-specific code. As in the table's drivers (kernels.hpp), a nan value
// has nan derivatives, and a zero part is a strong zero.
//
// Every array is C-contiguous: operands and out of shape (planes, *S) (a real
// operand of a binary function: shape S), the derivative arrays of shape S.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <complex>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "hyperdiff/kinds.hpp"
#include "hyperdiff/runtime.hpp"
#include "jet_layout.hpp"
#include "operands.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace hyperdiff::bindings {
namespace {

// The function traits kinds.hpp reads: every derivative array may be nonzero.
struct Tabled {
  static constexpr bool zero_f2 = false;
  static constexpr bool has_fx = true, has_fy = true;
  static constexpr bool has_fxx = true, has_fxy = true, has_fyy = true;
  static constexpr bool quotient = false;
  static constexpr bool structural_zeros = false;
  static constexpr bool unit_fxy = false;
  static constexpr int unit_sign = 0;
  static constexpr bool constant_zeros = false;  // (partials given: none structural)
};

constexpr std::size_t kChainBlock = 64;

// A kind as the chain drivers take it: Dual or HyperDual (fixed), or a Jet.
template <class Kind>
int planes_of(const Kind& kind) {
  if constexpr (std::is_same_v<Kind, Jet>) {
    return kind.planes();
  } else {
    return Kind::planes;
  }
}

// f with a nan value's derivatives nan: d where v is a number, else v.
template <class T>
const T* defined(const T* v, const T* d, std::size_t m, T* buffer) {
  for (std::size_t i = 0; i < m; ++i) buffer[i] = v[i] == v[i] ? d[i] : v[i];
  return buffer;
}

template <class Kind, class T>
void chain_unary_blocks(const Kind& kind, const T* x, const T* const* f, T* y, std::size_t count,
                        std::size_t begin, std::size_t end) {
  const int planes = planes_of(kind);
  std::vector<const T*> xp(planes);
  std::vector<T*> yp(planes);
  alignas(64) T f1[kChainBlock], f2[kChainBlock];
  for (std::size_t start = begin; start < end; start += kChainBlock) {
    const std::size_t m = std::min(kChainBlock, end - start);
    const T* f0 = f[0] + start;
    const UnaryBlock<T> block{f0, defined(f0, f[1] + start, m, f1),
                              defined(f0, f[2] + start, m, f2)};
    for (int p = 0; p < planes; ++p) {
      xp[p] = x + p * count + start;
      yp[p] = y + p * count + start;
    }
    kind.template unary<Tabled>(block, xp.data(), yp.data(), m);
  }
}

template <class Kind, bool XParts, bool YParts, class T>
void chain_binary_blocks(const Kind& kind, const T* x, const T* y, const T* const* f, T* out,
                         std::size_t count, std::size_t begin, std::size_t end) {
  const int planes = planes_of(kind);
  std::vector<const T*> xp(XParts ? planes : 1), yp(YParts ? planes : 1);
  std::vector<T*> op(planes);
  alignas(64) T d[5][kChainBlock];
  for (std::size_t start = begin; start < end; start += kChainBlock) {
    const std::size_t m = std::min(kChainBlock, end - start);
    const T* f0 = f[0] + start;
    const BinaryBlock<T> block{f0,
                               defined(f0, f[1] + start, m, d[0]),
                               defined(f0, f[2] + start, m, d[1]),
                               defined(f0, f[3] + start, m, d[2]),
                               defined(f0, f[4] + start, m, d[3]),
                               defined(f0, f[5] + start, m, d[4])};
    for (std::size_t p = 0; p < xp.size(); ++p) xp[p] = x + p * count + start;
    for (std::size_t p = 0; p < yp.size(); ++p) yp[p] = y + p * count + start;
    for (int p = 0; p < planes; ++p) op[p] = out + p * count + start;
    kind.template binary<Tabled, XParts, YParts>(block, xp.data(), yp.data(), op.data(), m);
  }
}

// Calls body(T{}) with T the C++ type of numpy dtype `a` (its kernel table column).
template <class Body>
void with_component(const py::array& a, Body body) {
  switch (dtype_index(a)) {
    case 0:
      return body(double{});
    case 1:
      return body(float{});
    case 2:
      return body(std::complex<double>{});
    default:
      return body(std::complex<float>{});
  }
}

void require(const py::array& a, const py::array& like, py::ssize_t size, const char* what) {
  if (!a.dtype().is(like.dtype())) {
    throw py::type_error(std::string(what) + " must have out's dtype " +
                         std::string(py::str(like.dtype())));
  }
  if (!(a.flags() & py::array::c_style)) {
    throw std::invalid_argument(std::string(what) + " must be C-contiguous");
  }
  if (a.size() != size) {
    throw std::invalid_argument(std::string(what) + " does not match out's shape");
  }
}

// out's planes and elements per plane, checked.
std::size_t checked_count(const py::array& out, int planes) {
  if (!(out.flags() & py::array::c_style) || !out.writeable()) {
    throw std::invalid_argument("out must be a writeable C-contiguous array");
  }
  if (out.ndim() < 1 || out.shape(0) != planes) {
    throw std::invalid_argument("out must have shape (planes, ...) with planes = " +
                                std::to_string(planes));
  }
  return static_cast<std::size_t>(out.size() / planes);
}

template <class Kind>
void chain_unary(const Kind& kind, const py::array& x, const py::array& f0, const py::array& f1,
                 const py::array& f2, py::array& out) {
  const int planes = planes_of(kind);
  const std::size_t count = checked_count(out, planes);
  const auto n = static_cast<py::ssize_t>(count);
  require(x, out, out.size(), "x");
  require(f0, out, n, "f0");
  require(f1, out, n, "f1");
  require(f2, out, n, "f2");
  with_component(out, [&](auto zero) {
    using T = decltype(zero);
    const T* xp = static_cast<const T*>(x.data());
    const T* const f[] = {static_cast<const T*>(f0.data()), static_cast<const T*>(f1.data()),
                          static_cast<const T*>(f2.data())};
    T* op = static_cast<T*>(out.mutable_data());
    py::gil_scoped_release release;
    parallel_for(count, [&](std::size_t begin, std::size_t end) {
      chain_unary_blocks(kind, xp, f, op, count, begin, end);
    });
  });
}

template <class Kind>
void chain_binary(const Kind& kind, const py::array& x, bool x_parts, const py::array& y,
                  bool y_parts, const std::vector<py::array>& partials, py::array& out) {
  const int planes = planes_of(kind);
  const std::size_t count = checked_count(out, planes);
  const auto n = static_cast<py::ssize_t>(count);
  if (!x_parts && !y_parts) throw std::invalid_argument("one operand must carry parts");
  if (partials.size() != 6) {
    throw std::invalid_argument("partials must be (f0, fx, fy, fxx, fxy, fyy)");
  }
  require(x, out, x_parts ? out.size() : n, "x");
  require(y, out, y_parts ? out.size() : n, "y");
  for (const auto& d : partials) require(d, out, n, "a partial");
  with_component(out, [&](auto zero) {
    using T = decltype(zero);
    const T* xp = static_cast<const T*>(x.data());
    const T* yp = static_cast<const T*>(y.data());
    const T* f[6];
    for (int k = 0; k < 6; ++k) f[k] = static_cast<const T*>(partials[k].data());
    T* op = static_cast<T*>(out.mutable_data());
    py::gil_scoped_release release;
    parallel_for(count, [&](std::size_t begin, std::size_t end) {
      if (x_parts && y_parts) {
        chain_binary_blocks<Kind, true, true>(kind, xp, yp, f, op, count, begin, end);
      } else if (x_parts) {
        chain_binary_blocks<Kind, true, false>(kind, xp, yp, f, op, count, begin, end);
      } else {
        chain_binary_blocks<Kind, false, true>(kind, xp, yp, f, op, count, begin, end);
      }
    });
  });
}

Jet jet_of(const Layout& layout) {
  const JetLayout& l = layout.get();
  return Jet{l.first, l.second, l.pairs, l.runs, l.run_count};
}

// Calls body(kind) with the fixed kind numbered `kind` (0 Dual, 1 HyperDual).
template <class Body>
void with_kind(int kind, Body body) {
  switch (kind) {
    case static_cast<int>(KindId::Dual):
      return body(Dual{});
    case static_cast<int>(KindId::HyperDual):
      return body(HyperDual{});
    default:
      throw std::invalid_argument("unknown kind " + std::to_string(kind));
  }
}

}  // namespace

void register_chain(py::module_& m) {
  m.def(
      "chain_unary",
      [](int kind, const py::array& x, const py::array& f0, const py::array& f1,
         const py::array& f2,
         py::array& out) { with_kind(kind, [&](auto k) { chain_unary(k, x, f0, f1, f2, out); }); },
      py::arg("kind"), py::arg("x"), py::arg("f0"), py::arg("f1"), py::arg("f2"), py::arg("out"),
      "out = f(x) on a fixed kind from f, f', f'' at x's value (arrays of x's shape).");
  m.def(
      "chain_unary",
      [](const Layout& layout, const py::array& x, const py::array& f0, const py::array& f1,
         const py::array& f2, py::array& out) { chain_unary(jet_of(layout), x, f0, f1, f2, out); },
      py::arg("kind"), py::arg("x"), py::arg("f0"), py::arg("f1"), py::arg("f2"), py::arg("out"),
      "out = f(x) on a Jet layout from f, f', f'' at x's value.");
  m.def(
      "chain_binary",
      [](int kind, const py::array& x, bool x_parts, const py::array& y, bool y_parts,
         const std::vector<py::array>& partials, py::array& out) {
        with_kind(kind, [&](auto k) { chain_binary(k, x, x_parts, y, y_parts, partials, out); });
      },
      py::arg("kind"), py::arg("x"), py::arg("x_parts"), py::arg("y"), py::arg("y_parts"),
      py::arg("partials"), py::arg("out"),
      "out = f(x, y) on a fixed kind from partials (f0, fx, fy, fxx, fxy, fyy) at the values.");
  m.def(
      "chain_binary",
      [](const Layout& layout, const py::array& x, bool x_parts, const py::array& y, bool y_parts,
         const std::vector<py::array>& partials,
         py::array& out) { chain_binary(jet_of(layout), x, x_parts, y, y_parts, partials, out); },
      py::arg("kind"), py::arg("x"), py::arg("x_parts"), py::arg("y"), py::arg("y_parts"),
      py::arg("partials"), py::arg("out"),
      "out = f(x, y) on a Jet layout from partials (f0, fx, fy, fxx, fxy, fyy) at the values.");
}

}  // namespace hyperdiff::bindings
