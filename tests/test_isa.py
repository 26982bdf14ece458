"""The kernels of every instruction set this CPU runs pass the reference, Jet and
sparse recovery tests (the term check has a build per instruction set too).

The extension holds x86-64-v2, v3 (AVX2) and v4 (AVX-512) builds of the same
kernels and picks the best at import; HYPERDIFF_ISA forces one. Each is checked
in a subprocess, since the choice is made once per process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hyperdiff import _core

HERE = Path(__file__).resolve().parent
REFERENCE_TESTS = [
    str(HERE / name)
    for name in (
        "test_references.py",
        "test_complex_references.py",
        "test_jet_kernels.py",
        "test_sparsity_recover.py",  # (the term check's real blocks: probe_rows_body.hpp)
        "test_diff.py",  # (colored seeds past the fusion's size: seed_body.hpp)
    )
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


# Kernels that keep scratch in vectors: the matrix products' plane lists (products.hpp)
# and the Taylor kernels' series (taylor.hpp). With std::vector every build shared the
# AVX-512 build's copy of its members, and the v3 kernels died of an illegal instruction
# on an AVX2 CPU (the build now checks that no such symbol is shared:
# cpp/src/check_isa_symbols.cmake).
SCRATCH_USERS = """
import json, numpy as np, hyperdiff as hd
a = np.arange(25.0).reshape(5, 5) / 10
h = hd.hessian(lambda a, b: np.sum(a @ b), argnums=(0, 1))(a, a.T + 1)
d7 = hd.derivative(np.sin, order=7)(np.array([0.5, 1.0]))
print(json.dumps({"cross": np.asarray(h[0][1]).tolist(), "d7": d7.tolist()}))
"""


@pytest.mark.parametrize("isa", ["v2", "v3", "v4"])
def test_kernels_with_scratch_run_on_each_instruction_set(isa: str) -> None:
    if not _core.isa().startswith("x86-64"):
        pytest.skip("a single generic kernel build on this platform")
    if not _runs(isa):
        pytest.skip(f"this CPU does not run x86-64-{isa}")
    env = {**os.environ, "HYPERDIFF_ISA": isa}
    cmd = [sys.executable, "-c", SCRATCH_USERS]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    got = json.loads(result.stdout)
    # d2/da_ij db_kl of sum(a @ b) = [j == k]; d7/dx7 sin = -cos
    cross = np.broadcast_to(np.eye(5)[None, :, :, None], (5, 5, 5, 5))
    np.testing.assert_array_equal(np.array(got["cross"]), cross)
    np.testing.assert_allclose(got["d7"], -np.cos([0.5, 1.0]), rtol=1e-15, atol=0)


def test_an_unknown_instruction_set_is_refused() -> None:
    env = {**os.environ, "HYPERDIFF_ISA": "v9"}
    result = subprocess.run(
        [sys.executable, "-c", "import hyperdiff"], env=env, capture_output=True, text=True
    )
    if not _core.isa().startswith("x86-64"):
        pytest.skip("HYPERDIFF_ISA only applies to x86-64 builds")
    assert result.returncode != 0 and "HYPERDIFF_ISA" in result.stderr
