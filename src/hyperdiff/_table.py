"""The table the C++ core exports, read once: which numpy and scipy.special ufuncs
have kernels (UNARY, BINARY: ufunc -> kernel index), which have complex kernels, which
act on the value only, their public names, and the component dtypes of dual arrays.
The bottom of the Python layers (beside _core): no import of the array classes."""

from __future__ import annotations

import importlib
import sys

import numpy as np

from . import _core

# numpy ufuncs that are the same function as a table entry under another name.
_ALIASES = {"absolute": ("fabs",), "deg2rad": ("radians",), "rad2deg": ("degrees",)}

# Ufuncs whose result depends on the value only (bool results): applied to `.value`.
VALUE_ONLY: frozenset[np.ufunc] = frozenset(
    getattr(np, name)
    for name in (
        "equal",
        "not_equal",
        "less",
        "less_equal",
        "greater",
        "greater_equal",
        "isnan",
        "isfinite",
        "isinf",
        "signbit",
        "logical_and",
        "logical_or",
        "logical_xor",
        "logical_not",
    )
)


# Ufuncs with their own rule for complex dual arrays (_complex.py): conjugate
# (also for real ones), and abs and sign, which are not holomorphic.
NOT_HOLOMORPHIC: frozenset[np.ufunc] = frozenset((np.conjugate, np.absolute, np.sign))

_NAMES: dict[np.ufunc, str] = {}


def _resolve(table: list[tuple[str, str, bool]], found: dict[np.ufunc, int], late: bool) -> None:
    """Map each ufunc of the table (and its aliases) to its kernel index: numpy's at
    once; scipy's (late=True) only when their module is already imported, so that
    `import hyperdiff` does not import scipy.special (half of its import time)."""
    for index, (name, module_name, _) in enumerate(table):
        if (module_name != "numpy") != late:
            continue
        module = sys.modules.get(module_name) if late else importlib.import_module(module_name)
        if module is None:  # scipy (optional) not imported yet: resolve_late() does it
            continue
        for alias in (name, *_ALIASES.get(name, ())):
            found[getattr(module, alias)] = index
            _NAMES[getattr(module, alias)] = f"{module_name}.{alias}"


UNARY: dict[np.ufunc, int] = {}
BINARY: dict[np.ufunc, int] = {}
_resolve(_core.UNARY_FUNCTIONS, UNARY, late=False)
_resolve(_core.BINARY_FUNCTIONS, BINARY, late=False)
# float_power is power computed in float64, whatever the inputs.
BINARY[np.float_power] = BINARY[np.power]
_FORCED_DTYPE = {np.float_power: np.dtype(np.float64)}

# The dtypes dual arrays have as components, in the kernel tables' order: the C++
# list's (operands.hpp, kComponentTypes), which the kernels' operand checks read too.
COMPONENT_DTYPES: tuple[np.dtype, ...] = _core.COMPONENT_DTYPES
COMPONENT_NAMES = f"{', '.join(map(str, COMPONENT_DTYPES[:-1]))} or {COMPONENT_DTYPES[-1]}"

# The table entries with complex kernels (holomorphic functions numpy takes complex).
COMPLEX_UNARY: set[np.ufunc] = set()
COMPLEX_BINARY: set[np.ufunc] = set()

# The table entries C++ runs whole for the common calls (_core.fast_binary:
# two duals of one kind, shape and dtype, or a dual and a Python number);
# float_power's forced float64 takes the general path.
FAST_BINARY: dict[np.ufunc, int] = {}

_LATE_MODULES = {m for _, m, _ in (*_core.UNARY_FUNCTIONS, *_core.BINARY_FUNCTIONS)} - {"numpy"}


def _derived() -> None:
    """The sets and maps computed from UNARY and BINARY, updated in place."""
    COMPLEX_UNARY.update(u for u, i in UNARY.items() if _core.UNARY_FUNCTIONS[i][2])
    COMPLEX_BINARY.update(u for u, i in BINARY.items() if _core.BINARY_FUNCTIONS[i][2])
    FAST_BINARY.update({u: i for u, i in BINARY.items() if u not in _FORCED_DTYPE})


def resolve_late(import_modules: bool = False) -> bool:
    """Add the table's scipy.special ufuncs once scipy.special is imported (or import
    it, if installed, with import_modules=True). A user can only hold a scipy ufunc
    after importing scipy.special, so calling this when a ufunc is not found (the
    general path of __array_ufunc__) recognizes them without importing scipy here.
    True when something was added."""
    if not _LATE_MODULES:
        return False
    if import_modules:
        for module_name in _LATE_MODULES:
            try:
                importlib.import_module(module_name)
            except ImportError:  # scipy is optional
                pass
    if not any(m in sys.modules for m in _LATE_MODULES):
        return False
    before = len(UNARY) + len(BINARY)
    _resolve(_core.UNARY_FUNCTIONS, UNARY, late=True)
    _resolve(_core.BINARY_FUNCTIONS, BINARY, late=True)
    _LATE_MODULES.difference_update(m for m in list(_LATE_MODULES) if m in sys.modules)
    _derived()
    return len(UNARY) + len(BINARY) > before


_derived()
resolve_late()  # scipy.special imported before hyperdiff: its entries now


def ufunc_name(ufunc: np.ufunc) -> str:
    """The ufunc's public name with its real module (scipy.special.gamma, not numpy.gamma)."""
    name = _NAMES.get(ufunc)
    return name if name is not None else _find_module(ufunc)


def _find_module(ufunc: np.ufunc) -> str:
    """Where a ufunc outside the table lives: numpy, scipy.special, or any imported public
    module that has it under its name (only on the way to an error, so a scan is fine)."""
    name = ufunc.__name__
    preferred = ("numpy", "scipy.special")
    others = sorted(
        m for m in list(sys.modules) if not any(p.startswith("_") for p in m.split("."))
    )
    for module_name in (*preferred, *others):
        module = sys.modules.get(module_name)
        if module is not None and getattr(module, name, None) is ufunc:
            return f"{module_name}.{name}"
    return f"the ufunc {name}"


def unsupported(what: str) -> TypeError:
    return TypeError(f"hyperdiff does not support {what} on dual arrays")


def check_component_dtype(dtype: np.dtype) -> np.dtype:
    """dtype itself if dual arrays can have it as components, else a TypeError."""
    if dtype not in COMPONENT_DTYPES:
        raise TypeError(f"hyperdiff dual arrays have {COMPONENT_NAMES} components, not {dtype}")
    return dtype
