// The pointwise probe's common answer in one pass (transforms' _check_pointwise):
// whether probe == (parts summed over the first axis) * weights exactly at every
// point, in numpy's order of operations. Where it is not, Python judges the points
// with tolerances; this only spares the three full-size temporaries of the check.
#include <pybind11/numpy.h>

#include <complex>
#include <cstddef>

#include "register.hpp"

namespace py = pybind11;

namespace hyperdiff::bindings {
namespace {

template <class T, class W>
bool probe_exact(const py::array& parts, const py::array& probe, const py::array& weights) {
  const auto* p = static_cast<const T*>(parts.data());
  const auto* q = static_cast<const T*>(probe.data());
  const auto* w = static_cast<const W*>(weights.data());
  const std::size_t n = static_cast<std::size_t>(probe.size());
  const std::size_t k = static_cast<std::size_t>(parts.shape(0));
  bool agree = true;
  {
    py::gil_scoped_release release;
    for (std::size_t i = 0; i < n; ++i) {
      T total = p[i];
      for (std::size_t j = 1; j < k; ++j) total += p[j * n + i];
      agree &= q[i] == total * w[i];
    }
  }
  return agree;
}

// True when every point agrees exactly; False when one does not or the arrays are
// not as this takes them (C order, one dtype, parts (k, *S), probe and weights S).
bool probe_agrees(const py::array& parts, const py::array& probe, const py::array& weights) {
  const auto c_order = py::array::c_style;
  if (!(parts.flags() & c_order) || !(probe.flags() & c_order) || !(weights.flags() & c_order) ||
      parts.ndim() != probe.ndim() + 1 || parts.shape(0) < 1 || weights.ndim() != probe.ndim() ||
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
    return probe_exact<double, double>(parts, probe, weights);
  if (kind == 'f' && size == 4 && weight_size == 4)
    return probe_exact<float, float>(parts, probe, weights);
  if (kind == 'c' && size == 16 && weight_size == 8) {
    return probe_exact<std::complex<double>, double>(parts, probe, weights);
  }
  if (kind == 'c' && size == 8 && weight_size == 4) {
    return probe_exact<std::complex<float>, float>(parts, probe, weights);
  }
  return false;
}

}  // namespace

void register_probe(py::module_& m) {
  m.def("probe_agrees", &probe_agrees, py::arg("parts"), py::arg("probe"), py::arg("weights"),
        "Whether probe == parts.sum(axis=0) * weights exactly everywhere (False also when "
        "the arrays are not C-ordered of one dtype, parts (k, *S), probe and weights S).");
}

}  // namespace hyperdiff::bindings
