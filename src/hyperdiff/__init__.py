"""hyperdiff: exact derivatives of numpy code through dual and hyper-dual numbers.

>>> import numpy as np, hyperdiff as hd
>>> x = hd.hyperdual(np.linspace(0.1, 2, 5), e1=1.0, e2=1.0)
>>> y = np.sin(x) * np.exp(-x**2)     # y.value, y.e1 = f', y.e12 = f''
"""

from __future__ import annotations

# The rule modules register what the array classes and _ufuncs call (numpy's functions:
# np.dot, np.fft.fft, np.pad, ...; ufunc methods, gufuncs, complex and scipy rules):
from . import (  # noqa: F401
    _algebra,
    _complex,
    _construction,
    _core,
    _elementwise,
    _fft,
    _numeric,
    _polynomial,
    _sets,
    _shapes,
    _statistics,
    _ufunc_methods,
    _writes,
    linalg,
    special,
    stats,
)
from ._arrays import Dual, DualArray, HyperDual, dual, hyperdual
from ._custom import custom_jvp
from ._memory import release_memory, reuse_memory
from ._multivariate import (
    DualVec,
    HyperDualVec,
    dualvec,
    dualvec_type,
    hyperdualvec,
    hyperdualvec_type,
)
from ._sparsity import hessian_sparsity, jacobian_sparsity
from ._taylor import TaylorArray, taylor, taylor_array, taylor_type
from ._transforms import (
    PerformanceWarning,
    derivative,
    grad,
    hessian,
    hessian_diag,
    hessp,
    hvp,
    jacobian,
    jvp,
    laplacian,
    linearize,
    value_and_grad,
    vjp,
    wirtinger,
)
from ._ufuncs import BINARY as _BINARY
from ._ufuncs import COMPLEX_BINARY as _COMPLEX_BINARY
from ._ufuncs import COMPLEX_UNARY as _COMPLEX_UNARY
from ._ufuncs import NOT_HOLOMORPHIC as _NOT_HOLOMORPHIC
from ._ufuncs import UNARY as _UNARY
from ._ufuncs import VALUE_ONLY as _VALUE_ONLY

__all__ = [
    "Dual",
    "DualArray",
    "DualVec",
    "HyperDual",
    "HyperDualVec",
    "PerformanceWarning",
    "TaylorArray",
    "custom_jvp",
    "derivative",
    "dual",
    "dualvec",
    "dualvec_type",
    "get_num_threads",
    "grad",
    "hessian",
    "hessian_diag",
    "hessian_sparsity",
    "hessp",
    "hvp",
    "hyperdual",
    "hyperdualvec",
    "hyperdualvec_type",
    "jacobian",
    "jacobian_sparsity",
    "jvp",
    "laplacian",
    "linalg",
    "linearize",
    "release_memory",
    "reuse_memory",
    "set_num_threads",
    "special",
    "stats",
    "supported_complex_ufuncs",
    "supported_ufuncs",
    "taylor",
    "taylor_array",
    "taylor_type",
    "value_and_grad",
    "vjp",
    "wirtinger",
]

__version__ = "0.1.0"


def get_num_threads() -> int:
    """Threads the kernels use on large arrays (default: the CPUs present)."""
    return _core.get_num_threads()


def set_num_threads(count: int) -> None:
    """Set the kernels' thread count; inputs below ~1e5 elements always run on one."""
    _core.set_num_threads(count)


def supported_ufuncs() -> list[str]:
    """Names of the numpy (and scipy.special) ufuncs dual arrays support."""
    from ._special import names
    from ._ufuncs import resolve_late, ufunc_name

    resolve_late(import_modules=True)  # scipy.special's entries, if installed

    table = {ufunc_name(u) for u in (*_UNARY, *_BINARY, *_VALUE_ONLY, *_NOT_HOLOMORPHIC)}
    return sorted(table | set(names()))


def supported_complex_ufuncs() -> list[str]:
    """Names of the ufuncs complex dual arrays support (holomorphic ones from the
    table, and abs, conjugate, sign)."""
    from ._special import names
    from ._ufuncs import resolve_late, ufunc_name

    resolve_late(import_modules=True)  # scipy.special's entries, if installed

    table = {ufunc_name(u) for u in (*_COMPLEX_UNARY, *_COMPLEX_BINARY, *_NOT_HOLOMORPHIC)}
    return sorted(table | set(names(complex_values=True)))
