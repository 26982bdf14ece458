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
// (an operand without parts: its values, unread), v the step's values, o its parts.
// Exact: some value of the sub-block is nan (the general rule there). finite_factor: a
// product's operand without parts is one finite nonzero number, so that 0 + c x' is
// 0 + parts_times(c, x') bit for bit (x' = +-0 gives +0 either way) without the
// strong zero's selects (banded's 2 x and 1e-2 e: its pass 8% faster).
template <bool Exact, class T>
inline void step_parts(const Step& s, const T* av, const T* bv, const T* ap, const T* bp,
                       const T* v, T* o, std::size_t k, bool finite_factor) {
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
    default:  // x / c: fx = 1 / c
#pragma omp simd
      for (std::size_t i = 0; i < k; ++i) {
        o[i] = parts_times(defined(i) ? T(1) / bv[i] : v[i], ap[i]);
      }
      return;
  }
}

// An add or subtract (unit rule: no value of the sub-block nan) whose operands' parts
// may come from a folded step (run_as): operand i's parts are then 0 + c_i s_i, what
// that step would have stored (c_i its factor; -1 for a negative, 1 for a positive:
// 0 - s and 0 + s bit for bit, nan's payload included), else s_i itself. x, y: which
// operands have parts (step_parts' add and subtract).
template <bool FoldA, bool FoldB, class T>
inline void folded_sum(bool add, bool x, bool y, const T* sa, T ca, const T* sb, T cb, T* o,
                       std::size_t k) {
  const auto a = [&](std::size_t i) { return FoldA ? T(0) + ca * sa[i] : sa[i]; };
  const auto b = [&](std::size_t i) { return FoldB ? T(0) + cb * sb[i] : sb[i]; };
  if (x && y) {
#pragma omp simd
    for (std::size_t i = 0; i < k; ++i) o[i] = add ? (T(0) + a(i)) + b(i) : (T(0) + a(i)) - b(i);
  } else if (x) {
#pragma omp simd
    for (std::size_t i = 0; i < k; ++i) o[i] = add ? (T(0) + a(i)) + T(0) : (T(0) + a(i)) - T(0);
  } else {
#pragma omp simd
    for (std::size_t i = 0; i < k; ++i) o[i] = add ? (T(0) + T(0)) + b(i) : (T(0) + T(0)) - b(i);
  }
}

}  // namespace detail

// Runs a program of `count` steps (the last one the result) over m elements of every
// plane, into out (planes `out_stride` apart).
template <class T>
void run_as(const Step* steps, int count, const Leaf* leaves, int leaf_count, int planes, T* out,
            std::size_t out_stride, std::size_t m) {
  alignas(64) T values[kMaxSteps][kSub];
  alignas(64) T parts[kMaxSteps][kSub];
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
  // A negative, positive or product by one finite nonzero number read by one add or
  // subtract alone is folded into it (folded_sum) where the unit rule holds: its parts
  // are never stored, a pass over L1 less (banded's -a, 2 b and 1e-2 e: run_as 13% and
  // the sparse Jacobian's pass 4-5% faster). folded_from[j][i]: the folded step operand
  // i of step j reads, or -1; fold_factor[f], fold_source[f]: folded step f's factor
  // and its parts' operand. (fusion.hpp's programs read every step but the last once;
  // readers keeps a step read twice stored all the same.)
  int readers[kMaxSteps] = {};
  for (int j = 0; j < count; ++j) {
    for (int i = 0; i < steps[j].arity; ++i) {
      if (steps[j].parts[i] && steps[j].operand[i] >= 0) ++readers[steps[j].operand[i]];
    }
  }
  int folded_from[kMaxSteps][2];
  T fold_factor[kMaxSteps] = {};
  int fold_source[kMaxSteps] = {};
  bool folded[kMaxSteps] = {};
  for (int j = 0; j < count; ++j) {
    const Step& s = steps[j];
    folded_from[j][0] = folded_from[j][1] = -1;
    if (s.op != kAdd && s.op != kSubtract) continue;
    for (int i = 0; i < s.arity; ++i) {
      const int f = s.operand[i];
      if (!s.parts[i] || f < 0 || readers[f] != 1) continue;
      const Step& u = steps[f];
      if (u.arity == 1 && u.parts[0] && (u.op == kNegative || u.op == kPositive)) {
        fold_factor[f] = u.op == kNegative ? T(-1) : T(1);
        fold_source[f] = u.operand[0];
      } else if (finite_factor[f]) {
        const int operand = u.parts[0] ? 0 : 1;
        fold_factor[f] = *static_cast<const T*>(leaves[-1 - u.operand[1 - operand]].data);
        fold_source[f] = u.operand[operand];
      } else {
        continue;
      }
      folded[f] = true;
      folded_from[j][i] = f;
    }
  }
  for (std::size_t start = 0; start < m; start += kSub) {
    const std::size_t k = m - start < kSub ? m - start : kSub;
    // plane `p` of a leaf over this sub-block (a number: its splat, at every plane)
    const auto leaf_plane = [&](int l, int p) -> const T* {
      const Leaf& leaf = leaves[l];
      if (leaf.broadcast) return splat[l];
      return static_cast<const T*>(leaf.data) + static_cast<std::size_t>(p) * leaf.stride + start;
    };
    const auto value = [&](int operand) -> const T* {
      return operand >= 0 ? values[operand] : leaf_plane(-1 - operand, 0);
    };
    // the steps' values, the last one's into out
    const auto values_of = [&](int j) -> T* { return j == last ? out + start : values[j]; };
    for (int j = 0; j < count; ++j) {
      const Step& s = steps[j];
      const T* a = value(s.operand[0]);
      detail::step_values(s.op, a, s.arity == 2 ? value(s.operand[1]) : a, values_of(j), k);
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
        if (!exact && folded[j]) continue;  // (its reader computes its parts)
        const int fa = folded_from[j][0], fb = s.arity == 2 ? folded_from[j][1] : -1;
        if (!exact && (fa >= 0 || fb >= 0)) {
          const auto source = [&](int f, const T* own) -> const T* {
            if (f < 0) return own;
            const int operand = fold_source[f];
            return operand >= 0 ? parts[operand] : leaf_plane(-1 - operand, p);
          };
          const T* sa = source(fa, ap);
          const T* sb = source(fb, bp);
          const T ca = fa >= 0 ? fold_factor[fa] : T(1), cb = fb >= 0 ? fold_factor[fb] : T(1);
          const bool add = s.op == kAdd, x = s.parts[0], y = s.arity == 2 && s.parts[1];
          if (fa >= 0 && fb >= 0) {
            detail::folded_sum<true, true>(add, x, y, sa, ca, sb, cb, o, k);
          } else if (fa >= 0) {
            detail::folded_sum<true, false>(add, x, y, sa, ca, sb, cb, o, k);
          } else {
            detail::folded_sum<false, true>(add, x, y, sa, ca, sb, cb, o, k);
          }
          continue;
        }
        if (exact) {
          detail::step_parts<true>(s, av, bv, ap, bp, values_of(j), o, k, false);
        } else {
          detail::step_parts<false>(s, av, bv, ap, bp, values_of(j), o, k, finite_factor[j]);
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
