"""python -m hyperdiff: the README's main job."""

from __future__ import annotations

import subprocess
import sys


def run(*args: str) -> str:
    cmd = [sys.executable, "-m", "hyperdiff", *args]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def test_default_example_prints_value_and_two_derivatives() -> None:
    lines = run().splitlines()
    assert "f1(x)" in lines[1] and "f2(x)" in lines[1]
    assert len(lines) == 5  # header, column names, three points


def test_expression_and_points() -> None:
    row = run("x**3 - 2*x", "--at", "2").splitlines()[2].split()
    assert [float(v) for v in row] == [2.0, 4.0, 10.0, 12.0]  # x, f, f', f''


def test_complex_points_give_complex_derivatives() -> None:
    row = run("x**3 - 2*x", "--at", "1+1j").splitlines()[2].split()
    # f(1+i) = -4, f' = 3(1+i)^2 - 2 = -2+6i, f'' = 6(1+i)
    assert [complex(v) for v in row] == [1 + 1j, -4 + 0j, -2 + 6j, 6 + 6j]
