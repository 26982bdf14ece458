// What the binding needs besides the kernels: the selected kernel table, the
// function tables' names, and the thread pool policy.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "dispatch.hpp"

namespace hyperdiff {

struct FunctionInfo {
  std::string name;
  std::string module;
  bool has_complex;  // complex128 and complex64 kernels exist
};

// The kernel table of the best instruction set this CPU supports, or the one
// named by the environment variable HYPERDIFF_ISA (v2, v3, v4).
const KernelTable& kernel_table();
const std::string& kernel_isa();

std::vector<FunctionInfo> unary_functions();
std::vector<FunctionInfo> binary_functions();
int kind_planes(int kind);

// Threads are used only above kParallelThreshold elements; a count of 1 (or
// a small input) runs on the calling thread.
inline constexpr std::size_t kParallelThreshold = std::size_t(1) << 17;
int num_threads();
void set_num_threads(int count);
void parallel_for(std::size_t count, const std::function<void(std::size_t, std::size_t)>& body);

}  // namespace hyperdiff
