"""python -m hyperdiff: the README's main job."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

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


def test_plot_draws_f_and_two_derivatives_into_a_png(tmp_path: Any, capsys: Any) -> None:
    pytest.importorskip("matplotlib")
    from PIL import Image

    from hyperdiff import __main__ as cli

    path = tmp_path / "f.png"
    assert main(["sin(x)", "--range", "0", "6", "--num", "60", "--plot", str(path)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 62  # the table is printed as well
    with Image.open(path) as image:
        assert image.format == "PNG"
        width, height = (round(s * cli.PLOT_DPI) for s in cli.PLOT_SIZE)
        assert image.size == (width, height)
        colors = {c[:3] for _, c in image.convert("RGBA").getcolors(width * height)}
    # matplotlib's first three line colours: f, f' and f'' are drawn
    assert {(0x1F, 0x77, 0xB4), (0xFF, 0x7F, 0x0E), (0x2C, 0xA0, 0x2C)} <= colors


def test_plot_errors_are_one_line(tmp_path: Any, capsys: Any, monkeypatch: Any) -> None:
    pytest.importorskip("matplotlib")
    cases = [
        (["x**2", "--at", "1j", "--plot", str(tmp_path / "c.png")], "complex"),
        (["x**2", "--at", "1", "--plot", str(tmp_path / "no" / "dir.png")], "--plot"),
        (["x**2", "--at", "1", "--plot", str(tmp_path / "f.unknown")], "--plot"),
    ]
    for args, expected in cases:
        message = run_failing(capsys, *args)
        assert expected in message and message.count("\n") == 1, message
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # as if not installed
    message = run_failing(capsys, "x", "--at", "1", "--plot", str(tmp_path / "f.png"))
    assert "hyperdiff[plot]" in message and message.count("\n") == 1


@pytest.mark.parametrize(
    "args",
    [
        ["+" * 100_000 + "x", "--at", "1"],  # deeper than Python's parser
        ["x", "--range", "0", "nan"],
        ["x", "--range", "0", "1", "--num", "0"],
        ["arctan2(x)", "--at", "1"],  # a function called with the wrong arity
        ["sum(x, x, x, x, x)", "--at", "1"],
        ["x ** 1e400", "--at", "2"],  # inf as the exponent: nan derivatives, not an error?
    ],
)
def test_errors_are_one_line_everywhere(args: list[str], capsys: Any) -> None:
    status = main(args)
    captured = capsys.readouterr()
    if status == 0:  # (computable after all: a table, nothing on stderr)
        assert captured.err == "" and captured.out
        return
    assert status == 1 and captured.out == ""
    assert captured.err.startswith("python -m hyperdiff: ") and captured.err.count("\n") == 1
    assert len(captured.err) < 300


def test_progress_bar_only_on_a_terminal(capsys: Any, monkeypatch: Any) -> None:
    pytest.importorskip("tqdm")
    from hyperdiff import __main__ as cli

    monkeypatch.setattr(cli, "PROGRESS_DELAY", 0.0)  # (else only runs over a second)
    assert main(["x**2", "--range", "0", "1", "--num", "50"]) == 0
    assert capsys.readouterr().err == ""  # output into a pipe or file: silent
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["x**2", "--range", "0", "1", "--num", "50"]) == 0
    captured = capsys.readouterr()
    assert "/50" in captured.err  # the bar, on stderr
    assert len(captured.out.splitlines()) == 52  # the table unchanged
    monkeypatch.setitem(sys.modules, "tqdm", None)  # without the extra: nothing
    assert main(["x**2", "--range", "0", "1", "--num", "50"]) == 0
    assert capsys.readouterr().err == ""
