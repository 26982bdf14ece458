#include "hyperdiff/runtime.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "hyperdiff/binary.hpp"
#include "hyperdiff/elementary.hpp"
#include "hyperdiff/kinds.hpp"

namespace hyperdiff {

// Each instruction set's kernels come in two objects (kernels.cpp); x86-64-v4
// takes its complex kernels from v3 (CMakeLists.txt says why).
#define HYPERDIFF_DECLARE_FILL(isa, complex_isa)   \
  void fill_kernels_##isa##_real(KernelTable&);    \
  inline void fill_kernels_##isa(KernelTable& t) { \
    fill_kernels_##isa##_real(t);                  \
    fill_kernels_##complex_isa##_complex(t);       \
  }
#if HYPERDIFF_X86_ISAS
void fill_kernels_v2_complex(KernelTable&);
void fill_kernels_v3_complex(KernelTable&);
HYPERDIFF_DECLARE_FILL(v2, v2)
HYPERDIFF_DECLARE_FILL(v3, v3)
HYPERDIFF_DECLARE_FILL(v4, v3)
#else
void fill_kernels_generic_complex(KernelTable&);
HYPERDIFF_DECLARE_FILL(generic, generic)
#endif
#undef HYPERDIFF_DECLARE_FILL

namespace {

struct Selected {
  KernelTable table;
  std::string isa;
};

Selected select_kernels() {
  Selected s;
  const char* forced = std::getenv("HYPERDIFF_ISA");
  std::string want = forced ? forced : "";
#if HYPERDIFF_X86_ISAS
  __builtin_cpu_init();
  const bool v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                  __builtin_cpu_supports("bmi2");
  const bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                  __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
  if (want.empty()) want = v4 ? "v4" : (v3 ? "v3" : "v2");
  if ((want == "v4" && !v4) || (want == "v3" && !v3)) {
    throw std::runtime_error("HYPERDIFF_ISA=" + want + " is not supported by this CPU");
  }
  if (want == "v4") {
    fill_kernels_v4(s.table);
  } else if (want == "v3") {
    fill_kernels_v3(s.table);
  } else if (want == "v2") {
    fill_kernels_v2(s.table);
  } else {
    throw std::runtime_error("HYPERDIFF_ISA must be v2, v3 or v4, not " + want);
  }
  s.isa = "x86-64-" + want;
#else
  fill_kernels_generic(s.table);
  s.isa = "generic";
#endif
  return s;
}

const Selected& selected() {
  static const Selected s = select_kernels();
  return s;
}

template <class... Fns>
std::vector<FunctionInfo> names(TypeList<Fns...>) {
  return {FunctionInfo{Fns::name, Fns::module, Fns::has_complex}...};
}

std::atomic<int> thread_count{std::max(1, static_cast<int>(std::thread::hardware_concurrency()))};

}  // namespace

const KernelTable& kernel_table() { return selected().table; }
const std::string& kernel_isa() { return selected().isa; }

std::vector<FunctionInfo> unary_functions() { return names(UnaryFunctions{}); }
std::vector<FunctionInfo> binary_functions() { return names(BinaryFunctions{}); }

int kind_planes(int kind) {
  switch (kind) {
    case static_cast<int>(KindId::Dual):
      return Dual::planes;
    case static_cast<int>(KindId::HyperDual):
      return HyperDual::planes;
    default:
      return 0;
  }
}

int num_threads() { return thread_count.load(); }

void set_num_threads(int count) {
  if (count < 1) throw std::invalid_argument("the thread count must be at least 1");
  thread_count.store(count);
}

void parallel_for(std::size_t count, const std::function<void(std::size_t, std::size_t)>& body) {
  const std::size_t most = count / (kParallelThreshold / 2);
  const std::size_t threads = std::min<std::size_t>(num_threads(), std::max<std::size_t>(most, 1));
  if (threads <= 1 || count < kParallelThreshold) {
    body(0, count);
    return;
  }
  // Chunks are multiples of 1024 elements so no thread splits a kernel block.
  const std::size_t chunk = (count / threads + 1023) / 1024 * 1024;
  std::vector<std::thread> workers;
  workers.reserve(threads - 1);
  for (std::size_t begin = chunk; begin < count; begin += chunk) {
    workers.emplace_back(body, begin, std::min(count, begin + chunk));
  }
  body(0, std::min(count, chunk));
  for (auto& w : workers) w.join();
}

}  // namespace hyperdiff
