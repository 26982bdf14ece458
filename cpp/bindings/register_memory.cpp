// numpy's allocator (NEP 49) backed by a BlockCache while a scope is open: the
// transforms open one around the user's function, so its large temporaries are
// reused instead of faulted in afresh (block_cache.hpp says why).
#define HYPERDIFF_IMPORT_NUMPY
#include "numpy_api.hpp"
// (numpy_api.hpp first: it defines what numpy's headers read)
#include <atomic>
#include <cstring>

#include "hyperdiff/block_cache.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace hyperdiff::bindings {

namespace {

// Never destroyed: arrays allocated through it may be freed at interpreter exit.
BlockCache& block_cache() {
  static BlockCache* cache = new BlockCache;
  return *cache;
}

// numpy's allocator at import (its default), for every request below the
// cache's floor: numpy keeps small blocks of its own, and a detour through
// the cache would cost a lock and a lookup per small array.
PyDataMemAllocator numpy_allocator;

std::atomic<std::size_t> large_array_count{0};

void* cache_malloc(void*, std::size_t size) {
  if (size < BlockCache::kMinBytes) return numpy_allocator.malloc(numpy_allocator.ctx, size);
  note_large_array();
  return block_cache().allocate(size);
}

void* cache_calloc(void*, std::size_t count, std::size_t item) {
  if (item != 0 && count > std::size_t(-1) / item) return nullptr;
  if (count * item < BlockCache::kMinBytes) {
    return numpy_allocator.calloc(numpy_allocator.ctx, count, item);
  }
  note_large_array();
  return block_cache().allocate_zeroed(count * item);
}

void* cache_realloc(void*, void* block, std::size_t size) {
  const std::size_t old = block == nullptr ? 0 : block_cache().size_of(block);
  if (old == 0) return numpy_allocator.realloc(numpy_allocator.ctx, block, size);  // numpy's
  void* moved = size < BlockCache::kMinBytes ? numpy_allocator.malloc(numpy_allocator.ctx, size)
                                             : block_cache().allocate(size);
  if (moved != nullptr) {
    std::memcpy(moved, block, old < size ? old : size);
    block_cache().release(block);
  }
  return moved;
}

// numpy frees with the size it allocated, so a small block is never the cache's
// (and needs no lock or lookup).
void cache_free(void*, void* block, std::size_t size) {
  if (size >= BlockCache::kMinBytes && block_cache().release(block)) return;
  numpy_allocator.free(numpy_allocator.ctx, block, size);
}

PyDataMem_Handler cache_handler = {
    "hyperdiff_block_cache", 1, {nullptr, cache_malloc, cache_calloc, cache_realloc, cache_free}};

// The handler capsule (made at import; arrays keep a reference to it).
PyObject* cache_handler_capsule = nullptr;

// Open a scope: numpy allocates through the cache in this context. Returns the
// allocator to restore (a new reference), or null with a Python error.
PyObject* open_scope() {
  block_cache().open_scope();
  PyObject* previous = PyDataMem_SetHandler(cache_handler_capsule);
  if (previous == nullptr) block_cache().close_scope();
  return previous;
}

// Close a scope opened by open_scope (steals `previous`); false on a Python error.
bool close_scope(PyObject* previous) {
  PyObject* ours = PyDataMem_SetHandler(previous);
  Py_DECREF(previous);
  Py_XDECREF(ours);
  block_cache().close_scope();
  return ours != nullptr;
}

// call_in_memory_scope(state, fn, *args, **kwargs): fn(*args, **kwargs), in a
// scope if the function needs one. The transforms return it bound to a state
// and their body by functools.partial, so a call reaches the body with no Python
// frame between. The state (a bytearray of one byte) says whether the last call
// allocated large arrays: a scope costs a few microseconds (numpy's handler is a
// context variable, set twice), which is a fifth of a gradient of 10 variables,
// and pays only where arrays reach the cache's floor. A scoped call that
// allocated none turns it off; an unscoped one whose operations made a large
// output (the fast path counts them) turns it back on for the next call.
//
// It also counts the transforms running on this thread, one inside the function
// of another (transform_depth): a transform tags the dual numbers it seeds with
// its depth, so those of two nested transforms never pass for each other.
thread_local int transform_depth = 0;

struct TransformDepth {
  TransformDepth() { ++transform_depth; }
  ~TransformDepth() { --transform_depth; }
  TransformDepth(const TransformDepth&) = delete;
  TransformDepth& operator=(const TransformDepth&) = delete;
};

PyObject* current_transform_depth(PyObject*, PyObject*) { return PyLong_FromLong(transform_depth); }

PyObject* call_in_memory_scope(PyObject*, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  const Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
  if (nargs < 2 || !PyByteArray_CheckExact(args[0]) || PyByteArray_GET_SIZE(args[0]) < 1) {
    PyErr_SetString(PyExc_TypeError, "call_in_memory_scope(state: bytearray, fn, *args)");
    return nullptr;
  }
  const TransformDepth depth;
  char& scoped = PyByteArray_AS_STRING(args[0])[0];
  const std::size_t before = large_arrays();
  PyObject* result;
  if (scoped == 0) {
    result = PyObject_Vectorcall(args[1], args + 2, nargs - 2, kwnames);
    if (large_arrays() != before) scoped = 1;
  } else {
    PyObject* previous = open_scope();
    if (previous == nullptr) return nullptr;
    result = PyObject_Vectorcall(args[1], args + 2, nargs - 2, kwnames);
    if (!close_scope(previous)) Py_CLEAR(result);  // an error of its own (then chained)
    if (result != nullptr && large_arrays() == before) scoped = 0;
  }
  // (after an error too: its traceback may hold arrays the next call must not meet)
  PyObject *error_type = nullptr, *error = nullptr, *traceback = nullptr;
  if (result == nullptr) PyErr_Fetch(&error_type, &error, &traceback);
  const bool retired = retire_escaped(transform_depth);
  if (result == nullptr) {
    if (retired) {
      PyErr_Restore(error_type, error, traceback);
    } else {
      Py_XDECREF(error_type);
      Py_XDECREF(error);
      Py_XDECREF(traceback);
    }
  } else if (!retired) {
    Py_CLEAR(result);
  }
  return result;
}

PyMethodDef memory_methods[] = {
    {"call_in_memory_scope",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(call_in_memory_scope)),
     METH_FASTCALL | METH_KEYWORDS,
     "call_in_memory_scope(state, fn, *args, **kwargs): fn's call, with numpy allocating "
     "through the block cache when the state says the function makes large arrays."},
    {"transform_depth", current_transform_depth, METH_NOARGS,
     "transform_depth(): how many transforms run on this thread, one inside another's "
     "function (0 outside any)."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

void note_large_array() { large_array_count.fetch_add(1, std::memory_order_relaxed); }
std::size_t large_arrays() { return large_array_count.load(std::memory_order_relaxed); }

void register_memory(py::module_& m) {
  if (_import_array() < 0) throw py::error_already_set();
  // numpy's allocator now: kept (with its capsule) for the small requests
  PyObject* numpy_handler = PyDataMem_GetHandler();
  if (numpy_handler == nullptr) throw py::error_already_set();
  const auto* handler_struct =
      static_cast<PyDataMem_Handler*>(PyCapsule_GetPointer(numpy_handler, "mem_handler"));
  if (handler_struct == nullptr) throw py::error_already_set();
  numpy_allocator = handler_struct->allocator;  // the capsule's reference is kept for good
  // arrays keep a reference to their allocator, so the capsule lives for good
  cache_handler_capsule = PyCapsule_New(&cache_handler, "mem_handler", nullptr);
  if (cache_handler_capsule == nullptr) throw py::error_already_set();
  if (PyModule_AddFunctions(m.ptr(), memory_methods) < 0) throw py::error_already_set();

  m.def(
      "open_memory_scope",
      [] {
        PyObject* previous = open_scope();
        if (previous == nullptr) throw py::error_already_set();
        return py::reinterpret_steal<py::object>(previous);
      },
      "Have numpy allocate through the block cache in this context; returns the "
      "allocator to restore with close_memory_scope.");
  m.def(
      "close_memory_scope",
      [](py::object previous) {
        if (!close_scope(previous.release().ptr())) throw py::error_already_set();
      },
      py::arg("previous"));
  m.def(
      "cached_bytes", [] { return block_cache().cached_bytes(); },
      "Bytes of freed blocks the cache holds.");
  m.def(
      "release_memory", [] { return block_cache().release_all(); },
      "Give every cached block back to malloc; returns the bytes given back.");
}

}  // namespace hyperdiff::bindings
