// The pointwise probe's check in one pass (transforms' _check_pointwise): whether
// probe agrees with (parts summed over the first axis) * weights at every point, by
// the rules _check_pointwise states (exact, or within the rounding of the sum; both
// nan; both non-finite; with finite_only, any point where either is non-finite). Python
// judges again only to name a point that disagrees, or arrays this does not take.
// And a sparse Jacobian's entries gathered off its compressed pass (csr_gather).
#include <pybind11/numpy.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "linear_chain.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace hyperdiff::bindings {
namespace {

template <class T>
bool is_nan(T v) {
  return std::isnan(v);
}
template <class R>
bool is_nan(std::complex<R> v) {
  return std::isnan(v.real()) || std::isnan(v.imag());
}
template <class T>
bool is_finite(T v) {
  return std::isfinite(v);
}
template <class R>
bool is_finite(std::complex<R> v) {
  return std::isfinite(v.real()) && std::isfinite(v.imag());
}

// One point: parts at p (k of them, `step` bytes apart), the probe q, the weight w.
template <class T, class W>
bool point_agrees(const char* p, std::ptrdiff_t step, std::ptrdiff_t k, T q, W w,
                  bool finite_only) {
  T total = *reinterpret_cast<const T*>(p);
  for (std::ptrdiff_t j = 1; j < k; ++j) total += *reinterpret_cast<const T*>(p + j * step);
  const T expected = total * w;
  if (q == expected) return true;
  // the rounding of a sum over the inputs; and of parts computed through subnormal
  // numbers, whose precision is absolute (the relative rule's 64 eps of the smallest
  // normal number, on both sides: a few subnormals in each operation, which scaling by
  // w does not keep exact)
  W scale = std::abs(total);
  if (k > 1) {
    scale = 0;
    for (std::ptrdiff_t j = 0; j < k; ++j)
      scale += std::abs(*reinterpret_cast<const T*>(p + j * step));
  }
  constexpr W eps = std::numeric_limits<W>::epsilon();
  constexpr W tiny = std::numeric_limits<W>::denorm_min();
  const W error = std::abs(q - expected), rounding = 64 * eps * (std::abs(w) * scale);
  // the subnormal term apart: arithmetic with subnormal results is slow on x86
  if (error <= rounding || error <= rounding + 64 * (std::abs(w) + 1) * tiny) return true;
  if (is_nan(q) && is_nan(expected)) return true;
  // both overflowed (complex: inf times w and w times inf differ in their nan parts)
  if (!is_finite(q) && !is_finite(expected)) return true;
  return finite_only && !(is_finite(q) && is_finite(expected));
}

// One row of n points whose parts, probe and weights are each contiguous, a block of
// points at a time in branch-free loops that vectorize: each point's sum, product and
// the first two tests of point_agrees (equal; then, for real components, within the
// rounding of the sum), the same expressions, so they accept only what it accepts.
// Only a block with a point they do not accept goes through point_agrees. The rounding
// pass matters: half of T4's points differ from w times the sum in the last bits, and
// with the exact test alone nearly every block fell back (the loop's branches then
// mispredicted: 0.83 ms for 3 x 1e5 points, 0.14 ms where all were exact); it runs only
// for a block that is not exact (one part, as derivative's probe: exact everywhere).
template <class T, class W>
bool row_agrees(const char* p, std::ptrdiff_t step, std::ptrdiff_t k, const T* q, const W* w,
                py::ssize_t n, bool finite_only) {
  constexpr py::ssize_t kBlock = 256;
  constexpr W rule = 64 * std::numeric_limits<W>::epsilon();
  alignas(64) T total[kBlock];
  alignas(64) W scale[kBlock];
  for (py::ssize_t s = 0; s < n; s += kBlock) {
    const py::ssize_t m = std::min(kBlock, n - s);
    const T* first = reinterpret_cast<const T*>(p) + s;
    const T* sum = first;  // one part: its own sum
    if (k > 1) {
      std::copy(first, first + m, total);
      for (std::ptrdiff_t j = 1; j < k; ++j) {
        const T* part = reinterpret_cast<const T*>(p + j * step) + s;
        for (py::ssize_t i = 0; i < m; ++i) total[i] += part[i];
      }
      sum = total;
    }
    bool agree = true;
    for (py::ssize_t i = 0; i < m; ++i) agree &= q[s + i] == sum[i] * w[s + i];
    if (agree) continue;
    if constexpr (std::is_same_v<T, W>) {
      for (py::ssize_t i = 0; i < m; ++i) scale[i] = std::abs(first[i]);
      for (std::ptrdiff_t j = 1; j < k; ++j) {  // k = 1: |total|, the same
        const T* part = reinterpret_cast<const T*>(p + j * step) + s;
        for (py::ssize_t i = 0; i < m; ++i) scale[i] += std::abs(part[i]);
      }
      agree = true;
      for (py::ssize_t i = 0; i < m; ++i) {
        const T expected = sum[i] * w[s + i];
        const W rounding = rule * (std::abs(w[s + i]) * scale[i]);
        agree &= (q[s + i] == expected) | (std::abs(q[s + i] - expected) <= rounding);
      }
      if (agree) continue;
    }
    for (py::ssize_t i = s; i < s + m; ++i) {
      if (!point_agrees<T, W>(p + i * static_cast<std::ptrdiff_t>(sizeof(T)), step, k, q[i], w[i],
                              finite_only))
        return false;
    }
  }
  return true;
}

template <class T, class W>
bool judge(const py::array& parts, const py::array& probe, const py::array& weights,
           bool finite_only) {
  const py::ssize_t dims = probe.ndim();
  const std::ptrdiff_t k = parts.shape(0), step = parts.strides(0);
  const py::ssize_t inner = dims == 0 ? 1 : probe.shape(dims - 1);
  const auto stride = [&](const py::array& a, py::ssize_t d) {
    return dims == 0 ? 0 : a.strides(d);
  };
  const std::ptrdiff_t inner_p = stride(parts, dims), inner_q = stride(probe, dims - 1),
                       inner_w = stride(weights, dims - 1);
  const char* p0 = static_cast<const char*>(parts.data());
  const char* q0 = static_cast<const char*>(probe.data());
  const char* w0 = static_cast<const char*>(weights.data());
  std::vector<py::ssize_t> index(dims > 1 ? dims - 1 : 0, 0);  // the outer axes' odometer
  py::ssize_t outer = 1;
  for (py::ssize_t d = 0; d + 1 < dims; ++d) outer *= probe.shape(d);
  const bool contiguous = dims > 0 && inner_p == static_cast<std::ptrdiff_t>(sizeof(T)) &&
                          inner_q == static_cast<std::ptrdiff_t>(sizeof(T)) &&
                          inner_w == static_cast<std::ptrdiff_t>(sizeof(W));
  py::gil_scoped_release release;
  for (py::ssize_t o = 0; o < outer; ++o) {
    std::ptrdiff_t op = 0, oq = 0, ow = 0;
    for (py::ssize_t d = 0; d + 1 < dims; ++d) {
      op += index[d] * parts.strides(d + 1);
      oq += index[d] * probe.strides(d);
      ow += index[d] * weights.strides(d);
    }
    if (contiguous) {
      if (!row_agrees<T, W>(p0 + op, step, k, reinterpret_cast<const T*>(q0 + oq),
                            reinterpret_cast<const W*>(w0 + ow), inner, finite_only))
        return false;
    } else {
      for (py::ssize_t i = 0; i < inner; ++i) {
        const T q = *reinterpret_cast<const T*>(q0 + oq + i * inner_q);
        const W w = *reinterpret_cast<const W*>(w0 + ow + i * inner_w);
        if (!point_agrees<T, W>(p0 + op + i * inner_p, step, k, q, w, finite_only)) return false;
      }
    }
    for (py::ssize_t d = dims - 2; d >= 0; --d) {  // next outer index
      if (++index[d] < probe.shape(d)) break;
      index[d] = 0;
    }
  }
  return true;
}

// True when every point agrees; False when one does not or the arrays are not as this
// takes them (one dtype for parts and probe, real weights; parts (k, *S), probe and
// weights S; any strides).
bool probe_agrees(const py::array& parts, const py::array& probe, const py::array& weights,
                  bool finite_only) {
  if (parts.ndim() != probe.ndim() + 1 || parts.shape(0) < 1 || weights.ndim() != probe.ndim() ||
      !parts.dtype().is(probe.dtype())) {
    return false;
  }
  for (py::ssize_t d = 0; d < probe.ndim(); ++d) {
    if (parts.shape(d + 1) != probe.shape(d) || weights.shape(d) != probe.shape(d)) return false;
  }
  const char kind = probe.dtype().kind(), real = weights.dtype().kind();
  const auto size = probe.dtype().itemsize(), weight_size = weights.dtype().itemsize();
  if (real != 'f') return false;
  if (kind == 'f' && size == 8 && weight_size == 8)
    return judge<double, double>(parts, probe, weights, finite_only);
  if (kind == 'f' && size == 4 && weight_size == 4)
    return judge<float, float>(parts, probe, weights, finite_only);
  if (kind == 'c' && size == 16 && weight_size == 8) {
    return judge<std::complex<double>, double>(parts, probe, weights, finite_only);
  }
  if (kind == 'c' && size == 8 && weight_size == 4) {
    return judge<std::complex<float>, float>(parts, probe, weights, finite_only);
  }
  return false;
}

// float32's sums in float64 (a row of many terms rounds within rtol too)
template <class T>
struct Wide {
  using type = double;
};
template <class R>
struct Wide<std::complex<R>> {
  using type = std::complex<double>;
};

// _sparsity._mismatch's rule for one row: the recovered product's difference from
// the probe q (magnitude |d|) within |q| rtol + floor, or else, where both sides are
// finite, the row's ratio |d| / scale() (scale: the terms' absolute sum, |q|
// included) raises `worst` (a nan ratio noted).
template <class A, class Scale>
void judge_row(double magnitude, A q, double rtol, const double* floor, std::size_t i,
               const Scale& scale, double& worst, bool& nan) {
  double bound = std::abs(q) * rtol;
  if (floor != nullptr) bound += floor[i];
  if (!(magnitude > bound)) return;  // (nan: not judged)
  if (!is_finite(A(magnitude) + q) || !is_finite(q)) return;
  const double ratio = magnitude / scale();
  nan = nan || std::isnan(ratio);
  if (ratio > worst) worst = ratio;
}

bool flat(const py::array& a, const py::dtype& dtype) {
  return a.ndim() == 1 && a.dtype().is(dtype) && (a.flags() & py::array::c_style) != 0;
}

// The weights' dtype for planes of `dtype`: itself when real, else its components'.
py::dtype real_dtype(const py::dtype& dtype) {
  if (dtype.kind() != 'c') return dtype;
  return dtype.itemsize() == 16 ? py::dtype::of<double>() : py::dtype::of<float>();
}

// A sparse Jacobian's or Hessian's check (_sparsity._block_mismatch): block (k + 1,
// rows) holds k planes of parts and, last, the probe's, weights (k, rows) the parts'
// weights, so d_i = sum_a weights[a, i] block[a, i] - probe_i is the recovered
// product minus the probe's; judge_row's largest ratio (0: every row within), one
// pass over the rows (sums in double: float32's too).
template <class T, class W>
double block_rows(const T* block, const W* weights, std::size_t planes, std::size_t rows,
                  const double* floor, double rtol) {
  using A = typename Wide<T>::type;
  double worst = 0;
  bool nan = false;
  for (std::size_t i = 0; i < rows; ++i) {
    const A q = block[(planes - 1) * rows + i];
    A sum = 0;
    for (std::size_t a = 0; a + 1 < planes; ++a) {
      sum += A(block[a * rows + i]) * double(weights[a * rows + i]);
    }
    sum += q * -1.0;
    const auto scale = [&] {  // (the probe's plane, weighed -1, last)
      double total = 0;
      for (std::size_t a = 0; a + 1 < planes; ++a) {
        total += std::abs(A(block[a * rows + i])) * std::abs(double(weights[a * rows + i]));
      }
      return total + std::abs(q);
    };
    judge_row(std::abs(sum), q, rtol, floor, i, scale, worst, nan);
  }
  return nan ? std::numeric_limits<double>::quiet_NaN() : worst;
}

// real_block_rows (probe_rows_body.hpp) for each instruction set, as linear_chain.hpp's
// programs: AVX-512 reads the planes 8 rows a vector (4 x 1e5: 0.23 ms, 0.30 with SSE2)
namespace probe {
#define HYPERDIFF_ISA_BODY "probe_rows_body.hpp"
#include "isa_namespaces.hpp"
}  // namespace probe

template <class T, class W>
double real_block_rows(const T* block, const W* weights, std::size_t planes, std::size_t rows,
                       const double* floor, double rtol) {
#if defined(HYPERDIFF_ISA_BUILDS)
  if (linear::isa_level() == 4)
    return probe::v4::real_block_rows(block, rows, weights, rows, planes, rows, floor, rtol);
  if (linear::isa_level() == 3)
    return probe::v3::real_block_rows(block, rows, weights, rows, planes, rows, floor, rtol);
#endif
  return probe::base::real_block_rows(block, rows, weights, rows, planes, rows, floor, rtol);
}

// None when the arrays are not as this takes them (Python judges them instead):
// block and weights C-contiguous (planes, rows), block float or complex, weights its
// real dtype (or float32 for a float64 one: a Jacobian's, _probe's single), floor
// float64 (rows) or None.
py::object block_mismatch(const py::array& block, const py::array& weights, double rtol,
                          const py::object& floor) {
  const py::dtype dtype = block.dtype();
  const char kind = dtype.kind();
  const auto size = dtype.itemsize();
  const py::dtype real = real_dtype(dtype);
  const bool c_order =
      (block.flags() & py::array::c_style) != 0 && (weights.flags() & py::array::c_style) != 0;
  const bool single = weights.dtype().is(py::dtype::of<float>());  // (float64 planes)
  if (block.ndim() != 2 || weights.ndim() != 2 || !c_order ||
      !(weights.dtype().is(real) || (single && real.is(py::dtype::of<double>()))) ||
      block.shape(0) < 1 || weights.shape(0) != block.shape(0) - 1 ||
      weights.shape(1) != block.shape(1) || (kind != 'f' && kind != 'c')) {
    return py::none();
  }
  const auto planes = static_cast<std::size_t>(block.shape(0));
  const auto rows = static_cast<std::size_t>(block.shape(1));
  py::array floor_array;
  const double* f = nullptr;
  if (!floor.is_none()) {
    if (!py::isinstance<py::array>(floor)) return py::none();
    floor_array = py::reinterpret_borrow<py::array>(floor);
    if (!flat(floor_array, py::dtype::of<double>()) ||
        static_cast<std::size_t>(floor_array.size()) != rows) {
      return py::none();
    }
    f = static_cast<const double*>(floor_array.data());
  }
  const void* b = block.data();
  const void* w = weights.data();
  double worst = 0;
  {
    py::gil_scoped_release release;
    if (kind == 'f' && size == 8 && single) {
      worst = real_block_rows(static_cast<const double*>(b), static_cast<const float*>(w), planes,
                              rows, f, rtol);
    } else if (kind == 'f' && size == 8) {
      worst = real_block_rows(static_cast<const double*>(b), static_cast<const double*>(w), planes,
                              rows, f, rtol);
    } else if (kind == 'f' && size == 4) {
      worst = real_block_rows(static_cast<const float*>(b), static_cast<const float*>(w), planes,
                              rows, f, rtol);
    } else if (kind == 'c' && size == 16 && single) {
      worst = block_rows(static_cast<const std::complex<double>*>(b), static_cast<const float*>(w),
                         planes, rows, f, rtol);
    } else if (kind == 'c' && size == 16) {
      worst = block_rows(static_cast<const std::complex<double>*>(b), static_cast<const double*>(w),
                         planes, rows, f, rtol);
    } else if (kind == 'c' && size == 8) {
      worst = block_rows(static_cast<const std::complex<float>*>(b), static_cast<const float*>(w),
                         planes, rows, f, rtol);
    } else {
      return py::none();
    }
  }
  return py::float_(worst);
}

// gather_slots (probe_rows_body.hpp) for this instruction set
template <class T, class G>
bool gather_slots(const T* parts, std::size_t slots, const G* gather, std::size_t nnz, T* data) {
  using U = std::make_unsigned_t<G>;
#if defined(HYPERDIFF_ISA_BUILDS)
  if (linear::isa_level() == 4)
    return probe::v4::gather_slots<T, G, U>(parts, slots, gather, nnz, data);
  if (linear::isa_level() == 3)
    return probe::v3::gather_slots<T, G, U>(parts, slots, gather, nnz, data);
#endif
  return probe::base::gather_slots<T, G, U>(parts, slots, gather, nnz, data);
}

// A sparse Jacobian's entries off its compressed pass (_sparsity's recover): data[e]
// = parts[gather[e]] (int32 or int64 slots), after the slots no entry reads
// (`unused`, int64): all 0, or inf and nothing gathered (the pattern is wrong here;
// nan is not 0, as numpy's any counts it). 0.0 when gathered; None when the arrays
// are not as this takes them (Python gathers them instead); an IndexError for a slot
// beyond the parts, nothing read there.
// Whether the slots of `unused` (int64; none: true) are all 0 in the parts (nan is
// not 0, as numpy's any counts it): csr_gather's and csr_permute's test of a pattern
// wrong for this call. `inside` false, nothing read there, at a slot beyond them.
template <class T>
bool unused_zero(const T* parts, std::size_t slots, const py::array* unused, bool& inside) {
  inside = true;
  if (unused == nullptr) return true;
  const auto* u = static_cast<const std::int64_t*>(unused->data());
  const auto size = static_cast<std::size_t>(unused->size());
  bool zero = true;
  for (std::size_t k = 0; k < size && inside; ++k) {
    const auto slot = static_cast<std::size_t>(u[k]);
    inside = slot < slots;
    zero = zero && inside && parts[slot] == T(0);
  }
  return zero;
}

template <class T>
double gather_as(const py::array& parts, const py::array& gather, py::array& data,
                 const py::array* unused) {
  const auto* p = static_cast<const T*>(parts.data());
  auto* out = static_cast<T*>(data.mutable_data());
  const auto slots = static_cast<std::size_t>(parts.size());
  const auto nnz = static_cast<std::size_t>(gather.size());
  const bool narrow = gather.dtype().is(py::dtype::of<std::int32_t>());
  bool inside = true;
  {
    py::gil_scoped_release release;
    const bool zero = unused_zero(p, slots, unused, inside);
    if (inside && !zero) return std::numeric_limits<double>::infinity();
    if (inside) {
      inside =
          narrow
              ? gather_slots(p, slots, static_cast<const std::int32_t*>(gather.data()), nnz, out)
              : gather_slots(p, slots, static_cast<const std::int64_t*>(gather.data()), nnz, out);
    }
  }
  if (!inside) throw std::out_of_range("csr_gather: a slot beyond the parts");
  return 0.0;
}

py::object csr_gather(const py::array& parts, const py::array& gather, py::array& data,
                      const py::object& unused) {
  const py::dtype dtype = parts.dtype();
  const char kind = dtype.kind();
  const auto size = dtype.itemsize();
  if (!unused.is_none() && !py::isinstance<py::array>(unused)) return py::none();
  const py::array unused_array =
      unused.is_none() ? py::array() : py::reinterpret_borrow<py::array>(unused);
  const py::array* u = unused.is_none() ? nullptr : &unused_array;
  if (!flat(parts, dtype) || !flat(data, dtype) || !data.writeable() ||
      !(flat(gather, py::dtype::of<std::int64_t>()) ||
        flat(gather, py::dtype::of<std::int32_t>())) ||
      data.size() != gather.size() || (u != nullptr && !flat(*u, py::dtype::of<std::int64_t>()))) {
    return py::none();
  }
  double found = 0;
  if (kind == 'f' && size == 8) {
    found = gather_as<double>(parts, gather, data, u);
  } else if (kind == 'f' && size == 4) {
    found = gather_as<float>(parts, gather, data, u);
  } else if (kind == 'c' && size == 16) {
    found = gather_as<std::complex<double>>(parts, gather, data, u);
  } else if (kind == 'c' && size == 8) {
    found = gather_as<std::complex<float>>(parts, gather, data, u);
  } else {
    return py::none();
  }
  return py::float_(found);
}

// csr_gather's job by permute_slots (probe_rows_body.hpp), with AVX-512 only (other
// instruction sets lower its 8-double permutes to scalar code: csr_gather there):
// _JacobianPlan's runs of 8 entries, each reading 8 rows of its colors' planes
// (float64). Its bounds are checked here all the same (base + 8 <= m, colors <= 8,
// each code's color < colors): an IndexError, nothing read, when one fails. Then as
// csr_gather: inf, nothing gathered, when a slot of `unused` is not 0, else 0.0; None
// where this instruction set or the arrays are not what it takes.
py::object csr_permute(const py::array& parts, std::size_t m, int colors, const py::array& base,
                       const py::array& code, py::array& data, const py::object& unused) {
#if defined(HYPERDIFF_ISA_BUILDS)
  if (linear::isa_level() != 4 || (!unused.is_none() && !py::isinstance<py::array>(unused))) {
    return py::none();
  }
  const py::array unused_array =
      unused.is_none() ? py::array() : py::reinterpret_borrow<py::array>(unused);
  const py::array* u = unused.is_none() ? nullptr : &unused_array;
  const auto nnz = static_cast<std::size_t>(code.size());
  const std::size_t vectors = (nnz + 7) / 8;
  const auto slots = static_cast<std::size_t>(colors) * m;
  if (!flat(parts, py::dtype::of<double>()) || !flat(data, py::dtype::of<double>()) ||
      !data.writeable() || static_cast<std::size_t>(data.size()) != nnz ||
      !flat(base, py::dtype::of<std::int32_t>()) || !flat(code, py::dtype::of<std::uint8_t>()) ||
      static_cast<std::size_t>(base.size()) != vectors || colors < 1 || colors > 8 ||
      static_cast<std::size_t>(parts.size()) != slots ||
      (!unused.is_none() && !flat(unused_array, py::dtype::of<std::int64_t>()))) {
    return py::none();
  }
  const auto* p = static_cast<const double*>(parts.data());
  const auto* b = static_cast<const std::int32_t*>(base.data());
  const auto* c = static_cast<const std::uint8_t*>(code.data());
  auto* out = static_cast<double*>(data.mutable_data());
  bool inside = false, nonzero = false;
  {
    py::gil_scoped_release release;
    bool unused_inside = true;
    const bool zero = unused_zero(p, slots, u, unused_inside);
    inside = probe::v4::permute_inside(m, colors, b, vectors, c, nnz) && unused_inside;
    nonzero = inside && !zero;
    if (inside && !nonzero) {
      probe::v4::permute_slots(p, m, colors, b, c, nnz, out);
    }
  }
  if (!inside) throw std::out_of_range("csr_permute: a slot beyond the parts");
  return py::float_(nonzero ? std::numeric_limits<double>::infinity() : 0.0);
#else
  (void)parts, (void)m, (void)colors, (void)base, (void)code, (void)data, (void)unused;
  return py::none();
#endif
}

template <class W>
void recover_rows_as(const RowRecovery& r, const double* parts, std::size_t stride, std::size_t r0,
                     std::size_t m, double& worst, bool& nonzero, bool& bad) {
  const auto* w = static_cast<const W*>(r.weights);
#if defined(HYPERDIFF_ISA_BUILDS)
  if (linear::isa_level() == 4) {
    return probe::v4::recover_block(parts, stride, r0, m, r.colors, r.probed, w, r.rows, r.unused,
                                    r.unused_starts, r.floor, r.rtol, r.indptr, r.nnz, r.base,
                                    r.code, r.data, worst, nonzero, bad);
  }
  if (linear::isa_level() == 3) {
    return probe::v3::recover_block(parts, stride, r0, m, r.colors, r.probed, w, r.rows, r.unused,
                                    r.unused_starts, r.floor, r.rtol, r.indptr, r.nnz, r.base,
                                    r.code, r.data, worst, nonzero, bad);
  }
#endif
  probe::base::recover_block(parts, stride, r0, m, r.colors, r.probed, w, r.rows, r.unused,
                             r.unused_starts, r.floor, r.rtol, r.indptr, r.nnz, r.base, r.code,
                             r.data, worst, nonzero, bad);
}

}  // namespace

bool recovery_inside(const RowRecovery& r) {
  if (r.colors < 1 || r.colors > 8 || r.unused_starts[0] != 0) return false;
  for (int a = 0; a < r.colors; ++a) {
    if (r.unused_starts[a + 1] < r.unused_starts[a]) return false;
  }
  for (int k = 0; k < r.unused_starts[r.colors]; ++k) {
    if (r.unused[k] < 0 || static_cast<std::size_t>(r.unused[k]) >= r.rows) return false;
  }
  const std::size_t vectors = (r.nnz + 7) / 8;
#if defined(HYPERDIFF_ISA_BUILDS)
  if (linear::isa_level() == 4)
    return probe::v4::permute_inside(r.rows, r.colors, r.base, vectors, r.code, r.nnz);
#endif
  return probe::base::permute_inside(r.rows, r.colors, r.base, vectors, r.code, r.nnz);
}

void recover_rows(const RowRecovery& r, const double* parts, std::size_t stride, std::size_t r0,
                  std::size_t m, double& worst, bool& nonzero, bool& bad) {
  if (r.single) {
    recover_rows_as<float>(r, parts, stride, r0, m, worst, nonzero, bad);
  } else {
    recover_rows_as<double>(r, parts, stride, r0, m, worst, nonzero, bad);
  }
}

void register_probe(py::module_& m) {
  m.def("csr_permute", &csr_permute, py::arg("parts"), py::arg("m"), py::arg("colors"),
        py::arg("base"), py::arg("code"), py::arg("data"), py::arg("unused") = py::none(),
        "csr_gather for code[e] = 8 a + d (uint8), the slot a m + base[e // 8] + d (base "
        "int32: each run of 8 entries reads 8 rows of at most 8 color planes), by "
        "AVX-512's permutes: 0.0; inf, nothing gathered, when a slot of `unused` is not 0; "
        "None where this instruction set or the arrays are not what it takes.");
  m.def("csr_gather", &csr_gather, py::arg("parts"), py::arg("gather"), py::arg("data"),
        py::arg("unused") = py::none(),
        "data[e] = parts[gather[e]] (int32 or int64 slots) for a CSR's entries: 0.0; inf, "
        "nothing gathered, when a slot of `unused` (int64) is not 0; None when the arrays "
        "are not as this takes them.");
  m.def("block_mismatch", &block_mismatch, py::arg("block"), py::arg("weights"), py::arg("rtol"),
        py::arg("floor") = py::none(),
        "The largest row mismatch of sum_a weights[a] block[a] (weights: a row fewer than "
        "block, whose last plane is the probe's) against the probe (_sparsity._mismatch's "
        "rule; 0: every row within rtol); None when the arrays are not as this takes them.");
  m.def("probe_agrees", &probe_agrees, py::arg("parts"), py::arg("probe"), py::arg("weights"),
        py::arg("finite_only") = false,
        "Whether probe agrees with parts.sum(axis=0) * weights at every point by "
        "_check_pointwise's rules (False also when the arrays are not of one dtype with "
        "real weights, parts (k, *S), probe and weights S).");
}

}  // namespace hyperdiff::bindings
