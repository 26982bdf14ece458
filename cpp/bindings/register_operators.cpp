// The common calls of the Python operators, whole in C++.
//
// At a dozen elements an operation on a dual array is all overhead: the kernel
// takes well under a microsecond, the Python path (type checks, an output
// array, the kernel call, the wrapper object) several. The dual classes register
// their kernels here once (a kind index, or a Jet layout); then
//
//   fast_unary(function, x)        f(x)
//   fast_binary(function, a, b)    f(a, b): two duals of one class, shape and
//                                  dtype, or a dual and a Python number, a numpy
//                                  scalar or an ndarray of its shape and dtype
//   fast_getitem(x, key)           x[key] (a dual in the key is refused)
//
// read the planes, allocate the result, run the table's kernel and wrap the
// result in the operand's class. Whatever else (broadcasting, promotion, views
// whose planes are not blocks, keywords, a missing complex kernel) returns None
// and Python's general path takes it, with its errors. METH_FASTCALL functions,
// since pybind11's argument handling alone costs about what the kernel does.
//
// The dual classes' operators, __getitem__, __pow__ and __array_function__ are
// these functions made methods (operator_method, ...): a call goes from the
// operator straight to C, and to the Python fallback only when the fast path
// returns None. (DESIGN.md keeps the binding to checks and calls; this is the
// measured exception: at n = 10 the Python dispatch was 3-4x the kernel.)
#include "numpy_api.hpp"
// (numpy_api.hpp first: it defines what numpy's headers read)
#include <structmember.h>  // PyMemberDef: the slot's offset

#include <complex>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "fusion.hpp"
#include "hyperdiff/block_cache.hpp"
#include "hyperdiff/runtime.hpp"
#include "jet_layout.hpp"
#include "operands.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace hyperdiff::bindings {
namespace {

struct ClassKernels {
  int kind;              // Dual, HyperDual: the kind index; -1 for a Jet or Taylor kind
  const Layout* jet;     // the Jet's layout (kept alive with the class)
  int taylor = -1;       // a Taylor kind's degree (its ufuncs only: taylor.hpp's kernels)
  int tag = 0;           // the transform depth its parts belong to (-1: retired)
  std::size_t live = 0;  // instances alive (counted_alloc, counted_free)
  // the Python thread whose transforms retire it (tagged classes are per thread, as
  // depths are)
  unsigned long thread = 0;
  // What a transform needs to know that f is pointwise by construction (without a
  // probe direction): the instances made in all (counted_alloc), those made by the
  // fast elementwise paths from same-shaped operands (elementwise_result), and the
  // reads and writes of `_stack`, the door of every other path to the planes
  std::size_t made = 0, made_elementwise = 0, opened = 0;
};

// Never destroyed: the classes (and their layouts) live until exit anyway.
std::unordered_map<PyTypeObject*, ClassKernels>& registered() {
  static auto* classes = new std::unordered_map<PyTypeObject*, ClassKernels>;
  return *classes;
}

// A class registered with no kernels (kind -1, no layout: the Taylor kinds, whose
// other operations run in Python, and the bundles) is only counted: the fast paths
// decline it, but for a Taylor kind's ufuncs (ufunc_kernels_of).
const ClassKernels* kernels_of(PyTypeObject* type) {
  const auto& classes = registered();
  const auto found = classes.find(type);
  if (found == classes.end() || (found->second.kind < 0 && found->second.jet == nullptr)) {
    return nullptr;
  }
  return &found->second;
}

const ClassKernels* kernels_of(PyObject* obj) { return kernels_of(Py_TYPE(obj)); }

const ClassKernels* ufunc_kernels_of(PyObject* obj) {
  const auto& classes = registered();
  const auto found = classes.find(Py_TYPE(obj));
  if (found == classes.end()) return nullptr;
  const ClassKernels& kernels = found->second;
  return kernels.kind >= 0 || kernels.jet != nullptr || kernels.taylor >= 0 ? &kernels : nullptr;
}

bool is_registered(PyObject* obj) { return registered().count(Py_TYPE(obj)) != 0; }

// --- escaped arrays --------------------------------------------------------------
// A transform's seeds and everything computed from them are instances of its kinds,
// tagged with its depth; when it returns, none should be left (its results are
// arrays of values, or of an enclosing transform's kinds). One kept past the call
// (appended to a list) would pass for the perturbations of the next transform at
// that depth, which seeds the same class: so the registered classes count their
// instances, and at a transform's end a class of its depth that still has some is
// retired (the Python hook drops it from `tagged`'s cache): the next transform seeds
// a new class, and the kept arrays meet it with a TypeError.
PyObject* counted_alloc(PyTypeObject* type, Py_ssize_t items) {
  PyObject* obj = PyType_GenericAlloc(type, items);
  if (obj != nullptr) {
    const auto found = registered().find(type);
    if (found != registered().end()) {
      ++found->second.live;
      ++found->second.made;
    }
  }
  return obj;
}

void counted_free(void* self) {
  PyTypeObject* type = Py_TYPE(static_cast<PyObject*>(self));
  const auto found = registered().find(type);
  if (found != registered().end() && found->second.live > 0) --found->second.live;
  if (PyType_IS_GC(type)) {
    PyObject_GC_Del(self);
  } else {
    PyObject_Free(self);
  }
}

// A result of fast_unary / fast_binary (or None, or nullptr: passed through).
PyObject* elementwise_result(PyObject* obj) {
  if (obj != nullptr && obj != Py_None) {
    const auto found = registered().find(Py_TYPE(obj));
    if (found != registered().end()) ++found->second.made_elementwise;
  }
  return obj;
}

void note_opened(PyObject* dual) {
  const auto found = registered().find(Py_TYPE(dual));
  if (found != registered().end()) ++found->second.opened;
}

PyObject*& retire_hook() {
  static PyObject* hook = nullptr;  // _arrays._retire, set at import
  return hook;
}

// --- the planes' slot and its one door (fusion.hpp) ----------------------------
// DualArray's slot `_store` holds the planes (an ndarray) or a recorded operation
// (a Deferred, fusion.hpp); `_stack`, the descriptor below, is how everything but
// the fast path reads it: it computes what is pending and hands out the array.
Py_ssize_t store_offset = -1;           // of the slot in a dual array
PyTypeObject* deferred_type = nullptr;  // fusion::Node's Python class

PyObject*& stored(PyObject* dual) {
  return *reinterpret_cast<PyObject**>(reinterpret_cast<char*>(dual) + store_offset);
}

void replace_stored(PyObject* dual, PyObject* value) {
  Py_XINCREF(value);
  PyObject* old = stored(dual);
  stored(dual) = value;
  Py_XDECREF(old);  // last: it may free a Deferred and its node
}

bool is_deferred(PyObject* obj) { return Py_TYPE(obj) == deferred_type; }

fusion::NodePtr node_of(PyObject* deferred) { return py::handle(deferred).cast<fusion::NodePtr>(); }

// An empty array for a node's planes (its dtype and shape, C order).
PyArrayObject* node_planes(const fusion::Node& node) {
  Py_INCREF(node.descr);  // PyArray_NewFromDescr steals it
  auto* out = reinterpret_cast<PyArrayObject*>(
      PyArray_NewFromDescr(&PyArray_Type, node.descr, static_cast<int>(node.dims.size()),
                           const_cast<npy_intp*>(node.dims.data()), nullptr, nullptr, 0, nullptr));
  if (out != nullptr && static_cast<std::size_t>(PyArray_NBYTES(out)) >= BlockCache::kMinBytes) {
    note_large_array();
  }
  return out;
}

// Planes of node's shape and dtype as a numpy view of `in` (its array from its
// offset on, planes `in.stride` apart), which it keeps alive.
PyObject* input_view(const fusion::Node& node, const fusion::Input& in) {
  const npy_intp item = PyDataType_ELSIZE(node.descr);
  std::vector<npy_intp> strides(node.dims.size(), item);
  for (std::size_t d = node.dims.size() - 1; d >= 2; --d)
    strides[d - 1] = strides[d] * node.dims[d];
  if (in.run != 0) strides[1] = static_cast<npy_intp>(in.run_stride) * item;  // x[a:b, c:d]
  strides[0] = static_cast<npy_intp>(in.stride) * item;
  auto* data = static_cast<char*>(PyArray_DATA(in.array)) + static_cast<npy_intp>(in.offset) * item;
  Py_INCREF(node.descr);  // PyArray_NewFromDescr steals it
  PyObject* view =
      PyArray_NewFromDescr(&PyArray_Type, node.descr, static_cast<int>(node.dims.size()),
                           const_cast<npy_intp*>(node.dims.data()), strides.data(), data,
                           PyArray_FLAGS(in.array) & NPY_ARRAY_WRITEABLE, nullptr);
  if (view == nullptr) return nullptr;
  Py_INCREF(in.array);
  if (PyArray_SetBaseObject(reinterpret_cast<PyArrayObject*>(view),
                            reinterpret_cast<PyObject*>(in.array)) < 0) {
    Py_DECREF(view);
    return nullptr;
  }
  return view;
}

// A view node's planes: a numpy view of its input (whose owner it keeps alive).
PyObject* view_planes(const fusion::Node& node) { return input_view(node, node.inputs[0]); }

// A slice of a pending colored seed (fusion::Node::parent): a view of the parent's
// planes, computed first if pending (the slice's elements from its offset on).
PyObject* seed_slice_planes(const fusion::Node& node) {
  const fusion::NodePtr& parent = node.parent;
  if (parent->result == nullptr && !fusion::compute(parent, node_planes)) return nullptr;
  fusion::Input in;
  in.kind = fusion::Input::kArray;
  in.array = parent->result;  // (borrowed: not released, the parent holds it)
  in.offset = node.inputs[0].offset;
  in.stride = parent->count;
  PyObject* view = input_view(node, in);
  in.array = nullptr;
  return view;
}

// Whether a pending node's planes, as an array, are a view of other planes: a view
// node's, or a seed slice's (of its parent's).
// A pending reshape's planes (fusion::Node::reshape_of): a view of x's, computed first
// if pending, in the reshape's shape.
PyObject* reshape_planes(const fusion::Node& node) {
  const fusion::NodePtr& x = node.reshape_of;
  if (x->result == nullptr && !fusion::compute(x, node_planes)) return nullptr;
  fusion::Input in;
  in.kind = fusion::Input::kArray;
  in.array = x->result;  // (borrowed: not released, x holds it)
  in.stride = x->count;
  PyObject* view = input_view(node, in);
  in.array = nullptr;
  return view;
}

bool aliased(const fusion::Node& node) {
  return node.view || node.parent != nullptr || node.reshape_of != nullptr;
}

PyObject* aliased_planes(const fusion::Node& node) {
  if (node.reshape_of != nullptr) return reshape_planes(node);
  return node.view ? view_planes(node) : seed_slice_planes(node);
}

// The computed planes in a dual's slot (a new reference), or nullptr with an error.
PyObject* computed_planes(PyObject* dual) {
  PyObject* value = stored(dual);
  if (value == nullptr) {
    PyErr_SetString(PyExc_AttributeError, "_stack");
    return nullptr;
  }
  if (is_deferred(value)) {
    const fusion::NodePtr node = node_of(value);
    const bool view = aliased(*node);
    PyObject* planes = view ? aliased_planes(*node) : nullptr;
    if (view ? planes == nullptr : !fusion::compute(node, node_planes)) return nullptr;
    replace_stored(dual, planes != nullptr ? planes : reinterpret_cast<PyObject*>(node->result));
    Py_XDECREF(planes);
    value = stored(dual);
  }
  Py_INCREF(value);
  return value;
}

// The planes handed to Python code: first their pending readers computed (of the
// array, and of its owner for a view), then the memory marked exposed (fusion.hpp).
PyObject* get_data(PyObject* dual, void*) {
  note_opened(dual);
  PyObject* planes = computed_planes(dual);
  if (planes == nullptr || !PyArray_Check(planes)) return planes;
  PyObject* owner = PyArray_BASE(reinterpret_cast<PyArrayObject*>(planes));
  if (owner != nullptr && !PyArray_Check(owner)) owner = nullptr;
  const bool flushed = fusion::readers().empty() ||
                       (fusion::flush_readers(planes, node_planes) &&
                        (owner == nullptr || fusion::flush_readers(owner, node_planes)));
  if (!flushed || !fusion::expose(planes) || (owner != nullptr && !fusion::expose(owner))) {
    Py_DECREF(planes);
    return nullptr;
  }
  return planes;
}

// The planes for a read that neither writes them nor keeps them past the call (a
// product's operands): computed if pending, but not marked exposed, so a kept seed
// read this way stays reusable (keep_seed) and fusion may still record the array.
PyObject* get_read(PyObject* dual, void*) {
  note_opened(dual);
  return computed_planes(dual);
}

int set_data(PyObject* dual, PyObject* value, void*) {
  note_opened(dual);
  replace_stored(dual, value);
  return 0;
}

// The planes' shape and dtype without computing anything (shape, ndim, dtype,
// len): the array, or for a pending node a read-only stand-in of zeros (zero
// strides over a static block: no allocation, no computation).
PyObject* get_header(PyObject* dual, void*) {
  PyObject* value = stored(dual);
  if (value == nullptr || !is_deferred(value)) return computed_planes(dual);  // (no flush)
  const fusion::NodePtr node = node_of(value);
  if (node->result != nullptr) return Py_NewRef(reinterpret_cast<PyObject*>(node->result));
  alignas(16) static unsigned char zeros[16] = {};
  const std::vector<npy_intp> strides(node->dims.size(), 0);
  Py_INCREF(node->descr);  // PyArray_NewFromDescr steals it
  return PyArray_NewFromDescr(&PyArray_Type, node->descr, static_cast<int>(node->dims.size()),
                              const_cast<npy_intp*>(node->dims.data()),
                              const_cast<npy_intp*>(strides.data()), zeros, 0, nullptr);
}

PyGetSetDef data_getset[] = {
    {"_stack", get_data, set_data, "The planes (the plane axis first), computed if pending.",
     nullptr},
    {"_read", get_read, nullptr,
     "The planes for a read that neither writes nor keeps them (not marked exposed).", nullptr},
    {"_header", get_header, nullptr,
     "The planes' shape and dtype, for reading those only (nothing is computed).", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

// A dual operand's planes when each plane is one C-contiguous block: an array (from
// `offset` on, for a view node), or a pending operation (node) of the planes' shape
// and dtype.
struct DualData {
  PyArrayObject* array = nullptr;  // owned
  fusion::NodePtr node;            // pending
  fusion::NodePtr view;            // a view node of `array` (keeps `dims` alive)
  int column = -1;
  std::size_t offset = 0;               // elements before the first one, in each plane
  std::size_t run = 0, run_stride = 0;  // a view read in runs (fusion::Input)
  std::size_t count = 0;                // elements per plane
  std::size_t stride = 0;               // elements from one plane to the next
  int ndim = 0;
  const npy_intp* dims = nullptr;

  DualData() = default;
  DualData(const DualData&) = delete;
  DualData& operator=(const DualData&) = delete;
  ~DualData() { Py_XDECREF(array); }

  // False (and no Python error) when the general path must take it.
  bool read(PyObject* dual) {
    PyObject* value = stored(dual);
    if (value == nullptr) return false;
    if (is_deferred(value)) {
      fusion::NodePtr pending = node_of(value);
      // (a join or a reshape is never an operand: computed, as a seed slice of a
      // computed parent)
      if (pending->join || pending->reshape_of != nullptr ||
          (pending->parent != nullptr && pending->parent->result != nullptr)) {
        // a seed slice whose parent is computed (and may have been written since):
        // its planes are a view of the parent's
        PyObject* planes = computed_planes(dual);
        if (planes == nullptr) {
          PyErr_Clear();
          return false;
        }
        return read_array(reinterpret_cast<PyArrayObject*>(planes));
      }
      if (pending->view || pending->result == nullptr) {
        column = pending->column;
        count = stride = pending->count;
        ndim = static_cast<int>(pending->dims.size());
        dims = pending->dims.data();
        if (pending->view) {
          const fusion::Input& in = pending->inputs[0];
          Py_INCREF(in.array);
          array = in.array;
          offset = in.offset;
          stride = in.stride;
          run = in.run;
          run_stride = in.run_stride;
          view = std::move(pending);
        } else {
          node = std::move(pending);
        }
        return true;
      }
      replace_stored(dual, reinterpret_cast<PyObject*>(pending->result));
      value = stored(dual);
    }
    if (!PyArray_CheckExact(value)) return false;
    Py_INCREF(value);
    return read_array(reinterpret_cast<PyArrayObject*>(value));
  }

  // A pending operand computed (the dual's slot then holds its planes); a view read
  // in runs becomes its numpy view, which the kernels do not take (false: the
  // general path's).
  bool compute(PyObject* dual) {
    if (run != 0) {
      view.reset();
      offset = run = run_stride = 0;
      PyObject* planes = computed_planes(dual);
      return planes != nullptr && read_array(reinterpret_cast<PyArrayObject*>(planes));
    }
    if (node == nullptr) return true;
    if (node->parent != nullptr) {  // a seed slice: a view of its parent's planes
      node.reset();
      PyObject* planes = computed_planes(dual);
      return planes != nullptr && read_array(reinterpret_cast<PyArrayObject*>(planes));
    }
    if (!fusion::compute(node, node_planes)) return false;
    replace_stored(dual, reinterpret_cast<PyObject*>(node->result));
    node.reset();
    Py_INCREF(stored(dual));
    return read_array(reinterpret_cast<PyArrayObject*>(stored(dual)));
  }

  // As a recorded operation's input: a pending node (whose graph, with
  // `extra_pending` more operations, stays within kMaxPending), or an array nothing
  // else holds (the slot, `holders` readers of this call, pending nodes' inputs and
  // view nodes; for a kept seed, the cache, which hands it out only when it alone holds
  // it) that owns its memory, so that no view of it can be written without `_stack`.
  // A view's array counts its owner's slot, which must still hold it.
  bool recordable(int holders, int extra_pending) const {
    if (node != nullptr) {
      return node->result == nullptr && node->pending + extra_pending <= fusion::kMaxPending;
    }
    auto* obj = reinterpret_cast<PyObject*>(array);
    if (view != nullptr && stored(view->owner) != obj) return false;
    return PyArray_BASE(array) == nullptr && PyArray_CHKFLAGS(array, NPY_ARRAY_OWNDATA) &&
           !fusion::is_exposed(obj) &&
           static_cast<std::size_t>(Py_REFCNT(obj)) ==
               1 + static_cast<std::size_t>(holders) + fusion::reader_count(obj) +
                   fusion::zero_pairs().count(obj);  // (a kept seed: the cache's too)
  }

  // recordable, after computing a pending operand whose graph is too large (the
  // chain then goes on from its planes): 1 yes, 0 no, -1 a Python error.
  int ready(PyObject* dual, int holders, int extra_pending) {
    if (recordable(holders, extra_pending)) return 1;
    if (node == nullptr) return 0;
    if (!compute(dual)) return PyErr_Occurred() ? -1 : 0;
    return recordable(holders, extra_pending) ? 1 : 0;
  }

  fusion::Input input() const {
    fusion::Input in;
    if (node != nullptr) {
      in.kind = fusion::Input::kNode;
      in.node = node;
    } else {
      in.kind = fusion::Input::kArray;
      Py_INCREF(array);
      in.array = array;
      in.offset = offset;
      in.stride = stride;
      in.run = run;
      in.run_stride = run_stride;
    }
    return in;
  }

  PyArray_Descr* descr() const { return node != nullptr ? node->descr : PyArray_DESCR(array); }

  void* data() const {
    return static_cast<char*>(PyArray_DATA(array)) +
           static_cast<npy_intp>(offset) * PyArray_ITEMSIZE(array);
  }

  // An empty array of these planes' shape and dtype (C order).
  PyArrayObject* new_like() const {
    Py_INCREF(descr());  // PyArray_NewFromDescr steals it
    auto* out = reinterpret_cast<PyArrayObject*>(PyArray_NewFromDescr(
        &PyArray_Type, descr(), ndim, const_cast<npy_intp*>(dims), nullptr, nullptr, 0, nullptr));
    if (out != nullptr && static_cast<std::size_t>(PyArray_NBYTES(out)) >= BlockCache::kMinBytes) {
      note_large_array();
    }
    return out;
  }

 private:
  bool read_array(PyArrayObject* value) {
    Py_XDECREF(array);
    array = value;
    column = dtype_column(PyArray_TYPE(array));
    ndim = PyArray_NDIM(array);
    dims = PyArray_DIMS(array);
    if (column < 0 || ndim < 1 || PyArray_DIM(array, 0) < 2) return false;
    PlaneLayout layout;
    if (!plane_blocks(ndim, PyArray_DIMS(array), PyArray_STRIDES(array),
                      static_cast<npy_intp>(PyArray_ITEMSIZE(array)),
                      PyArray_IS_C_CONTIGUOUS(array), &layout)) {
      return false;
    }
    count = layout.count;
    stride = layout.stride;
    return true;
  }
};

// A recorded operation of `like`'s shape and dtype, as a new dual of `type`.
// A new node of `like`'s shape and dtype.
fusion::NodePtr new_node(const DualData& like) {
  auto node = std::make_shared<fusion::Node>();
  Py_INCREF(like.descr());
  node->descr = like.descr();
  node->column = like.column;
  node->dims.assign(like.dims, like.dims + like.ndim);
  node->count = like.count;
  return node;
}

// A recorded node as a new dual of `type`.
PyObject* record(PyTypeObject* type, fusion::NodePtr node) {
  PyObject* deferred = py::cast(std::move(node)).release().ptr();
  PyObject* obj = type->tp_alloc(type, 0);
  if (obj == nullptr) {
    Py_DECREF(deferred);
    return nullptr;
  }
  stored(obj) = deferred;
  return obj;
}

// A Python float, int or (for complex components) complex, exactly those types:
// the numbers numpy's promotion leaves in the dual's dtype (a complex one makes real
// components complex: the general path's). Stored as they are when they are exactly a
// component value (nothing rounds, so every conversion gives those bits); anything
// that rounds is converted by numpy's own setitem, as the general path's
// np.asarray(number, dtype) converts it: the rounding rule is numpy's, in both paths.
// A number numpy refuses (an int past float64's range, an overflow warning made an
// error) declines, and the general path raises numpy's error.
struct Scalar {
  alignas(16) char bytes[16];

  // A 0-d array of each component dtype, the array numpy's setitem reads the dtype
  // from (kept until exit, as the registered classes).
  static PyArrayObject* component_array(int column) {
    static PyArrayObject* arrays[kDtypes] = {};
    if (arrays[column] == nullptr) {
      arrays[column] =
          reinterpret_cast<PyArrayObject*>(PyArray_SimpleNew(0, nullptr, kComponentTypes[column]));
    }
    return arrays[column];
  }

  bool read(PyObject* obj, int column) {
    const int type = kComponentTypes[column];
    const bool number = PyFloat_CheckExact(obj) || PyLong_CheckExact(obj) ||
                        (PyComplex_CheckExact(obj) && PyTypeNum_ISCOMPLEX(type));
    if (!number) return false;
    if (exact(obj, type)) return true;  // (numpy's setitem: 20-35 ns more)
    static_assert(sizeof bytes >= sizeof(std::complex<double>));
    PyArrayObject* like = component_array(column);
    if (like == nullptr || PyArray_SETITEM(like, bytes, obj) < 0) {
      PyErr_Clear();
      return false;
    }
    return true;
  }

 private:
  // The Python number as a component of numpy type `type`, if it is exactly one (a
  // complex only reaches complex types: the admission above).
  bool exact(PyObject* obj, int type) {
    double re, im = 0.0;
    if (PyFloat_CheckExact(obj)) {
      re = PyFloat_AS_DOUBLE(obj);
    } else if (PyLong_CheckExact(obj)) {
      int overflow = 0;
      const long long integer = PyLong_AsLongLongAndOverflow(obj, &overflow);
      constexpr long long limit = 1LL << 53;  // float64's exact integers
      if (overflow != 0 || integer > limit || integer < -limit) return false;
      re = static_cast<double>(integer);
    } else {
      const Py_complex value = PyComplex_AsCComplex(obj);
      re = value.real;
      im = value.imag;
    }
    const float re32 = static_cast<float>(re), im32 = static_cast<float>(im);
    const bool fits = re32 == re && im32 == im;  // (never for nan)
    switch (type) {
      case NPY_DOUBLE:
        return store(re);
      case NPY_CDOUBLE:
        return store(std::complex<double>(re, im));
      case NPY_FLOAT:
        return fits && store(re32);
      case NPY_CFLOAT:
        return fits && store(std::complex<float>(re32, im32));
      default:
        return false;
    }
  }

  template <class T>
  bool store(T value) {
    std::memcpy(bytes, &value, sizeof value);
    return true;
  }
};

// The operand without parts of a dual's binary call, where the general path takes it
// without promotion: a Python number (Scalar), a numpy scalar of the dual's
// component dtype, or an ndarray of that dtype (C order; or of a floating-point dtype
// numpy promotes to it, cast first) and the dual's shape, or of any shape against a
// dual of shape () (`spread`: each of the dual's planes is one number, broadcast over
// the array's elements; T7a's (1j t) * H).
struct Constant {
  Scalar scalar;
  PyArrayObject* array = nullptr;  // owned
  bool spread = false;

  Constant() = default;
  Constant(const Constant&) = delete;
  Constant& operator=(const Constant&) = delete;
  ~Constant() { Py_XDECREF(array); }

  bool read(PyObject* obj, const DualData& dual) {
    if (scalar.read(obj, dual.column)) return true;
    const int type = dual.descr()->type_num;
    if (PyArray_IsScalar(obj, Generic)) {
      PyArray_Descr* descr = PyArray_DescrFromScalar(obj);
      const bool same = descr != nullptr && descr->type_num == type;
      Py_XDECREF(descr);
      if (same) PyArray_ScalarAsCtype(obj, scalar.bytes);
      return same;
    }
    if (!PyArray_CheckExact(obj)) return false;
    auto* a = reinterpret_cast<PyArrayObject*>(obj);
    const bool same = PyArray_NDIM(a) == dual.ndim - 1 &&
                      PyArray_CompareLists(PyArray_DIMS(a), dual.dims + 1, dual.ndim - 1);
    spread = !same && dual.ndim == 1 && PyArray_NDIM(a) >= 1;
    if (!same && !spread) return false;
    if (PyArray_TYPE(a) != type) return cast(a, type);
    if (!PyArray_IS_C_CONTIGUOUS(a) || !PyArray_ISALIGNED(a) || !PyArray_ISNOTSWAPPED(a)) {
      return false;
    }
    Py_INCREF(obj);
    array = a;
    return true;
  }

  // A floating-point array that numpy promotes to the dual's dtype (float64 against
  // a complex128 dual, float32 against float64, complex64 or complex128), as numpy's
  // ufuncs take it: a copy cast to that dtype, exactly ((1j t) * H for a real H: 10 ->
  // 1.2 us). Integer and bool arrays are left to the general path, as is anything the
  // promotion would widen.
  bool cast(PyArrayObject* a, int type) {
    const int from = PyArray_TYPE(a);
    if (!PyTypeNum_ISFLOAT(from) && !PyTypeNum_ISCOMPLEX(from)) return false;
    if (from == NPY_HALF || from == NPY_LONGDOUBLE || from == NPY_CLONGDOUBLE) return false;
    if (!PyArray_CanCastSafely(from, type)) return false;
    constexpr int flags =
        NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED | NPY_ARRAY_FORCECAST | NPY_ARRAY_ENSURECOPY;
    PyObject* copy = PyArray_FromArray(a, PyArray_DescrFromType(type), flags);
    if (copy == nullptr) {
      PyErr_Clear();
      return false;
    }
    array = reinterpret_cast<PyArrayObject*>(copy);
    return true;
  }

  Operand operand(std::size_t count) const {
    return array != nullptr ? Operand{PyArray_DATA(array), count, false}
                            : Operand{scalar.bytes, 1, count != 1};
  }

  // As a recorded input: the number, or a copy of the array (its owner may write to
  // it before the operation runs). False with a Python error when the copy fails.
  bool input(fusion::Input* in) const {
    if (array == nullptr) {
      std::memcpy(in->scalar, scalar.bytes, sizeof in->scalar);
      return true;
    }
    auto* copy = reinterpret_cast<PyArrayObject*>(PyArray_NewCopy(array, NPY_CORDER));
    if (copy == nullptr) return false;
    in->kind = fusion::Input::kArray;
    in->array = copy;
    in->stride = static_cast<std::size_t>(PyArray_SIZE(copy));
    in->constant = true;
    return true;
  }
};

// `data` wrapped as an instance of `type` (a registered dual class: slots only,
// no __init__ to run); steals `data`.
PyObject* wrap(PyTypeObject* type, PyObject* data) {
  if (data == nullptr) return nullptr;
  PyObject* obj = type->tp_alloc(type, 0);
  if (obj == nullptr) {
    Py_DECREF(data);
    return nullptr;
  }
  stored(obj) = data;  // a new object: its slot is empty (not `_stack`: no read or write)
  return obj;
}

bool function_index(PyObject* obj, std::size_t table_size, int* function) {
  if (!PyLong_CheckExact(obj)) return false;  // None: no kernel for this ufunc
  const long index = PyLong_AsLong(obj);
  if (index < 0 || static_cast<std::size_t>(index) >= table_size) {
    PyErr_Clear();
    return false;
  }
  *function = static_cast<int>(index);
  return true;
}

// Which linear operation of fusion's programs (linear_chain.hpp) a table function is,
// on real components (column 0 or 1): negative, positive, add, subtract, and multiply
// and divide by an operand without parts (mode: the operand with parts; divide: the
// dividend). kNone for the rest.
linear::Op linear_op(bool unary, int function, PartsMode mode, int column) {
  if (column != 0 && column != 1) return linear::kNone;
  const auto index = [](const std::vector<FunctionInfo>& functions, const char* name) {
    for (std::size_t i = 0; i < functions.size(); ++i) {
      if (functions[i].name == name) return static_cast<int>(i);
    }
    return -1;
  };
  static const int negative = index(unary_functions(), "negative");
  static const int positive = index(unary_functions(), "positive");
  static const int add = index(binary_functions(), "add");
  static const int subtract = index(binary_functions(), "subtract");
  static const int multiply = index(binary_functions(), "multiply");
  static const int divide = index(binary_functions(), "divide");
  if (unary) {
    return function == negative   ? linear::kNegative
           : function == positive ? linear::kPositive
                                  : linear::kNone;
  }
  if (function == add) return linear::kAdd;
  if (function == subtract) return linear::kSubtract;
  if (function == multiply && mode != kBothParts) return linear::kMultiply;
  if (function == divide && mode == kXParts) return linear::kDivide;
  return linear::kNone;
}

PyObject* fast_unary(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  static const std::size_t table_size = unary_functions().size();
  int function;
  if (nargs != 2 || !function_index(args[0], table_size, &function)) Py_RETURN_NONE;
  const ClassKernels* kernels = ufunc_kernels_of(args[1]);
  DualData x;
  if (kernels == nullptr || !x.read(args[1])) Py_RETURN_NONE;
  const KernelTable& table = kernel_table();
  const UnaryKernel kernel =
      kernels->kind >= 0 ? table.unary[function][kernels->kind][x.column] : nullptr;
  const JetUnaryKernel jet_kernel = kernels->jet ? table.jet_unary[function][x.column] : nullptr;
  const int degree = kernels->taylor;  // (beyond a function's degree: Python's TypeError)
  const TaylorUnaryKernel taylor_kernel =
      degree >= 0 && degree <= taylor_table().unary_degree[function] && x.dims[0] == degree + 1
          ? taylor_table().unary[function][x.column]
          : nullptr;
  if (kernel == nullptr && jet_kernel == nullptr && taylor_kernel == nullptr) Py_RETURN_NONE;
  const int ready = fusion::records(x.count, kernels->jet ? &kernels->jet->get() : nullptr)
                        ? x.ready(args[1], 1, 1)
                        : 0;
  if (ready < 0) return nullptr;
  if (ready == 1) {
    auto node = new_node(x);
    node->unary = kernel;
    node->jet_unary = jet_kernel;
    node->layout = kernels->jet ? &kernels->jet->get() : nullptr;
    node->taylor_unary = taylor_kernel;
    node->degree = degree;
    if (taylor_kernel == nullptr) node->linear = linear_op(true, function, kBothParts, x.column);
    if (jet_kernel != nullptr && kernel == nullptr && taylor_kernel == nullptr &&
        node->layout->second == 0 && node->linear == linear::kNone) {
      node->derivatives = table.derivatives[function][x.column];
      node->structural = table.structural_zeros[function];
    }
    node->add_input(0, x.input());
    return elementwise_result(record(Py_TYPE(args[1]), std::move(node)));
  }
  if (!x.compute(args[1])) return PyErr_Occurred() ? nullptr : Py_NewRef(Py_None);

  PyArrayObject* out = x.new_like();
  if (out == nullptr) return nullptr;
  const void* xp = x.data();
  void* op = PyArray_DATA(out);
  const std::size_t count = x.count, x_stride = x.stride;
  if (kernel != nullptr) {
    run_kernel(count, [&](std::size_t begin, std::size_t end) {
      kernel(xp, x_stride, op, count, begin, end);
    });
  } else if (taylor_kernel != nullptr) {
    run_kernel(count, [&](std::size_t begin, std::size_t end) {
      taylor_kernel(degree, false, xp, x_stride, op, count, begin, end);
    });
  } else {
    const JetLayout& layout = kernels->jet->get();
    run_kernel(count, [&](std::size_t begin, std::size_t end) {
      jet_kernel(layout, xp, x_stride, op, count, begin, end);
    });
  }
  return elementwise_result(wrap(Py_TYPE(args[1]), reinterpret_cast<PyObject*>(out)));
}

// A binary table kernel (the kind's, a Jet's or a Taylor kind's, whichever is set) over
// `count` elements of every plane, into out (planes `count` apart).
void run_binary(BinaryKernel kernel, JetBinaryKernel jet_kernel, TaylorBinaryKernel taylor_kernel,
                const ClassKernels& kernels, Operand xo, Operand yo, void* out, std::size_t count) {
  if (kernel != nullptr) {
    run_kernel(count,
               [&](std::size_t begin, std::size_t end) { kernel(xo, yo, out, count, begin, end); });
  } else if (taylor_kernel != nullptr) {
    run_kernel(count, [&](std::size_t begin, std::size_t end) {
      taylor_kernel(kernels.taylor, false, xo, yo, out, count, begin, end);
    });
  } else {
    const JetLayout& layout = kernels.jet->get();
    run_kernel(count, [&](std::size_t begin, std::size_t end) {
      jet_kernel(layout, xo, yo, out, count, begin, end);
    });
  }
}

// fast_binary of a dual of shape () and a constant array (Constant::spread): the
// dual's planes broadcast (one number each) over the array's elements, run eagerly
// (nothing recorded), the result of the array's shape. Not counted as elementwise: its
// operands differ in shape.
PyObject* spread_binary(BinaryKernel kernel, JetBinaryKernel jet_kernel,
                        TaylorBinaryKernel taylor_kernel, const ClassKernels* kernels,
                        DualData& shape, const Constant& constant, PartsMode mode, PyObject* dual) {
  if (!shape.compute(dual)) return PyErr_Occurred() ? nullptr : Py_NewRef(Py_None);
  PyArrayObject* c = constant.array;
  const auto count = static_cast<std::size_t>(PyArray_SIZE(c));
  const Operand parts{shape.data(), shape.stride, true};
  const Operand number{PyArray_DATA(c), count, false};
  const Operand xo = mode == kXParts ? parts : number;
  const Operand yo = mode == kXParts ? number : parts;
  std::vector<npy_intp> dims{shape.dims[0]};
  dims.insert(dims.end(), PyArray_DIMS(c), PyArray_DIMS(c) + PyArray_NDIM(c));
  PyArray_Descr* descr = shape.descr();
  Py_INCREF(descr);  // (PyArray_NewFromDescr steals it)
  auto* out = reinterpret_cast<PyArrayObject*>(
      PyArray_NewFromDescr(&PyArray_Type, descr, static_cast<int>(dims.size()), dims.data(),
                           nullptr, nullptr, 0, nullptr));
  if (out == nullptr) return nullptr;
  run_binary(kernel, jet_kernel, taylor_kernel, *kernels, xo, yo, PyArray_DATA(out), count);
  return wrap(Py_TYPE(dual), reinterpret_cast<PyObject*>(out));
}

PyObject* fast_binary(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  static const std::size_t table_size = binary_functions().size();
  int function;
  if (nargs != 3 || !function_index(args[0], table_size, &function)) Py_RETURN_NONE;
  PyObject *a = args[1], *b = args[2];
  const ClassKernels* a_kernels = ufunc_kernels_of(a);
  const ClassKernels* b_kernels = ufunc_kernels_of(b);
  DualData x, y;
  Constant constant;
  PartsMode mode;
  PyObject* dual;  // the operand whose planes shape the result
  if (a_kernels != nullptr && b_kernels != nullptr) {
    if (Py_TYPE(a) != Py_TYPE(b) || !x.read(a) || !y.read(b)) Py_RETURN_NONE;
    if (x.column != y.column || x.ndim != y.ndim || !PyArray_CompareLists(x.dims, y.dims, x.ndim)) {
      Py_RETURN_NONE;
    }
    mode = kBothParts;
    dual = a;
  } else if (a_kernels != nullptr) {
    if (!x.read(a) || !constant.read(b, x)) Py_RETURN_NONE;
    mode = kXParts;
    dual = a;
  } else if (b_kernels != nullptr) {
    if (!y.read(b) || !constant.read(a, y)) Py_RETURN_NONE;
    mode = kYParts;
    dual = b;
  } else {
    Py_RETURN_NONE;
  }
  const ClassKernels* kernels = dual == a ? a_kernels : b_kernels;
  DualData& shape = dual == a ? x : y;
  const KernelTable& table = kernel_table();
  const BinaryKernel kernel =
      kernels->kind >= 0 ? table.binary[function][kernels->kind][shape.column][mode] : nullptr;
  const JetBinaryKernel jet_kernel =
      kernels->jet ? table.jet_binary[function][shape.column][mode] : nullptr;
  const int degree = kernels->taylor;
  const TaylorBinaryKernel taylor_kernel = degree >= 0 && shape.dims[0] == degree + 1
                                               ? taylor_table().binary[function][shape.column][mode]
                                               : nullptr;
  if (kernel == nullptr && jet_kernel == nullptr && taylor_kernel == nullptr) Py_RETURN_NONE;

  if (constant.spread)
    return spread_binary(kernel, jet_kernel, taylor_kernel, kernels, shape, constant, mode, dual);
  const std::size_t count = shape.count;
  if (fusion::records(count, kernels->jet ? &kernels->jet->get() : nullptr)) {
    // x op x reads one array twice; each pending operand counts the other's graph
    const bool both = mode == kBothParts;
    const int holders = both && x.array != nullptr && x.array == y.array ? 2 : 1;
    auto others = [&](const DualData& other, const DualData& self) {
      return both && other.node != nullptr && other.node != self.node ? other.node->pending : 0;
    };
    const int x_ready = mode == kYParts ? 1 : x.ready(a, holders, 1 + others(y, x));
    const int y_ready =
        mode == kXParts || x_ready != 1 ? x_ready : y.ready(b, holders, 1 + others(x, y));
    if (x_ready < 0 || y_ready < 0) return nullptr;
    const bool recordable = x_ready == 1 && y_ready == 1;
    if (recordable) {
      auto build = [&]() -> fusion::NodePtr {
        fusion::NodePtr node = new_node(shape);
        node->binary = kernel;
        node->jet_binary = jet_kernel;
        node->layout = kernels->jet ? &kernels->jet->get() : nullptr;
        node->taylor_binary = taylor_kernel;
        node->degree = degree;
        if (taylor_kernel == nullptr) {
          node->linear = linear_op(false, function, mode, shape.column);
        }
        node->arity = 2;
        fusion::Input number;
        if (mode != kBothParts && !constant.input(&number)) return nullptr;
        node->add_input(0, mode == kYParts ? std::move(number) : x.input());
        node->add_input(1, mode == kXParts ? std::move(number) : y.input());
        return node;
      };
      fusion::NodePtr node = build();
      if (node != nullptr && node->holds_too_much() && (x.node != nullptr || y.node != nullptr)) {
        // the pending operands computed, the chain goes on from their planes
        node.reset();
        if ((mode != kYParts && !x.compute(a)) || (mode != kXParts && !y.compute(b))) {
          return PyErr_Occurred() ? nullptr : Py_NewRef(Py_None);
        }
        node = build();
      }
      if (node == nullptr) return nullptr;  // the constant's copy failed
      return elementwise_result(record(Py_TYPE(dual), std::move(node)));
    }
  }
  if ((mode != kYParts && !x.compute(a)) || (mode != kXParts && !y.compute(b))) {
    return PyErr_Occurred() ? nullptr : Py_NewRef(Py_None);
  }
  const Operand xo = mode == kYParts ? constant.operand(count) : Operand{x.data(), x.stride, false};
  const Operand yo = mode == kXParts ? constant.operand(count) : Operand{y.data(), y.stride, false};
  PyArrayObject* out = shape.new_like();
  if (out == nullptr) return nullptr;
  run_binary(kernel, jet_kernel, taylor_kernel, *kernels, xo, yo, PyArray_DATA(out), count);
  return elementwise_result(wrap(Py_TYPE(dual), reinterpret_cast<PyObject*>(out)));
}

// An index numpy takes as a plain integer: a Python int (not a bool) or a numpy integer.
bool plain_integer(PyObject* item) {
  return (PyLong_Check(item) && !PyBool_Check(item)) || PyArray_IsScalar(item, Integer);
}

// Whether the plane axis can go in front of the key (a tuple): (slice(None), *key)
// indexes each plane as numpy indexes the array unless the key's advanced indices
// (arrays, lists, and integers beside them) are separated by a slice, None or
// Ellipsis; numpy then moves their axes first, in front of the plane axis too.
// Anything but a plain integer, slice, None or Ellipsis counts as advanced. The one
// copy of the rule: Python's __getitem__ path asks it too (_core.advanced_adjacent).
bool advanced_adjacent(PyObject* key) {
  Py_ssize_t first = -1, last = -1, count = 0;
  bool array_like = false;
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(key); ++i) {
    PyObject* item = PyTuple_GET_ITEM(key, i);
    if (PySlice_Check(item) || item == Py_None || item == Py_Ellipsis) continue;
    array_like = array_like || !plain_integer(item);
    if (first < 0) first = i;
    last = i;
    ++count;
  }
  return !array_like || last - first + 1 == count;
}

// plane_blocks(data): whether an ndarray of planes (the plane axis first) is as the
// kernels take it, by the rule the fast and checked calls apply (operands.hpp); Python's
// general path copies the planes when not (_ufuncs.kernel_planes).
PyObject* plane_blocks_call(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 1 || !PyArray_Check(args[0])) {
    PyErr_SetString(PyExc_TypeError, "plane_blocks takes one ndarray");
    return nullptr;
  }
  auto* array = reinterpret_cast<PyArrayObject*>(args[0]);
  PlaneLayout layout;
  const bool blocks = plane_blocks(PyArray_NDIM(array), PyArray_DIMS(array), PyArray_STRIDES(array),
                                   static_cast<npy_intp>(PyArray_ITEMSIZE(array)),
                                   PyArray_IS_C_CONTIGUOUS(array), &layout);
  return PyBool_FromLong(blocks);
}

PyObject* advanced_adjacent_call(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 1 || !PyTuple_Check(args[0])) {
    PyErr_SetString(PyExc_TypeError, "advanced_adjacent takes one tuple (an index key)");
    return nullptr;
  }
  return PyBool_FromLong(advanced_adjacent(args[0]));
}

// An array input read from `offset` on (planes `stride` apart) that nothing writes
// (a seed's own copy, a plan's read-only rows); steals the reference.
fusion::Input rows_input(PyArrayObject* array, std::size_t offset, std::size_t stride) {
  fusion::Input in;
  in.kind = fusion::Input::kArray;
  in.array = array;
  in.offset = offset;
  in.stride = stride;
  in.constant = true;
  return in;
}

// A seed node of `planes` planes over `copy` (x's values, the graph's own copy: the
// reference is stolen) as its first input; the second is the caller's.
fusion::NodePtr seed_node(PyArrayObject* copy, int column, npy_intp planes) {
  auto node = std::make_shared<fusion::Node>();
  node->seed = true;
  node->arity = 2;
  node->descr = PyArray_DESCR(copy);
  Py_INCREF(node->descr);
  node->column = column;
  node->dims.push_back(planes);
  node->dims.insert(node->dims.end(), PyArray_DIMS(copy), PyArray_DIMS(copy) + PyArray_NDIM(copy));
  node->count = static_cast<std::size_t>(PyArray_SIZE(copy));
  node->add_input(0, rows_input(copy, 0, node->count));
  return node;
}

// x[a:b] of a pending colored seed x (x.node): a seed of x's rows from `offset` on,
// pending, with x's parent (or x) as its parent (fusion::Node::colors).
PyObject* seed_slice(PyObject* dual, const DualData& x, std::size_t offset, Py_ssize_t length,
                     std::size_t count) {
  const fusion::Node& from = *x.node;
  auto node = new_node(x);
  node->dims[1] = length;
  node->count = count;
  node->seed = true;
  node->colors = from.colors;
  node->probed = from.probed;
  node->parent = from.parent != nullptr ? from.parent : x.node;
  node->arity = 2;
  for (int i = 0; i < 2; ++i) {
    const fusion::Input& in = from.inputs[i];
    Py_INCREF(in.array);
    node->add_input(i, rows_input(in.array, in.offset + offset, in.stride));
  }
  return record(Py_TYPE(dual), std::move(node));
}

// x.reshape(shape), C order, of a pending x, pending: of a colored seed (or a slice of
// one), the same rows as a seed of that shape, like x[a:b] (seed_slice), so that np.pad
// of u.reshape(m, m) writes the seed's planes once, into its interior (planes_into),
// instead of computing them and copying them there; of a graph or a join, a reshape
// (fusion::Node::reshape_of: a view of x's planes once they are asked for), so that a
// sparse Jacobian's recovery reads r.reshape(-1) off r's pass. One -1 in shape is
// inferred, as numpy's. nullptr (no Python error) when x is not one or the shape is not
// one of x's size (numpy's reshape then says why).
PyObject* pending_reshape(PyObject* dual, std::vector<npy_intp> shape) {
  PyObject* value = stored(dual);
  if (value == nullptr || !is_deferred(value)) return nullptr;  // (the common answer, quick)
  const fusion::NodePtr pending = node_of(value);
  const std::size_t count = pending->count;
  if (pending->view || pending->result != nullptr || pending->dims.size() < 2 || count == 0) {
    return nullptr;
  }
  std::size_t known = 1;
  int inferred = -1;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == -1 && inferred < 0) {
      inferred = static_cast<int>(d);
    } else if (shape[d] < 0) {
      return nullptr;
    } else {
      known *= static_cast<std::size_t>(shape[d]);
    }
  }
  if (inferred >= 0) {
    if (known == 0 || count % known != 0) return nullptr;
    shape[static_cast<std::size_t>(inferred)] = static_cast<npy_intp>(count / known);
    known = count;
  }
  if (known != count) return nullptr;
  if (!pending->seed && pending->parent == nullptr) {  // a graph, a join or a reshape
    auto node = std::make_shared<fusion::Node>();
    Py_INCREF(pending->descr);
    node->descr = pending->descr;
    node->column = pending->column;
    node->dims.push_back(pending->dims[0]);
    node->dims.insert(node->dims.end(), shape.begin(), shape.end());
    node->count = count;
    node->reshape_of = pending->reshape_of != nullptr ? pending->reshape_of : pending;
    return record(Py_TYPE(dual), std::move(node));
  }
  DualData x;
  if (!x.read(dual) || x.node == nullptr || x.node->colors == 0 || x.node->result != nullptr ||
      x.run != 0 || x.ndim < 2 || x.count == 0) {
    return nullptr;
  }
  PyObject* reshaped = seed_slice(dual, x, 0, x.dims[1], x.count);
  if (reshaped == nullptr) return nullptr;
  fusion::Node& node = *node_of(stored(reshaped));
  node.dims.resize(1);
  node.dims.insert(node.dims.end(), shape.begin(), shape.end());
  return reshaped;
}

// A pending colored seed's planes written into `out` (its planes' shape and dtype),
// whose last axis is contiguous and whose other axes are any strides of whole
// elements (np.pad's interior): row by row, as a fused graph writes a block of it
// (fusion::write_seed); the seed stays pending. False when out is not so.
bool seed_rows_into(const fusion::Node& node, PyArrayObject* out) {
  const int dims = PyArray_NDIM(out);
  const npy_intp item = PyDataType_ELSIZE(node.descr);
  if (dims < 2 || PyArray_STRIDE(out, dims - 1) != item) return false;
  for (int d = 0; d < dims - 1; ++d) {
    if (PyArray_STRIDE(out, d) <= 0 || PyArray_STRIDE(out, d) % item != 0) return false;
  }
  const auto length = static_cast<std::size_t>(PyArray_DIM(out, dims - 1));
  const std::size_t rows = length == 0 ? 0 : node.count / length;
  const fusion::Input& x = node.inputs[0];
  const fusion::Input& given = node.inputs[1];
  auto* base = static_cast<unsigned char*>(PyArray_DATA(out));
  const auto at = [&](PyArrayObject* array, std::size_t element) {
    return static_cast<const unsigned char*>(PyArray_DATA(array)) +
           element * static_cast<std::size_t>(item);
  };
  std::vector<npy_intp> index(static_cast<std::size_t>(dims), 0);  // (axes 1 .. dims - 2)
  for (std::size_t row = 0; row < rows; ++row) {
    npy_intp offset = 0;
    for (int d = 1; d < dims - 1; ++d) offset += index[d] * PyArray_STRIDE(out, d);
    const std::size_t first = row * length;
    fusion::write_seed(
        static_cast<std::size_t>(item), Operand{at(x.array, x.offset + first), x.stride, false},
        Operand{at(given.array, given.offset + first), given.stride, false},
        static_cast<int>(node.dims[0]), base + offset,
        static_cast<std::size_t>(PyArray_STRIDE(out, 0) / item), length, node.colors, node.probed);
    for (int d = dims - 2; d >= 1; --d) {  // the next row's index
      if (++index[d] < PyArray_DIM(out, d)) break;
      index[d] = 0;
    }
  }
  return true;
}

// x[a:b] (step 1, along the first axis) as a view node, when x's planes could be
// recorded: no view object exists until `_stack` asks for one, so operations on the
// view can be recorded too (stencils: x[2:] - 2 x[1:-1] + x[:-2]). nullptr: not
// such a call (no Python error).
PyObject* view_getitem(PyObject* dual, PyObject* key) {
  // one slice (x[a:b]), or two on a 2-d array (x[a:b, c:d]: rows read in runs)
  const Py_ssize_t slices = PyTuple_CheckExact(key) ? PyTuple_GET_SIZE(key) : 1;
  if (slices < 1 || slices > 2) return nullptr;
  DualData x;
  if (!x.read(dual) || x.run != 0 || x.ndim < 1 + slices) return nullptr;
  // a pending colored seed (or a slice of one): sliced along its first axis, of any size
  const bool seed = x.node != nullptr && x.node->colors > 0;
  if ((x.node != nullptr && !seed) || (seed && slices != 1)) return nullptr;
  if (slices == 2 && x.ndim != 3) return nullptr;
  Py_ssize_t start[2] = {0, 0}, length[2] = {0, 0};
  for (Py_ssize_t d = 0; d < slices; ++d) {
    PyObject* item = PyTuple_CheckExact(key) ? PyTuple_GET_ITEM(key, d) : key;
    Py_ssize_t stop, step;
    if (!PySlice_Check(item) || PySlice_Unpack(item, &start[d], &stop, &step) < 0) {
      PyErr_Clear();
      return nullptr;
    }
    if (step != 1) return nullptr;
    length[d] = PySlice_AdjustIndices(x.dims[1 + d], &start[d], &stop, step);
    if (length[d] == 0) return nullptr;
  }
  const std::size_t inner = x.count / static_cast<std::size_t>(x.dims[1]);
  const std::size_t columns = slices == 2 ? static_cast<std::size_t>(length[1]) : inner;
  const std::size_t count = static_cast<std::size_t>(length[0]) * columns;
  if (seed)
    return seed_slice(dual, x, static_cast<std::size_t>(start[0]) * inner, length[0], count);
  // below min_count, a view of many planes (fusion::records) in one range of each plane
  const ClassKernels* kernels = kernels_of(dual);
  const JetLayout* layout = kernels->jet ? &kernels->jet->get() : nullptr;
  const bool records =
      count >= fusion::min_count() || (columns == inner && fusion::records(count, layout));
  if (!records || !x.recordable(1, 0)) return nullptr;
  auto node = new_node(x);
  node->dims[1] = length[0];
  if (slices == 2) node->dims[2] = length[1];
  node->count = count;
  node->view = true;
  node->owner = x.view != nullptr ? x.view->owner : dual;
  Py_INCREF(node->owner);
  fusion::Input in = x.input();
  in.offset += static_cast<std::size_t>(start[0]) * inner + static_cast<std::size_t>(start[1]);
  if (columns != inner) {
    in.run = columns;
    in.run_stride = inner;
  }
  node->add_input(0, std::move(in));
  return record(Py_TYPE(dual), std::move(node));
}

// Whether x[key] is one element that numpy hands out as a scalar (a copy), given the
// planes it picked (`picked`, the plane axis alone left): every index an integer, no
// Ellipsis (x[0, ...] is a 0-d view in numpy, and stays one here).
bool element_key(PyObject* picked, PyObject* key) {
  if (!PyArray_Check(picked) || PyArray_NDIM(reinterpret_cast<PyArrayObject*>(picked)) != 1)
    return false;
  if (!PyTuple_CheckExact(key)) return key != Py_Ellipsis;
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(key); ++i) {
    if (PyTuple_GET_ITEM(key, i) == Py_Ellipsis) return false;
  }
  return true;
}

PyObject* fast_getitem(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 2 || kernels_of(args[0]) == nullptr) Py_RETURN_NONE;
  PyObject* key = args[1];
  const bool is_tuple = PyTuple_CheckExact(key);
  const Py_ssize_t length = is_tuple ? PyTuple_GET_SIZE(key) : 1;
  for (Py_ssize_t i = 0; i < length; ++i) {
    if (is_registered(is_tuple ? PyTuple_GET_ITEM(key, i) : key)) Py_RETURN_NONE;
  }
  if (!is_tuple && PyTuple_Check(key)) Py_RETURN_NONE;  // a tuple subclass: Python's path
  if (is_tuple && !advanced_adjacent(key)) Py_RETURN_NONE;
  if (PyObject* view = view_getitem(args[0], key)) return view;
  if (PyErr_Occurred()) return nullptr;
  // the planes without handing them to Python code: a view's writes go through its
  // own `_stack`, which computes the readers of the memory's owner first
  PyObject* data = computed_planes(args[0]);
  if (data == nullptr) return nullptr;
  // x[i] for an integer array i (of one axis or more): numpy's take along the first
  // axis after the planes', the same elements as data[:, i] (a copy either way) in a
  // fraction of the time (30 planes of a (5000, 2) stack picked by (5000, 3) corners:
  // 0.37 ms, 2.8 through fancy indexing's iterator)
  if (PyArray_CheckExact(key) && PyArray_NDIM(reinterpret_cast<PyArrayObject*>(key)) >= 1 &&
      PyArray_ISINTEGER(reinterpret_cast<PyArrayObject*>(key)) && PyArray_Check(data) &&
      PyArray_NDIM(reinterpret_cast<PyArrayObject*>(data)) >= 2) {
    PyObject* taken =
        PyArray_TakeFrom(reinterpret_cast<PyArrayObject*>(data), key, 1, nullptr, NPY_RAISE);
    Py_DECREF(data);
    return wrap(Py_TYPE(args[0]), taken);
  }
  // the planes axis first, then the key: (slice(None), *key)
  PyObject* full = PyTuple_New(length + 1);
  if (full == nullptr) {
    Py_DECREF(data);
    return nullptr;
  }
  PyObject* all = PySlice_New(nullptr, nullptr, nullptr);
  PyTuple_SET_ITEM(full, 0, all);
  for (Py_ssize_t i = 0; i < length; ++i) {
    PyObject* item = is_tuple ? PyTuple_GET_ITEM(key, i) : key;
    Py_INCREF(item);
    PyTuple_SET_ITEM(full, i + 1, item);
  }
  PyObject* result = all == nullptr ? nullptr : PyObject_GetItem(data, full);
  Py_DECREF(full);
  Py_DECREF(data);
  if (result != nullptr && element_key(result, key)) {
    // numpy gives a scalar here, a copy: a view would let x[0] += y write into x
    PyObject* copy = PyArray_NewCopy(reinterpret_cast<PyArrayObject*>(result), NPY_CORDER);
    Py_DECREF(result);
    result = copy;
  }
  return wrap(Py_TYPE(args[0]), result);
}

// --- methods of the dual classes, whole in C (no Python frame on the common call)
// An operator's spec: (function index or None, ufunc, fallback, reflected). Its
// call is fast_binary(index, self, other) (operands swapped when reflected) and,
// when that gives None, fallback(ufunc, a, b).
PyObject* operator_call(PyObject* spec, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 2) {
    PyErr_SetString(PyExc_TypeError, "a binary operator takes one operand");
    return nullptr;
  }
  const bool reflected = PyTuple_GET_ITEM(spec, 3) == Py_True;
  PyObject* operands[3] = {PyTuple_GET_ITEM(spec, 0), reflected ? args[1] : args[0],
                           reflected ? args[0] : args[1]};
  PyObject* result = fast_binary(nullptr, operands, 3);
  if (result != Py_None) return result;  // the result, or an error
  Py_DECREF(result);
  operands[0] = PyTuple_GET_ITEM(spec, 1);
  return PyObject_Vectorcall(PyTuple_GET_ITEM(spec, 2), operands, 3, nullptr);
}

// __getitem__: fast_getitem(self, key) or, when that gives None, fallback(self, key).
PyObject* getitem_call(PyObject* fallback, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 2) {
    PyErr_SetString(PyExc_TypeError, "__getitem__ takes one key");
    return nullptr;
  }
  PyObject* result = fast_getitem(nullptr, args, 2);
  if (result != Py_None) return result;
  Py_DECREF(result);
  return PyObject_Vectorcall(fallback, args, 2, nullptr);
}

// __pow__: spec (fast powers {exponent: unary function index}, fallback). A Python
// int exponent found there (2, -1, 1) or a Python float 0.5 or 1.0 (numpy's own fast
// paths, so values match numpy's) is fast_unary(index, self); anything else is
// fallback(self, other): a Python float 2.0 or -1.0 too, np.power's in numpy, whose
// bits are square's and reciprocal's for real components only (the fallback tells).
PyObject* power_call(PyObject* spec, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 2) {
    PyErr_SetString(PyExc_TypeError, "__pow__ takes one exponent");
    return nullptr;
  }
  if (PyLong_CheckExact(args[1]) ||
      (PyFloat_CheckExact(args[1]) &&
       (PyFloat_AS_DOUBLE(args[1]) == 0.5 || PyFloat_AS_DOUBLE(args[1]) == 1.0))) {
    PyObject* index = PyDict_GetItemWithError(PyTuple_GET_ITEM(spec, 0), args[1]);  // borrowed
    if (index == nullptr && PyErr_Occurred()) return nullptr;
    if (index != nullptr) {
      PyObject* operands[2] = {index, args[0]};
      PyObject* result = fast_unary(nullptr, operands, 2);
      if (result != Py_None) return result;
      Py_DECREF(result);
    }
  }
  return PyObject_Vectorcall(PyTuple_GET_ITEM(spec, 1), args, 2, nullptr);
}

// __array_function__: spec (registry {numpy function: implementation}, fallback), and
// the one lookup of the registry. A registered function called with dual arrays of one
// registered class only and no keywords is implementation(*args); any other call is
// fallback(self, func, types, args, kwargs, implementation or None): keywords, other
// array types, two dual kinds (the fallback lifts an outer and an inner transform's
// kinds into their product), None (the TypeError naming func).
PyObject* array_function_call(PyObject* spec, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 5) {
    PyErr_SetString(PyExc_TypeError, "__array_function__(func, types, args, kwargs)");
    return nullptr;
  }
  PyObject *types = args[2], *call_args = args[3], *kwargs = args[4];
  PyObject* impl = PyDict_GetItemWithError(PyTuple_GET_ITEM(spec, 0), args[1]);  // borrowed
  if (impl == nullptr && PyErr_Occurred()) return nullptr;
  const bool plain =
      PyTuple_CheckExact(call_args) && PyDict_CheckExact(kwargs) && PyDict_GET_SIZE(kwargs) == 0;
  if (impl != nullptr && plain) {
    PyObject* iterator = PyObject_GetIter(types);
    if (iterator == nullptr) return nullptr;
    bool duals = true;
    int count = 0;
    while (PyObject* type = PyIter_Next(iterator)) {
      duals = duals && kernels_of(reinterpret_cast<PyTypeObject*>(type)) != nullptr;
      ++count;
      Py_DECREF(type);
    }
    Py_DECREF(iterator);
    if (PyErr_Occurred()) return nullptr;
    if (duals && count == 1) return PyObject_Call(impl, call_args, nullptr);
  }
  PyObject* fallback_args[6] = {args[0],   args[1], types,
                                call_args, kwargs,  impl != nullptr ? impl : Py_None};
  return PyObject_Vectorcall(PyTuple_GET_ITEM(spec, 1), fallback_args, 6, nullptr);
}

PyMethodDef power_def = {"__pow__",
                         reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(power_call)),
                         METH_FASTCALL, "x ** y."};
PyMethodDef array_function_def = {
    "__array_function__",
    reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(array_function_call)), METH_FASTCALL,
    "numpy's function protocol: the registered implementations."};

PyMethodDef operator_def = {
    "operator", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(operator_call)),
    METH_FASTCALL, "A binary operator of a dual class."};
PyMethodDef getitem_def = {
    "__getitem__", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(getitem_call)),
    METH_FASTCALL, "x[key]: each plane indexed by key."};

// A C function bound to `self_object`, made a method (bound per instance).
py::object method(PyMethodDef* def, PyObject* self_object) {
  PyObject* function = PyCFunction_New(def, self_object);
  if (function == nullptr) throw py::error_already_set();
  PyObject* bound = PyInstanceMethod_New(function);
  Py_DECREF(function);
  if (bound == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(bound);
}

// pending_sum(dual): np.sum of a pending 1-d dual array (float64 or float32) whose graph
// runs by planes (fusion.hpp): each plane summed as numpy sums one, the planes never
// written in full, the array still pending; None for anything else (np.sum of every dual
// array asks, so a METH_FASTCALL function).
PyObject* pending_sum_call(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 1 || kernels_of(args[0]) == nullptr) Py_RETURN_NONE;
  PyObject* value = stored(args[0]);
  if (value == nullptr || !is_deferred(value)) Py_RETURN_NONE;
  const fusion::NodePtr node = node_of(value);
  if (!fusion::sums_by_planes(node)) Py_RETURN_NONE;
  note_opened(args[0]);  // (as `_stack` counts its reads)
  npy_intp planes = node->dims[0];
  Py_INCREF(node->descr);  // PyArray_NewFromDescr steals it
  PyObject* sums =
      PyArray_NewFromDescr(&PyArray_Type, node->descr, 1, &planes, nullptr, nullptr, 0, nullptr);
  if (sums == nullptr) return nullptr;
  if (!fusion::compute(node, node_planes, nullptr, 0, nullptr,
                       PyArray_DATA(reinterpret_cast<PyArrayObject*>(sums)))) {
    Py_DECREF(sums);
    return nullptr;
  }
  return sums;
}

// Seed planes a transform keeps from call to call (fusion::zero_pairs), by key: the
// planes of one kind, dtype and size. A seed made for a call (units written, its pair
// planes zero) is kept; at the next call it is handed back only if nothing else holds it
// and it was never exposed, so its unit and pair planes are as made: the transform
// writes the values alone (T3's seed: 4 MB not zeroed again, nor scanned by live_pairs).
PyObject* kept_seeds() {
  static PyObject* seeds = PyDict_New();
  return seeds;
}

void forget_seed(PyObject* array) { fusion::zero_pairs().erase(array); }

// keep_seed(key, planes): keeps a fresh seed (its pair planes zero, nothing but the
// caller holding it) under key, in place of the one kept there: 8 keys and 32 MiB at
// most (HyperDualVec(128)'s float64 seed is 8.6 MB), the others let go when either
// would be passed.
PyObject* keep_seed_call(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 2 || !PyArray_Check(args[1])) {
    PyErr_SetString(PyExc_TypeError, "keep_seed takes a key and an array");
    return nullptr;
  }
  PyObject* seeds = kept_seeds();
  if (seeds == nullptr) return nullptr;
  PyObject* old = PyDict_GetItemWithError(seeds, args[0]);
  if (old == nullptr && PyErr_Occurred()) return nullptr;
  if (old != nullptr) {
    forget_seed(old);
    if (PyDict_DelItem(seeds, args[0]) < 0) return nullptr;
  }
  npy_intp bytes = PyArray_NBYTES(reinterpret_cast<PyArrayObject*>(args[1]));
  PyObject *key = nullptr, *value = nullptr;
  for (Py_ssize_t at = 0; PyDict_Next(seeds, &at, &key, &value);) {
    bytes += PyArray_NBYTES(reinterpret_cast<PyArrayObject*>(value));
  }
  if (PyDict_GET_SIZE(seeds) >= 8 || bytes > (npy_intp(1) << 25)) {
    for (Py_ssize_t at = 0; PyDict_Next(seeds, &at, &key, &value);) forget_seed(value);
    PyDict_Clear(seeds);
  }
  if (PyArray_NBYTES(reinterpret_cast<PyArrayObject*>(args[1])) > (npy_intp(1) << 25)) {
    Py_RETURN_NONE;  // (not kept)
  }
  if (PyDict_SetItem(seeds, args[0], args[1]) < 0) return nullptr;
  fusion::zero_pairs().insert(args[1]);
  Py_RETURN_NONE;
}

// kept_seed(key): the seed kept under key if nothing but this cache holds it and it was
// never exposed (its unit and pair planes as made), else None.
PyObject* kept_seed_call(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 1) {
    PyErr_SetString(PyExc_TypeError, "kept_seed takes a key");
    return nullptr;
  }
  PyObject* seeds = kept_seeds();
  if (seeds == nullptr) return nullptr;
  PyObject* seed = PyDict_GetItemWithError(seeds, args[0]);  // (borrowed)
  if (seed == nullptr) {
    if (PyErr_Occurred()) return nullptr;
    Py_RETURN_NONE;
  }
  if (Py_REFCNT(seed) != 1 || fusion::zero_pairs().count(seed) == 0) Py_RETURN_NONE;
  return Py_NewRef(seed);
}

PyMethodDef operator_methods[] = {
    {"fast_unary", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(fast_unary)),
     METH_FASTCALL, "f(x) of a registered dual class, or None for Python's general path."},
    {"fast_binary", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(fast_binary)),
     METH_FASTCALL, "f(a, b) of the common cases, or None for Python's general path."},
    {"fast_getitem", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(fast_getitem)),
     METH_FASTCALL, "x[key] of a registered dual class, or None for Python's general path."},
    {"advanced_adjacent",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(advanced_adjacent_call)),
     METH_FASTCALL, "Whether (slice(None), *key) indexes each plane as numpy indexes x."},
    {"plane_blocks", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(plane_blocks_call)),
     METH_FASTCALL, "Whether each plane of an array of planes is one C-contiguous block."},
    {"pending_sum", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(pending_sum_call)),
     METH_FASTCALL, "np.sum of a pending dual array whose graph runs by planes, or None."},
    {"keep_seed", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(keep_seed_call)),
     METH_FASTCALL, "Keeps fresh seed planes (pair planes zero) under a key, for kept_seed."},
    {"kept_seed", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(kept_seed_call)),
     METH_FASTCALL,
     "The seed planes kept under a key, as made, if nothing else holds them; else None."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

bool pairs_known_zero(PyObject* planes) { return fusion::zero_pairs().count(planes) != 0; }

std::shared_ptr<const bool[]> known_zero_planes(PyObject* planes, std::size_t count) {
  return fusion::known_zero_planes(planes, count);
}

bool record_zero_planes(PyObject* planes, std::shared_ptr<const bool[]> zero, std::size_t count) {
  return fusion::record_zero_planes(planes, std::move(zero), count);
}

bool retire_escaped(int tag) {
  PyObject* hook = retire_hook();
  if (hook == nullptr || tag <= 0) return true;
  std::vector<PyObject*> escaped;
  for (auto& [type, kernels] : registered()) {
    if (kernels.tag == tag && kernels.live > 0 && kernels.thread == PyThread_get_thread_ident()) {
      kernels.tag = -1;  // once
      escaped.push_back(reinterpret_cast<PyObject*>(type));
    }
  }
  for (PyObject* cls : escaped) {
    PyObject* done = PyObject_CallOneArg(hook, cls);
    if (done == nullptr) return false;
    Py_DECREF(done);
  }
  return true;
}

namespace {

// np.concatenate of pending dual arrays, pending (_core.join_pending: see its doc).
py::object join_pending(const py::sequence& arrays) {
  // every piece pending (a graph, or a colored seed or a slice of one whose parent
  // is pending: nothing has written it), of one kind, dtype and trailing shape
  const auto size = static_cast<std::size_t>(py::len(arrays));
  if (size < 2) return py::none();
  PyTypeObject* type = Py_TYPE(arrays[0].ptr());
  if (registered().count(type) == 0) return py::none();
  std::vector<fusion::NodePtr> pieces;
  for (const py::handle a : arrays) {
    PyObject* value = Py_TYPE(a.ptr()) == type ? stored(a.ptr()) : nullptr;
    if (value == nullptr || !is_deferred(value)) return py::none();
    fusion::NodePtr node = node_of(value);
    const fusion::Node& first = pieces.empty() ? *node : *pieces.front();
    // (a graph past kMaxPending, a join of joins in a loop: computed, so the joins'
    // depth stays bounded)
    if (node->view || node->result != nullptr || node->count == 0 || node->reshape_of != nullptr ||
        node->pending > fusion::kMaxPending ||
        (node->parent != nullptr && node->parent->result != nullptr) || node->dims.size() < 2 ||
        node->dims.size() != first.dims.size() || node->dims[0] != first.dims[0] ||
        !std::equal(node->dims.begin() + 2, node->dims.end(), first.dims.begin() + 2) ||
        !PyArray_EquivTypes(node->descr, first.descr)) {
      return py::none();
    }
    pieces.push_back(std::move(node));
  }
  fusion::NodePtr joined = pieces.front();
  for (std::size_t k = 1; k < size; ++k) {
    auto node = std::make_shared<fusion::Node>();
    node->join = true;
    Py_INCREF(joined->descr);
    node->descr = joined->descr;
    node->column = joined->column;
    node->dims = joined->dims;
    node->dims[1] += pieces[k]->dims[1];
    node->count = joined->count + pieces[k]->count;
    node->split = joined->count;
    node->arity = 2;
    for (int i = 0; i < 2; ++i) {
      fusion::Input in;
      in.kind = fusion::Input::kNode;
      in.node = i == 0 ? joined : pieces[k];
      node->add_input(i, std::move(in));
    }
    joined = std::move(node);
  }
  PyObject* result = record(type, std::move(joined));
  if (result == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(result);
}

// A sparse Jacobian's entries and check read off its pending pass (_core.recover_pass:
// see its doc).
py::object recover_pass(const py::object& dual, int colors, const py::array& indptr,
                        const py::array& base, const py::array& code, const py::array& unused,
                        const py::array& unused_starts, const py::object& weights,
                        const py::object& floor, double rtol, py::array& data) {
  // the pass's output: a pending float64 dual of 1 + colors + probed planes over
  // the plan's rows, a graph or a join of graphs, seeds and computed planes
  if (registered().count(Py_TYPE(dual.ptr())) == 0) return py::none();
  PyObject* value = stored(dual.ptr());
  if (value == nullptr || !is_deferred(value)) return py::none();
  const fusion::NodePtr root = node_of(value);
  const auto flat = [](const py::array& a, int type) {
    return a.ndim() == 1 && PyArray_TYPE(reinterpret_cast<PyArrayObject*>(a.ptr())) == type &&
           (a.flags() & py::array::c_style) != 0;
  };
  RowRecovery r;
  r.rows =
      indptr.ndim() == 1 && indptr.size() > 0 ? static_cast<std::size_t>(indptr.size()) - 1 : 0;
  r.nnz = static_cast<std::size_t>(data.size());
  r.colors = colors;
  r.probed = !weights.is_none();
  py::array weight_array;
  if (r.probed) {
    if (!py::isinstance<py::array>(weights)) return py::none();
    weight_array = py::reinterpret_borrow<py::array>(weights);
    const auto wtype = PyArray_TYPE(reinterpret_cast<PyArrayObject*>(weight_array.ptr()));
    r.single = wtype == NPY_FLOAT;
    if ((wtype != NPY_FLOAT && wtype != NPY_DOUBLE) || weight_array.ndim() != 2 ||
        (weight_array.flags() & py::array::c_style) == 0 || weight_array.shape(0) != colors ||
        static_cast<std::size_t>(weight_array.shape(1)) != r.rows) {
      return py::none();
    }
    r.weights = weight_array.data();
  }
  if (root->result != nullptr || root->view || root->descr->type_num != NPY_DOUBLE ||
      root->dims[0] != 1 + colors + (r.probed ? 1 : 0) || colors < 1 || colors > 8 ||
      root->count != r.rows || r.rows < 1 || !flat(indptr, NPY_INT32) || !flat(base, NPY_INT32) ||
      !flat(code, NPY_UINT8) || !flat(data, NPY_DOUBLE) || !data.writeable() ||
      static_cast<std::size_t>(code.size()) != r.nnz ||
      static_cast<std::size_t>(base.size()) != (r.nnz + 7) / 8 || !flat(unused, NPY_INT32) ||
      !flat(unused_starts, NPY_INT32) || unused_starts.size() != colors + 1 ||
      static_cast<const int*>(unused_starts.data())[colors] != unused.size()) {
    return py::none();
  }
  r.unused = static_cast<const int*>(unused.data());
  r.unused_starts = static_cast<const int*>(unused_starts.data());
  py::array floor_array;
  if (!floor.is_none()) {
    if (!py::isinstance<py::array>(floor)) return py::none();
    floor_array = py::reinterpret_borrow<py::array>(floor);
    if (!flat(floor_array, NPY_DOUBLE) || static_cast<std::size_t>(floor_array.size()) != r.rows) {
      return py::none();
    }
    r.floor = static_cast<const double*>(floor_array.data());
  }
  r.indptr = static_cast<const int*>(indptr.data());
  r.base = static_cast<const int*>(base.data());
  r.code = static_cast<const unsigned char*>(code.data());
  r.rtol = rtol;
  r.data = static_cast<double*>(data.mutable_data());
  if (!recovery_inside(r)) return py::none();
  // the pieces it reads: a join's, graphs (their blocks where they are computed),
  // seeds (written apart), computed planes; a view declines
  const auto takes = [](auto&& self, const fusion::Node& node) -> bool {
    if (node.result != nullptr) return true;
    if (node.view) return false;
    if (node.reshape_of != nullptr) return self(self, *node.reshape_of);
    if (!node.join) return true;
    for (int i = 0; i < 2; ++i) {
      const fusion::Input& in = node.inputs[i];
      if (in.kind == fusion::Input::kNode ? !self(self, *in.node)
                                          : in.kind != fusion::Input::kArray) {
        return false;
      }
    }
    return true;
  };
  if (!takes(takes, *root)) return py::none();
  note_opened(dual.ptr());
  std::mutex lock;
  double worst = 0;
  bool nonzero = false, bad = false;
  const auto read = [&](const unsigned char* planes, std::size_t stride, std::size_t row0,
                        std::size_t m) {
    double found = 0;
    bool zero_not = false, outside = false;
    recover_rows(r, reinterpret_cast<const double*>(planes) + stride, stride, row0, m, found,
                 zero_not, outside);
    const std::lock_guard<std::mutex> guard(lock);
    if (found != found || worst != worst) {
      worst = std::numeric_limits<double>::quiet_NaN();
    } else if (found > worst) {
      worst = found;
    }
    nonzero = nonzero || zero_not;
    bad = bad || outside;
  };
  const auto planes_of = [](PyArrayObject* array, std::size_t offset) {
    return static_cast<const unsigned char*>(PyArray_DATA(array)) + offset * sizeof(double);
  };
  const auto feed = [&](auto&& self, const fusion::NodePtr& node, std::size_t row0) -> bool {
    if (node->result != nullptr) {
      read(planes_of(node->result, 0), node->count, row0, node->count);
      return true;
    }
    if (node->reshape_of != nullptr) return self(self, node->reshape_of, row0);  // (in order)
    if (node->join) {
      for (int i = 0; i < 2; ++i) {
        const fusion::Input& in = node->inputs[i];
        const std::size_t at = row0 + (i == 0 ? 0 : node->split);
        if (in.kind == fusion::Input::kNode) {
          if (!self(self, in.node, at)) return false;
        } else {
          const std::size_t count = i == 0 ? node->split : node->count - node->split;
          read(planes_of(in.array, in.offset), in.stride, at, count);
        }
      }
      return true;
    }
    if (node->seed) {  // its planes apart (the seed's own path), then read
      PyArrayObject* planes = node_planes(*node);
      if (planes == nullptr) return false;
      const bool written = fusion::compute(node, node_planes, nullptr, 0, planes);
      if (written) read(planes_of(planes, 0), node->count, row0, node->count);
      Py_DECREF(planes);
      return written;
    }
    const fusion::BlockSink sink = [&, row0](const unsigned char* planes, std::size_t stride,
                                             std::size_t start, std::size_t m) {
      read(planes, stride, row0 + start, m);
    };
    return fusion::compute(node, node_planes, nullptr, 0, nullptr, nullptr, &sink);
  };
  if (!feed(feed, root, 0)) throw py::error_already_set();
  if (bad) throw py::index_error("recover_pass: the plan's arrays read outside its pass");
  return py::float_(nonzero ? std::numeric_limits<double>::infinity() : worst);
}

}  // namespace

void register_operators(py::module_& m) {
  if (PyModule_AddFunctions(m.ptr(), operator_methods) < 0) throw py::error_already_set();
  m.def(
      "register_class",
      [](py::type cls, int kind, py::object layout, int taylor) {
        const Layout* jet = layout.is_none() ? nullptr : &layout.cast<const Layout&>();
        if (jet == nullptr && kind != -1 && kind_planes(kind) == 0) {
          throw std::invalid_argument("unknown kind " + std::to_string(kind));
        }
        // Not a sequence (x[key] still works, through mp_subscript): numpy turns any
        // failed float() of a sequence into "setting an array element with a
        // sequence", which would hide the derivative-parts TypeError of plain[0] = x
        auto* type = reinterpret_cast<PyTypeObject*>(cls.ptr());
        if (type->tp_as_sequence != nullptr) type->tp_as_sequence->sq_item = nullptr;
        PyType_Modified(type);
        // the class and its layout live until exit (as in the registry)
        cls.inc_ref();
        layout.inc_ref();
        const int tag = py::getattr(cls, "_tag", py::int_(0)).cast<int>();
        // whose transforms retire it: a tagged class's thread (_arrays._tagged), else
        // the thread making it
        auto thread = py::getattr(cls, "_thread", py::int_(0)).cast<unsigned long>();
        if (thread == 0) thread = PyThread_get_thread_ident();
        if (taylor > kTaylorMaxDegree)
          throw std::invalid_argument("a Taylor degree past the kernels'");
        registered()[type] = {jet ? -1 : kind, jet, jet ? -1 : taylor, tag, 0, thread, 0, 0, 0};
        // count the instances, so a transform learns at its end whether any escaped
        type->tp_alloc = counted_alloc;
        type->tp_free = counted_free;
        PyType_Modified(type);
      },
      py::arg("cls"), py::arg("kind"), py::arg("layout"), py::arg("taylor") = -1,
      "Route the fast operators of a dual class to its kernels (a kind, or a JetLayout; "
      "kind -1 and no layout: count its instances only, but for a Taylor kind's ufuncs: "
      "taylor its degree).");
  m.def(
      "set_retire_hook",
      [](py::object hook) {
        hook.inc_ref();
        retire_hook() = hook.ptr();
      },
      py::arg("hook"), "hook(cls): a class of a finished transform's depth with live instances.");
  m.def(
      "live_instances",
      [](py::type cls) {
        const auto found = registered().find(reinterpret_cast<PyTypeObject*>(cls.ptr()));
        return found == registered().end() ? std::size_t{0} : found->second.live;
      },
      py::arg("cls"), "How many instances of a registered dual class are alive.");
  m.def(
      "pointwise_marks",
      [](py::type cls) {
        const auto found = registered().find(reinterpret_cast<PyTypeObject*>(cls.ptr()));
        std::size_t marks[3] = {0, 0, 0};
        if (found != registered().end()) {
          const ClassKernels& k = found->second;
          marks[0] = k.made, marks[1] = k.made_elementwise, marks[2] = k.opened;
        }
        return py::make_tuple(marks[0], marks[1], marks[2]);
      },
      py::arg("cls"),
      "(instances made, of them by the fast elementwise paths, reads and writes of _stack) "
      "of a registered dual class so far: a transform compares them before and after f.");
  auto deferred = py::class_<fusion::Node, fusion::NodePtr>(
      m, "Deferred", "A recorded elementwise operation (the planes of a dual array, pending).");
  deferred_type = reinterpret_cast<PyTypeObject*>(deferred.ptr());
  m.def(
      "install_planes",
      [](py::type cls) {
        // the slot's offset, from its member descriptor
        PyObject* member =
            PyDict_GetItemString(reinterpret_cast<PyTypeObject*>(cls.ptr())->tp_dict, "_store");
        if (member == nullptr || Py_TYPE(member) != &PyMemberDescr_Type) {
          throw py::type_error("install_planes needs a class with the slot _store");
        }
        store_offset = reinterpret_cast<PyMemberDescrObject*>(member)->d_member->offset;
        for (PyGetSetDef* def = data_getset; def->name != nullptr; ++def) {
          PyObject* descriptor = PyDescr_NewGetSet(reinterpret_cast<PyTypeObject*>(cls.ptr()), def);
          if (descriptor == nullptr ||
              PyObject_SetAttrString(cls.ptr(), def->name, descriptor) < 0) {
            Py_XDECREF(descriptor);
            throw py::error_already_set();
          }
          Py_DECREF(descriptor);
        }
      },
      py::arg("cls"),
      "Give cls (DualArray) the descriptors _stack and _header over its slot _store.");
  m.def(
      "unit_seed",
      [](py::type cls, py::handle x, int direction) -> py::object {
        // kinds whose seed along one direction is x + e with every other part zero: a
        // Taylor kind (x + t), Dual, a layout's first-order part `direction` (DualVec,
        // HyperDualVec: x + e_r, e_r e_s 0)
        auto* type = reinterpret_cast<PyTypeObject*>(cls.ptr());
        const auto found = registered().find(type);
        npy_intp planes = 0;
        int directions = 1;
        const JetLayout* layout = nullptr;
        if (found != registered().end()) {
          const ClassKernels& kernels = found->second;
          if (kernels.taylor >= 1) planes = kernels.taylor + 1;
          if (kernels.jet != nullptr && kernels.jet->get().first >= 1) {
            planes = kernels.jet->planes();
            layout = &kernels.jet->get();
            directions = layout->first;
          }
          if (kernels.kind >= 0 && kind_planes(kernels.kind) == 2) planes = 2;
        }
        if (planes == 0 || !PyArray_Check(x.ptr()) || direction < 0 || direction >= directions) {
          throw py::type_error("unit_seed takes a kind of a direction `direction` and an ndarray");
        }
        auto* values = reinterpret_cast<PyArrayObject*>(x.ptr());
        const int column = dtype_column(PyArray_TYPE(values));
        Scalar one;
        // (where the fast path records no operation, no graph reads it block by block:
        // a plain seed costs less; for several directions, fusion::pends_seed)
        const auto count = static_cast<std::size_t>(PyArray_SIZE(values));
        if (column < 0 || !fusion::records(count, layout) ||
            (directions > 1 && !fusion::pends_seed(count, layout)) ||
            !one.read(py::float_(1.0).ptr(), column)) {
          return py::none();
        }
        auto* copy = reinterpret_cast<PyArrayObject*>(PyArray_NewCopy(values, NPY_CORDER));
        if (copy == nullptr) throw py::error_already_set();
        fusion::NodePtr node = seed_node(copy, column, planes);
        node->unit = 1 + direction;
        fusion::Input unit;
        std::memcpy(unit.scalar, one.bytes, sizeof unit.scalar);
        node->add_input(1, std::move(unit));
        PyObject* seed = record(type, std::move(node));
        if (seed == nullptr) throw py::error_already_set();
        return py::reinterpret_steal<py::object>(seed);
      },
      py::arg("cls"), py::arg("x"), py::arg("direction") = 0,
      "x + e as an array of cls (a Taylor kind: x + t; Dual), or x + e_direction (a "
      "DualVec or HyperDualVec: its first-order part `direction` 1, the others 0), "
      "pending (fusion.hpp's seed node: its planes written block by block where read); "
      "None for a dtype without components or where the fast path records no operation "
      "(fusion::records).");
  m.def(
      "pending_seed",
      [](py::object dual) {
        if (registered().count(Py_TYPE(dual.ptr())) == 0) return false;
        PyObject* value = stored(dual.ptr());
        if (value == nullptr || !is_deferred(value)) return false;
        const fusion::NodePtr node = node_of(value);
        return node->seed && node->colors > 0 && node->result == nullptr && !node->view &&
               (node->parent == nullptr || node->parent->result == nullptr);
      },
      py::arg("dual"),
      "Whether a dual's planes are a pending colored seed's (or a pending slice of one): "
      "planes_into writes them into planes of contiguous rows too.");
  m.def(
      "pending_reshape",
      [](py::object dual, py::tuple shape) -> py::object {
        if (registered().count(Py_TYPE(dual.ptr())) == 0) return py::none();
        std::vector<npy_intp> dims;
        for (const py::handle d : shape) {
          if (!PyLong_Check(d.ptr())) return py::none();
          int overflow = 0;
          const long long n = PyLong_AsLongLongAndOverflow(d.ptr(), &overflow);
          if (overflow != 0) return py::none();  // (numpy says why)
          dims.push_back(static_cast<npy_intp>(n));
        }
        PyObject* reshaped = pending_reshape(dual.ptr(), std::move(dims));
        if (reshaped == nullptr) {
          if (PyErr_Occurred()) throw py::error_already_set();
          return py::none();
        }
        return py::reinterpret_steal<py::object>(reshaped);
      },
      py::arg("dual"), py::arg("shape"),
      "dual.reshape(shape) (C order, of dual's size; one -1 inferred) of a pending dual, "
      "pending: of a colored seed (or a slice of one), a seed of that shape over the same "
      "rows; of a graph or a concatenation, a view of its planes once they are asked for. "
      "None for any other dual or shape, nothing computed.");
  m.def(
      "colored_seed",
      [](py::type cls, py::handle x, py::handle rows, int colors) -> py::object {
        auto* type = reinterpret_cast<PyTypeObject*>(cls.ptr());
        const auto found = registered().find(type);
        if (found == registered().end() || found->second.jet == nullptr ||
            !PyArray_Check(x.ptr()) || !PyArray_Check(rows.ptr()) || colors < 1) {
          throw py::type_error(
              "colored_seed takes a DualVec or HyperDualVec kind, two ndarrays and a count");
        }
        auto* values = reinterpret_cast<PyArrayObject*>(x.ptr());
        auto* given = reinterpret_cast<PyArrayObject*>(rows.ptr());
        const int kind = PyArray_TYPE(values);
        const npy_intp n = PyArray_SIZE(values);
        const int first = found->second.jet->get().first;
        // float32 and float64 (fusion::write_seed), the rows (w, colors) of x's dtype,
        // read-only (nothing may write them while a seed reads them), c or c + 1
        // first-order parts (the second-order ones are zero)
        if ((kind != NPY_DOUBLE && kind != NPY_FLOAT) || PyArray_NDIM(values) < 1 || n < 1 ||
            PyArray_TYPE(given) != kind || PyArray_NDIM(given) != 2 || PyArray_DIM(given, 0) != 2 ||
            PyArray_DIM(given, 1) != n || !PyArray_IS_C_CONTIGUOUS(given) ||
            PyArray_ISWRITEABLE(given) || (first != colors && first != colors + 1)) {
          return py::none();
        }
        // (as unit_seed's: where f's operations run eagerly, the seed would be written in
        // full first)
        if (!fusion::pends_seed(static_cast<std::size_t>(n), &found->second.jet->get())) {
          return py::none();
        }
        auto* copy = reinterpret_cast<PyArrayObject*>(PyArray_NewCopy(values, NPY_CORDER));
        if (copy == nullptr) throw py::error_already_set();
        fusion::NodePtr node = seed_node(copy, dtype_column(kind), found->second.jet->planes());
        node->colors = colors;
        node->probed = first == colors + 1;
        Py_INCREF(given);
        node->add_input(1, rows_input(given, 0, node->count));
        PyObject* seed = record(type, std::move(node));
        if (seed == nullptr) throw py::error_already_set();
        return py::reinterpret_steal<py::object>(seed);
      },
      py::arg("cls"), py::arg("x"), py::arg("rows"), py::arg("colors"),
      "x seeded as an array of the DualVec or HyperDualVec kind cls, pending (fusion.hpp's "
      "colored seed: its planes written block by block where read): first-order part a is "
      "1 where rows[1] (each element's color) is a, part `colors` rows[0] (the probe w) "
      "when cls has colors + 1 first-order parts, the second-order parts 0; None for a "
      "dtype other than float32/float64, rows not as this takes them (2 read-only "
      "C-contiguous rows of x's dtype and size), or a kind with second-order parts below "
      "the fusion's size.");
  m.def(
      "elementwise_plane",
      [](py::handle result, py::handle seed, int plane) -> py::object {
        if (!is_registered(result.ptr()) || !is_registered(seed.ptr())) return py::none();
        PyObject* value = stored(result.ptr());
        PyObject* seed_value = stored(seed.ptr());
        if (value == nullptr || !is_deferred(value) || seed_value == nullptr ||
            !is_deferred(seed_value)) {
          return py::none();
        }
        const fusion::NodePtr node = node_of(value);
        const fusion::NodePtr start = node_of(seed_value);
        if (node->view || node->result != nullptr || !start->seed || start->result != nullptr ||
            node->dims != start->dims || plane < 0 || plane >= node->dims[0] ||
            !fusion::elementwise_in(node, start.get())) {
          return py::none();
        }
        Py_INCREF(node->descr);  // PyArray_NewFromDescr steals it
        PyObject* out = PyArray_NewFromDescr(&PyArray_Type, node->descr,
                                             static_cast<int>(node->dims.size()) - 1,
                                             node->dims.data() + 1, nullptr, nullptr, 0, nullptr);
        if (out == nullptr) throw py::error_already_set();
        auto owned = py::reinterpret_steal<py::object>(out);
        if (!fusion::compute(node, node_planes, reinterpret_cast<PyArrayObject*>(out), plane)) {
          throw py::error_already_set();
        }
        return owned;
      },
      py::arg("result"), py::arg("seed"), py::arg("plane"),
      "Plane `plane` of a dual array pending as an elementwise graph of the pending seed "
      "(unit_seed) alone (fusion::elementwise_in), computed block by block (result stays "
      "pending); None otherwise, nothing computed.");
  m.def(
      "planes_into",
      [](py::object dual, py::array out, int first) {
        // a registered dual class's planes from `first` on, their shape and dtype in
        // `out`: pending, its operations run into out (fusion::compute's `into`; from a
        // plane first > 0, its `root_plane`s: out C-contiguous), each plane of out one
        // C-contiguous block; else copied. Nothing is exposed or flushed: out is fresh
        // and only read from here.
        if (registered().count(Py_TYPE(dual.ptr())) == 0) return false;
        PyObject* value = stored(dual.ptr());
        if (value == nullptr) return false;
        fusion::NodePtr node = is_deferred(value) ? node_of(value) : nullptr;
        if (node != nullptr && node->result != nullptr) {
          value = reinterpret_cast<PyObject*>(node->result);
          node = nullptr;
        }
        if (node == nullptr && !PyArray_Check(value)) return false;
        auto* array = reinterpret_cast<PyArrayObject*>(out.ptr());
        auto* planes = node == nullptr ? reinterpret_cast<PyArrayObject*>(value) : nullptr;
        PyArray_Descr* descr = node != nullptr ? node->descr : PyArray_DESCR(planes);
        const int dims =
            node != nullptr ? static_cast<int>(node->dims.size()) : PyArray_NDIM(planes);
        if (PyArray_NDIM(array) != dims || !PyArray_ISWRITEABLE(array) ||
            !PyArray_ISALIGNED(array) || !PyArray_EquivTypes(PyArray_DESCR(array), descr)) {
          return false;
        }
        for (int d = 0; d < dims; ++d) {
          const npy_intp size = node != nullptr ? node->dims[d] : PyArray_DIM(planes, d);
          if (PyArray_DIM(array, d) != size - (d == 0 ? first : 0)) return false;
        }
        if (first < 0 || PyArray_DIM(array, 0) < 1) return false;
        // (a seed slice whose parent is pending: its planes are written here as a
        // graph would read them, the same numbers; once the parent is computed, a view)
        if (node == nullptr || node->view || node->reshape_of != nullptr ||
            (node->parent != nullptr && node->parent->result != nullptr)) {
          PyObject* source = node == nullptr ? Py_NewRef(value) : aliased_planes(*node);
          if (source != nullptr && first > 0) {  // its planes from `first` on
            py::object whole = py::reinterpret_steal<py::object>(source);
            source = PySequence_GetSlice(whole.ptr(), first, PY_SSIZE_T_MAX);
          }
          const int copied =
              source == nullptr ? -1
                                : PyArray_CopyInto(array, reinterpret_cast<PyArrayObject*>(source));
          Py_XDECREF(source);
          if (copied < 0) throw py::error_already_set();
          return true;
        }
        if (first > 0) {  // the root's planes asked, out of its scratch (it stays pending)
          if (node->seed || node->join || !PyArray_IS_C_CONTIGUOUS(array)) return false;
          if (!fusion::compute(node, node_planes, array, first)) throw py::error_already_set();
          return true;
        }
        // a colored seed into planes of contiguous rows (np.pad's interior): row by row
        if (node->seed && node->colors > 0 && !PyArray_IS_C_CONTIGUOUS(array) &&
            seed_rows_into(*node, array)) {
          return true;
        }
        // each plane C-contiguous, the planes apart by at least one plane's bytes
        const npy_intp item = PyDataType_ELSIZE(descr);
        npy_intp span = item;
        for (int d = dims - 1; d >= 1; --d) {
          if (PyArray_STRIDE(array, d) != span) return false;
          span *= node->dims[d];
        }
        const npy_intp plane = PyArray_STRIDE(array, 0);
        if (plane < span || plane % item != 0) return false;
        if (!fusion::compute(node, node_planes, nullptr, 0, array)) throw py::error_already_set();
        return true;
      },
      py::arg("dual"), py::arg("out"), py::arg("first") = 0,
      "Write a dual array's planes from `first` on into out (fresh planes of their shape "
      "and dtype: a slice of a concatenation; from first > 0 C-contiguous): pending "
      "operations run straight into it and stay pending, others are copied; nothing is "
      "exposed. False when out is not as this takes it.");
  m.def("join_pending", &join_pending, py::arg("arrays"),
        "np.concatenate of dual arrays along the first axis after the planes', pending "
        "(fusion::Node::join: each piece written straight into its slice when the result "
        "is read): when every one is pending (a graph, a colored seed or a slice of one "
        "whose parent is pending), of one kind, dtype and trailing shape; None otherwise, "
        "nothing computed.");
  m.def("recover_pass", &recover_pass, py::arg("dual"), py::arg("colors"), py::arg("indptr"),
        py::arg("base"), py::arg("code"), py::arg("unused"), py::arg("unused_starts"),
        py::arg("weights"), py::arg("floor"), py::arg("rtol"), py::arg("data"),
        "A sparse Jacobian's entries (data, CSR order) and check read off its pass's output "
        "`dual` where the pass computes it, block by block (fusion::compute's sink): its "
        "planes never written in full, the dual left pending. csr_permute's arrays (indptr "
        "int32, base, code), each color's rows no entry reads (unused from unused_starts[a], "
        "int32), the check's weights (colors, rows) or None without the probe "
        "(block_mismatch's rule, floor and rtol). inf when a slot no entry reads is not 0, "
        "else the check's largest ratio (0 without the probe); None when dual or the arrays "
        "are not as this takes them, nothing computed.");
  // fusion.hpp's thresholds: each set, its previous value returned
  const auto threshold = [&m](const char* name, std::size_t& (*value)(), const char* doc) {
    m.def(
        name,
        [value](std::size_t count) {
          const std::size_t previous = value();
          value() = count;
          return previous;
        },
        py::arg("count"), doc);
  };
  threshold("fusion_plane_min", fusion::plane_min,
            "Set the element-planes from which operations of Jet kinds with second-order "
            "parts are recorded below fusion_min_count (a graph that runs by planes); "
            "returns the previous value.");
  threshold("fusion_min_count", fusion::min_count,
            "Set the elements per plane from which the fast path records operations "
            "(fusion.hpp); returns the previous value.");
  m.def(
      "operator_method",
      [](py::object index, py::object ufunc, py::object fallback, bool reflected) {
        const py::tuple spec = py::make_tuple(index, ufunc, fallback, reflected);
        return method(&operator_def, spec.ptr());
      },
      py::arg("index"), py::arg("ufunc"), py::arg("fallback"), py::arg("reflected"),
      "A binary operator method: fast_binary(index, ...) or fallback(ufunc, a, b).");
  m.def(
      "power_method",
      [](py::dict fast_powers, py::object fallback) {
        return method(&power_def, py::make_tuple(fast_powers, fallback).ptr());
      },
      py::arg("fast_powers"), py::arg("fallback"),
      "A __pow__ method: fast_unary for the exponents in fast_powers, else fallback.");
  m.def(
      "array_function_method",
      [](py::dict registry, py::object fallback) {
        return method(&array_function_def, py::make_tuple(registry, fallback).ptr());
      },
      py::arg("registry"), py::arg("fallback"),
      "An __array_function__ method: registry[func](*args) for dual arrays and no "
      "keywords, else fallback(self, func, types, args, kwargs, registry.get(func)).");
  m.def(
      "getitem_method", [](py::object fallback) { return method(&getitem_def, fallback.ptr()); },
      py::arg("fallback"), "A __getitem__ method: fast_getitem or fallback(self, key).");
}

}  // namespace hyperdiff::bindings
