from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

# (name, module, has complex kernels) in the tables' order
UNARY_FUNCTIONS: list[tuple[str, str, bool]]
BINARY_FUNCTIONS: list[tuple[str, str, bool]]
KINDS: tuple[tuple[str, int], ...]
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

def taylor_unary(function: int, degree: int, x: np.ndarray, out: np.ndarray) -> None: ...
def taylor_binary(
    function: int,
    degree: int,
    x: np.ndarray,
    x_parts: bool,
    y: np.ndarray,
    y_parts: bool,
    out: np.ndarray,
) -> None: ...
def isa() -> str: ...
def get_num_threads() -> int: ...
def set_num_threads(count: int) -> None: ...
def transform_depth() -> int: ...
