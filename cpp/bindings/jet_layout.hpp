// A Jet layout as the bindings hold it (register_elementwise.cpp makes it the
// Python class JetLayout; register_operators.cpp reads it).
#pragma once

#include <pybind11/numpy.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "hyperdiff/dispatch.hpp"

namespace hyperdiff::bindings {

namespace py = pybind11;

// A Jet layout, checked once when Python makes it (every call of a kind reuses
// it): `first` = P and `pairs`, an integer array of shape (Q, 2) with entries
// in [0, P), and the runs of consecutive pairs the one-element rules loop over.
class Layout {
 public:
  Layout(std::int64_t first, const py::array& pairs_array) {
    if (first < 0) {
      throw std::invalid_argument("first (the number of first-order parts) must be >= 0");
    }
    if (pairs_array.dtype().kind() != 'i') {
      throw py::type_error("pairs must be an integer array, not " +
                           std::string(py::str(pairs_array.dtype())));
    }
    const auto checked =
        py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>(pairs_array);
    if (checked.ndim() != 2 || checked.shape(1) != 2) {
      throw std::invalid_argument("pairs must have shape (Q, 2)");
    }
    const std::int64_t second = checked.shape(0);
    if (first + second >= std::numeric_limits<int>::max()) {
      throw std::invalid_argument("too many parts for a Jet layout");
    }
    pairs_.assign(checked.data(), checked.data() + 2 * second);
    for (const std::int64_t index : pairs_) {
      if (index < 0 || index >= first) {
        throw std::invalid_argument("pairs entries must lie in [0, first)");
      }
    }
    for (std::int64_t q = 0; q < second;) {
      const std::int64_t a = pairs_[2 * q], b = pairs_[2 * q + 1];
      std::int64_t n = 1;
      while (q + n < second && pairs_[2 * (q + n)] == a && pairs_[2 * (q + n) + 1] == b + n) ++n;
      runs_.insert(runs_.end(), {q, a, b, n});
      q += n;
    }
    layout_ = JetLayout{static_cast<int>(first), static_cast<int>(second), pairs_.data(),
                        runs_.data(), static_cast<int>(runs_.size() / 4)};
  }
  const JetLayout& get() const { return layout_; }
  int planes() const { return 1 + layout_.first + layout_.second; }

 private:
  std::vector<std::int64_t> pairs_, runs_;
  JetLayout layout_{};
};

}  // namespace hyperdiff::bindings
