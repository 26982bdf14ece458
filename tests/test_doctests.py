"""The public API's docstring examples, run: each compares with a closed form it
prints (hyperdiff.grad of sum(x^3) gives 3 x^2, ...)."""

from __future__ import annotations

import doctest
import importlib

import pytest

# the modules whose public names carry examples
MODULES = [
    "hyperdiff",
    "hyperdiff._arrays",
    "hyperdiff._custom",
    "hyperdiff._multivariate",
    "hyperdiff._taylor",
    "hyperdiff._transforms",
]

# public names whose docstrings must hold Parameters, Returns and an example
DOCUMENTED = [
    "derivative",
    "grad",
    "jacobian",
    "hessian",
    "jvp",
    "hvp",
    "wirtinger",
    "taylor",
    "custom_jvp",
    "dual",
    "hyperdual",
    "dualvec",
    "hyperdualvec",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(
        module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS, report=False
    )
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


@pytest.mark.parametrize("name", DOCUMENTED)
def test_public_functions_are_documented(name: str) -> None:
    import hyperdiff as hd

    doc = getattr(hd, name).__doc__ or ""
    for section in ("Parameters\n", "Returns\n", "Examples\n", ">>> "):
        assert section in doc, f"hyperdiff.{name}'s docstring has no {section.strip()!r}"


@pytest.mark.parametrize(
    "kind, names",
    [
        ("Dual", ["value", "d"]),
        ("HyperDual", ["e1", "e2", "e12"]),
        ("DualVec", ["grad"]),
        ("HyperDualVec", ["hess"]),
    ],
)
def test_array_parts_are_documented(kind: str, names: list[str]) -> None:
    import hyperdiff as hd

    for name in names:
        assert ">>> " in (getattr(getattr(hd, kind), name).__doc__ or ""), f"{kind}.{name}"
