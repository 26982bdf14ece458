"""The parametrization and check drivers that test_references.py (real
components) and test_complex_references.py (complex) share. Each module
supplies its functions, dtypes and probes, and a case with `run`,
`check_value`, `check_kind`, `check_parts` and `assert_passed`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest


def function_cases(functions: Sequence[str], dtypes: Sequence[str]) -> list[Any]:
    return [
        pytest.param(name, dtype, id=f"{name}-{dtype}") for name in functions for dtype in dtypes
    ]


def probe_cases(
    functions: Sequence[str], dtypes: Sequence[str], probes: Sequence[Any]
) -> list[Any]:
    return [
        pytest.param(name, dtype, probe, id=f"{name}-{dtype}-{probe.id}")
        for name in functions
        for dtype in dtypes
        for probe in probes
    ]


def check_values(case: Any, probes: Sequence[Any]) -> None:
    """Every probe's value against the references (and numpy's own value)."""
    for probe in probes:
        case.check_value(probe, case.run(probe))
    case.assert_passed()


def check_derivatives(case: Any, probe: Any) -> None:
    """One probe's result: its kind and dtype, and each part against its reference."""
    result = case.run(probe)
    case.check_kind(probe, result)
    case.check_parts(probe, result)
    case.assert_passed()
