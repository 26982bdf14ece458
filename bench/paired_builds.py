"""Two builds of hyperdiff timed at the same moments: each round runs a timing script
under build A and under build B at once, each process pinned to a core of its own, the
cores swapped every round, and prints what each printed (prefixed A: and B:).

On a shared machine the noise comes and goes within seconds; timing the builds one
after the other, even alternating, often drowns a 5-10% change in it. Run side by side,
both meet the same neighbours: their difference holds from round to round where the
absolute times wander (they share the L3 and the memory bandwidth, so each runs a
little slower than alone). Needs two cores.

A build is a directory holding a `hyperdiff` package with its compiled `_core`, e.g.

    mkdir -p /tmp/A && git archive HEAD src/hyperdiff | tar -x -C /tmp/A --strip-components=1
    cp "$(python -c 'import hyperdiff._core as c; print(c.__file__)')" /tmp/A/hyperdiff/
    python bench/paired_builds.py --rounds 6 /tmp/A /tmp/B my_timing.py extra args

The script is run as __main__ with its own arguments; it should print one line of
figures (a minimum over repeats is the steadiest). The installed or editable
hyperdiff is hidden from it, so each side imports its own build.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

RUNNER = r"""
import sys
build, script = sys.argv[1], sys.argv[2]
# the editable install's import hook would give the installed hyperdiff
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path.insert(0, build)
sys.argv = [script] + sys.argv[3:]
import hyperdiff
if not hyperdiff.__file__.startswith(build):
    raise SystemExit(f"imported {hyperdiff.__file__}, not the build in {build}")
exec(compile(open(script).read(), script, "exec"), {"__name__": "__main__", "__file__": script})
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", help="build A: a directory holding a hyperdiff package")
    parser.add_argument("b", help="build B")
    parser.add_argument("script", help="the timing script (run as __main__)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the script's arguments")
    options = parser.parse_args()
    if options.args[:1] == ["--"]:
        options.args = options.args[1:]
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        raise SystemExit("paired runs need two cores")
    builds = {"A": os.path.abspath(options.a), "B": os.path.abspath(options.b)}
    for r in range(options.rounds):
        running = {}
        for k, (name, build) in enumerate(builds.items()):
            core = cores[(k + r) % 2]
            command = [sys.executable, "-c", RUNNER, build, options.script, *options.args]
            running[name] = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                text=True,
                preexec_fn=lambda core=core: os.sched_setaffinity(0, {core}),
            )
        for name, process in running.items():
            out, _ = process.communicate()
            if process.returncode:
                raise SystemExit(f"build {name} failed (exit {process.returncode})")
            for line in out.splitlines():
                print(f"{name}: {line}", flush=True)


if __name__ == "__main__":
    main()
