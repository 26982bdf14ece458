"""T3's memory floor: how close hd.hessian(rosen), n = 100, runs to the bytes it moves.

Each elementwise step of rosen on the HyperDualVec(100) planes (5,151 planes x 99
float64, 4.08 MB an array) timed inside a transform, run eagerly, its bytes (arrays
read + written), and this machine's rate for arrays of that size (np.add on three of
them), in one process: process_time medians of 9 rounds. The eager floor is all steps'
bytes (and the seeds' write) at np.add's rate. Then the whole Hessian with its graph
recorded and run by planes (fusion.hpp's run_by_planes, T3's default since n >= 80 went
by planes: fusion_plane_min(2**16) here all the same) against eagerly, alternating
rounds. By planes, a summed graph runs only the pairs whose planes meet (298 of 5,050)
and the kept seed is neither written nor scanned: far below the eager floor, which
bounds dense forward mode only.

    OPENBLAS_NUM_THREADS=1 python bench/t3_floor.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import hyperdiff as hd


def seconds(call: Callable[[], object], reps: int = 60) -> float:
    for _ in range(3):
        call()
    rounds = []
    for _ in range(9):
        start = time.process_time()
        for _ in range(reps):
            call()
        rounds.append((time.process_time() - start) / reps)
    return statistics.median(rounds)


def rosen(x: Any) -> Any:
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def main() -> None:
    x = np.random.default_rng(13).uniform(-2, 2, 100)
    megabytes = (1 + 100 + 100 * 101 // 2) * 99 * 8 / 1e6
    steps: dict[str, tuple[float, int]] = {}

    def timed(v: Any) -> Any:  # runs inside the transform, on its planes
        a, b = v[:-1], v[1:]
        sq = a**2
        d = b - sq
        d2 = d**2
        s = 100.0 * d2
        om = 1 - a
        om2 = om**2
        total = s + om2
        calls: list[tuple[str, Callable[[], object], int]] = [
            ("x[:-1] ** 2", lambda: a**2, 2),
            ("x[1:] - sq", lambda: b - sq, 3),
            ("d ** 2", lambda: d**2, 2),
            ("100.0 * d2", lambda: 100.0 * d2, 2),
            ("1 - x[:-1]", lambda: 1 - a, 2),
            ("om ** 2", lambda: om**2, 2),
            ("s + om2", lambda: s + om2, 3),
            ("np.sum(tot)", lambda: np.sum(total), 1),
        ]
        for name, call, arrays in calls:
            steps[name] = (seconds(call), arrays)
        return v[0]

    eager_from = 2**62
    previous = hd._core.fusion_plane_min(eager_from)  # the steps run one by one
    hd.hessian(timed)(x)
    hd._core.fusion_plane_min(previous)
    rng = np.random.default_rng(0)
    a, b, c = (rng.random(int(megabytes * 1e6 / 8)) for _ in range(3))
    rate = 3 * megabytes / seconds(lambda: np.add(a, b, out=c), 200) / 1e3  # GB/s
    whole = seconds(lambda: hd.hessian(rosen)(x), 40)
    by_planes, eager = [], []
    for _ in range(9):  # alternating: by planes, then eagerly
        hd._core.fusion_plane_min(2**16)
        by_planes.append(seconds(lambda: hd.hessian(rosen)(x), 20))
        hd._core.fusion_plane_min(eager_from)
        eager.append(seconds(lambda: hd.hessian(rosen)(x), 20))
    hd._core.fusion_plane_min(previous)
    moved = sum(arrays for _, arrays in steps.values()) * megabytes + megabytes  # + seeds
    print(f"arrays of {megabytes:.2f} MB; np.add on three of them: {rate:.0f} GB/s")
    for name, (s, arrays) in steps.items():
        print(f"  {name:12s} {s * 1e6:7.1f} us {arrays * megabytes / s / 1e3:6.1f} GB/s")
    ops = sum(s for s, _ in steps.values())
    floor = moved / rate / 1e3
    print(
        f"steps {ops * 1e3:.3f} ms, whole hessian {whole * 1e3:.3f} ms; {moved:.0f} MB moved, "
        f"eager floor {floor * 1e3:.3f} ms: steps at {ops / floor:.2f}x, hessian at "
        f"{whole / floor:.2f}x the floor"
    )
    planes, steps_eager = statistics.median(by_planes), statistics.median(eager)
    print(
        f"by planes {planes * 1e3:.3f} ms, eagerly {steps_eager * 1e3:.3f} ms "
        f"(alternating): {steps_eager / planes:.2f}x; by planes at "
        f"{planes / floor:.2f}x the eager floor"
    )


if __name__ == "__main__":
    main()
