"""The kernels of every instruction set this CPU runs pass the reference and Jet tests.

The extension holds x86-64-v2, v3 (AVX2) and v4 (AVX-512) builds of the same
kernels and picks the best at import; HYPERDIFF_ISA forces one. Each is checked
in a subprocess, since the choice is made once per process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hyperdiff import _core

HERE = Path(__file__).resolve().parent
REFERENCE_TESTS = [
    str(HERE / name)
    for name in ("test_references.py", "test_complex_references.py", "test_jet_kernels.py")
]


def _runs(isa: str) -> bool:
    env = {**os.environ, "HYPERDIFF_ISA": isa}
    probe = [sys.executable, "-c", "import hyperdiff"]
    return subprocess.run(probe, env=env, capture_output=True).returncode == 0


@pytest.mark.slow  # the reference suites again, in a subprocess per ISA
@pytest.mark.parametrize("isa", ["v2", "v3", "v4"])
def test_reference_tests_pass_on_each_instruction_set(isa: str) -> None:
    if not _core.isa().startswith("x86-64"):
        pytest.skip("a single generic kernel build on this platform")
    if f"x86-64-{isa}" == _core.isa():
        pytest.skip("the default build is what the rest of the suite tests")
    if not _runs(isa):
        pytest.skip(f"this CPU does not run x86-64-{isa}")
    env = {**os.environ, "HYPERDIFF_ISA": isa}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *REFERENCE_TESTS]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


def test_an_unknown_instruction_set_is_refused() -> None:
    env = {**os.environ, "HYPERDIFF_ISA": "v9"}
    result = subprocess.run(
        [sys.executable, "-c", "import hyperdiff"], env=env, capture_output=True, text=True
    )
    if not _core.isa().startswith("x86-64"):
        pytest.skip("HYPERDIFF_ISA only applies to x86-64 builds")
    assert result.returncode != 0 and "HYPERDIFF_ISA" in result.stderr
