// Deferred elementwise chains: the operators' fast path records large operations
// and runs a chain of them block by block.
//
// At a hundred thousand elements and more a chain like sin(x) * exp(-x**2 / 2) +
// log(1 + x**2) on dual arrays is bound by memory traffic: run eagerly, every
// operation reads and writes every plane of a full-size temporary. So from
// kMinCount elements per plane the fast path records an operation (a Node, held in
// the result's `_stack` slot) instead of running it, and the first read of the
// result's planes runs the recorded graph block by block: each block of a few
// thousand elements goes through all the kernels while its temporaries stay in
// cache, and only results somebody still holds are written out in full. The
// kernels and their order per element are those of eager evaluation, so the bits
// are too.
//
// Reads of the planes go through one door, the `_stack` descriptor
// (register_operators.cpp), which computes a pending node, so every other path
// (indexing, numpy functions, linear algebra, writes) sees computed planes. A node
// records an input array only when nothing else holds it (no view, no `.value`:
// its reference count says so), and the descriptor computes an array's pending
// readers before handing the array out, so a later write to it cannot reach a
// recorded operation.
#pragma once

#include "numpy_api.hpp"
// (numpy_api.hpp first: it defines what numpy's headers read)
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <new>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "hyperdiff/dispatch.hpp"
#include "hyperdiff/runtime.hpp"
#include "hyperdiff/stream.hpp"
#include "hyperdiff/taylor.hpp"
#include "linear_chain.hpp"

namespace hyperdiff::bindings::fusion {

// Elements per plane from which operations are recorded (below, a kernel's
// temporaries fit in cache anyway and recording would only cost).
inline std::size_t& min_count() {
  static std::size_t count = 1 << 15;
  return count;
}

// Element-planes (planes x elements) from which a Jet operation with second-order
// parts is recorded below min_count: few elements and many planes (the Hessian of a
// short vector), a graph that runs by planes (run_by_planes). Measured before pairs
// zero by structure were skipped (hd.hessian of Rosenbrock and of sum(log1p(x^2) cos
// x), 1 thread, process time, eager time over by planes in alternating rounds): n = 70
// (1.4 MB an array) 0.8, n = 80 (2.1 MB) 0.86-1.10, n = 90 (3.0 MB) 0.89-1.00, n = 100
// (4.1 MB, T3) 0.92-1.18 and 1.06-1.49, n = 140 (11 MB) 2.6-3.6, n = 200 (33 MB)
// 3.0-3.8: eagerly, arrays within the last-level cache move about as fast as the
// kernels compute, and each tile recomputes the value and first-order planes it reads.
// A summed graph now runs the pairs that are not zero by structure alone (live_pairs):
// both of those Hessians keep a few hundred of thousands of pairs, and T3 at n = 100
// took 0.57 ms by planes against 2.1-2.7 eagerly. So from 2 MiB an array (n >= 80),
// where a dense Hessian (sum(f(A x))) is as fast either way.
inline std::size_t& plane_min() {
  static std::size_t count = std::size_t(1) << 18;  // 2 MiB of float64: n >= 80
  return count;
}

// Whether a graph of a Jet layout's arrays of `count` elements per plane runs by
// planes (run_by_planes) when recorded below min_count: layouts of many more pairs than
// first-order parts (Hessian blocks: a tile reads 2 kTile of them for kTile^2 pairs);
// a diagonal (hessian_diag's K pairs) or hvp's (K1, 1) would recompute as many
// first-order planes as it has pairs.
inline bool runs_by_planes(std::size_t count, const JetLayout* layout) {
  return layout != nullptr && layout->second >= 4 * layout->first && count >= 2 &&
         count * static_cast<std::size_t>(1 + layout->first + layout->second) >= plane_min();
}

// Whether a Jet layout's arrays of `count` elements per plane are large enough to run
// block by block below min_count: from as many element-planes as a Dual's at min_count
// (its temporaries outgrow the L2) and min_count / 8 elements. Measured (1 thread,
// process time, eager time over block by block in alternating rounds): T4's 3x3
// Hessians (10 planes) 0.95 at 1e3, 1.04 at 4e3, 1.24 at 8e3; the sparse Rosenbrock
// Hessian (8 planes) 0.95 at 1e3, 1.02 at 4e3, 1.33 at 1e4; a banded Jacobian (4
// planes) 0.96 at 4e3, 1.11 at 1.6e4.
inline bool runs_by_blocks(std::size_t count, const JetLayout* layout) {
  if (count >= min_count()) return true;
  return layout != nullptr && count >= min_count() / 8 &&
         count * static_cast<std::size_t>(1 + layout->first + layout->second) >= 2 * min_count();
}

// Whether the fast path records an operation of `count` elements per plane (layout:
// a Jet kind's, else null).
inline bool records(std::size_t count, const JetLayout* layout) {
  return runs_by_blocks(count, layout) || runs_by_planes(count, layout);
}

// Whether a seed of several directions is left pending (written block by block where
// read): where its graph runs block by block. Below that, operations run eagerly and a
// plain seed costs less; a graph that runs by planes skips the pairs zero by structure
// from a plain seed (a pending one would run it block by block).
inline bool pends_seed(std::size_t count, const JetLayout* layout) {
  return count >= min_count() || (runs_by_blocks(count, layout) && !runs_by_planes(count, layout));
}

// Pending operations one graph may hold (counted with repeats); past it the
// operands are computed first. Bounds the graph walks and the scratch.
inline constexpr int kMaxPending = 64;

// Input bytes a graph may hold, in results' worth (Node::holds_too_much).
inline constexpr std::size_t kMaxHeld = 4;

struct Node;
using NodePtr = std::shared_ptr<Node>;

// The pending nodes that read each array (one entry per input that reads it).
inline std::unordered_map<PyObject*, std::vector<Node*>>& readers() {
  static auto* map = new std::unordered_map<PyObject*, std::vector<Node*>>;
  return *map;
}

inline void erase_one(std::vector<Node*>& list, Node* node) {
  const auto found = std::find(list.begin(), list.end(), node);
  if (found != list.end()) list.erase(found);
}

inline std::size_t reader_count(PyObject* array) {
  const auto& map = readers();
  if (map.empty()) return 0;
  const auto found = map.find(array);
  return found == map.end() ? 0 : found->second.size();
}

// Arrays `_stack` has handed to Python code, and their owners: anything may then
// hold an alias of their memory that no reference count shows (__array_interface__,
// ctypes pointers), so they are never recorded by reference. An entry leaves with
// its array (a weak reference whose callback forgets it).
inline std::unordered_map<PyObject*, PyObject*>& exposed() {
  static auto* map = new std::unordered_map<PyObject*, PyObject*>;  // array -> weakref
  return *map;
}

inline bool is_exposed(PyObject* array) {
  const auto& map = exposed();
  return !map.empty() && map.count(array) != 0;
}

inline PyObject* forget_exposed(PyObject* address, PyObject*) {
  auto& map = exposed();
  const auto found = map.find(static_cast<PyObject*>(PyLong_AsVoidPtr(address)));
  if (found != map.end()) {
    PyObject* weakref = found->second;
    map.erase(found);
    Py_DECREF(weakref);
  }
  Py_RETURN_NONE;
}

// Marks an array exposed; false with a Python error when the weak reference fails.
// Seeds a transform keeps from call to call (kept_seeds, register_operators.cpp's
// keep_seed): made with their pair planes zero, which they stay while they are not
// exposed (code writes a dual array's planes only through what `_stack` hands out), so
// a graph reading one need not scan them (live_pairs), nor a product of small matrices
// (register_products.cpp; `_read` reads a product's operands without exposing them).
// The set holds no reference: an array leaves it when exposed or when kept_seeds lets
// go of it.
inline std::unordered_set<PyObject*>& zero_pairs() {
  static auto* set = new std::unordered_set<PyObject*>;
  return *set;
}

// Planes known all +0 of small products' outputs (_core.matrix_product_parts records
// them: products.hpp's ProductShape::out_zero), read by the next product or dot
// instead of a scan of every plane: T6's X X has 1,185 zero planes of 1,326. By the
// rule zero_pairs keeps: the record holds while the array is not exposed (it leaves
// then), and it leaves with its array (a weak reference whose callback forgets it).
struct ZeroPlanes {
  // per plane, true: all +0 (shared: a kernel reading them without the GIL keeps them,
  // should another thread expose the array meanwhile)
  std::shared_ptr<const bool[]> zero;
  std::size_t planes = 0;
  PyObject* weakref = nullptr;  // owned
};

inline std::unordered_map<PyObject*, ZeroPlanes>& zero_planes() {
  static auto* map = new std::unordered_map<PyObject*, ZeroPlanes>;
  return *map;
}

inline void forget_zero_planes(PyObject* array) {
  auto& map = zero_planes();
  if (map.empty()) return;
  const auto found = map.find(array);
  if (found == map.end()) return;
  PyObject* weakref = found->second.weakref;
  map.erase(found);
  Py_DECREF(weakref);
}

inline PyObject* forget_zero_planes_of(PyObject* address, PyObject*) {
  forget_zero_planes(static_cast<PyObject*>(PyLong_AsVoidPtr(address)));
  Py_RETURN_NONE;
}

// The planes known +0 of `array` if it has `planes` planes (one flag a plane), or null.
inline std::shared_ptr<const bool[]> known_zero_planes(PyObject* array, std::size_t planes) {
  const auto& map = zero_planes();
  if (map.empty()) return nullptr;
  const auto found = map.find(array);
  return found == map.end() || found->second.planes != planes ? nullptr : found->second.zero;
}

// A weak reference to `array` whose callback calls forget(array's address), so a table
// keyed by the address lets go of it when the array goes; null with a Python error.
inline PyObject* weakref_forgetting(PyObject* array, PyMethodDef* forget) {
  PyObject* address = PyLong_FromVoidPtr(array);
  PyObject* callback = address != nullptr ? PyCFunction_New(forget, address) : nullptr;
  Py_XDECREF(address);
  PyObject* weakref = callback != nullptr ? PyWeakref_NewRef(array, callback) : nullptr;
  Py_XDECREF(callback);
  return weakref;
}

// Records `zero` (`planes` flags) for a fresh array nothing has exposed; false with a
// Python error when the weak reference fails.
inline bool record_zero_planes(PyObject* array, std::shared_ptr<const bool[]> zero,
                               std::size_t planes) {
  forget_zero_planes(array);
  static PyMethodDef forget = {
      "forget_zero_planes", reinterpret_cast<PyCFunction>(forget_zero_planes_of), METH_O, nullptr};
  PyObject* weakref = weakref_forgetting(array, &forget);
  if (weakref == nullptr) return false;
  zero_planes().emplace(array, ZeroPlanes{std::move(zero), planes, weakref});
  return true;
}

inline bool expose(PyObject* array) {
  zero_pairs().erase(array);
  forget_zero_planes(array);
  auto& map = exposed();
  if (map.count(array) != 0) return true;
  static PyMethodDef forget = {"forget_exposed", reinterpret_cast<PyCFunction>(forget_exposed),
                               METH_O, nullptr};
  PyObject* weakref = weakref_forgetting(array, &forget);
  if (weakref == nullptr) return false;
  map.emplace(array, weakref);
  return true;
}

// One operand of a recorded operation.
struct Input {
  enum Kind { kScalar, kArray, kNode } kind = kScalar;
  NodePtr node;                    // kNode: a pending operation
  PyArrayObject* array = nullptr;  // kArray: planes (an owned reference)
  std::size_t offset = 0;          // kArray: elements before the first read, per plane
  std::size_t stride = 0;          // kArray: elements from one plane to the next
  // kArray: read in runs of `run` elements, `run_stride` apart (the rows of
  // x[a:b, c:d]); 0: one contiguous range
  std::size_t run = 0, run_stride = 0;
  bool constant = false;  // kArray: a plain operand (no parts), the graph's own copy
  alignas(16) unsigned char scalar[16] = {};  // kScalar: a component
};

// One recorded operation: a table kernel of one kind and dtype on one or two
// inputs, giving planes of the shape in `dims` (the plane axis first). Or a view
// (x[a:b] of a dual array whose planes nothing else holds): no kernel, its input
// the array at an offset; read through `_stack` it becomes a numpy view, and as an
// operand it is that input (so views never sit inside a graph).
struct Node : std::enable_shared_from_this<Node> {
  bool view = false;
  PyObject* owner = nullptr;  // a view's: the dual array whose slot holds its input (owned)
  UnaryKernel unary = nullptr;
  BinaryKernel binary = nullptr;
  JetUnaryKernel jet_unary = nullptr;
  JetBinaryKernel jet_binary = nullptr;
  const JetLayout* layout = nullptr;
  TaylorUnaryKernel taylor_unary = nullptr;  // a Taylor kind's, of degree `degree`
  TaylorBinaryKernel taylor_binary = nullptr;
  int degree = 0;
  // A seed x + v e_u (a Taylor kind's x + v t, derivative(order >= 3); input u of an
  // elementwise Hessian, T4): inputs[0] the values (the graph's own copy), inputs[1]
  // the direction v (a number) in plane `unit`; every other plane zero. Written block
  // by block into scratch wherever it is read, never in full but when its own planes
  // are read, so the zero planes never pass through memory.
  bool seed = false;
  int unit = 1;
  // A sparse Jacobian's or Hessian's seed (colors > 0: _core.colored_seed): inputs[0]
  // the values (the graph's own copy), inputs[1] two rows a plane apart, the probe
  // direction w and each element's color as a number; plane 1 + a is 1 where the color
  // is a, 0 elsewhere, then (probed) w, then zeros (a HyperDualVec's second-order
  // planes). Sliced (x[a:b]) while pending, it gives a seed of the same rows from a
  // on, whose `parent` is the sliced seed: it is written block by block where a graph
  // reads it, and wherever its planes are handed out as an array they are a view of
  // the parent's (computed then), as numpy's slice is a view of x.
  int colors = 0;
  bool probed = false;
  NodePtr parent;
  // A concatenation along the first axis after the planes' (_core.join_pending): no
  // kernel, inputs[0] then inputs[1] (`split` elements per plane, then the rest), each
  // a pending node (another join, a graph, a colored seed or a slice of one) or, once
  // computed, its planes. Written when read (compute_join), each piece straight into
  // its slice; a sparse Jacobian's recovery reads the pieces' blocks where they are
  // computed (compute's `sink`), so f's output is never written in full.
  bool join = false;
  std::size_t split = 0;
  // x.reshape(shape) (C order) of a pending graph or join x (_core.pending_reshape):
  // no kernel, no input; its planes, wherever handed out as an array, a view of x's
  // (computed then), as numpy's reshape is a view of x's planes. A sparse Jacobian's
  // recovery reads x's blocks for it (the same elements in the same order).
  NodePtr reshape_of;
  // A linear operation of real components (linear_chain.hpp), its kernels set too: in
  // the block path a chain of them runs as one program
  linear::Op linear = linear::kNone;
  // A unary function of a first-order Jet layout, real components: its f0, f1 (a step
  // of a linear program where a linear node reads it; linear_chain.hpp's kUnary)
  UnaryDerivativesKernel derivatives = nullptr;
  bool structural = false;  // the function's Fn::structural_zeros
  Input inputs[2];
  int arity = 1;
  PyArray_Descr* descr = nullptr;  // owned
  int column = 0;                  // the kernel tables' dtype column
  std::vector<npy_intp> dims;
  std::size_t count = 0;            // elements per plane
  int pending = 1;                  // pending operations in the graph below, this one included
  std::vector<Node*> node_readers;  // pending nodes with this one as an input
  // the arrays the graph below reads (each once) and their bytes, taken when held: an
  // input node computed before this one releases its inputs, which may free them
  // while they are still listed here (never dereferenced: the address only tells
  // one array from another)
  std::vector<std::pair<const PyArrayObject*, std::size_t>> held;
  PyArrayObject* result = nullptr;  // owned, once computed

  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  ~Node() {
    release_inputs();
    Py_XDECREF(owner);
    Py_XDECREF(result);
    Py_XDECREF(descr);
  }

  void add_input(int i, Input input) {
    inputs[i] = std::move(input);
    if (inputs[i].kind == Input::kArray) {
      readers()[reinterpret_cast<PyObject*>(inputs[i].array)].push_back(this);
      hold(inputs[i].array, static_cast<std::size_t>(PyArray_NBYTES(inputs[i].array)));
    } else if (inputs[i].kind == Input::kNode) {
      inputs[i].node->node_readers.push_back(this);
      pending += inputs[i].node->pending;
      for (const auto& [array, bytes] : inputs[i].node->held) hold(array, bytes);
    }
  }

  void hold(const PyArrayObject* array, std::size_t bytes) {
    const auto same = [array](const auto& entry) { return entry.first == array; };
    if (std::find_if(held.begin(), held.end(), same) == held.end()) held.emplace_back(array, bytes);
  }

  // What the graph keeps alive in inputs, against what it gives: a graph over fresh
  // arrays dropped by their users (acc = acc + term_k) would hold them all until it
  // runs, so recording stops at kMaxHeld times the result's size.
  bool holds_too_much() const {
    std::size_t bytes = 0;
    for (const auto& entry : held) bytes += entry.second;
    const std::size_t result = count * static_cast<std::size_t>(dims[0]) *
                               static_cast<std::size_t>(PyDataType_ELSIZE(descr));
    return bytes > kMaxHeld * result;
  }

  void release_inputs() {
    for (int i = 0; i < arity; ++i) {
      Input& in = inputs[i];
      if (in.kind == Input::kArray) {
        auto& map = readers();
        const auto found = map.find(reinterpret_cast<PyObject*>(in.array));
        if (found != map.end()) {
          erase_one(found->second, this);
          if (found->second.empty()) map.erase(found);
        }
        Py_DECREF(in.array);
        in.array = nullptr;
      } else if (in.kind == Input::kNode) {
        erase_one(in.node->node_readers, this);
        in.node.reset();
      }
      in.kind = Input::kScalar;
    }
  }

  // Computed: keep the planes, hand the readers the array instead of this node.
  void set_result(PyArrayObject* planes) {
    result = planes;
    release_inputs();
    const std::vector<Node*> waiting = std::move(node_readers);
    node_readers.clear();
    for (Node* reader : waiting) {
      for (int i = 0; i < reader->arity; ++i) {
        Input& in = reader->inputs[i];
        if (in.kind != Input::kNode || in.node.get() != this) continue;
        Py_INCREF(planes);
        Input array;
        array.kind = Input::kArray;
        array.array = planes;
        array.stride = count;                     // (offset 0)
        const NodePtr keep = std::move(in.node);  // `this` outlives the swap
        in = Input{};
        reader->add_input(i, std::move(array));
      }
    }
  }
};

// A seed's planes over one block of m elements (Node::seed).
template <class Item>
void write_seed_as(const Operand& x, const Operand& v, int planes, int unit, void* out,
                   std::size_t out_stride, std::size_t m) {
  Item* o = static_cast<Item*>(out);
  Item direction;
  std::memcpy(&direction, v.data, sizeof direction);
  std::memcpy(o, x.data, m * sizeof(Item));
  for (int p = 1; p < planes; ++p) {
    if (p == unit) {
      std::fill(o + p * out_stride, o + p * out_stride + m, direction);
    } else {
      std::memset(o + p * out_stride, 0, m * sizeof(Item));
    }
  }
}

// A colored seed's planes over one block of m elements (Node::colors): seed_body.hpp's
// colored_planes for the kernels' instruction set.
namespace seed {
#define HYPERDIFF_ISA_BODY "seed_body.hpp"
#include "isa_namespaces.hpp"
}  // namespace seed

template <class T>
void write_colored_as(const Operand& x, const Operand& rows, int colors, bool probed, int planes,
                      void* out, std::size_t out_stride, std::size_t m, bool copies) {
  const T* values = static_cast<const T*>(x.data);
  const T* w = static_cast<const T*>(rows.data);
  const T* color = w + rows.plane_stride;
  T* o = static_cast<T*>(out);
#if defined(HYPERDIFF_ISA_BUILDS)
  if (linear::isa_level() == 4) {
    return seed::v4::colored_planes(values, w, color, colors, probed, planes, o, out_stride, m,
                                    copies);
  }
  if (linear::isa_level() == 3) {
    return seed::v3::colored_planes(values, w, color, colors, probed, planes, o, out_stride, m,
                                    copies);
  }
#endif
  seed::base::colored_planes(values, w, color, colors, probed, planes, o, out_stride, m, copies);
}

inline void write_seed(std::size_t item, const Operand& x, const Operand& v, int planes, void* out,
                       std::size_t out_stride, std::size_t m, int colors = 0, bool probed = false,
                       int unit = 1, bool copies = true) {
  if (colors > 0) {  // (float32 and float64 only: _core.colored_seed)
    if (item == 4)
      write_colored_as<float>(x, v, colors, probed, planes, out, out_stride, m, copies);
    if (item == 8)
      write_colored_as<double>(x, v, colors, probed, planes, out, out_stride, m, copies);
    return;
  }
  struct Pair {
    std::uint64_t re, im;  // (complex128: copied as bytes)
  };
  if (item == 4) write_seed_as<std::uint32_t>(x, v, planes, unit, out, out_stride, m);
  if (item == 8) write_seed_as<std::uint64_t>(x, v, planes, unit, out, out_stride, m);
  if (item == 16) write_seed_as<Pair>(x, v, planes, unit, out, out_stride, m);
}

// How many bytes one component takes.
inline std::size_t item_bytes(const Node& node) {
  return static_cast<std::size_t>(PyDataType_ELSIZE(node.descr));
}

inline int plane_count(const Node& node) { return static_cast<int>(node.dims[0]); }

// Copies elements [start, start + m) of an input read in runs into `out` (each
// plane `block` elements apart).
inline void gather_runs(const Input& in, std::size_t start, std::size_t m, int planes,
                        std::size_t item, std::size_t block, unsigned char* out) {
  const auto* data = static_cast<const unsigned char*>(PyArray_DATA(in.array));
  for (std::size_t done = 0; done < m;) {
    const std::size_t i = start + done, row = i / in.run, column = i % in.run;
    const std::size_t length = std::min(in.run - column, m - done);
    const std::size_t from = in.offset + row * in.run_stride + column;
    for (int p = 0; p < planes; ++p) {
      std::memcpy(out + (p * block + done) * item, data + (from + p * in.stride) * item,
                  length * item);
    }
    done += length;
  }
}

// Scratch slots for the nodes of `order` (inputs first) that needs(k) says need one,
// each slot reused once its node's last reader has run (never for that reader's own
// result: a slot freed at node k is still k's input); slot[k] is -1 for the others.
// With read_at, node k's inputs are read when node read_at[k] runs (a step of a linear
// program: when its program's node does). Returns how many slots.
template <class Needs>
int assign_slots(const std::vector<NodePtr>& order, const std::unordered_map<Node*, int>& position,
                 Needs needs, std::vector<int>& slot, const std::vector<int>* read_at = nullptr) {
  const std::size_t n = order.size();
  // the nodes read when node k runs
  std::vector<std::vector<int>> reads(n);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t at = read_at != nullptr ? static_cast<std::size_t>((*read_at)[k]) : k;
    for (int i = 0; i < order[k]->arity; ++i) {
      const Input& in = order[k]->inputs[i];
      if (in.kind == Input::kNode) reads[at].push_back(position.at(in.node.get()));
    }
  }
  std::vector<int> last_use(n, -1);
  for (std::size_t k = 0; k < n; ++k) {
    for (const int p : reads[k]) last_use[p] = static_cast<int>(k);
  }
  slot.assign(n, -1);
  std::vector<int> free_slots;
  int slots = 0;
  for (std::size_t k = 0; k < n; ++k) {
    if (needs(k)) {
      if (free_slots.empty()) {
        slot[k] = slots++;
      } else {
        slot[k] = free_slots.back();
        free_slots.pop_back();
      }
    }
    for (const int p : reads[k]) {
      if (last_use[p] == static_cast<int>(k) && slot[p] >= 0) {
        free_slots.push_back(slot[p]);
        slot[p] = -slot[p] - 2;  // freed, but still the input of this step
      }
    }
  }
  for (int& s : slot) {
    if (s < -1) s = -s - 2;
  }
  return slots;
}

// --- Graphs of many planes and few elements -----------------------------------------
//
// Element blocks cannot keep such a graph's temporaries in cache: one element of
// every plane is already a plane count of cache lines. But second-order plane
// (a, b) of an elementwise result depends on planes 0, a, b and (a, b) of its
// operands only. So the graph runs in two passes: the value and first-order planes
// of every node (the layout without pairs), then tile by tile of the pairs (a in
// index tile A, b in B, kTile indices each) in a layout of the tile's own: the value,
// the first-order planes its pairs name (at most 2 kTile), its pairs renumbered.
// Each tile's temporaries stay in cache; only results held outside the graph are
// written in full, and a sum over the elements of the root (compute's `sums`) is taken
// tile by tile, so the root's planes are never written at all. The kernels and the
// numbers each element sees are eager evaluation's: the same bits, but for the pairs
// zero by structure (live_pairs, below: real dtypes), which are not run and are +0
// where eager evaluation may give -0.

// The pairs of a layout in tiles (see above): tile t has the pairs q[q_begin[t] ..
// q_begin[t+1]), renumbered in `pairs` (2 per pair, into its first-order planes),
// and the first-order planes first[first_begin[t] .. first_begin[t+1]).
struct PairTiles {
  std::vector<std::int64_t> q, pairs, first;
  std::vector<std::size_t> q_begin{0}, first_begin{0};
  std::size_t widest = 0, most_first = 0;  // the most pairs and first-order planes of a tile
};

// (live: the pairs to tile, one flag each; empty: all of them)
inline PairTiles pair_tiles(const JetLayout& layout, int width, const std::vector<char>& live) {
  PairTiles tiles;
  const int per = (layout.first + width - 1) / width;
  std::vector<std::vector<int>> buckets(static_cast<std::size_t>(per) * per);
  for (int q = 0; q < layout.second; ++q) {
    if (!live.empty() && live[static_cast<std::size_t>(q)] == 0) continue;
    const auto a = layout.pairs[2 * q], b = layout.pairs[2 * q + 1];
    buckets[static_cast<std::size_t>(a / width * per + b / width)].push_back(q);
  }
  std::vector<std::int64_t> local(static_cast<std::size_t>(layout.first), -1);
  for (const auto& bucket : buckets) {
    if (bucket.empty()) continue;
    const std::size_t first_start = tiles.first.size();
    for (const int q : bucket) {
      for (int side = 0; side < 2; ++side) {
        const auto p = static_cast<std::size_t>(layout.pairs[2 * q + side]);
        if (local[p] < 0) {
          local[p] = static_cast<std::int64_t>(tiles.first.size() - first_start);
          tiles.first.push_back(static_cast<std::int64_t>(p));
        }
      }
      tiles.q.push_back(q);
      tiles.pairs.push_back(local[static_cast<std::size_t>(layout.pairs[2 * q])]);
      tiles.pairs.push_back(local[static_cast<std::size_t>(layout.pairs[2 * q + 1])]);
    }
    for (std::size_t j = first_start; j < tiles.first.size(); ++j) {
      local[static_cast<std::size_t>(tiles.first[j])] = -1;
    }
    tiles.q_begin.push_back(tiles.q.size());
    tiles.first_begin.push_back(tiles.first.size());
    tiles.widest = std::max(tiles.widest, bucket.size());
    tiles.most_first = std::max(tiles.most_first, tiles.first.size() - first_start);
  }
  return tiles;
}

// Whether the graph in `order` (inputs first, the root last) runs by planes: Jet
// kernels of one layout with second-order parts, below min_count elements (at least
// 2: one element takes the kernels' element path, which reads the layout's runs), no
// view, seed or input read in runs.
inline bool by_planes(const std::vector<NodePtr>& order) {
  const Node& root = *order.back();
  if (root.layout == nullptr || root.layout->second == 0 ||
      !runs_by_planes(root.count, root.layout) || root.count >= min_count()) {
    return false;
  }
  for (const NodePtr& node : order) {
    if (node->view || node->seed || (node->jet_unary == nullptr && node->jet_binary == nullptr) ||
        node->layout != root.layout || node->count != root.count) {
      return false;
    }
    for (int i = 0; i < node->arity; ++i) {
      if (node->inputs[i].kind == Input::kArray && node->inputs[i].run != 0) return false;
    }
  }
  return true;
}

// Whether compute(root, ..., sums) takes root: a pending 1-d array of a real dtype
// whose graph runs by planes.
inline bool sums_by_planes(const NodePtr& root) {
  if (root->result != nullptr || root->view || root->dims.size() != 2 ||
      (root->column != 0 && root->column != 1)) {
    return false;
  }
  std::vector<NodePtr> nodes, stack{root};
  std::unordered_map<const Node*, bool> seen;
  while (!stack.empty()) {
    NodePtr node = stack.back();
    stack.pop_back();
    if (seen[node.get()]) continue;
    seen[node.get()] = true;
    nodes.push_back(node);
    for (int i = 0; i < node->arity; ++i) {
      if (node->inputs[i].kind == Input::kNode) stack.push_back(node->inputs[i].node);
    }
  }
  std::swap(nodes.front(), nodes.back());  // (by_planes reads the root last)
  return by_planes(nodes);
}

// numpy's sum of n contiguous components (np.add.reduce along a contiguous axis:
// pairwise, 8 accumulators up to 128 elements, from the identity 0), its bits.
template <class T>
T numpy_pairwise(const T* a, std::size_t n) {
  if (n < 8) {
    T sum = T(0);
    for (std::size_t i = 0; i < n; ++i) sum += a[i];
    return sum;
  }
  if (n <= 128) {
    T r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - n % 8; i += 8) {
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    }
    T sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) sum += a[i];
    return sum;
  }
  std::size_t half = n / 2;
  half -= half % 8;
  return numpy_pairwise(a, half) + numpy_pairwise(a + half, n - half);
}

// np.add.reduce of one plane of `count` components of dtype column `column`
// (float64, float32: the real ones) into sums[plane].
inline void sum_plane(int column, const unsigned char* plane, std::size_t count, void* sums,
                      std::size_t at) {
  if (column == 0) {
    static_cast<double*>(sums)[at] =
        0.0 + numpy_pairwise(reinterpret_cast<const double*>(plane), count);
  } else {
    static_cast<float*>(sums)[at] =
        0.0f + numpy_pairwise(reinterpret_cast<const float*>(plane), count);
  }
}

// --- Pairs that are zero by structure -----------------------------------------------
//
// Plane (a, b) of an elementwise result is f' u_ab + f'' u_a u_b (one operand), or a
// sum of u_ab, v_ab and products of the operands' planes a and b at the same element
// (two): it is zero at every element where no operand's plane a or no operand's
// plane b is, once the operands' own planes (a, b) are zero. So a pair is zero
// throughout the graph when, at every node, the elements where its operands' planes a
// are not zero and those where their planes b are not are disjoint, and the graph's
// array inputs' planes of that pair are zero (a scan, but for a transform's kept
// seeds: zero_pairs). A Hessian of a sum of local
// terms (Rosenbrock: x_i couples with x_(i-1), x_(i+1) alone) has few pairs left: T3
// keeps 298 of 5,050. An array input's plane a is judged by the range of elements
// where it is not zero (+-0 is zero; inf and nan are not), and a node's by the ranges
// of its operands' joined (c_a = f' u_a, u_a v + u v_a: zero where theirs are): a
// superset, so a pair judged zero is zero. Eager evaluation gives it 0 too, never nan
// from an infinite or nan f', f'' or part times its zero (sqrt at 0, 1/sqrt(v) at 0):
// the chain rules' zero parts are strong zeros (kinds.hpp), which is what lets a node
// written out here with such a pair +0 feed a later graph in which the pair is live
// (tests/test_silent_round16_planes.py).

// The elements [low, high) where a plane of `count` components is not zero (low ==
// high when it is zero throughout).
struct Support {
  std::size_t low = 0, high = 0;
};

template <class T>
Support support_of(const T* plane, std::size_t count) {
  using Bits = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
  const auto nonzero = [&](std::size_t i) {
    Bits bits;
    std::memcpy(&bits, plane + i, sizeof(Bits));
    return (bits << 1) != 0;  // (the sign bit dropped: -0 is zero)
  };
  std::size_t low = 0, high = count;
  while (low < count && !nonzero(low)) ++low;
  if (low == count) return {};
  while (!nonzero(high - 1)) --high;
  return {low, high};
}

template <class T>
bool all_zero(const T* plane, std::size_t count) {
  using Bits = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
  Bits any[4] = {};  // (four chains: the loads, not one chain of ors, set the pace)
  const auto bits_at = [plane](std::size_t i) {
    Bits bits;
    std::memcpy(&bits, plane + i, sizeof(Bits));
    return bits << 1;
  };
  std::size_t i = 0;
  for (; i + 4 <= count; i += 4) {
    for (std::size_t j = 0; j < 4; ++j) any[j] |= bits_at(i + j);
  }
  for (; i < count; ++i) any[0] |= bits_at(i);
  return (any[0] | any[1] | any[2] | any[3]) == 0;
}

// For a graph by_planes takes (real dtype T): one flag per pair of the layout, 0 for a
// pair zero by structure (above).
template <class T, class At>
std::vector<char> live_pairs(const std::vector<NodePtr>& order,
                             const std::unordered_map<Node*, int>& position,
                             const JetLayout& layout, std::size_t count, At at) {
  const std::size_t n = order.size(), first = static_cast<std::size_t>(layout.first);
  const std::size_t head_planes = 1 + first;
  // the planes a of each node (by position) and of each array input, judged once
  std::vector<std::vector<Support>> of_node(n);
  std::deque<std::pair<const Input*, std::vector<Support>>> of_array;  // (stable addresses)
  const auto supports = [&](std::vector<Support>& out, auto plane) {
    out.resize(first);
    for (std::size_t a = 0; a < first; ++a) out[a] = support_of(plane(1 + a), count);
  };
  // the array inputs' pair planes, over the elements read (x[1:] and x[:-1] of a seed:
  // one range of one array)
  struct Read {
    PyArrayObject* array;
    std::size_t stride, low, high;
  };
  std::vector<Read> reads;
  for (const NodePtr& node : order) {
    for (int i = 0; i < node->arity; ++i) {
      const Input& in = node->inputs[i];
      if (in.kind != Input::kArray || in.constant) continue;
      auto found = std::find_if(reads.begin(), reads.end(), [&](const Read& r) {
        return r.array == in.array && r.stride == in.stride;
      });
      if (found == reads.end()) {
        reads.push_back({in.array, in.stride, in.offset, in.offset + count});
      } else {
        found->low = std::min(found->low, in.offset);
        found->high = std::max(found->high, in.offset + count);
      }
    }
  }
  std::vector<char> live(static_cast<std::size_t>(layout.second), 0);
  for (const Read& r : reads) {  // a pair plane an input holds is live
    if (zero_pairs().count(reinterpret_cast<PyObject*>(r.array)) != 0) continue;
    for (std::size_t q = 0; q < live.size(); ++q) {
      const auto* plane =
          reinterpret_cast<const T*>(at(r.array, r.low + (head_planes + q) * r.stride));
      if (live[q] == 0 && !all_zero(plane, r.high - r.low)) live[q] = 1;
    }
  }
  const auto array_supports = [&](const Input& in) -> const std::vector<Support>& {
    for (const auto& [seen, judged] : of_array) {
      if (seen->array == in.array && seen->offset == in.offset && seen->stride == in.stride) {
        return judged;
      }
    }
    of_array.emplace_back(&in, std::vector<Support>());
    supports(of_array.back().second, [&](std::size_t p) {
      return reinterpret_cast<const T*>(at(in.array, in.offset + p * in.stride));
    });
    return of_array.back().second;
  };
  for (std::size_t k = 0; k < n; ++k) {
    std::vector<Support>& joined = of_node[k];  // (its planes a: within its operands')
    joined.assign(first, Support{});
    for (int i = 0; i < order[k]->arity; ++i) {
      const Input& in = order[k]->inputs[i];
      const std::vector<Support>* operand = nullptr;
      if (in.kind == Input::kNode) {
        operand = &of_node[static_cast<std::size_t>(position.at(in.node.get()))];
      } else if (in.kind == Input::kArray && !in.constant) {
        operand = &array_supports(in);
      }
      if (operand == nullptr) continue;  // (a number or a plain array: no parts)
      for (std::size_t a = 0; a < first; ++a) {
        const Support& s = (*operand)[a];
        if (s.low == s.high) continue;
        Support& j = joined[a];
        j = j.low == j.high ? s : Support{std::min(j.low, s.low), std::max(j.high, s.high)};
      }
    }
    for (std::size_t q = 0; q < live.size(); ++q) {
      const Support &a = joined[static_cast<std::size_t>(layout.pairs[2 * q])],
                    &b = joined[static_cast<std::size_t>(layout.pairs[2 * q + 1])];
      if (std::max(a.low, b.low) < std::min(a.high, b.high)) live[q] = 1;
    }
  }
  return live;
}

// Runs a graph that by_planes takes: nodes with full[k] are written in full (planes
// plane_stride[k] apart); with `sums` (a real dtype), the root's planes summed over
// its elements go there, the root itself not written.
inline void run_by_planes(const std::vector<NodePtr>& order,
                          const std::unordered_map<Node*, int>& position,
                          const std::vector<PyArrayObject*>& full,
                          const std::vector<std::size_t>& plane_stride, void* sums) {
  const std::size_t n = order.size();
  const Node& root = *order.back();
  const JetLayout& layout = *root.layout;
  const std::size_t count = root.count, item = item_bytes(root);
  const std::size_t plane_bytes = count * item;
  const std::size_t first = static_cast<std::size_t>(layout.first);
  const std::size_t head_planes = 1 + first;
  auto at = [&](PyArrayObject* array, std::size_t element) {
    return static_cast<unsigned char*>(PyArray_DATA(array)) + element * item;
  };
  auto run = [&](const Node& node, const JetLayout& shape, const Operand* operands, void* out,
                 std::size_t out_stride) {
    if (node.jet_unary != nullptr) {
      node.jet_unary(shape, operands[0].data, operands[0].plane_stride, out, out_stride, 0, count);
    } else {
      node.jet_binary(shape, operands[0], operands[1], out, out_stride, 0, count);
    }
  };
  // node k's operands: numbers broadcast, arrays (input number 2k + i) and nodes (by
  // position) as array_of and node_of say
  auto operands_of = [&](std::size_t k, Operand* operands, auto array_of, auto node_of) {
    for (int i = 0; i < order[k]->arity; ++i) {
      const Input& in = order[k]->inputs[i];
      if (in.kind == Input::kScalar) {
        operands[i] = {in.scalar, 1, true};
      } else if (in.kind == Input::kArray) {
        operands[i] = array_of(in, static_cast<int>(2 * k) + i);
      } else {
        operands[i] = node_of(position.at(in.node.get()));
      }
    }
  };
  auto direct = [&](const Input& in) { return Operand{at(in.array, in.offset), in.stride, false}; };
  // the inputs read from arrays (each array, offset and stride once), staged tile by tile
  std::vector<int> staged(2 * n, -1);
  std::vector<const Input*> stages;
  for (std::size_t k = 0; k < n; ++k) {
    for (int i = 0; i < order[k]->arity; ++i) {
      const Input& in = order[k]->inputs[i];
      if (in.kind != Input::kArray || in.constant) continue;
      int s = 0;
      while (s < static_cast<int>(stages.size()) &&
             !(stages[s]->array == in.array && stages[s]->offset == in.offset &&
               stages[s]->stride == in.stride)) {
        ++s;
      }
      if (s == static_cast<int>(stages.size())) stages.push_back(&in);
      staged[2 * k + i] = s;
    }
  }
  // tile scratch: a slot per node (those written in full too), reused
  std::vector<int> slot;
  const int slots = assign_slots(order, position, [](std::size_t) { return true; }, slot);
  // the widest tiles whose buffers stay within ~2 MiB (L2, or L3 at worst)
  const std::size_t buffers = static_cast<std::size_t>(slots) + stages.size();
  int width = 16;
  while (width > 4 &&
         buffers * static_cast<std::size_t>(1 + 2 * width + width * width) * plane_bytes >
             (std::size_t(1) << 21)) {
    width /= 2;
  }

  // pass 1: the value and first-order planes of every node
  // (scratch is written before it is read: no zeros, T3's 1.2 MB of them cost 5%)
  const std::unique_ptr<unsigned char[]> head_memory(
      new unsigned char[n * head_planes * plane_bytes + 64]);
  unsigned char* head_base =
      head_memory.get() + (64 - reinterpret_cast<std::uintptr_t>(head_memory.get()) % 64) % 64;
  auto head_of = [&](std::size_t k) { return head_base + k * head_planes * plane_bytes; };
  const JetLayout heads{layout.first, 0, nullptr, nullptr, 0};
  for (std::size_t k = 0; k < n; ++k) {
    const Node& node = *order[k];
    Operand operands[2];
    operands_of(
        k, operands, [&](const Input& in, int) { return direct(in); },
        [&](int p) {
          return full[p] != nullptr ? Operand{at(full[p], 0), plane_stride[p], false}
                                    : Operand{head_of(p), count, false};
        });
    if (full[k] != nullptr) {
      run(node, heads, operands, at(full[k], 0), plane_stride[k]);
    } else {
      run(node, heads, operands, head_of(k), count);
    }
  }
  if (sums != nullptr) {
    for (std::size_t p = 0; p < head_planes; ++p) {
      sum_plane(root.column, head_of(n - 1) + p * plane_bytes, count, sums, p);
    }
  }

  // only the pairs not zero by structure are run (real dtypes); the others are zeros,
  // written (+0) into the nodes written out and the sums
  std::vector<char> live;
  if (root.column == 0) {
    live = live_pairs<double>(order, position, layout, count, at);
  } else if (root.column == 1) {
    live = live_pairs<float>(order, position, layout, count, at);
  }
  for (std::size_t q = 0; q < live.size(); ++q) {
    if (live[q] != 0) continue;
    const std::size_t plane = head_planes + q;
    for (std::size_t k = 0; k < n; ++k) {
      if (full[k] != nullptr) std::memset(at(full[k], plane * plane_stride[k]), 0, plane_bytes);
    }
    if (sums == nullptr) continue;
    if (root.column == 0) {
      static_cast<double*>(sums)[plane] = 0.0;
    } else {
      static_cast<float*>(sums)[plane] = 0.0f;
    }
  }
  const PairTiles tiles = pair_tiles(layout, width, live);
  const std::size_t tile_planes = 1 + tiles.most_first + tiles.widest;

  // pass 2: tile by tile of the pairs
  const std::size_t tile_bytes = tile_planes * plane_bytes;
  const std::unique_ptr<unsigned char[]> tile_memory(new unsigned char[buffers * tile_bytes + 64]);
  unsigned char* tile_base =
      tile_memory.get() + (64 - reinterpret_cast<std::uintptr_t>(tile_memory.get()) % 64) % 64;
  auto scratch_of = [&](int s) { return tile_base + static_cast<std::size_t>(s) * tile_bytes; };
  auto stage_of = [&](int s) {
    return tile_base + (static_cast<std::size_t>(slots) + static_cast<std::size_t>(s)) * tile_bytes;
  };
  const std::size_t tile_count = tiles.q_begin.size() - 1;
  for (std::size_t t = 0; t < tile_count; ++t) {
    const std::int64_t* qs = tiles.q.data() + tiles.q_begin[t];
    const std::size_t pairs = tiles.q_begin[t + 1] - tiles.q_begin[t];
    const std::int64_t* firsts = tiles.first.data() + tiles.first_begin[t];
    const std::size_t firsts_count = tiles.first_begin[t + 1] - tiles.first_begin[t];
    const JetLayout shape{static_cast<int>(firsts_count), static_cast<int>(pairs),
                          tiles.pairs.data() + 2 * tiles.q_begin[t], nullptr, 0};
    // a plane of the full layout -> the tile's: value, its first-order planes, its pairs
    auto source_plane = [&](std::size_t local) -> std::size_t {
      if (local == 0) return 0;
      if (local <= firsts_count) return 1 + static_cast<std::size_t>(firsts[local - 1]);
      return head_planes + static_cast<std::size_t>(qs[local - 1 - firsts_count]);
    };
    const std::size_t local_planes = 1 + firsts_count + pairs;
    for (std::size_t s = 0; s < stages.size(); ++s) {
      const Input& in = *stages[s];
      for (std::size_t local = 0; local < local_planes; ++local) {
        std::memcpy(stage_of(static_cast<int>(s)) + local * plane_bytes,
                    at(in.array, in.offset + source_plane(local) * in.stride), plane_bytes);
      }
    }
    for (std::size_t k = 0; k < n; ++k) {
      const Node& node = *order[k];
      Operand operands[2];
      operands_of(
          k, operands,
          [&](const Input& in, int input) {
            return in.constant ? direct(in) : Operand{stage_of(staged[input]), count, false};
          },
          [&](int p) { return Operand{scratch_of(slot[p]), count, false}; });
      unsigned char* out = scratch_of(slot[k]);
      run(node, shape, operands, out, count);
      const unsigned char* tile_pairs = out + (1 + firsts_count) * plane_bytes;
      if (full[k] != nullptr) {
        for (std::size_t u = 0; u < pairs; ++u) {
          std::memcpy(
              at(full[k], (head_planes + static_cast<std::size_t>(qs[u])) * plane_stride[k]),
              tile_pairs + u * plane_bytes, plane_bytes);
        }
      } else if (sums != nullptr && k == n - 1) {
        for (std::size_t u = 0; u < pairs; ++u) {
          sum_plane(root.column, tile_pairs + u * plane_bytes, count, sums,
                    head_planes + static_cast<std::size_t>(qs[u]));
        }
      }
    }
  }
}

// What a block of the root's planes is handed to (compute's `sink`): its planes
// (`stride` elements apart) over elements start .. start + m - 1 of the root's. Called
// from hyperdiff's threads, blocks in any order.
using BlockSink = std::function<void(const unsigned char* planes, std::size_t stride,
                                     std::size_t start, std::size_t m)>;

inline bool compute_join(const NodePtr& root, PyArrayObject* (*new_planes)(const Node&),
                         PyArrayObject* into);

// Runs the pending graph below `root` block by block; writes root and every node
// held outside the graph (by its dual array, or by a pending node of another
// graph) in full. False with a Python error set when an allocation fails.
// With `root_plane` (an array of k * root->count elements), planes `plane` to
// `plane` + k - 1 of the root go there and the root stays pending (its planes in
// scratch only). With `into`,
// the root's planes go there (planes of its shape, each one contiguous, any plane
// stride: its slice of a concatenation) and the root stays pending, its graph kept
// (read later, it runs again: the same bits). With `sums` (a graph by_planes takes,
// of a real dtype), the root's planes summed over its elements go there (numpy's
// sums' bits), and the root stays pending, its graph kept. With `sink`, each block
// of the root's planes is handed to it from scratch (the root neither written nor
// computed: it stays pending, its graph kept). A join (Node::join) runs compute_join.
inline bool compute(const NodePtr& root, PyArrayObject* (*new_planes)(const Node&),
                    PyArrayObject* root_plane = nullptr, int plane = 0,
                    PyArrayObject* into = nullptr, void* sums = nullptr,
                    const BlockSink* sink = nullptr) {
  if (root->result != nullptr || root->view) return true;
  if (root->reshape_of != nullptr) {  // (aliased: its planes are a view of x's)
    PyErr_SetString(PyExc_RuntimeError, "hyperdiff: a pending reshape computed as a graph");
    return false;
  }
  if (root->join) {
    if (root_plane != nullptr || sums != nullptr || sink != nullptr) {
      PyErr_SetString(PyExc_RuntimeError, "hyperdiff: a pending concatenation asked for blocks");
      return false;
    }
    return compute_join(root, new_planes, into);
  }
  if (sink != nullptr && (root->seed || root_plane != nullptr || into != nullptr)) {
    PyErr_SetString(PyExc_RuntimeError, "hyperdiff: a sink for a root it cannot read");
    return false;
  }
  // post order: inputs before readers (`order` keeps every node alive to the end)
  std::vector<NodePtr> order;
  std::unordered_map<Node*, int> position, edges;
  auto visit = [&](auto&& self, const NodePtr& node) -> void {
    if (position.count(node.get()) != 0) return;
    for (int i = 0; i < node->arity; ++i) {
      const Input& in = node->inputs[i];
      if (in.kind != Input::kNode) continue;
      ++edges[in.node.get()];
      self(self, in.node);
    }
    position[node.get()] = static_cast<int>(order.size());
    order.push_back(node);
  };
  visit(visit, root);
  if (sums != nullptr &&
      (root_plane != nullptr || into != nullptr || sink != nullptr || !by_planes(order))) {
    PyErr_SetString(PyExc_RuntimeError, "hyperdiff: a sum by planes of a graph that has none");
    return false;
  }

  const std::size_t n = order.size(), item = item_bytes(*root), count = root->count;
  const int planes = plane_count(*root);
  std::vector<PyArrayObject*> full(n, nullptr);
  std::vector<int> slot(n, -1), last_use(n, -1);
  for (std::size_t k = 0; k < n; ++k) {
    for (int i = 0; i < order[k]->arity; ++i) {
      const Input& in = order[k]->inputs[i];
      if (in.kind == Input::kNode) last_use[position[in.node.get()]] = static_cast<int>(k);
    }
  }
  bool failed = false;
  for (std::size_t k = 0; k < n && !failed; ++k) {
    Node* node = order[k].get();
    // held outside the graph: owners besides `order` and this graph's inputs
    const long owners = order[k].use_count() - 1 - edges[node];
    if (node == root.get() && into != nullptr) {
      Py_INCREF(into);
      full[k] = into;
    } else if (node == root.get() ? root_plane == nullptr && sums == nullptr && sink == nullptr
               : node->seed       ? false  // (it stays pending: it is its own inputs)
                                  : owners > 0 || last_use[k] < 0) {
      full[k] = new_planes(*node);
      failed = full[k] == nullptr;
    }
  }
  if (failed) {
    for (PyArrayObject* array : full) Py_XDECREF(array);
    return false;
  }
  // readers first, so a computed input hands its array to the nodes still pending
  const auto hand_out = [&]() {
    for (std::size_t k = n; k-- > 0;) {
      if (full[k] == nullptr) continue;
      if (into != nullptr && k == n - 1) {
        Py_DECREF(into);
      } else {
        order[k]->set_result(full[k]);
      }
    }
    return true;
  };
  if (root_plane == nullptr && sink == nullptr && by_planes(order)) {
    std::vector<std::size_t> strides(n, count);  // (into: the root's slice of a concatenation)
    if (into != nullptr) strides[n - 1] = static_cast<std::size_t>(PyArray_STRIDE(into, 0)) / item;
    run_by_planes(order, position, full, strides, sums);
    return hand_out();
  }
  // Colored seeds read by the graph (slices of one parent at several offsets: a
  // stencil's x[:-2], x[1:-1], x[2:]): the parent's rows written once a block, over
  // the block and the offsets' spread, each seed a pointer into them (no slot)
  // (grouped by the rows they read: a parent computed meanwhile has let go of its own)
  struct SeedGroup {
    const Input* x;     // a member's values and rows (all read the same two arrays,
    const Input* rows;  // each from its offset on)
    int colors;
    bool probed;
    std::size_t low, high;  // the members' offsets (elements into the rows)
    std::size_t margin() const { return high - low; }
  };
  std::vector<SeedGroup> groups;
  std::vector<int> group_of(n, -1);
  for (std::size_t k = 0; k < n; ++k) {
    const Node& node = *order[k];
    if (node.colors == 0 || full[k] != nullptr) continue;
    const Input* x = &node.inputs[0];
    const std::size_t offset = x->offset;
    const auto same = [x](const SeedGroup& group) {
      return group.x->array == x->array && group.x->stride == x->stride;
    };
    auto found = std::find_if(groups.begin(), groups.end(), same);
    if (found == groups.end()) {
      groups.push_back({x, &node.inputs[1], node.colors, node.probed, offset, offset});
      found = groups.end() - 1;
    }
    found->low = std::min(found->low, offset);
    found->high = std::max(found->high, offset);
    group_of[k] = static_cast<int>(found - groups.begin());
  }
  // Chains of linear operations (linear_chain.hpp): a linear node read by one linear
  // node of this graph and held by nothing else is a step of its reader's program
  // (absorbed: no slot, no pass of its own); every linear node not absorbed runs its
  // program, in one pass over the block.
  struct Program {
    std::vector<linear::Step> steps;
    std::vector<std::pair<std::size_t, int>> leaves;  // (node, input): the program's inputs
  };
  std::vector<Program> programs;
  std::vector<int> program_of(n, -1), read_at(n);
  std::vector<char> absorbed(n, 0);
  for (std::size_t k = 0; k < n; ++k) read_at[k] = static_cast<int>(k);
  const auto absorbable = [&](std::size_t p) {
    return (order[p]->linear != linear::kNone || order[p]->derivatives != nullptr) &&
           full[p] == nullptr && group_of[p] < 0 && p + 1 < n && edges[order[p].get()] == 1;
  };
  for (std::size_t r = n; r-- > 0;) {
    if (absorbed[r] != 0 || order[r]->linear == linear::kNone || group_of[r] >= 0) continue;
    Program program;
    int budget = linear::kMaxSteps - 1;  // steps besides node r's own
    const auto emit = [&](auto&& self, std::size_t k) -> int {
      const Node& node = *order[k];
      linear::Step step;
      step.op = node.linear != linear::kNone ? node.linear : linear::kUnary;
      step.arity = node.arity;
      step.derivatives = node.derivatives;
      step.structural = node.structural;
      for (int i = 0; i < node.arity; ++i) {
        const Input& in = node.inputs[i];
        step.parts[i] = in.kind == Input::kNode || (in.kind == Input::kArray && !in.constant);
        if (in.kind == Input::kNode) {
          const auto p = static_cast<std::size_t>(position.at(in.node.get()));
          if (budget > 0 && absorbable(p)) {
            --budget;
            absorbed[p] = 1;
            read_at[p] = static_cast<int>(r);
            step.operand[i] = self(self, p);
            continue;
          }
        }
        step.operand[i] = -1 - static_cast<int>(program.leaves.size());
        program.leaves.emplace_back(k, i);
      }
      program.steps.push_back(step);
      return static_cast<int>(program.steps.size()) - 1;
    };
    emit(emit, r);
    program_of[r] = static_cast<int>(programs.size());
    programs.push_back(std::move(program));
  }
  // groups read by programs alone (as leaves): their values and probe w are read where
  // they lie (linear::Leaf's value and probe), not copied into the group's rows a block
  // (banded's: 1.6 MB a call)
  std::vector<char> leaves_only(groups.size(), 1);
  for (std::size_t k = 0; k < n; ++k) {
    if (program_of[k] >= 0 || absorbed[k] != 0) continue;
    for (int i = 0; i < order[k]->arity; ++i) {
      const Input& in = order[k]->inputs[i];
      if (in.kind != Input::kNode) continue;
      const int g = group_of[position.at(in.node.get())];
      if (g >= 0) leaves_only[g] = 0;
    }
  }
  // scratch slots for the rest, reused once their last reader has run
  int slots = assign_slots(
      order, position,
      [&](std::size_t k) { return full[k] == nullptr && group_of[k] < 0 && absorbed[k] == 0; },
      slot, &read_at);
  // a slot more for each input read in runs, gathered block by block; when every such
  // input has runs of one length, at least kDirectRun elements (slices x[a:b, c:d] of
  // one shape: a stencil's), blocks end where runs do and read each run where it is
  // (a 300 x 300 Laplacian residual's five slices of 7 planes: 25 MB of copies a call)
  constexpr std::size_t kDirectRun = 128;
  std::vector<int> gather(2 * n, -1);
  std::size_t common_run = 0;
  bool one_run = true;
  for (std::size_t k = 0; k < n; ++k) {
    for (int i = 0; i < order[k]->arity; ++i) {
      const Input& in = order[k]->inputs[i];
      if (in.kind != Input::kArray || in.run == 0) continue;
      gather[2 * k + i] = slots++;
      one_run = one_run && (common_run == 0 || common_run == in.run);
      common_run = in.run;
    }
  }
  const std::size_t direct_run = one_run && common_run >= kDirectRun ? common_run : 0;
  // a block's scratch within ~256 KiB (L2), in whole kernel blocks
  std::size_t block = 4096;
  const std::size_t per_element = static_cast<std::size_t>(std::max(slots, 1)) * planes * item;
  while (block > 256 && per_element * block > (std::size_t(1) << 18)) block /= 2;
  // each group's parent seed over a block and its margin, after the slots
  std::vector<std::size_t> group_at(groups.size());
  std::size_t group_bytes = 0;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    group_at[g] = group_bytes;
    group_bytes += (block + groups[g].margin()) * planes * item;
  }

  auto pointer = [&](PyArrayObject* array, std::size_t begin) {
    return static_cast<unsigned char*>(PyArray_DATA(array)) + begin * item;
  };
  // elements from one plane to the next of each node written in full
  std::vector<std::size_t> plane_stride(n, count);
  if (into != nullptr)
    plane_stride[n - 1] = static_cast<std::size_t>(PyArray_STRIDE(into, 0)) / item;
  // the root's one plane past the cache (a derivative's f' of 1e6 points: 8 MB) is
  // streamed: ordinary stores would read each line first (stream.hpp)
  const std::size_t root_rows =
      root_plane != nullptr ? static_cast<std::size_t>(PyArray_SIZE(root_plane)) / count : 0;
  const bool stream_root = hyperdiff::detail::kCanStream && root_plane != nullptr &&
                           root_rows * count * item >= kStreamBytes / 2;
  parallel_for(count, [&](std::size_t begin, std::size_t end) {
    const std::size_t slot_bytes = per_element * block;
    const std::size_t bytes = std::max<std::size_t>(slot_bytes + group_bytes, 64);
    std::unique_ptr<unsigned char[]> scratch(new unsigned char[bytes + 64]);
    unsigned char* base =
        scratch.get() + (64 - reinterpret_cast<std::uintptr_t>(scratch.get()) % 64);
    auto scratch_of = [&](int s) {
      return base + static_cast<std::size_t>(s) * planes * block * item;
    };
    for (std::size_t start = begin, m = 0; start < end; start += m) {
      m = std::min(block, end - start);
      if (direct_run != 0) m = std::min(m, direct_run - start % direct_run);
      for (std::size_t g = 0; g < groups.size(); ++g) {
        const SeedGroup& group = groups[g];
        // (a member's rows and values sit at one offset: a seed's two inputs move together)
        const std::size_t first = group.low + start;
        const std::size_t shift = group.rows->offset - group.x->offset;
        write_seed(item, Operand{pointer(group.x->array, first), group.x->stride, false},
                   Operand{pointer(group.rows->array, first + shift), group.rows->stride, false},
                   planes, base + slot_bytes + group_at[g], block + group.margin(),
                   m + group.margin(), group.colors, group.probed, 1, !leaves_only[g]);
      }
      // input i of node k over this block
      const auto operand_of = [&](std::size_t k, int i) -> Operand {
        const Input& in = order[k]->inputs[i];
        if (in.kind == Input::kScalar) return {in.scalar, 1, true};
        if (in.kind == Input::kArray && in.run != 0 && direct_run != 0) {  // within one run
          const std::size_t row = start / in.run, column = start % in.run;
          return {pointer(in.array, in.offset + row * in.run_stride + column), in.stride, false};
        }
        if (in.kind == Input::kArray && in.run != 0) {
          unsigned char* rows = scratch_of(gather[2 * k + static_cast<std::size_t>(i)]);
          gather_runs(in, start, m, planes, item, block, rows);
          return {rows, block, false};
        }
        if (in.kind == Input::kArray) {
          return {pointer(in.array, in.offset + start), in.stride, false};
        }
        const int p = position.at(in.node.get());
        const int g = group_of[p];
        if (g >= 0) {  // a seed: its rows within its group's
          const std::size_t skip = in.node->inputs[0].offset - groups[g].low;
          return {base + slot_bytes + group_at[g] + skip * item, block + groups[g].margin(), false};
        }
        return full[p] != nullptr ? Operand{pointer(full[p], start), plane_stride[p], false}
                                  : Operand{scratch_of(slot[p]), block, false};
      };
      for (std::size_t k = 0; k < n; ++k) {
        const Node& node = *order[k];
        if (group_of[k] >= 0 || absorbed[k] != 0) continue;  // (written above; in a program)
        if (program_of[k] >= 0) {
          const Program& program = programs[static_cast<std::size_t>(program_of[k])];
          linear::Leaf leaves[linear::kMaxLeaves];
          for (std::size_t l = 0; l < program.leaves.size(); ++l) {
            const auto [reader, i] = program.leaves[l];
            const Operand operand = operand_of(reader, i);
            leaves[l] = {operand.data, operand.plane_stride, operand.broadcast};
            const Input& in = order[reader]->inputs[i];
            const int g = in.kind == Input::kNode ? group_of[position.at(in.node.get())] : -1;
            if (g >= 0 && leaves_only[g]) {  // its values and w where they are
              const Input* x = &in.node->inputs[0];
              const Input* rows = &in.node->inputs[1];
              leaves[l].value = pointer(x->array, x->offset + start);
              if (groups[g].probed) {
                leaves[l].probe = pointer(rows->array, rows->offset + start);
                leaves[l].probe_plane = 1 + groups[g].colors;
              }
            }
          }
          const std::size_t out_stride = full[k] != nullptr ? plane_stride[k] : block;
          void* out = full[k] != nullptr ? static_cast<void*>(pointer(full[k], start))
                                         : static_cast<void*>(scratch_of(slot[k]));
          const int steps = static_cast<int>(program.steps.size());
          const int leaf_count = static_cast<int>(program.leaves.size());
          if (node.column == 0) {
            linear::run<double>(program.steps.data(), steps, leaves, leaf_count, planes,
                                static_cast<double*>(out), out_stride, m);
          } else {
            linear::run<float>(program.steps.data(), steps, leaves, leaf_count, planes,
                               static_cast<float*>(out), out_stride, m);
          }
          continue;
        }
        Operand operands[2];
        for (int i = 0; i < node.arity; ++i) operands[i] = operand_of(k, i);
        void* out = full[k] != nullptr ? static_cast<void*>(pointer(full[k], start))
                                       : static_cast<void*>(scratch_of(slot[k]));
        const std::size_t out_stride = full[k] != nullptr ? plane_stride[k] : block;
        if (node.unary != nullptr) {
          node.unary(operands[0].data, operands[0].plane_stride, out, out_stride, 0, m);
        } else if (node.jet_unary != nullptr) {
          node.jet_unary(*node.layout, operands[0].data, operands[0].plane_stride, out, out_stride,
                         0, m);
        } else if (node.binary != nullptr) {
          node.binary(operands[0], operands[1], out, out_stride, 0, m);
        } else if (node.jet_binary != nullptr) {
          node.jet_binary(*node.layout, operands[0], operands[1], out, out_stride, 0, m);
        } else if (node.seed) {
          write_seed(item, operands[0], operands[1], planes, out, out_stride, m, node.colors,
                     node.probed, node.unit);
        } else if (node.taylor_unary != nullptr) {
          node.taylor_unary(node.degree, false, operands[0].data, operands[0].plane_stride, out,
                            out_stride, 0, m);
        } else {
          node.taylor_binary(node.degree, false, operands[0], operands[1], out, out_stride, 0, m);
        }
      }
      if (sink != nullptr) (*sink)(scratch_of(slot[n - 1]), block, start, m);
      for (std::size_t r = 0; r < root_rows; ++r) {  // the planes asked, from its scratch
        const unsigned char* from = scratch_of(slot[n - 1]) + (plane + r) * block * item;
        if (stream_root) {
          hyperdiff::detail::stream_block(pointer(root_plane, r * count + start), from, m * item);
        } else {
          std::memcpy(pointer(root_plane, r * count + start), from, m * item);
        }
      }
    }
    if (stream_root) hyperdiff::detail::stream_fence();
  });
  return hand_out();
}

// Planes of a node's dtype over elements offset .. offset + count - 1 of each plane of
// `out` (planes of the node's first axes: a slice of a concatenation), a view of out
// with `rows` along its first axis after the planes'.
inline PyArrayObject* rows_of(PyArrayObject* out, const Node& node, std::size_t offset,
                              npy_intp rows) {
  std::vector<npy_intp> dims(PyArray_DIMS(out), PyArray_DIMS(out) + PyArray_NDIM(out));
  dims[1] = rows;
  Py_INCREF(node.descr);  // PyArray_NewFromDescr steals it
  auto* view = reinterpret_cast<PyArrayObject*>(PyArray_NewFromDescr(
      &PyArray_Type, node.descr, PyArray_NDIM(out), dims.data(), PyArray_STRIDES(out),
      static_cast<unsigned char*>(PyArray_DATA(out)) + offset * item_bytes(node),
      NPY_ARRAY_WRITEABLE, nullptr));
  if (view == nullptr) return nullptr;
  Py_INCREF(out);
  if (PyArray_SetBaseObject(view, reinterpret_cast<PyObject*>(out)) < 0) {
    Py_DECREF(view);
    return nullptr;
  }
  return view;
}

// A pending concatenation (Node::join) written into `into` (planes of its shape, each
// plane contiguous, any plane stride), where it stays pending; or, without, into new
// planes, its result. Each piece runs straight into its slice (compute's `into`),
// staying pending, but one held outside the join (a dual array's, another graph's) that
// is not a seed: that one is computed (its result handed to its readers), then copied,
// so that a piece reading an array about to be written (flush_readers computes the
// join, the root over it) never outlives the read pending. A seed's planes come from
// its own copy of x, which nothing writes.
inline bool compute_join(const NodePtr& root, PyArrayObject* (*new_planes)(const Node&),
                         PyArrayObject* into) {
  PyArrayObject* out = into != nullptr ? into : new_planes(*root);
  if (out == nullptr) return false;
  const std::size_t item = item_bytes(*root), inner = root->count / root->dims[1];
  const auto plane_bytes = static_cast<std::size_t>(PyArray_STRIDE(out, 0));
  bool ok = true;
  for (int i = 0; i < 2 && ok; ++i) {
    const std::size_t offset = i == 0 ? 0 : root->split;
    const std::size_t count = i == 0 ? root->split : root->count - root->split;
    Input& in = root->inputs[i];
    if (in.kind == Input::kNode && in.node->result == nullptr && !in.node->join && !in.node->seed &&
        in.node.use_count() > 1) {
      const NodePtr piece = in.node;  // (set_result makes `in` its planes)
      ok = compute(piece, new_planes);
      if (!ok) break;
    }
    if (in.kind == Input::kNode && in.node->result == nullptr) {
      PyArrayObject* slice = rows_of(out, *root, offset, static_cast<npy_intp>(count / inner));
      ok = slice != nullptr && (in.node->join ? compute_join(in.node, new_planes, slice)
                                              : compute(in.node, new_planes, nullptr, 0, slice));
      Py_XDECREF(slice);
      continue;
    }
    // computed: its planes copied (each contiguous: a node's result, C order)
    const unsigned char* from = nullptr;
    std::size_t stride = count;
    if (in.kind == Input::kNode) {
      from = static_cast<const unsigned char*>(PyArray_DATA(in.node->result));
    } else {
      from = static_cast<const unsigned char*>(PyArray_DATA(in.array)) + in.offset * item;
      stride = in.stride;
    }
    auto* to = static_cast<unsigned char*>(PyArray_DATA(out)) + offset * item;
    for (npy_intp p = 0; p < root->dims[0]; ++p) {
      std::memcpy(to + static_cast<std::size_t>(p) * plane_bytes,
                  from + static_cast<std::size_t>(p) * stride * item, count * item);
    }
  }
  if (!ok) {
    if (into == nullptr) Py_DECREF(out);
    return false;
  }
  if (into == nullptr) root->set_result(out);
  return true;
}

// Whether the pending graph below `root` is elementwise in the pending `seed` alone:
// elementwise kernels only (no view, no other seed, nothing computed), of root's
// element count, every operand with parts `seed` itself, the others numbers or
// constants of that shape.
// Then element i of every plane depends on element i of the seed's alone: the
// derivatives are pointwise.
inline bool elementwise_in(const NodePtr& root, const Node* seed) {
  std::vector<const Node*> stack{root.get()};
  std::unordered_map<const Node*, bool> seen;
  while (!stack.empty()) {
    const Node* node = stack.back();
    stack.pop_back();
    if (seen[node]) continue;
    seen[node] = true;
    const bool kernel = node->unary != nullptr || node->binary != nullptr ||
                        node->jet_unary != nullptr || node->jet_binary != nullptr ||
                        node->taylor_unary != nullptr || node->taylor_binary != nullptr;
    if (node->view || node->seed || node->result != nullptr || !kernel ||
        node->count != root->count) {
      return false;
    }
    for (int i = 0; i < node->arity; ++i) {
      const Input& in = node->inputs[i];
      if (in.kind == Input::kNode && in.node.get() != seed) {
        stack.push_back(in.node.get());
      } else if (in.kind == Input::kArray && !in.constant) {
        return false;
      }
    }
  }
  return true;
}

// Computes the pending nodes that read `array`, before it is handed to code that
// might write to it: through the graphs they feed (their readers' readers...), so
// that each graph runs once, fused, rather than each reader alone. False with a
// Python error set when an allocation fails.
inline bool flush_readers(PyObject* array, PyArrayObject* (*new_planes)(const Node&)) {
  const auto found = readers().find(array);
  if (found == readers().end()) return true;
  std::vector<Node*> stack(found->second.begin(), found->second.end()), roots;
  std::unordered_map<Node*, bool> seen;
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    if (node->view || seen[node]) continue;
    seen[node] = true;
    if (node->node_readers.empty()) roots.push_back(node);
    stack.insert(stack.end(), node->node_readers.begin(), node->node_readers.end());
  }
  std::vector<std::weak_ptr<Node>> waiting;
  for (Node* root : roots) waiting.push_back(root->weak_from_this());
  for (const auto& weak : waiting) {
    const NodePtr root = weak.lock();  // computing one may have dropped another
    if (root != nullptr && !compute(root, new_planes)) return false;
  }
  return true;
}

}  // namespace hyperdiff::bindings::fusion
