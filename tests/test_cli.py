"""python -m hyperdiff: the README's main job."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from hyperdiff.__main__ import main


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


def run_failing(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The CLI in this process (quicker than a subprocess per case): exit status 1,
    nothing on stdout, the message on stderr."""
    assert main(list(args)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err


def test_order_range_and_formats() -> None:
    rows = run("x**3", "--order", "1", "--range", "0", "2", "--num", "3").splitlines()
    assert rows[1].split() == ["x", "f(x)", "f1(x)"]
    assert [[float(v) for v in r.split()] for r in rows[2:]] == [[0, 0, 0], [1, 1, 3], [2, 8, 12]]
    assert run("x**2", "--format", "csv", "--at", "3").splitlines() == [
        "x,f(x),f1(x),f2(x)",
        "3.0,9.0,6.0,2.0",
    ]
    assert json.loads(run("x**2", "--format", "json", "--at", "3", "1j")) == [
        {"x": 3.0, "f(x)": 9.0, "f1(x)": 6.0, "f2(x)": 2.0},
        {"x": {"re": 0.0, "im": 1.0}, "f(x)": -1.0, "f1(x)": {"re": 0.0, "im": 2.0}, "f2(x)": 2.0},
    ]


def test_scipy_functions_by_name() -> None:
    pytest.importorskip("scipy.special")
    row = run("erf(x)", "--at", "0").splitlines()[2].split()
    assert [float(v) for v in row[:3]] == [0.0, 0.0, 2 / math.sqrt(math.pi)]


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').getcwd()",  # no builtins
        "open('/etc/passwd')",  # no files
        "x.__class__",  # no attributes
        "np.save('f', x)",  # nothing of numpy beyond the functions by name
        "load('f')",
        "sin(x, out=x)",  # no keywords
        "[x for x in ()]",
        "lambda: 1",
        "y + 1",
        "sin(x",
    ],
)
def test_anything_but_arithmetic_and_functions_is_refused_in_one_line(
    expression: str, capsys: pytest.CaptureFixture[str]
) -> None:
    message = run_failing(capsys, expression, "--at", "1")
    assert message.startswith("python -m hyperdiff: ") and message.count("\n") == 1
