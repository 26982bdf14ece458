"""A sparse Jacobian's recovery in C++ (_core.csr_gather and _core.block_mismatch,
through _JacobianPlan.recover) against numpy's: the entries gathered off the
compressed parts (bit for bit) and the probe's mismatch (_block_mismatch: the same
rule) on every dtype, for planes whose pattern holds and planes with a
nonzero it lacks; the same read block by block off a pending pass (_core.recover_pass,
through _JacobianPlan.recover_pending) against recover's from the pass's planes; and
end to end, the sparse Jacobian against the dense one."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fusion_harness import record_from_64, run_under_isa  # noqa: F401

import hyperdiff as hd
from hyperdiff import _core
from hyperdiff._arrays import DualArray
from hyperdiff._sparsity import (
    _JacobianPlan,
    _numpy_block_mismatch,
    _permute_codes,
    _probe,
    _tight,
)

DTYPES = [np.float64, np.float32, np.complex128, np.complex64]


def pass_planes(plan: _JacobianPlan, jac: np.ndarray, dtype: type) -> np.ndarray:
    """What f's compressed pass gives for the matrix jac: the parts J S (S: the
    plan's seeds, in the pass's dtype) and J w last, as (c + 1, m) planes."""
    seed = plan.seed.astype(np.finfo(dtype).dtype)
    return (jac @ seed.T).T.astype(dtype)


def banded(m: int, dtype: type, rng: np.random.Generator) -> np.ndarray:
    jac = np.diag(rng.uniform(1, 2, m)) + np.diag(rng.uniform(-1, 1, m - 1), 1)
    jac += np.diag(rng.uniform(-1, 1, m - 2), -2)
    if np.issubdtype(dtype, np.complexfloating):
        jac = jac * (1 + 0.5j)
    return jac.astype(dtype)


def numpy_recover(plan: _JacobianPlan, block: np.ndarray) -> tuple[np.ndarray, float]:
    parts = block[: plan.c].reshape(-1)
    data = np.take(parts, plan.gather)
    return data, _numpy_block_mismatch(
        block.copy(), plan.weights, plan.rtol, plan.floor_of("jacobian")
    )


def both_recoveries(dtype: type, missing: bool) -> tuple[Any, ...]:
    """A checked plan of a banded matrix, the planes of its pass (with, when
    `missing`, a nonzero the pattern lacks, read into row 0's entry of column 0's
    color) and both recoveries: (jac, plan, (data, mismatch), numpy's)."""
    jac = banded(40, dtype, np.random.default_rng(2))
    plan = _JacobianPlan(jac != 0, 40, probe=True)
    plan.rtol = _tight(np.dtype(dtype))
    wider = jac.copy()
    if missing:
        wider[0, next(j for j in range(3, 40) if plan.colors[j] == plan.colors[0])] = 0.75
    block = pass_planes(plan, wider, dtype)
    return jac, plan, plan.recover(block), numpy_recover(plan, block)


@pytest.mark.parametrize("dtype", DTYPES)
def test_recover_equals_numpy_when_the_pattern_holds(dtype: type) -> None:
    jac, plan, (data, mismatch), (want, want_mismatch) = both_recoveries(dtype, False)
    assert data.dtype == dtype and np.array_equal(data.view(np.uint8), want.view(np.uint8))
    assert np.array_equal(data, jac[jac != 0])  # CSR order: row by row
    assert mismatch <= plan.rtol and want_mismatch <= plan.rtol


@pytest.mark.parametrize("dtype", DTYPES)
def test_recover_mismatch_of_a_missing_nonzero_equals_numpy(dtype: type) -> None:
    _, _, (data, mismatch), (want, want_mismatch) = both_recoveries(dtype, True)
    assert np.array_equal(data.view(np.uint8), want.view(np.uint8))
    assert mismatch > 1e-3
    assert mismatch == pytest.approx(want_mismatch, rel=1e-5)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_recover_without_probe_and_rows_not_judged(dtype: type) -> None:
    rng = np.random.default_rng(3)
    jac = banded(12, dtype, rng)
    unchecked = _JacobianPlan(jac != 0, 12)
    block = pass_planes(unchecked, jac, dtype)
    data, mismatch = unchecked.recover(block)
    assert mismatch == 0.0 and np.array_equal(data, jac[jac != 0])
    # an infinite derivative (sqrt'(0)) and a nan one: their rows are not judged
    plan = _JacobianPlan(jac != 0, 12, probe=True)
    plan.rtol = _tight(np.dtype(dtype))
    block = np.ascontiguousarray(pass_planes(plan, jac, dtype))
    block[:, 3] = np.inf
    block[:, 5] = np.nan
    unused = block[: plan.c].reshape(-1)[plan.unused].copy()
    block[: plan.c].reshape(-1)[plan.unused] = 0.0  # (slots no entry reads: below)
    data, mismatch = plan.recover(block)
    assert mismatch == numpy_recover(plan, block)[1] == 0.0
    assert np.isinf(data[plan.indptr[3]]) and np.isnan(data[plan.indptr[5]])
    # a slot no entry of the pattern reads that is not 0: the pattern is wrong here
    block[: plan.c].reshape(-1)[plan.unused] = unused
    assert plan.recover(block) == (None, np.inf)


@pytest.mark.parametrize("dtype", DTYPES)
def test_block_mismatch_equals_numpy(dtype: type) -> None:
    """A sparse Hessian's term check in C++ (_core.block_mismatch) against the same
    rule in numpy: terms' blocks whose recovered w^T H w agrees with the probe's to
    rounding (0), one term off (its ratio), a floor, rows inf or nan (not judged),
    and a row of zeros."""
    rng = np.random.default_rng(5)
    real = np.finfo(dtype).dtype
    rows, k = 500, 3
    weights = rng.uniform(0.5, 4.0, (k + 1, rows)).astype(real)
    weights[-1] = -1.0
    block = rng.uniform(-3, 3, (k + 1, rows)).astype(dtype)
    if np.issubdtype(dtype, np.complexfloating):
        block = block + 1j * rng.uniform(-3, 3, (k + 1, rows)).astype(real)
    block[-1] = np.einsum("ai,ai->i", block[:-1], weights[:-1])  # the probe agrees
    block[:, 7] = 0.0
    rtol = _tight(np.dtype(dtype))
    for name, change in [
        ("agrees", lambda b: None),
        ("one term off", lambda b: b.__setitem__((1, 40), b[1, 40] * 1.001)),
        ("inf and nan rows", lambda b: (b.__setitem__((0, 3), np.inf),
                                        b.__setitem__((2, 9), np.nan))),
        ("two off", lambda b: (b.__setitem__((0, 11), 5.0), b.__setitem__((-1, 12), 1e-30))),
    ]:  # fmt: skip
        changed = block.copy()
        change(changed)
        for floor in (None, np.full(rows, 1e-3)):
            got = _core.block_mismatch(changed, weights[:-1], rtol, floor)
            want = _numpy_block_mismatch(changed.copy(), weights, rtol, floor)
            assert got is not None, name
            # (float32's sums here in double, numpy's in float32: a ratio beyond rtol
            # to 1e-3, rows within it both within)
            close = 1e-3 if real == np.float32 else 1e-9
            assert (got > rtol) == (want > rtol) == (name in ("one term off", "two off")), name
            if want > rtol:
                assert got == pytest.approx(want, rel=close, abs=0), (name, floor is None)
    # arrays it does not take: None (numpy judges them)
    parts_weights = weights[:-1]  # (the probe's -1 implied)
    assert _core.block_mismatch(block[:, ::2], parts_weights[:, ::2], rtol) is None
    assert _core.block_mismatch(block, parts_weights.astype(np.float16), rtol) is None
    assert _core.block_mismatch(block, parts_weights[:, 1:], rtol) is None
    assert _core.block_mismatch(block, weights, rtol) is None  # (a row too many)
    assert _core.block_mismatch(block, parts_weights, rtol, np.ones(rows, np.float32)) is None


def rule_in_numpy(block: np.ndarray, weights: np.ndarray, rtol: float, floor: Any) -> float:
    """_block_mismatch's rule written out plane by plane in numpy, in double and in
    the C++ check's order (each row's sum and scale over the planes in turn), so its
    largest ratio is the C++ check's bit for bit: the rows judged are those beyond
    |probe| rtol + floor with both sides finite, their ratio |sum| / scale."""
    total = np.zeros(block.shape[1])
    scale = np.zeros(block.shape[1])
    for b, w in zip(block.astype(np.float64), weights.astype(np.float64), strict=True):
        total = total + b * w
        scale = scale + np.abs(b) * np.abs(w)
    q = block[-1].astype(np.float64)
    magnitude = np.abs(total)
    bound = np.abs(q) * rtol + (0.0 if floor is None else floor)
    with np.errstate(all="ignore"):
        judged = (magnitude > bound) & np.isfinite(magnitude + q) & np.isfinite(q)
        ratios = np.where(judged, magnitude / scale, 0.0)
    return float(np.max(ratios, initial=0.0))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("rows", [1, 255, 256, 257, 1000])
@pytest.mark.parametrize("share", [0.6, 0.25, 0.02])
@pytest.mark.parametrize("k", [3, 0, 1, 8, 9, 12])
def test_block_mismatch_of_many_rows_off_in_their_last_bits(
    dtype: type, rows: int, share: float, k: int
) -> None:
    """A share of the rows' probes up to 200 ulps off (a quarter: as a Ginzburg-Landau
    Hessian's terms: some within 64 eps, some beyond), or 2 % (as a banded
    Jacobian's: the C++ check's scales row by row), scattered over its blocks of
    rows, with and without a floor, and an inf and a nan row: its largest ratio is
    the rule's, bit for bit. k planes of parts: each count to 8 summed in registers,
    more plane by plane."""
    if k < 3 and rows > 256 and share != 0.25:
        pytest.skip("(the few planes' sums: one share suffices)")
    rng = np.random.default_rng(rows)
    weights = rng.uniform(0.5, 4.0, (k + 1, rows)).astype(dtype)
    weights[-1] = -1.0
    block = rng.uniform(-3, 3, (k + 1, rows)).astype(dtype)
    block[-1] = np.einsum("ai,ai->i", block[:-1], weights[:-1])
    off = rng.random(rows) < share
    ulps = rng.integers(-200, 201, rows).astype(dtype)
    block[-1, off] += (np.spacing(np.abs(block[-1])) * ulps)[off]
    if rows > 200:
        block[0, 100] = np.inf
        block[min(2, k), 150] = np.nan
    rtol = _tight(np.dtype(dtype))
    for floor in (None, rng.uniform(0, 1e-13, rows)):
        got = _core.block_mismatch(block, weights[:-1], rtol, floor)
        want = rule_in_numpy(block, weights, rtol, floor)
        assert got == want, (floor is None, got, want)
        if rows > 200 and floor is None and k > 0:
            assert want > 0  # (rows judged: the ratios compared are not all 0)


@pytest.mark.parametrize("rows", [1, 257, 1000])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_block_mismatch_of_float32_weights_is_float64_weights(rows: int, dtype: type) -> None:
    """A Jacobian's weights as float32 (its probe's numbers are float32's: _probe's
    single) against float64 planes: the same largest ratio as the same weights in
    float64, bit for bit, rows off and with a floor."""
    rng = np.random.default_rng(rows)
    k = 3
    weights = _probe(4 * rows, single=True).reshape(k + 1, rows)
    weights[-1] = -1.0
    block = rng.uniform(-3, 3, (k + 1, rows)).astype(dtype)
    if np.issubdtype(dtype, np.complexfloating):
        block = block + 1j * rng.uniform(-3, 3, (k + 1, rows))
    block[-1] = np.einsum("ai,ai->i", block[:-1], weights[:-1])
    off = rng.random(rows) < 0.3
    block[-1, off] *= 1 + 1e-12 * rng.uniform(-1, 1, rows)[off]
    rtol = _tight(np.dtype(dtype))
    single = weights[:-1].astype(np.float32)
    assert np.array_equal(single, weights[:-1])
    for floor in (None, rng.uniform(0, 1e-13, rows)):
        got = _core.block_mismatch(block, single, rtol, floor)
        assert got is not None
        assert got == _core.block_mismatch(block, weights[:-1], rtol, floor)
        if rows > 1:
            assert got > rtol
    # (float32 weights for float32 planes as before; none for complex64 beyond them)
    assert _core.block_mismatch(block.astype(np.complex64), single.astype(np.float16), rtol) is None


def test_jacobian_probe_is_distinct_float32_numbers() -> None:
    """_probe's single: n different float32 numbers in [1, 2), fixed per n (up to
    2^22); a checked plan reads its slots' weights as float32 for a float64 pass (half
    the bytes) and still finds a nonzero its pattern lacks."""
    for n in (1, 2, 1000, 100_000):
        w = _probe(n, single=True)
        assert w.dtype == np.float64 and w.shape == (n,)
        assert np.array_equal(w.astype(np.float32), w)
        assert np.unique(w).size == n and w.min() >= 1.0 and w.max() < 2.0
        assert np.array_equal(w, _probe(n, single=True))
    # past 2^22 columns, float64 numbers (the check then reads float64 weights)
    wide = _probe(2**22 + 1, single=True)
    assert not np.array_equal(wide.astype(np.float32), wide)
    _, plan, (_, mismatch), _ = both_recoveries(np.float64, True)
    assert plan._weights_as[np.dtype(np.float64)].dtype == np.float32
    assert mismatch > plan.rtol


@pytest.mark.parametrize("m, band", [(8, 1), (9, 2), (61, 1), (1003, 3), (1000, 7)])
def test_csr_permute_is_csr_gather(m: int, band: int) -> None:
    """A plan's permuted reading (_permute_codes, _core.csr_permute: runs of 8 entries
    permuted off 8 rows of each color plane) against the plain gather, bit for bit:
    banded patterns of 2 band + 1 colors (1 to 15: past 8 the gather reads them), m
    not a multiple of 8 (a last, shorter run; bases clamped to m - 8), entries dropped
    from the band at random, and parts with nan, inf and -0."""
    import scipy.sparse as sp

    rng = np.random.default_rng(m + band)
    pattern = sp.diags([np.ones(m - abs(k)) for k in range(-band, band + 1)],
                       list(range(-band, band + 1)), shape=(m, m), format="csr")  # fmt: skip
    pattern.data[rng.random(pattern.nnz) < 0.2] = 0
    pattern.eliminate_zeros()
    plan = _JacobianPlan(pattern, m)
    assert (plan.permute is not None) == (plan.c <= 8)
    parts = rng.choice([0.0, -0.0, np.inf, np.nan, 1.5, -2.0], (plan.c, m))
    parts = np.where(rng.random((plan.c, m)) < 0.5, parts, rng.standard_normal((plan.c, m)))
    parts.reshape(-1)[plan.unused] = 0.0  # (the pattern holds)
    want = np.take(parts.reshape(-1), plan.gather)
    data, _ = plan.recover(parts)
    assert data is not None
    np.testing.assert_array_equal(data.view(np.uint64), want.view(np.uint64))
    if plan.permute is None:
        return
    base, code = plan.permute
    got = np.full(want.size, 7.0)
    found = _core.csr_permute(parts.reshape(-1), m, plan.c, base, code, got)
    if found is None:
        pytest.skip("csr_permute runs with AVX-512 only")
    assert found == 0.0
    np.testing.assert_array_equal(got.view(np.uint64), want.view(np.uint64))


def test_csr_permute_refuses_and_declines() -> None:
    """Bounds csr_permute checks itself (an IndexError, nothing read): a base past m -
    8, a negative one, a code's color beyond the planes; an unused slot not 0 (nan
    too): inf; arrays it does not take: None."""
    m, c = 16, 2
    rows = np.repeat(np.arange(m), 2)
    color = np.tile([0, 1], m)
    permute = _permute_codes(rows, color, m, c)
    assert permute is not None
    base, code = permute
    parts, data = np.arange(c * m, dtype=float), np.empty(code.size)
    if _core.csr_permute(parts, m, c, base, code, data) is None:
        pytest.skip("csr_permute runs with AVX-512 only")
    np.testing.assert_array_equal(data, parts[color * m + rows])
    for bad_base, bad_code in [(base + 9, code), (base - 20, code), (base, code + 16)]:
        with pytest.raises(IndexError):
            _core.csr_permute(parts, m, c, bad_base.astype(np.int32), bad_code, data)
    for bad in (0, np.nan):
        zeros = parts.copy()
        zeros[5] = bad
        found = _core.csr_permute(zeros, m, c, base, code, data, np.array([5]))
        assert found == (0.0 if bad == 0 else np.inf)
    assert _core.csr_permute(parts.astype(np.float32), m, c, base, code, data) is None
    assert _core.csr_permute(parts, m, 9, base, code, data) is None
    assert _core.csr_permute(parts, m, c, base.astype(np.int64), code, data) is None
    assert _core.csr_permute(parts, m, c, base, code, data[:-1]) is None
    # a run of 8 entries over more than 8 rows: the gather reads them
    assert _permute_codes(np.arange(0, 32, 2), np.zeros(16, int), 32, 1) is None


def test_csr_gather_declines_and_refuses() -> None:
    """Arrays it does not take: None (numpy gathers them); a slot beyond the parts
    (or negative): an error, never a read out of bounds; a slot no entry reads that is
    not 0 (nan included): inf, nothing gathered."""
    parts, data = np.arange(6.0), np.empty(3)
    gather = np.array([0, 2, 5])
    for slots in (gather, gather.astype(np.int32)):
        data[:] = -1.0
        assert _core.csr_gather(parts, slots, data) == 0.0
        assert np.array_equal(data, [0, 2, 5])
    for dtype in (np.float32, np.complex128, np.complex64):
        typed = (parts * (1 + 1j) if np.dtype(dtype).kind == "c" else parts).astype(dtype)
        out = np.empty(3, dtype)
        assert _core.csr_gather(typed, gather, out) == 0.0
        assert np.array_equal(out, typed[gather])
    # slots no entry reads: all 0 (parts[0]), else inf (parts[1], a nan) and nothing read
    assert _core.csr_gather(parts, gather, data, np.array([0])) == 0.0
    data[:] = -1.0
    for unused, nonzero in ((np.array([0, 1]), parts), (np.array([3]), parts * np.nan)):
        assert _core.csr_gather(nonzero, gather, data, unused) == np.inf
        assert np.array_equal(data, [-1, -1, -1])
    for bad_unused in (np.array([6]), np.array([-1])):
        with pytest.raises(IndexError):
            _core.csr_gather(parts, gather, data, bad_unused)
    assert _core.csr_gather(parts, gather, data, gather.astype(np.int32)) is None
    for bad in (
        (parts.astype(int), gather, data),
        (np.arange(12.0)[::2], gather, data),  # not contiguous
        (parts, gather.astype(np.int16), data),
        (parts, gather, data.astype(np.float32)),
        (parts, gather, data[:2]),
        (parts, gather, np.empty(6)[::2]),
    ):
        assert _core.csr_gather(*bad) is None
    frozen = data.copy()
    frozen.flags.writeable = False
    assert _core.csr_gather(parts, gather, frozen) is None
    for slots in (np.array([0, 2, 6]), np.array([0, -1, 2]), np.array([0, 2, 6], np.int32)):
        data[:] = -1.0
        with pytest.raises(IndexError, match="beyond"):
            _core.csr_gather(parts, slots, data)
    assert _core.csr_gather(parts, gather[:0], data[:0]) == 0.0  # (no entries)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("check", [True, False])
def test_sparse_jacobian_real_and_complex_outputs(dtype: type, check: bool) -> None:
    """End to end: the banded residual and a complex-valued one, sparse against the
    dense Jacobian (the same numbers: the entries are the pass's parts)."""

    def residual(x):
        inner = -x[:-2] + 2.0 * x[1:-1] - x[2:] + 1e-2 * np.exp(x[1:-1])
        return np.concatenate([x[:1], inner, x[-1:]])

    def complex_residual(x):
        return residual(x) * np.asarray(1 - 2j, np.result_type(dtype, np.complex64))

    x = np.linspace(0.2, 1.1, 37).astype(dtype)
    for f in (residual, complex_residual):
        got = hd.jacobian(f, sparsity="auto", check_sparsity=check)(x)
        want = np.asarray(hd.jacobian(f)(x))
        assert got.dtype == want.dtype
        assert np.array_equal(got.toarray(), want)


# --- recovery where the pass computes its output (_core.recover_pass) -------------------
def pending_output(planes: np.ndarray, split: int | None) -> Any:
    """A pending dual array of these planes (value, parts, probe): a graph (planes times
    1, exact for every number), or a join of two at `split` (its blocks then straddle
    runs of 8 entries)."""
    x = hd.dualvec(planes[0].copy(), list(planes[1:].copy()))
    assert x._header.shape == planes.shape  # (_stack would expose x: never recorded)
    out = x * 1.0 if split is None else np.concatenate([x[:split] * 1.0, x[split:] * 1.0])
    assert isinstance(DualArray.__dict__["_store"].__get__(out), _core.Deferred)
    return out


@pytest.mark.usefixtures("record_from_64")
@pytest.mark.parametrize("m, band", [(661, 1), (997, 2), (1003, 3), (1000, 3)])
@pytest.mark.parametrize("check", [True, False])
@pytest.mark.parametrize("split", [None, 67, 509])
def test_recover_pass_is_recover(m: int, band: int, check: bool, split: int | None) -> None:
    """J's entries and the check read off a pending pass block by block against
    recover's from its planes, bit for bit, with the same mismatch: banded patterns of
    3 to 7 colors with entries dropped at random, parts with nan, inf and -0, and with
    a nonzero the pattern lacks (in a slot an entry reads: the check's ratio; in one no
    entry reads: inf), with and without a floor of each row. The output stays
    pending."""
    import scipy.sparse as sp

    rng = np.random.default_rng(m + band + (split or 0))
    pattern = sp.diags([rng.uniform(0.5, 2.0, m - abs(k)) for k in range(-band, band + 1)],
                       list(range(-band, band + 1)), shape=(m, m), format="csr")  # fmt: skip
    pattern.data[rng.random(pattern.nnz) < 0.2] = 0
    pattern.eliminate_zeros()
    plan = _JacobianPlan(pattern != 0, m, probe=check)
    assert plan.permute is not None and plan.unused.size > 0
    plan.rtol = _tight(np.dtype(np.float64))
    wrong_row = 3 * m // 4  # (in the last piece: its rows from split on)
    if split == 509:  # a floor of each row (_Results.rescued's) that hides wrong_row's
        plan.floor = ("jacobian", rng.uniform(0.0, 1e-3, m) * (rng.random(m) < 0.5))
        plan.floor[1][wrong_row] = 10.0
    jac = pattern.toarray()
    jac[rng.random((m, m)) < 0.01] = 0.0  # (pattern entries 0 here: still read)
    specials = [(3, 0.0), (7, -0.0), (11, np.inf), (20, np.nan)]
    for row, number in specials:
        jac[row, row] = number
    wrong_used = jac.copy()  # a nonzero at (wrong_row, j), j of its diagonal's color
    colors = plan.colors
    far = next(j for j in range(m) if abs(j - wrong_row) > band and colors[j] == colors[wrong_row])
    wrong_used[wrong_row, far] = 0.75
    wrong_unused = jac.copy()  # a nonzero in row 1's slot of a color row 1 has none
    unused_row = plan.unused[0] % m
    free = plan.unused[0] // m
    wrong_unused[unused_row, next(j for j in range(m) if plan.colors[j] == free)] = 0.5
    for matrix in (jac, wrong_used, wrong_unused):
        with np.errstate(invalid="ignore"):
            compressed = np.nan_to_num(matrix, nan=0.0, posinf=0.0) @ plan.seed.T
        block = compressed.T.copy()
        for row, number in specials:  # (the pass's parts of those rows: as numbers go)
            block[plan.colors[row], row] = number
        planes = np.vstack([rng.standard_normal(m), block])
        out = pending_output(planes, split)
        got = plan.recover_pending(out)
        assert got is not None
        assert pending_is(out)
        # recover from the same pass's planes, computed now (x * 1 makes -0's part +0)
        want = plan.recover(out._stack[1:].copy())
        if want[0] is None:
            assert got[1] == np.inf
            continue
        np.testing.assert_array_equal(got[0].view(np.uint64), want[0].view(np.uint64))
        assert got[1] == want[1] or (np.isnan(got[1]) and np.isnan(want[1]))
        if check and matrix is wrong_used:  # (seen, unless the floor hides it)
            assert (want[1] > plan.rtol) == (plan.floor is None)
    assert want[0] is None  # (the last: a nonzero no entry reads)


def pending_is(x: Any) -> bool:
    return isinstance(DualArray.__dict__["_store"].__get__(x), _core.Deferred)


@pytest.mark.usefixtures("record_from_64")
def test_recover_pass_declines_and_refuses() -> None:
    """What recover_pass does not take (None, nothing computed): an output computed,
    another dtype or plane count, arrays not as it takes them; a plan's arrays that
    would read outside the pass (a color beyond the planes, a row past the last): None
    before anything runs, or an IndexError where a block finds it, nothing read
    there."""
    import scipy.sparse as sp

    m = 203
    pattern = sp.diags([np.ones(m - 1), np.ones(m), np.ones(m - 1)], [-1, 0, 1], format="csr")
    plan = _JacobianPlan(pattern, m, probe=True)
    plan.rtol = _tight(np.dtype(np.float64))
    planes = np.vstack([np.ones(m), (pattern @ plan.seed.T).T])
    base, code = plan.permute
    weights = plan.weights_as(np.dtype(np.float64))[:-1]

    def call(out: Any, **change: Any) -> Any:
        args = dict(colors=plan.c, indptr=plan.indptr, base=base, code=code,
                    unused=plan.unused_rows, unused_starts=plan.unused_starts,
                    weights=weights, floor=None, rtol=plan.rtol,
                    data=np.empty(code.size))  # fmt: skip
        args.update(change)
        return _core.recover_pass(out, **args)

    out = pending_output(planes, 100)
    assert call(out) == plan.recover(planes[1:].copy())[1]
    for change in (
        dict(colors=plan.c + 1),
        dict(weights=None),  # (then one plane fewer)
        dict(indptr=plan.indptr.astype(np.int64)),
        dict(code=code.astype(np.int32)),
        dict(data=np.empty(code.size - 1)),
        dict(weights=weights[:, :-1]),
        dict(unused_starts=plan.unused_starts[:-1]),
        dict(code=code + 8 * plan.c),  # a color beyond the planes
        dict(base=base + m),  # rows past the last
    ):
        assert call(out, **change) is None
        assert pending_is(out)
    assert call(planes) is None
    single = planes.astype(np.float32)
    assert call(hd.dualvec(single[0].copy(), list(single[1:].copy())) * 1.0) is None
    computed = pending_output(planes, None)
    computed._stack  # noqa: B018
    assert call(computed) is None
    # row 100's first entry read as its run's base row (98), in the piece before the
    # block of rows from 100 (the join's second piece): outside that block
    first = int(plan.indptr[100])
    assert base[first // 8] < 100
    wrong = code.copy()
    wrong[first] &= 0xF8
    with pytest.raises(IndexError):
        call(out, code=wrong)


@pytest.mark.slow  # this file's C++ tests again, in a subprocess per instruction set
@pytest.mark.parametrize("isa", ["v2", "v3", "v4"])
def test_each_instruction_sets_recovery(isa: str) -> None:
    """The row checks, gathers, permutes and the block recovery are compiled for
    x86-64-v4, v3 and the baseline (probe_rows_body.hpp): each build against numpy and
    the plain recovery, as the rest of this file tests the default one."""
    run_under_isa(isa, __file__, ["-m", "not slow"])
