"""scipy functions whose compiled code cannot take dual arrays (np.asarray makes an
object array of dual scalars, which scipy.ndimage's filters and scipy.signal's filters
refuse) raise a TypeError naming the function, as scipy.linalg's do; each failed with
its own ValueError, NotImplementedError or RuntimeError naming neither it nor hyperdiff.
The scipy.signal functions that fall back to numpy for object arrays keep working, with
exact derivatives. scipy.fft's refusal names the function, not its dispatch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

signal = pytest.importorskip("scipy.signal")
ndimage = pytest.importorskip("scipy.ndimage")
scipy_fft = pytest.importorskip("scipy.fft")

X = np.random.default_rng(3).uniform(0.5, 1.5, 16)
B, A = [1.0, 0.5], [1.0, -0.2]

REFUSED: dict[str, Callable[[Any], Any]] = {
    "scipy.signal.convolve2d": lambda x: signal.convolve2d(x.reshape(4, 4), np.ones((2, 2))),
    "scipy.signal.correlate2d": lambda x: signal.correlate2d(x.reshape(4, 4), np.ones((2, 2))),
    "scipy.signal.lfilter": lambda x: signal.lfilter(B, A, x),
    "scipy.signal.filtfilt": lambda x: signal.filtfilt(B, A, x),
    "scipy.signal.sosfilt": lambda x: signal.sosfilt(signal.tf2sos(B, A), x),
    "scipy.signal.medfilt": lambda x: signal.medfilt(x, 3),
    "scipy.ndimage.convolve": lambda x: ndimage.convolve(x.reshape(4, 4), np.ones((2, 2))),
    "scipy.ndimage.gaussian_filter": lambda x: ndimage.gaussian_filter(x, 1.0),
    "scipy.ndimage.uniform_filter": lambda x: ndimage.uniform_filter(x, 3),
    "scipy.ndimage.shift": lambda x: ndimage.shift(x, 0.5),
    "scipy.ndimage.map_coordinates": lambda x: ndimage.map_coordinates(x, [[1.5, 2.5]]),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_compiled_functions_are_refused_by_name(name: str) -> None:
    with pytest.raises(TypeError, match=rf"hyperdiff cannot differentiate {name}\b"):
        hd.jacobian(REFUSED[name])(X)


@pytest.mark.parametrize("name", ["fft", "rfft", "dct"])
def test_scipy_fft_is_refused_by_name(name: str) -> None:
    with pytest.raises(TypeError, match=rf"in scipy\.fft\.{name}, which hyperdiff"):
        hd.jacobian(lambda x: getattr(scipy_fft, name)(x).real)(X)


def test_numpys_fallbacks_keep_working() -> None:
    """signal.convolve / correlate of an object array run numpy's: the banded
    Jacobian of a 3-point stencil, exactly."""
    kernel = np.array([1.0, -2.0, 1.0])
    got = np.asarray(hd.jacobian(lambda x: signal.convolve(x, kernel, mode="same"))(X))
    want = sum(np.eye(16, k=k) * c for k, c in zip((1, 0, -1), kernel, strict=True))
    np.testing.assert_array_equal(got, want)
    got = np.asarray(hd.jacobian(lambda x: signal.correlate(x, kernel, mode="same"))(X))
    want = sum(np.eye(16, k=k) * c for k, c in zip((-1, 0, 1), kernel, strict=True))
    np.testing.assert_array_equal(got, want)
