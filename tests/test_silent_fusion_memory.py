"""A recorded operation's list of the arrays its graph holds (fusion::Node::held) kept
their addresses and read their sizes later, when deciding whether a graph holds too
much: an input node computed by the fast path (its chain too long) releases its
inputs, which frees the copy of a plain-array constant (x * w), while the nodes reading
it still listed the copy. The next operation on such a node read the freed array's
dims and dtype (valgrind: invalid reads in _core), and the wide fuzzer's program 32 of
seed 43 (divide -> power.accumulate -> rdivide -> log_ndtr -> flip, everything
recorded) crashed the interpreter (SIGSEGV) in derivative(order=3). The sizes are now
taken when an array is held. Run in subprocesses: the old code kills the interpreter.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TESTS = Path(__file__).parent

STALE_HELD = """
import numpy as np, hyperdiff as hd
from hyperdiff import _core
_core.fusion_min_count(1)
x = hd.dual(np.linspace(0.1, 1.0, 8), np.ones(8))
w = np.linspace(1.0, 2.0, 8)
a = x * w       # recorded: its inputs x's planes and a copy of w
b = a + 1.0     # recorded, reading a (its held list names the copy)
t = a
for _ in range(70):  # a's chain past the limit: the fast path computes a, frees the copy
    t = t * 1.0001
c = b * 2.0     # b's held list read here
assert np.allclose(c.value, 2 * (x.value * w + 1)) and np.allclose(c.d, 2 * w)
"""

FUZZER_PROGRAM = """
import numpy as np
from test_silent_fuzz import N, fusion
from test_silent_fuzz_wide import _taylor_reference, make_wide_program
import hyperdiff as hd
program = make_wide_program(np.random.default_rng((43, 32)), True)
rng = np.random.default_rng(7)
x = rng.uniform(0.3, 1.2, N) * rng.choice([-1.0, 1.0], N)
v = rng.normal(size=N)
ref, err = _taylor_reference(lambda t: np.ravel(program.scalar(x + t * v)), 6)
with fusion(True):
    got = hd.derivative(lambda t: program.scalar(x + t * v), order=3)(0.0)
assert abs(got - ref[3].real) <= 10 * err[3] + 1e-7 * (1 + abs(ref[3])), (got, ref[3])
"""


def test_recorded_graphs_never_read_freed_arrays() -> None:
    """Both in one interpreter (its start-up is most of the time): the fuzzer's
    program first (it crashed the old code; after the other, the heap differs and it
    did not), then the smaller case, whose invalid reads only valgrind shows."""
    pytest.importorskip("scipy.special")
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(FUZZER_PROGRAM) + textwrap.dedent(STALE_HELD)],
        cwd=TESTS,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
