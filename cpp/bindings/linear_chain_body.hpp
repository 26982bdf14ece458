// The body of linear_chain.hpp's programs, compiled once per instruction set there
// (included inside a namespace, under GCC's target and optimize pragmas: no include
// guard, no includes).
// NOLINT(build/header_guard)

namespace detail {

// common.hpp's strong zeros, compiled here with this file's options
template <class T>
inline T part_times(T a, T b) {
  return b == T(0) ? T(0) : a * b;
}

template <class T>
inline T parts_times(T a, T b) {
  return (a == T(0)) | (b == T(0)) ? T(0) : a * b;
}

// A step's values over k elements: o = op(a, b) (b unread for one operand).
template <class T>
inline void step_values(Op op, const T* a, const T* b, T* o, std::size_t k) {
  switch (op) {
    case kNegative:
#pragma omp simd
      for (std::size_t i = 0; i < k; ++i) o[i] = -a[i];
      return;
    case kPositive:
#pragma omp simd
      for (std::size_t i = 0; i < k; ++i) o[i] = a[i];
      return;
    case kAdd:
#pragma omp simd
      for (std::size_t i = 0; i < k; ++i) o[i] = a[i] + b[i];
      return;
    case kSubtract:
#pragma omp simd
      for (std::size_t i = 0; i < k; ++i) o[i] = a[i] - b[i];
      return;
    case kMultiply:
#pragma omp simd
      for (std::size_t i = 0; i < k; ++i) o[i] = a[i] * b[i];
      return;
    default:
#pragma omp simd
      for (std::size_t i = 0; i < k; ++i) o[i] = a[i] / b[i];
      return;
  }
}

// A step's parts over k elements: av, bv the operands' values, ap, bp their parts
// (an operand without parts: its values, unread), v the step's values, o its parts;
// slope a unary function's f1.
// Exact: some value of the sub-block is nan (the general rule there). finite_factor: a
// product's operand without parts is one finite nonzero number, so that 0 + c x' is
// 0 + parts_times(c, x') bit for bit (x' = +-0 gives +0 either way) without the
// strong zero's selects (banded's 2 x and 1e-2 e: its pass 8% faster).
template <bool Exact, class T>
inline void step_parts(const Step& s, const T* av, const T* bv, const T* ap, const T* bp,
                       const T* v, const T* slope, T* o, std::size_t k, bool finite_factor) {
  const bool x = s.parts[0], y = s.arity == 2 && s.parts[1];
  const auto defined = [&](std::size_t i) { return !Exact || v[i] == v[i]; };
  switch (s.op) {
    case kNegative:
    case kPositive: {
      const T unit = s.op == kNegative ? T(-1) : T(1);
      if (!Exact && s.op == kNegative) {  // part_times(-1, x') is 0 - x' bit for bit
#pragma omp simd
        for (std::size_t i = 0; i < k; ++i) o[i] = T(0) - ap[i];
        return;
      }
      if (!Exact) {  // and part_times(1, x') is 0 + x' (x' = +-0 gives +0 either way)
#pragma omp simd
        for (std::size_t i = 0; i < k; ++i) o[i] = T(0) + ap[i];
        return;
      }
#pragma omp simd
      for (std::size_t i = 0; i < k; ++i) o[i] = part_times(defined(i) ? unit : v[i], ap[i]);
      return;
    }
    case kAdd:
    case kSubtract: {
      const bool add = s.op == kAdd;
      if (x && y) {
#pragma omp simd
        for (std::size_t i = 0; i < k; ++i) {
          const T sum = add ? (T(0) + ap[i]) + bp[i] : (T(0) + ap[i]) - bp[i];
          o[i] = defined(i) ? sum : (T(0) + part_times(v[i], ap[i])) + part_times(v[i], bp[i]);
        }
      } else if (x) {
#pragma omp simd
        for (std::size_t i = 0; i < k; ++i) {
          const T sum = add ? (T(0) + ap[i]) + T(0) : (T(0) + ap[i]) - T(0);
          o[i] = defined(i) ? sum : T(0) + part_times(v[i], ap[i]);
        }
      } else {
#pragma omp simd
        for (std::size_t i = 0; i < k; ++i) {
          const T sum = add ? (T(0) + T(0)) + bp[i] : (T(0) + T(0)) - bp[i];
          o[i] = defined(i) ? sum : T(0) + part_times(v[i], bp[i]);
        }
      }
      return;
    }
    case kMultiply:
      if (!Exact && finite_factor) {
        const T c = x ? bv[0] : av[0];
        const T* parts = x ? ap : bp;
#pragma omp simd
        for (std::size_t i = 0; i < k; ++i) o[i] = T(0) + c * parts[i];
      } else if (x) {  // x * c: fx = c
#pragma omp simd
        for (std::size_t i = 0; i < k; ++i) {
          o[i] = T(0) + parts_times(defined(i) ? bv[i] : v[i], ap[i]);
        }
      } else {  // c * y: fy = c
#pragma omp simd
        for (std::size_t i = 0; i < k; ++i) {
          o[i] = T(0) + parts_times(defined(i) ? av[i] : v[i], bp[i]);
        }
      }
      return;
    case kUnary:  // kinds.hpp's term(f1, x') (f1 is the value where that is nan)
      if (s.structural) {
#pragma omp simd
        for (std::size_t i = 0; i < k; ++i) {
          o[i] = (slope[i] == T(0)) | (ap[i] == T(0)) ? T(0) : part_times(slope[i], ap[i]);
        }
      } else {
#pragma omp simd
        for (std::size_t i = 0; i < k; ++i) o[i] = part_times(slope[i], ap[i]);
      }
      return;
    default:  // x / c: fx = 1 / c
#pragma omp simd
      for (std::size_t i = 0; i < k; ++i) {
        o[i] = parts_times(defined(i) ? T(1) / bv[i] : v[i], ap[i]);
      }
      return;
  }
}

// A sum (run_as) over k elements, summed left to right in registers: o = g_0 s_0 +
// g_1 s_1 + ... + g_{K-1} s_{K-1} (its values), or 0 + g_0 s_0 + ... (its parts, where
// no value of the sub-block is nan). Each term is an operand s (g = 1, or -1 when
// subtracted) or a folded step's operand (g its factor, negated when subtracted), and
// the sum is the steps' own operations bit for bit (nan's sign and payload aside): a -
// b is a + (-b), -(c b) is (-c) b, -a is (-1) a; and the parts' rules (0 + a) +- b,
// with a never -0 past the first 0 + (a sum of numbers not -0 is not -0), are a + b or
// a + (-b), 0 + g s being g s wherever it is added to such a sum.
template <int K, bool Parts, class T>
inline void sum_terms(const T* const* s, const T* g, T* o, std::size_t k) {
  const T* source[K];
  T factor[K];
  for (int t = 0; t < K; ++t) {
    source[t] = s[t];
    factor[t] = g[t];
  }
#pragma omp simd
  for (std::size_t i = 0; i < k; ++i) {
    T sum = Parts ? T(0) + factor[0] * source[0][i] : factor[0] * source[0][i];
    for (int t = 1; t < K; ++t) sum += factor[t] * source[t][i];
    o[i] = sum;
  }
}

// sum_terms of 1 to kMaxSteps + 1 terms (a sum's steps' second operands, and a first)
template <bool Parts, class T, int... K>
constexpr auto sum_table(std::integer_sequence<int, K...>) {
  using Sum = void (*)(const T* const*, const T*, T*, std::size_t);
  return std::array<Sum, sizeof...(K)>{&sum_terms<K + 1, Parts, T>...};
}

template <bool Parts, class T>
inline void sum_terms(int count, const T* const* s, const T* g, T* o, std::size_t k) {
  static constexpr auto table =
      sum_table<Parts, T>(std::make_integer_sequence<int, kMaxSteps + 1>{});
  table[static_cast<std::size_t>(count - 1)](s, g, o, k);
}

}  // namespace detail

// Runs a program of `count` steps (the last one the result) over m elements of every
// plane, into out (planes `out_stride` apart).
template <class T>
void run_as(const Step* steps, int count, const Leaf* leaves, int leaf_count, int planes, T* out,
            std::size_t out_stride, std::size_t m) {
  alignas(64) T values[kMaxSteps][kSub];
  alignas(64) T parts[kMaxSteps][kSub];
  alignas(64) T slopes[kMaxSteps][kSub];  // a unary step's f1
  alignas(64) T splat[kMaxLeaves][kSub];
  for (int l = 0; l < leaf_count; ++l) {
    if (!leaves[l].broadcast) continue;
    const T number = *static_cast<const T*>(leaves[l].data);
    for (std::size_t i = 0; i < kSub; ++i) splat[l][i] = number;
  }
  const int last = count - 1;
  // products by one finite nonzero number (step_parts' finite_factor)
  bool finite_factor[kMaxSteps] = {};
  for (int j = 0; j < count; ++j) {
    const Step& s = steps[j];
    if (s.op != kMultiply || s.arity != 2 || s.parts[0] == s.parts[1]) continue;
    const int operand = s.operand[s.parts[0] ? 1 : 0];
    if (operand >= 0 || !leaves[-1 - operand].broadcast) continue;
    const T c = *static_cast<const T*>(leaves[-1 - operand].data);
    finite_factor[j] = c != T(0) && c - c == T(0);
  }
  // Sums: an add or subtract, and the adds and subtracts that read it as their first
  // operand, each read once, run as one loop (sum_terms) where no value of the
  // sub-block is nan: the parts of its last step alone are stored. A negative,
  // positive or product by one finite nonzero number that a sum reads, once, is folded
  // into it (a term g s: its parts are never stored either). Banded's -a + 2 b - c +
  // 1e-2 e: one loop a plane instead of six.
  // (fusion.hpp's programs read every step but the last once; readers keeps a step
  // read twice stored all the same.)
  int readers[kMaxSteps] = {};
  for (int j = 0; j < count; ++j) {
    for (int i = 0; i < steps[j].arity; ++i) {
      if (steps[j].parts[i] && steps[j].operand[i] >= 0) ++readers[steps[j].operand[i]];
    }
  }
  const auto is_sum = [&](int j) {
    return j >= 0 && (steps[j].op == kAdd || steps[j].op == kSubtract) && steps[j].arity == 2;
  };
  // a step folded into the sum that reads it: its factor and its parts' operand
  const auto fold = [&](int f, T& factor, int& source) {
    if (f < 0 || readers[f] != 1) return false;
    const Step& u = steps[f];
    if (u.arity == 1 && u.parts[0] && (u.op == kNegative || u.op == kPositive)) {
      factor = u.op == kNegative ? T(-1) : T(1);
      source = u.operand[0];
      return true;
    }
    if (!finite_factor[f]) return false;
    const int operand = u.parts[0] ? 0 : 1;
    factor = *static_cast<const T*>(leaves[-1 - u.operand[1 - operand]].data);
    source = u.operand[operand];
    return true;
  };
  // skipped[j]: step j's parts are not stored (folded, or a sum's step but its last);
  // sum_of[j]: the sum step j ends (its terms' operands and factors), or -1
  bool skipped[kMaxSteps] = {};
  int sum_of[kMaxSteps];
  int term_count[kMaxSteps] = {};
  int term_source[kMaxSteps][kMaxSteps + 1];
  T term_factor[kMaxSteps][kMaxSteps + 1];
  // a sum's values: every operand a term (one without parts too)
  int value_count[kMaxSteps] = {};
  int value_source[kMaxSteps][kMaxSteps + 1];
  T value_factor[kMaxSteps][kMaxSteps + 1];
  for (int j = 0; j < count; ++j) {
    sum_of[j] = -1;
    const Step& s = steps[j];
    if (!is_sum(j)) continue;
    const int before = s.parts[0] ? s.operand[0] : -1;
    const bool extends = is_sum(before) && readers[before] == 1 && sum_of[before] >= 0 &&
                         !(s.parts[1] && s.operand[1] == before);
    int sum = j;
    if (extends) {  // the sum ending at `before` ends here now
      sum = sum_of[before];
      sum_of[before] = -1;
      skipped[before] = true;
    }
    sum_of[j] = sum;
    const auto add_term = [&](int i, T sign) {
      const int operand = s.operand[i];
      T factor = T(1);
      int source = operand;
      if (s.parts[i] && fold(operand, factor, source)) skipped[operand] = true;
      value_source[sum][value_count[sum]] = source;
      value_factor[sum][value_count[sum]++] = sign * factor;
      if (!s.parts[i]) return;  // ((0 + a) +- 0 is 0 + a)
      term_source[sum][term_count[sum]] = source;
      term_factor[sum][term_count[sum]++] = sign * factor;
    };
    if (!extends) add_term(0, T(1));
    add_term(1, s.op == kSubtract ? T(-1) : T(1));
  }
  for (std::size_t start = 0; start < m; start += kSub) {
    const std::size_t k = m - start < kSub ? m - start : kSub;
    // plane `p` of a leaf over this sub-block (a number: its splat, at every plane)
    const auto leaf_plane = [&](int l, int p) -> const T* {
      const Leaf& leaf = leaves[l];
      if (leaf.broadcast) return splat[l];
      if (p == 0 && leaf.value != nullptr) return static_cast<const T*>(leaf.value) + start;
      if (p == leaf.probe_plane) return static_cast<const T*>(leaf.probe) + start;
      return static_cast<const T*>(leaf.data) + static_cast<std::size_t>(p) * leaf.stride + start;
    };
    const auto value = [&](int operand) -> const T* {
      return operand >= 0 ? values[operand] : leaf_plane(-1 - operand, 0);
    };
    // the steps' values, the last one's into out
    const auto values_of = [&](int j) -> T* {
      return j == last && steps[j].op != kUnary ? out + start : values[j];
    };
    const auto step_values = [&](int j) {
      const Step& s = steps[j];
      const T* a = value(s.operand[0]);
      if (s.op == kUnary) {  // (into its own buffers: they are written to whole vectors)
        alignas(64) T second[kDerivativesBlock];
        for (std::size_t d = 0; d < k; d += kDerivativesBlock) {
          const std::size_t n = k - d < kDerivativesBlock ? k - d : kDerivativesBlock;
          s.derivatives(a + d, n, values[j] + d, slopes[j] + d, second);
        }
        if (j == last) __builtin_memcpy(out + start, values[j], k * sizeof(T));
        return;
      }
      detail::step_values(s.op, a, s.arity == 2 ? value(s.operand[1]) : a, values_of(j), k);
    };
    // the sums' values (the values of the steps they skip are read by no other step)
    for (int j = 0; j < count; ++j) {
      if (skipped[j]) continue;
      if (sum_of[j] < 0) {
        step_values(j);
        continue;
      }
      const int sum = sum_of[j];
      const T* source[kMaxSteps + 1];
      for (int t = 0; t < value_count[sum]; ++t) source[t] = value(value_source[sum][t]);
      detail::sum_terms<false>(value_count[sum], source, value_factor[sum], values_of(j), k);
    }
    // Whether some step's value is nan: then the last one's is (every step is an
    // operand of a later one, and each operation keeps a nan operand's nan). An
    // infinite value takes the general rule too (inf - inf): where the value is not
    // nan that gives the unit rule's bits, so it only costs time.
    T spread = T(0);
    {
      const T* v = values_of(last);
#pragma omp simd reduction(+ : spread)
      for (std::size_t i = 0; i < k; ++i) spread += v[i] - v[i];
    }
    const bool exact = spread != spread;
    if (exact) {  // the general rule reads every step's values (a unary's: computed)
      for (int j = 0; j < count; ++j) {
        if (steps[j].op != kUnary) step_values(j);
      }
    }
    for (int p = 1; p < planes; ++p) {
      for (int j = 0; j < count; ++j) {
        const Step& s = steps[j];
        const auto operand_parts = [&](int i) -> const T* {
          const int operand = s.operand[i];
          if (!s.parts[i]) return value(operand);
          return operand >= 0 ? parts[operand] : leaf_plane(-1 - operand, p);
        };
        const T* av = value(s.operand[0]);
        const T* bv = s.arity == 2 ? value(s.operand[1]) : av;
        const T* ap = operand_parts(0);
        const T* bp = s.arity == 2 ? operand_parts(1) : ap;
        T* o = j == last ? out + static_cast<std::size_t>(p) * out_stride + start : parts[j];
        if (!exact && skipped[j]) continue;  // (a sum's later step computes its parts)
        if (!exact && sum_of[j] >= 0) {      // (a sum has an operand with parts)
          const int sum = sum_of[j];
          const T* source[kMaxSteps + 1];
          for (int t = 0; t < term_count[sum]; ++t) {
            const int operand = term_source[sum][t];
            source[t] = operand >= 0 ? parts[operand] : leaf_plane(-1 - operand, p);
          }
          detail::sum_terms<true>(term_count[sum], source, term_factor[sum], o, k);
          continue;
        }
        if (exact) {
          detail::step_parts<true>(s, av, bv, ap, bp, values_of(j), slopes[j], o, k, false);
        } else {
          detail::step_parts<false>(s, av, bv, ap, bp, values_of(j), slopes[j], o, k,
                                    finite_factor[j]);
        }
      }
    }
  }
}

inline void run_f64(const Step* steps, int count, const Leaf* leaves, int leaf_count, int planes,
                    double* out, std::size_t out_stride, std::size_t m) {
  run_as<double>(steps, count, leaves, leaf_count, planes, out, out_stride, m);
}

inline void run_f32(const Step* steps, int count, const Leaf* leaves, int leaf_count, int planes,
                    float* out, std::size_t out_stride, std::size_t m) {
  run_as<float>(steps, count, leaves, leaf_count, planes, out, out_stride, m);
}
