"""What a user's type checker sees: mypy --strict on a small user file, its revealed
types against the ones written beside each line (skipped when mypy is absent)."""

from __future__ import annotations

import re
import tempfile
import textwrap
from pathlib import Path

import pytest

api = pytest.importorskip("mypy.api")

NDARRAY = "NDArray"
# numpy's spelling of NDArray[Any] in revealed types (numpy 2.1+ types the shape)
_NDARRAY_REVEALED = re.compile(
    r"numpy\.ndarray\[(?:tuple\[Any, \.\.\.\]|Any), numpy\.dtype\[Any\]\]"
)

# each reveal_type line ends with the type mypy must reveal
USER_FILE = f"""
import numpy as np
import numpy.typing as npt

import hyperdiff as hd


def f(x: npt.NDArray[np.float64]) -> np.float64:
    return np.sum(x**3)


x0 = np.array([1.0, 2.0])
reveal_type(hd.grad(f)(x0))  # {NDARRAY}
reveal_type(hd.grad(f, argnums=(0,))(x0))  # tuple[{NDARRAY}, ...]
reveal_type(hd.jacobian(np.sin)(x0))  # {NDARRAY}
reveal_type(hd.hessian(f)(x0))  # {NDARRAY}
reveal_type(hd.derivative(np.sin, order=2)(x0))  # {NDARRAY}
reveal_type(hd.jvp(np.sin, (x0,), (x0,)))  # tuple[{NDARRAY}, {NDARRAY}]
reveal_type(hd.hvp(f, (x0,), (x0,)))  # {NDARRAY}
reveal_type(hd.taylor(np.sin, x0, x0, 3))  # {NDARRAY}
reveal_type(hd.hessian_diag(f)(x0))  # {NDARRAY}
reveal_type(hd.laplacian(f)(x0))  # {NDARRAY}
reveal_type(hd.value_and_grad(f)(x0))  # tuple[{NDARRAY}, {NDARRAY}]
reveal_type(hd.wirtinger(np.conj)(x0))  # tuple[{NDARRAY}, {NDARRAY}]

x = hd.hyperdual(x0, 1.0, 1.0)
reveal_type(x)  # hyperdiff._arrays.HyperDual
reveal_type(x.e1)  # {NDARRAY}
reveal_type(x.e12)  # {NDARRAY}
reveal_type(x.value)  # {NDARRAY}
reveal_type(x * 2.0 - 1.0)  # hyperdiff._arrays.HyperDual
reveal_type(1.0 / x)  # hyperdiff._arrays.HyperDual
reveal_type(x**2)  # hyperdiff._arrays.HyperDual
reveal_type(x[0])  # hyperdiff._arrays.HyperDual
reveal_type(x.sum(axis=0))  # hyperdiff._arrays.HyperDual
reveal_type(x.reshape(2, 1).T)  # hyperdiff._arrays.HyperDual
d = hd.dual(np.eye(2), np.ones((2, 2)))
reveal_type(d.d)  # {NDARRAY}
det = np.linalg.det(d)  # numpy's stubs take a dual array as an array-like
"""


@pytest.fixture(scope="module")
def cache() -> Path:
    """A mypy cache kept between runs in the system's temporary folder (numpy's stubs
    take ~3 s to read cold; mypy checks its cache against the files, so it is safe)."""
    import mypy.version

    return Path(tempfile.gettempdir()) / f"hyperdiff-test-typing-mypy-{mypy.version.__version__}"


def _run_mypy(source: str, tmp_path: Path, cache: Path) -> tuple[str, int]:
    user = tmp_path / "user.py"
    user.write_text(textwrap.dedent(source))
    out, err, status = api.run(
        [
            "--strict",
            "--follow-imports=silent",  # hyperdiff's own errors are mypy's CI step's
            "--no-error-summary",
            f"--cache-dir={cache}",
            str(user),
        ]
    )
    return out + err, status


def test_a_users_types_are_not_any(tmp_path: Path, cache: Path) -> None:
    out, status = _run_mypy(USER_FILE, tmp_path, cache)
    lines = textwrap.dedent(USER_FILE).splitlines()
    revealed = {
        int(m[1]): _NDARRAY_REVEALED.sub(NDARRAY, m[2])
        for m in re.finditer(r"user\.py:(\d+): note: Revealed type is \"(.*)\"", out)
    }
    expected = {
        number: line.split("  # ", 1)[1]
        for number, line in enumerate(lines, start=1)
        if line.startswith("reveal_type(")
    }
    assert revealed == expected, out
    assert "error:" not in out and status == 0, out


def test_a_users_type_errors_are_found(tmp_path: Path, cache: Path) -> None:
    # the parts are typed, not Any: a hyper-dual array has no .d, a gradient no .e1
    source = """
    import numpy as np
    import hyperdiff as hd

    x = hd.hyperdual(np.ones(2), 1.0)
    x.d
    hd.grad(lambda v: np.sum(v))(np.ones(2)).e1
    """
    out, status = _run_mypy(source, tmp_path, cache)
    assert status == 1
    assert 'user.py:6: error: "HyperDual" has no attribute "d"' in out, out
    assert re.search(r'user\.py:7: error: "ndarray\[.*\]" has no attribute "e1"', out), out
