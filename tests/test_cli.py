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


def test_points_are_evaluated_each_on_its_own() -> None:
    # cumsum(x) of the points together would mix them (rows 1, 2, 3 of J @ 1)
    rows = [line.split() for line in run("cumsum(x)", "--at", "1", "2", "3").splitlines()[2:]]
    assert [[float(v) for v in row] for row in rows] == [[t, t, 1.0, 0.0] for t in (1, 2, 3)]


def test_real_points_stay_real_beside_a_complex_one() -> None:
    rows = run("x**2", "--at", "2", "1j").splitlines()[2:]
    assert rows[0].split() == ["2", "4", "4", "2"]
    assert [complex(v) for v in rows[1].split()] == [1j, -1, 2j, 2]


def test_constant_expression() -> None:
    assert run("1.0", "--at", "3").splitlines()[2].split() == ["3", "1", "0", "0"]
