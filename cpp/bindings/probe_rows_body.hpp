// The body of register_probe.cpp's branch-free row checks and its gather of a sparse
// Jacobian's entries, compiled once per instruction set there (included inside a
// namespace, under GCC's target and optimize pragmas, as linear_chain_body.hpp: no
// include guard, no includes; builtins, not std:: functions, which would be calls
// compiled without those options).
// NOLINT(build/header_guard)

// block_rows for real planes (weights: planes - 1 rows, the probe's plane weighed -1,
// not read), kRows rows at a time in branch-free loops over the planes that
// vectorize: each row's sum (every row's, the same sums in the same order), judge_row's
// tests as selects, then the scales of the rows judged: of each alone where they are
// few (a banded Jacobian's 1 % of rows differ from the probe beyond rtol: computing
// every row's scale cost more than the sums), of all where they are many (a quarter
// of a Ginzburg-Landau Hessian's rows: row by row, the branches mispredicted, 0.64 ms
// for 4 x 1e5 against 0.24 where 2 % did).
template <class T>
inline double real_block_rows(const T* block, const T* weights, std::size_t planes,
                              std::size_t rows, const double* floor, double rtol) {
  constexpr std::size_t kRows = 256;
  constexpr double kLargest = std::numeric_limits<double>::max();
  static constexpr double kNoFloor[kRows] = {};
  alignas(64) double sum[kRows], scale[kRows], ratio[kRows];
  alignas(64) unsigned char judged[kRows];
  double worst = 0;
  bool nan = false;
  for (std::size_t s = 0; s < rows; s += kRows) {
    const std::size_t m = rows - s < kRows ? rows - s : kRows;
    const T* q = block + (planes - 1) * rows + s;
    // (from the first product, not 0 + it: the same magnitudes, and no memset a block)
    for (std::size_t a = 0; a + 1 < planes; ++a) {
      const T* b = block + a * rows + s;
      const T* w = weights + a * rows + s;
      if (a == 0) {
        for (std::size_t i = 0; i < m; ++i) sum[i] = double(b[i]) * double(w[i]);
      } else {
        for (std::size_t i = 0; i < m; ++i) sum[i] += double(b[i]) * double(w[i]);
      }
    }
    if (planes == 1) {
      for (std::size_t i = 0; i < m; ++i) sum[i] = double(q[i]) * -1.0;
    } else {
      for (std::size_t i = 0; i < m; ++i) sum[i] += double(q[i]) * -1.0;
    }
    const double* f = floor != nullptr ? floor + s : kNoFloor;  // (+ 0: the same bound)
    std::size_t count = 0;
    for (std::size_t i = 0; i < m; ++i) {
      // judge_row: beyond the bound (nan is not), both sides finite
      const double bound = __builtin_fabs(double(q[i])) * rtol + f[i];
      const double magnitude = __builtin_fabs(sum[i]);
      const bool beyond = (magnitude > bound) &
                          (__builtin_fabs(magnitude + double(q[i])) <= kLargest) &
                          (__builtin_fabs(double(q[i])) <= kLargest);
      judged[i] = beyond;
      count += beyond;
    }
    if (count == 0) continue;
    const auto row_scale = [&](std::size_t i) {  // (the planes in the sums' order)
      double total = 0;
      for (std::size_t a = 0; a + 1 < planes; ++a) {
        const std::size_t at = a * rows + s + i;
        total += __builtin_fabs(double(block[at])) * __builtin_fabs(double(weights[at]));
      }
      return total + __builtin_fabs(double(q[i]));
    };
    if (8 * count <= m) {  // (the flags 8 at a time: most words are 0)
      for (std::size_t i = m; i % 8 != 0; ++i) judged[i] = 0;
      for (std::size_t g = 0; g < m; g += 8) {
        unsigned long long word;
        __builtin_memcpy(&word, judged + g, sizeof word);
        for (std::size_t i = g; word != 0; ++i, word >>= 8) {
          if ((word & 0xff) == 0) continue;
          const double r = __builtin_fabs(sum[i]) / row_scale(i);
          nan = nan || r != r;
          if (r > worst) worst = r;
        }
      }
      continue;
    }
    for (std::size_t a = 0; a + 1 < planes; ++a) {
      const T* b = block + a * rows + s;
      const T* w = weights + a * rows + s;
      if (a == 0) {
        for (std::size_t i = 0; i < m; ++i) {
          scale[i] = __builtin_fabs(double(b[i])) * __builtin_fabs(double(w[i]));
        }
      } else {
        for (std::size_t i = 0; i < m; ++i) {
          scale[i] += __builtin_fabs(double(b[i])) * __builtin_fabs(double(w[i]));
        }
      }
    }
    if (planes == 1) {
      for (std::size_t i = 0; i < m; ++i) scale[i] = __builtin_fabs(double(q[i]));
    } else {
      for (std::size_t i = 0; i < m; ++i) scale[i] += __builtin_fabs(double(q[i]));
    }
    for (std::size_t i = 0; i < m; ++i) {
      ratio[i] = judged[i] != 0 ? __builtin_fabs(sum[i]) / scale[i] : 0.0;
    }
    for (std::size_t i = 0; i < m; ++i) {
      nan = nan || ratio[i] != ratio[i];
      if (ratio[i] > worst) worst = ratio[i];
    }
  }
  return nan ? std::numeric_limits<double>::quiet_NaN() : worst;
}

// data[e] = parts[gather[e]] for the nnz entries, or false, nothing read, when a slot
// is beyond the parts (a negative one too: read unsigned): the largest slot first (a
// loop that vectorizes), then the loads in a plain loop with no check of its own
// (banded's 3e5 entries 0.12 ms, against 0.18 for a loop that bounded each slot as it
// read it; AVX-512's gathers are no faster here).
template <class T, class G, class U>
inline bool gather_slots(const T* __restrict parts, std::size_t slots, const G* __restrict gather,
                         std::size_t nnz, T* __restrict data) {
  U top = 0;
  for (std::size_t e = 0; e < nnz; ++e) {
    const U slot = static_cast<U>(gather[e]);
    top = slot > top ? slot : top;
  }
  if (nnz != 0 && static_cast<std::size_t>(top) >= slots) return false;
  for (std::size_t e = 0; e < nnz; ++e) data[e] = parts[static_cast<U>(gather[e])];
  return true;
}
