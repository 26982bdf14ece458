// The body of register_probe.cpp's branch-free row checks, compiled once per
// instruction set there (included inside a namespace, under GCC's target and
// optimize pragmas, as linear_chain_body.hpp: no include guard, no includes; builtins,
// not std:: functions, which would be calls compiled without those options).
// NOLINT(build/header_guard)

// block_rows for real planes, kRows rows at a time in branch-free loops over the
// planes that vectorize: each row's sum and scale (every row's, the same sums in the
// same order), then judge_row's tests as selects. A quarter of a Ginzburg-Landau
// Hessian's rows differ from their probe in the last bits (their ratios count): row
// by row, their branches mispredicted (0.64 ms for 4 x 1e5, against 0.24 where 2 %
// did).
template <class T>
inline double real_block_rows(const T* block, const T* weights, std::size_t planes,
                              std::size_t rows, const double* floor, double rtol) {
  constexpr std::size_t kRows = 256;
  constexpr double kLargest = std::numeric_limits<double>::max();
  static constexpr double kNoFloor[kRows] = {};
  alignas(64) double sum[kRows], scale[kRows], ratio[kRows];
  double worst = 0;
  bool nan = false;
  for (std::size_t s = 0; s < rows; s += kRows) {
    const std::size_t m = rows - s < kRows ? rows - s : kRows;
    for (std::size_t i = 0; i < m; ++i) sum[i] = scale[i] = 0;
    for (std::size_t a = 0; a < planes; ++a) {
      const T* b = block + a * rows + s;
      const T* w = weights + a * rows + s;
      for (std::size_t i = 0; i < m; ++i) {
        sum[i] += double(b[i]) * double(w[i]);
        scale[i] += __builtin_fabs(double(b[i])) * __builtin_fabs(double(w[i]));
      }
    }
    const T* q = block + (planes - 1) * rows + s;
    const double* f = floor != nullptr ? floor + s : kNoFloor;  // (+ 0: the same bound)
    for (std::size_t i = 0; i < m; ++i) {
      // judge_row: beyond the bound (nan is not), both sides finite
      const double bound = __builtin_fabs(double(q[i])) * rtol + f[i];
      const double magnitude = __builtin_fabs(sum[i]), r = magnitude / scale[i];
      const bool judged = (magnitude > bound) &
                          (__builtin_fabs(magnitude + double(q[i])) <= kLargest) &
                          (__builtin_fabs(double(q[i])) <= kLargest);
      ratio[i] = judged ? r : 0.0;
    }
    for (std::size_t i = 0; i < m; ++i) {
      nan = nan || ratio[i] != ratio[i];
      if (ratio[i] > worst) worst = ratio[i];
    }
  }
  return nan ? std::numeric_limits<double>::quiet_NaN() : worst;
}
