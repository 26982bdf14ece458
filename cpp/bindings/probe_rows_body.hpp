// The body of register_probe.cpp's branch-free row checks and its gather of a sparse
// Jacobian's entries, compiled once per instruction set there (included inside a
// namespace, under GCC's target and optimize pragmas, as linear_chain_body.hpp: no
// include guard, no includes; builtins, not std:: functions, which would be calls
// compiled without those options).
// NOLINT(build/header_guard)

// judge_row's tests as a select (beyond the bound, nan is not; both sides finite).
inline bool beyond_bound(double sum, double q, double f, double rtol) {
  constexpr double kLargest = std::numeric_limits<double>::max();
  const double bound = __builtin_fabs(q) * rtol + f;
  const double magnitude = __builtin_fabs(sum);
  return (magnitude > bound) & (__builtin_fabs(magnitude + q) <= kLargest) &
         (__builtin_fabs(q) <= kLargest);
}

// The sums and tests of real_block_rows's m rows from row s, for P planes of parts
// known here: each row's sum kept in a register over the planes, in their order (the
// loops plane by plane loaded and stored every row's sum once a plane: banded's
// check at 1e5 0.091 -> 0.074 ms). Returns how many rows are judged.
template <std::size_t P, class T, class W>
inline std::size_t fixed_sums(const T* __restrict block, std::size_t rows,
                              const W* __restrict weights, std::size_t wrows, std::size_t s,
                              std::size_t m, const double* __restrict f, double rtol,
                              double* __restrict sum, unsigned char* __restrict judged) {
  const T* q = block + P * rows + s;
  std::size_t count = 0;
  for (std::size_t i = 0; i < m; ++i) {
    double total;
    if constexpr (P == 0) {
      total = double(q[i]) * -1.0;
    } else {
      // (from the first product, not 0 + it: the same magnitudes)
      total = double(block[s + i]) * double(weights[s + i]);
      for (std::size_t a = 1; a < P; ++a) {
        total += double(block[a * rows + s + i]) * double(weights[a * wrows + s + i]);
      }
      total += double(q[i]) * -1.0;
    }
    sum[i] = total;
    const bool beyond = beyond_bound(total, double(q[i]), f[i], rtol);
    judged[i] = beyond;
    count += beyond;
  }
  return count;
}

// fixed_sums for more planes: plane by plane over the rows (planes >= 2).
template <class T, class W>
inline std::size_t plane_sums(const T* block, std::size_t rows, const W* weights, std::size_t wrows,
                              std::size_t planes, std::size_t s, std::size_t m, const double* f,
                              double rtol, double* sum, unsigned char* judged) {
  const T* q = block + (planes - 1) * rows + s;
  for (std::size_t a = 0; a + 1 < planes; ++a) {
    const T* b = block + a * rows + s;
    const W* w = weights + a * wrows + s;
    if (a == 0) {
      for (std::size_t i = 0; i < m; ++i) sum[i] = double(b[i]) * double(w[i]);
    } else {
      for (std::size_t i = 0; i < m; ++i) sum[i] += double(b[i]) * double(w[i]);
    }
  }
  for (std::size_t i = 0; i < m; ++i) sum[i] += double(q[i]) * -1.0;
  std::size_t count = 0;
  for (std::size_t i = 0; i < m; ++i) {
    const bool beyond = beyond_bound(sum[i], double(q[i]), f[i], rtol);
    judged[i] = beyond;
    count += beyond;
  }
  return count;
}

// fixed_sums for 0 .. sizeof...(P) - 1 planes of parts
template <class T, class W, std::size_t... P>
constexpr auto fixed_sums_table(std::index_sequence<P...>) {
  using Sums = std::size_t (*)(const T*, std::size_t, const W*, std::size_t, std::size_t,
                               std::size_t, const double*, double, double*, unsigned char*);
  return std::array<Sums, sizeof...(P)>{&fixed_sums<P, T, W>...};
}

// block_rows for real planes (weights: planes - 1 rows, the probe's plane weighed -1,
// not read), kRows rows at a time in branch-free loops that vectorize: each
// row's sum (fixed_sums) (every row's, the same sums in the same order), judge_row's
// tests as selects, then the scales of the rows judged: of each alone where they are
// few (a banded Jacobian's 1 % of rows differ from the probe beyond rtol: computing
// every row's scale cost more than the sums), of all where they are many (a quarter
// of a Ginzburg-Landau Hessian's rows: row by row, the branches mispredicted, 0.64 ms
// for 4 x 1e5 against 0.24 where 2 % did).
// (strided: block's planes `stride` elements apart, weights' `wstride`, over `rows`
// rows: a block of a pass in scratch, compute's sink)
template <class T, class W>
inline double real_block_rows(const T* block, std::size_t stride, const W* weights,
                              std::size_t wstride, std::size_t planes, std::size_t rows,
                              const double* floor, double rtol) {
  constexpr std::size_t kRows = 256;
  static constexpr double kNoFloor[kRows] = {};
  alignas(64) double sum[kRows], scale[kRows], ratio[kRows];
  alignas(64) unsigned char judged[kRows];
  double worst = 0;
  bool nan = false;
  for (std::size_t s = 0; s < rows; s += kRows) {
    const std::size_t m = rows - s < kRows ? rows - s : kRows;
    const T* q = block + (planes - 1) * stride + s;
    const double* f = floor != nullptr ? floor + s : kNoFloor;  // (+ 0: the same bound)
    // (planes - 1 known here up to 8: fixed_sums, else plane by plane)
    static constexpr auto fixed = fixed_sums_table<T, W>(std::make_index_sequence<9>{});
    const std::size_t count =
        planes - 1 < fixed.size()
            ? fixed[planes - 1](block, stride, weights, wstride, s, m, f, rtol, sum, judged)
            : plane_sums(block, stride, weights, wstride, planes, s, m, f, rtol, sum, judged);
    if (count == 0) continue;
    const auto row_scale = [&](std::size_t i) {  // (the planes in the sums' order)
      double total = 0;
      for (std::size_t a = 0; a + 1 < planes; ++a) {
        total += __builtin_fabs(double(block[a * stride + s + i])) *
                 __builtin_fabs(double(weights[a * wstride + s + i]));
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
      const T* b = block + a * stride + s;
      const W* w = weights + a * wstride + s;
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

// data[e] = parts[gather[e]] for the nnz entries, or false when a slot is beyond the
// parts (a negative one too: read unsigned), data then unspecified: each slot clamped
// to the last one as it is read, one flag for all (one pass over the slots: banded's
// 3e5 entries 0.12 -> 0.10 ms, against a pass for the largest slot first, and 0.18
// for a branch on each slot; AVX-512's gathers are no faster here).
template <class T, class G, class U>
inline bool gather_slots(const T* __restrict parts, std::size_t slots, const G* __restrict gather,
                         std::size_t nnz, T* __restrict data) {
  if (slots == 0) return nnz == 0;
  const U widest = static_cast<U>(~U(0));  // (slots past U's range: every slot is inside)
  const U last = slots - 1 > static_cast<std::size_t>(widest) ? widest : static_cast<U>(slots - 1);
  U beyond = 0;
  for (std::size_t e = 0; e < nnz; ++e) {
    const U slot = static_cast<U>(gather[e]);
    beyond |= static_cast<U>(slot > last);
    data[e] = parts[slot < last ? slot : last];
  }
  return beyond == 0;
}

// One run of 8 entries: rows at .. at + 7 of C color planes (`stride` elements apart)
// loaded whole and permuted by the run's codes (8 color + row) into data[0 .. 7].
template <int C>
__attribute__((always_inline)) inline void permute_run(const double* __restrict at,
                                                       std::size_t stride,
                                                       const unsigned char* __restrict code,
                                                       double* __restrict data) {
  typedef double Row __attribute__((vector_size(64)));
  typedef long long Index __attribute__((vector_size(64)));
  Row r[C];
  for (int a = 0; a < C; ++a) __builtin_memcpy(&r[a], at + a * stride, sizeof(Row));
  unsigned char bytes[8];
  __builtin_memcpy(bytes, code, 8);
  Index index;
  for (int i = 0; i < 8; ++i) index[i] = bytes[i];
  Row out = __builtin_shuffle(r[0], r[C > 1 ? 1 : 0], index);
  if constexpr (C > 2) {
    const Row high = __builtin_shuffle(r[2], r[C > 3 ? 3 : 2], index);
    out = (index & 16) != 0 ? high : out;
  }
  if constexpr (C > 4) {
    Row upper = __builtin_shuffle(r[4], r[C > 5 ? 5 : 4], index);
    if constexpr (C > 6) {
      const Row top = __builtin_shuffle(r[6], r[C > 7 ? 7 : 6], index);
      upper = (index & 16) != 0 ? top : upper;
    }
    out = (index & 32) != 0 ? upper : out;
  }
  __builtin_memcpy(data, &out, sizeof(Row));
}

// data[e] = parts[color * m + row] for the nnz entries of a CSR whose every run of 8
// entries (vector v: entries 8v .. 8v + 7) reads rows base[v] .. base[v] + 7 of its
// C <= 8 color planes (m rows each): code[e] = 8 color + row - base[v]. Each vector
// is those planes' 8 rows loaded whole and permuted (AVX-512's vpermt2pd), not 8
// loads of a slot each (gather_slots). The caller checked base[v] + 8 <= m (the tail
// past the last whole vector: base[vectors]) and code < 8 C.
template <int C>
inline void permute_slots(const double* __restrict parts, std::size_t m, const int* __restrict base,
                          const unsigned char* __restrict code, std::size_t nnz,
                          double* __restrict data) {
  const std::size_t vectors = nnz / 8;
  for (std::size_t v = 0; v < vectors; ++v) {
    permute_run<C>(parts + base[v], m, code + 8 * v, data + 8 * v);
  }
  for (std::size_t e = 8 * vectors; e < nnz; ++e) {
    const std::size_t a = code[e] >> 3, d = code[e] & 7;
    data[e] = parts[a * m + static_cast<std::size_t>(base[vectors]) + d];
  }
}

// Whether permute_slots's reads stay in the parts: every base in [0, m - 8], every
// code's color < colors (loops with no exit, vectorized).
inline bool permute_inside(std::size_t m, int colors, const int* base, std::size_t vectors,
                           const unsigned char* code, std::size_t nnz) {
  int low = 0, high = 0;
  for (std::size_t v = 0; v < vectors; ++v) {
    low = base[v] < low ? base[v] : low;
    high = base[v] > high ? base[v] : high;
  }
  unsigned char top = 0;
  for (std::size_t e = 0; e < nnz; ++e) top = code[e] > top ? code[e] : top;
  return (m >= 8 || nnz == 0) && low >= 0 && static_cast<std::size_t>(high) + 8 <= m &&
         top < 8 * colors;
}

template <int... C>
constexpr auto permute_table(std::integer_sequence<int, C...>) {
  using Permute =
      void (*)(const double*, std::size_t, const int*, const unsigned char*, std::size_t, double*);
  return std::array<Permute, sizeof...(C)>{&permute_slots<C + 1>...};
}

// permute_slots for 1 to 8 colors (permute_inside checked them)
inline void permute_slots(const double* parts, std::size_t m, int colors, const int* base,
                          const unsigned char* code, std::size_t nnz, double* data) {
  static constexpr auto table = permute_table(std::make_integer_sequence<int, 8>{});
  table[static_cast<std::size_t>(colors - 1)](parts, m, base, code, nnz, data);
}

// A sparse Jacobian's recovery over rows r0 .. r0 + m - 1 of its pass, from a block of
// the pass's planes (compute's sink: scratch, `stride` elements apart; parts[a *
// stride + i]: color a's part at row r0 + i, then the probe's J w when probed). One
// block's share of csr_permute's entries and unused slots and of block_mismatch's check:
// - the slots no entry reads (each color's unused rows in the block, found by a binary
//   search: testing every slot cost as much as the write it saves) must be 0:
//   `nonzero` set otherwise (nan is not 0, as numpy's any counts it);
// - with the probe, real_block_rows's largest ratio over these rows into `worst`;
// - entries indptr[r0] .. indptr[r0 + m] - 1 (each CSR entry's row base[e / 8] + code
//   & 7, color code >> 3): a run of 8 whose 8 rows from its base lie in the block read
//   by permutes (permute_run), any other entry alone. `bad` set, nothing read there,
//   where an entry's row lies outside the block or indptr outside the entries.
template <int C, class W>
inline void recover_block_as(const double* __restrict parts, std::size_t stride, std::size_t r0,
                             std::size_t m, bool probed, const W* __restrict weights,
                             std::size_t rows, const int* unused, const int* unused_starts,
                             const double* floor, double rtol, const int* __restrict indptr,
                             std::size_t nnz, const int* __restrict base,
                             const unsigned char* __restrict code, double* __restrict data,
                             double& worst, bool& nonzero, bool& bad) {
  for (int a = 0; a < C; ++a) {  // (each color's unused rows, ascending)
    const int* low = unused + unused_starts[a];
    const int* high = unused + unused_starts[a + 1];
    while (low < high) {  // the first at r0 or past it
      const int* middle = low + (high - low) / 2;
      if (static_cast<std::size_t>(*middle) < r0) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    const double* p = parts + static_cast<std::size_t>(a) * stride;
    for (const int* u = low; u < unused + unused_starts[a + 1]; ++u) {
      const std::size_t row = static_cast<std::size_t>(*u) - r0;
      if (row >= m) break;
      nonzero = nonzero || p[row] != 0.0;
    }
  }
  if (probed) {
    const double found = real_block_rows(parts, stride, weights + r0, rows, C + 1, m,
                                         floor != nullptr ? floor + r0 : nullptr, rtol);
    if (found != found || worst != worst) {
      worst = std::numeric_limits<double>::quiet_NaN();
    } else if (found > worst) {
      worst = found;
    }
  }
  const auto e0 = static_cast<std::size_t>(indptr[r0]);
  const auto e1 = static_cast<std::size_t>(indptr[r0 + m]);
  if (indptr[r0] < 0 || e1 > nnz || e0 > e1) {
    bad = true;
    return;
  }
  for (std::size_t e = e0; e < e1;) {
    const std::size_t v = e / 8;
    const auto first = static_cast<std::size_t>(base[v]) - r0;  // (wraps below r0: fails)
    if (e % 8 == 0 && e + 8 <= e1 && m >= 8 && first <= m - 8) {
      permute_run<C>(parts + first, stride, code + e, data + e);
      e += 8;
      continue;
    }
    const std::size_t row = first + (code[e] & 7);
    if (row >= m) {
      bad = true;
      return;
    }
    data[e] = parts[static_cast<std::size_t>(code[e] >> 3) * stride + row];
    ++e;
  }
}

template <class W, int... C>
constexpr auto recover_table(std::integer_sequence<int, C...>) {
  using Recover =
      void (*)(const double*, std::size_t, std::size_t, std::size_t, bool, const W*, std::size_t,
               const int*, const int*, const double*, double, const int*, std::size_t, const int*,
               const unsigned char*, double*, double&, bool&, bool&);
  return std::array<Recover, sizeof...(C)>{&recover_block_as<C + 1, W>...};
}

// recover_block_as for 1 to 8 colors (each code's color < colors: checked by the caller)
template <class W>
inline void recover_block(const double* parts, std::size_t stride, std::size_t r0, std::size_t m,
                          int colors, bool probed, const W* weights, std::size_t rows,
                          const int* unused, const int* unused_starts, const double* floor,
                          double rtol, const int* indptr, std::size_t nnz, const int* base,
                          const unsigned char* code, double* data, double& worst, bool& nonzero,
                          bool& bad) {
  static constexpr auto table = recover_table<W>(std::make_integer_sequence<int, 8>{});
  table[static_cast<std::size_t>(colors - 1)](parts, stride, r0, m, probed, weights, rows, unused,
                                              unused_starts, floor, rtol, indptr, nnz, base, code,
                                              data, worst, nonzero, bad);
}
