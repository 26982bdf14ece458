"""`import hyperdiff` stays light: scipy.special (half of its import time) is imported
only when the user imports it, and its ufuncs are recognized whenever that happens."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest


def _run(code: str) -> str:
    """code in a fresh interpreter (a module imported by this test session would leak)."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_import_does_not_import_scipy() -> None:
    out = _run(
        """
        import sys
        import numpy as np
        import hyperdiff as hd
        y = np.sin(hd.dual(np.array([0.5, 1.0]), 1.0)) * 2.0  # the numpy table works
        print(sorted(m for m in sys.modules if m == "scipy" or m.startswith("scipy.")))
        """
    )
    assert out.strip() == "[]"


def test_scipy_imported_after_hyperdiff_is_recognized() -> None:
    pytest.importorskip("scipy.special")
    out = _run(
        """
        import json
        import numpy as np
        import hyperdiff as hd
        np.sin(hd.dual(0.5, 1.0))  # hyperdiff in use before scipy comes
        import scipy.special as sp
        x = np.array([0.5, 1.0, 3.0])
        erf = sp.erf(hd.dual(x, 1.0))
        lg = sp.gammaln(hd.hyperdual(x, 1.0, 1.0))
        print(json.dumps([erf.d.tolist(), lg.e1.tolist(), lg.e12.tolist()]))
        """
    )
    import numpy as np
    import scipy.special as sp

    erf_d, lg_1, lg_2 = map(np.array, json.loads(out))
    x = np.array([0.5, 1.0, 3.0])
    np.testing.assert_allclose(erf_d, 2 / np.sqrt(np.pi) * np.exp(-(x**2)), rtol=1e-14)
    np.testing.assert_allclose(lg_1, sp.psi(x), rtol=1e-13)  # d/dx log Gamma = digamma
    np.testing.assert_allclose(lg_2, sp.polygamma(1, x), rtol=1e-13)


def test_supported_ufuncs_lists_scipy_without_an_import() -> None:
    pytest.importorskip("scipy.special")
    out = _run(
        """
        import hyperdiff as hd
        names = hd.supported_ufuncs()
        print("scipy.special.erf" in names, "scipy.special.expit" in names)
        """
    )
    assert out.split() == ["True", "True"]
