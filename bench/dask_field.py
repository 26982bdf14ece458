"""f'' of a large 1-d field, chunked with dask: hd.derivative(f, order=2) mapped over
blocks, on a distributed LocalCluster of worker processes and on dask's threaded
scheduler, against numpy's f alone over the same chunks (the floor) and one block in
this process. Each result is reduced (sum) so nothing of the field's size comes back.

    python bench/dask_field.py --points 1e8 --chunk 1e6 --workers 2

Needs the [dask] extra (dask, distributed). Times are wall-clock seconds of one run
after a warm-up; ns/pt = time per point of the field.
"""

from __future__ import annotations

import argparse
import logging
import time
from typing import Any

import numpy as np

import hyperdiff as hd


def f(x: Any) -> Any:
    return np.sin(x) * np.exp(-(x**2)) + x**3


def f2(x: Any) -> Any:  # the closed form, to check the chunked result
    return np.exp(-(x**2)) * ((4 * x**2 - 3) * np.sin(x) - 4 * x * np.cos(x)) + 6 * x


def _timed(compute: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = compute()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=float, default=1e8)
    parser.add_argument("--chunk", type=float, default=1e6)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    import dask
    import dask.array as da
    import distributed

    n, chunk = int(args.points), int(args.chunk)
    x = da.linspace(-2.0, 3.0, n, chunks=chunk)
    second = x.map_blocks(hd.derivative(f, order=2), dtype=np.float64).sum()
    plain = x.map_blocks(f, dtype=np.float64).sum()
    reference = x.map_blocks(f2, dtype=np.float64).sum()

    block = np.linspace(-2.0, 3.0, chunk)
    hd.derivative(f, order=2)(block)
    t_block, _ = _timed(lambda: hd.derivative(f, order=2)(block))
    t_f_block, _ = _timed(lambda: f(block))
    print(f"{n:.0e} points in chunks of {chunk:.0e}; one chunk in this process:")
    print(f"  f alone {t_f_block * 1e9 / chunk:.1f} ns/pt, f'' {t_block * 1e9 / chunk:.1f} ns/pt")

    rows = []
    kernel_threads = hd.get_num_threads()
    hd.set_num_threads(1)  # one kernel thread per dask thread or worker
    with dask.config.set(scheduler="threads", num_workers=args.workers):
        rows.append(
            (f"threads ({args.workers})", _timed(second.compute)[0], _timed(plain.compute)[0])
        )
    hd.set_num_threads(kernel_threads)
    with (
        distributed.LocalCluster(
            processes=True,
            n_workers=args.workers,
            threads_per_worker=1,
            dashboard_address=":0",  # a free port: no clash with another cluster
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.run(hd.set_num_threads, 1)
        client.compute(x[:chunk].map_blocks(hd.derivative(f, order=2)).sum(), sync=True)
        t_second, value = _timed(lambda: client.compute(second, sync=True))
        t_plain, _ = _timed(lambda: client.compute(plain, sync=True))
        expected = client.compute(reference, sync=True)
        rows.append((f"LocalCluster, {args.workers} processes", t_second, t_plain))
    header = ("scheduler", "f'' s", "ns/pt", "f alone s", "f''/f")
    print("{:<28} {:>8} {:>7} {:>10} {:>6}".format(*header))
    for name, t_d, t_f in rows:
        print(f"{name:<28} {t_d:8.2f} {t_d * 1e9 / n:7.1f} {t_f:10.2f} {t_d / t_f:6.2f}")
    print(f"sum of f'': {value:.12e}, closed form {expected:.12e}, "
          f"relative difference {abs(value - expected) / abs(expected):.1e}")  # fmt: skip


if __name__ == "__main__":
    main()
