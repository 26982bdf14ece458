"""hyperdiff: exact derivatives of numpy code through dual and hyper-dual numbers.

>>> import numpy as np, hyperdiff as hd
>>> x = hd.hyperdual(np.linspace(0.1, 2, 5), e1=1.0, e2=1.0)
>>> y = np.sin(x) * np.exp(-x**2)     # y.value, y.e1 = f', y.e12 = f''
"""

from __future__ import annotations

from . import _algebra, _complex, _core, linalg  # noqa: F401 (they register np.dot, np.real, ...)
from ._arrays import Dual, DualArray, HyperDual, dual, hyperdual
from ._multivariate import (
    DualVec,
    HyperDualVec,
    dualvec,
    dualvec_type,
    hyperdualvec,
    hyperdualvec_type,
)
from ._transforms import (
    derivative,
    grad,
    hessian,
    hvp,
    jacobian,
    jvp,
    value_and_grad,
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
    "derivative",
    "dual",
    "dualvec",
    "dualvec_type",
    "get_num_threads",
    "grad",
    "hessian",
    "hvp",
    "hyperdual",
    "hyperdualvec",
    "hyperdualvec_type",
    "jacobian",
    "jvp",
    "linalg",
    "reuse_freed_memory",
    "set_num_threads",
    "supported_complex_ufuncs",
    "supported_ufuncs",
    "value_and_grad",
    "wirtinger",
]

__version__ = "0.1.0"


def get_num_threads() -> int:
    """Threads the kernels use on large arrays (default: the CPUs present)."""
    return _core.get_num_threads()


def set_num_threads(count: int) -> None:
    """Set the kernels' thread count; inputs below ~1e5 elements always run on one."""
    _core.set_num_threads(count)


def reuse_freed_memory(limit: int = 512 << 20) -> bool:
    """Have glibc's malloc keep up to `limit` bytes of freed memory for reuse.

    Every operation on a dual array allocates its output, planes x size elements,
    and drops temporaries as soon as they are used. By default glibc returns large
    freed blocks to the system, so the next allocation faults in fresh zeroed pages,
    which can cost more than the arithmetic: hessian(rosen) at n = 100 (5151 planes)
    takes about a third of the time with this set (bench/transforms.py
    --reuse-memory). It is malloc's setting for the whole process, so hyperdiff
    leaves it alone unless asked. Returns False where it does not apply (no glibc).
    """
    import ctypes
    import ctypes.util

    if limit < 0:
        raise ValueError(f"limit must be a byte count >= 0, not {limit}")
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or None).mallopt
    except (OSError, AttributeError):
        return False
    trim_threshold, mmap_threshold = -1, -3  # malloc.h's M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
    # blocks below 32 MiB (glibc's largest mmap threshold) then come from the heap,
    # and the heap keeps up to `limit` free at its top instead of trimming it
    return bool(mallopt(mmap_threshold, 32 << 20)) and bool(mallopt(trim_threshold, limit))


def supported_ufuncs() -> list[str]:
    """Names of the numpy (and scipy.special) ufuncs dual arrays support."""
    from ._ufuncs import ufunc_name

    return sorted({ufunc_name(u) for u in (*_UNARY, *_BINARY, *_VALUE_ONLY, *_NOT_HOLOMORPHIC)})


def supported_complex_ufuncs() -> list[str]:
    """Names of the ufuncs complex dual arrays support (holomorphic ones from the
    table, and abs, conjugate, sign)."""
    from ._ufuncs import ufunc_name

    return sorted({ufunc_name(u) for u in (*_COMPLEX_UNARY, *_COMPLEX_BINARY, *_NOT_HOLOMORPHIC)})
