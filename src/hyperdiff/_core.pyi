# The extension's surface, kept in step with cpp/bindings/ (checked by
# `python -m mypy.stubtest hyperdiff._core --allowlist tests/stubtest_allowlist.txt`).
# The METH_FASTCALL functions (fast_*, call_in_memory_scope, transform_depth) carry
# no text signature, so stubtest cannot read theirs: their parameters are
# positional-only here, as in C.
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

import numpy as np
import numpy.typing as npt

from hyperdiff._arrays import DualArray

_P = ParamSpec("_P")
_R = TypeVar("_R")

# (name, module, has complex kernels) in the tables' order
UNARY_FUNCTIONS: list[tuple[str, str, bool]]
BINARY_FUNCTIONS: list[tuple[str, str, bool]]
KINDS: tuple[tuple[str, int], ...]
COMPONENT_DTYPES: tuple[np.dtype[Any], ...]
PARALLEL_THRESHOLD: int
STREAM_THRESHOLD_BYTES: int

def unary(function: int, kind: int, x: np.ndarray, out: np.ndarray) -> None: ...
def binary(
    function: int,
    kind: int,
    x: np.ndarray,
    x_parts: bool,
    y: np.ndarray,
    y_parts: bool,
    out: np.ndarray,
) -> None: ...

class JetLayout:
    """A checked Jet layout (first-order parts, pairs of the second-order parts)."""

    def __init__(self, first: int, pairs: npt.NDArray[np.integer]) -> None: ...
    @property
    def planes(self) -> int: ...

def jet_unary(function: int, layout: JetLayout, x: np.ndarray, out: np.ndarray) -> None: ...
def jet_binary(
    function: int,
    layout: JetLayout,
    x: np.ndarray,
    x_parts: bool,
    y: np.ndarray,
    y_parts: bool,
    out: np.ndarray,
) -> None: ...
def chain_unary(
    kind: int | JetLayout,
    x: np.ndarray,
    f0: np.ndarray,
    f1: np.ndarray,
    f2: np.ndarray,
    out: np.ndarray,
) -> None:
    """out = f(x) on a kind (its index, or a Jet layout) from f, f', f'' at x's value."""

def chain_binary(
    kind: int | JetLayout,
    x: np.ndarray,
    x_parts: bool,
    y: np.ndarray,
    y_parts: bool,
    partials: Sequence[np.ndarray],
    out: np.ndarray,
) -> None:
    """out = f(x, y) from the partials (f0, fx, fy, fxx, fxy, fyy) at the values."""

# Taylor kernels (taylor.hpp): planes (degree + 1, ...), plane k the k-th derivative
TAYLOR_MAX_DEGREE: int
TAYLOR_UNARY_DEGREES: list[int]

def taylor_unary(
    function: int, degree: int, x: np.ndarray, out: np.ndarray, probe: bool = False
) -> None: ...
def taylor_binary(
    function: int,
    degree: int,
    x: np.ndarray,
    x_parts: bool,
    y: np.ndarray,
    y_parts: bool,
    out: np.ndarray,
    probe: bool = False,
) -> None: ...

# register_operators.cpp: the C fast paths of the registered dual classes. Each
# returns None when the call needs Python's general path.
def fast_unary(function: int | None, x: object, /) -> DualArray | None: ...
def fast_binary(function: int | None, a: object, b: object, /) -> DualArray | None: ...
def fast_getitem(x: object, key: object, /) -> DualArray | None: ...
def advanced_adjacent(key: tuple[object, ...], /) -> bool: ...
def plane_blocks(data: npt.NDArray[Any], /) -> bool: ...
def register_class(cls: type, kind: int, layout: object, taylor: int = -1) -> None: ...

# Method factories: C functions made methods of the dual classes (bound per instance).
def operator_method(
    index: object, ufunc: object, fallback: object, reflected: bool
) -> Callable[..., Any]: ...
def power_method(fast_powers: dict[Any, Any], fallback: object) -> Callable[..., Any]: ...
def array_function_method(registry: dict[Any, Any], fallback: object) -> Callable[..., Any]: ...
def getitem_method(fallback: object) -> Callable[..., Any]: ...

# register_memory.cpp: the block cache and the transforms' memory scopes.
def call_in_memory_scope(
    state: bytearray, fn: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs
) -> _R: ...
def open_memory_scope() -> object: ...
def close_memory_scope(previous: object) -> None: ...
def cached_bytes() -> int: ...
def release_memory() -> int: ...
def isa() -> str: ...
def get_num_threads() -> int: ...
def set_num_threads(count: int) -> None: ...
def transform_depth() -> int: ...

# Deferred elementwise chains (cpp/bindings/fusion.hpp): the planes' descriptor and
# the size from which the fast path records operations.
class Deferred:
    def __init__(self, *args: object, **kwargs: object) -> None: ...

def install_planes(cls: type) -> None: ...
def fusion_min_count(count: int) -> int: ...
def fusion_plane_min(count: int) -> int: ...
def pending_sum(dual: object, /) -> np.ndarray | None: ...
def keep_seed(key: object, planes: np.ndarray, /) -> None: ...
def kept_seed(key: object, /) -> np.ndarray | None: ...
def unit_seed(cls: type, x: np.ndarray, direction: int = 0) -> Any: ...
def colored_seed(cls: type, x: np.ndarray, rows: np.ndarray, colors: int) -> Any: ...
def pending_seed(dual: object) -> bool: ...
def pending_reshape(dual: object, shape: tuple[int, ...]) -> Any: ...
def elementwise_plane(result: object, seed: object, plane: int) -> np.ndarray | None: ...
def planes_into(dual: object, out: np.ndarray, first: int = 0) -> bool: ...
def join_pending(arrays: Sequence[object]) -> Any: ...

# A sparse Jacobian's entries and check read off its pending pass block by block
# (register_operators.cpp): the check's ratio, inf for a nonzero unused slot, or None.
def recover_pass(
    dual: object,
    colors: int,
    indptr: npt.NDArray[np.int32],
    base: npt.NDArray[np.int32],
    code: npt.NDArray[np.uint8],
    unused: npt.NDArray[np.int32],
    unused_starts: npt.NDArray[np.int32],
    weights: npt.NDArray[np.floating] | None,
    floor: npt.NDArray[np.float64] | None,
    rtol: float,
    data: npt.NDArray[np.float64],
) -> float | None: ...

# The pointwise probe's exact agreement in one pass (register_probe.cpp).
def probe_agrees(
    parts: npt.NDArray[Any],
    probe: npt.NDArray[Any],
    weights: npt.NDArray[Any],
    finite_only: bool = False,
) -> bool: ...

# A sparse Jacobian's entries off its compressed parts (register_probe.cpp): 0.0, or
# inf when a slot of `unused` is not 0; None when the arrays are not as it takes them.
def csr_gather(
    parts: npt.NDArray[Any],
    gather: npt.NDArray[np.integer],
    data: npt.NDArray[Any],
    unused: npt.NDArray[np.int64] | None = None,
) -> float | None: ...

# csr_gather for runs of 8 entries each reading 8 rows of at most 8 color planes
# (_sparsity._permute_codes), by AVX-512's permutes; None without AVX-512 or float64.
def csr_permute(
    parts: npt.NDArray[np.float64],
    m: int,
    colors: int,
    base: npt.NDArray[np.int32],
    code: npt.NDArray[np.uint8],
    data: npt.NDArray[np.float64],
    unused: npt.NDArray[np.int64] | None = None,
) -> float | None: ...

# A sparse Jacobian's or Hessian's probe check, _sparsity._block_mismatch's rule in one
# pass (register_probe.cpp; weights: a row fewer than block, the probe's -1 implied);
# None when the arrays are not as it takes them.
def block_mismatch(
    block: npt.NDArray[Any],
    weights: npt.NDArray[np.floating],
    rtol: float,
    floor: npt.NDArray[np.float64] | None = None,
) -> float | None: ...

# Parts of products in a kind's algebra, expm of small matrices (register_products.cpp).
MAX_PRODUCT_WIDTH: int

def matrix_product_parts(
    out: npt.NDArray[Any],
    x: npt.NDArray[Any],
    y: npt.NDArray[Any],
    first: int,
    pairs: npt.NDArray[np.int64],
    record: bool = False,
) -> bool: ...
def small_matrix_product(
    x: Any,
    y: Any,
    first: int,
    pairs: npt.NDArray[np.int64],
) -> npt.NDArray[Any] | None: ...
def stacked_matmul(
    x: npt.NDArray[Any],
    y: npt.NDArray[Any],
    out: npt.NDArray[Any],
) -> bool | None: ...
def self_dot_parts(
    out: npt.NDArray[np.floating],
    x: npt.NDArray[np.floating],
    first: int,
    pairs: npt.NDArray[np.int64],
) -> bool: ...
def outer_product_parts(
    out: npt.NDArray[Any],
    x: npt.NDArray[Any],
    y: npt.NDArray[Any],
    first: int,
    pairs: npt.NDArray[np.int64],
) -> None: ...
def outer_stream_bytes(bytes: int) -> int: ...
def expm_frechet(
    a: npt.NDArray[Any],
    directions: npt.NDArray[Any] | None,
    coefficients: npt.NDArray[Any],
    theta: float,
) -> tuple[npt.NDArray[Any], npt.NDArray[Any] | None] | None: ...

# Escaped arrays (register_operators.cpp): instances counted per registered class; at
# a transform's end the classes of its depth with live instances go to the hook.
def set_retire_hook(hook: Callable[[type], None]) -> None: ...
def live_instances(cls: type) -> int: ...
def pointwise_marks(cls: type) -> tuple[int, int, int]: ...
