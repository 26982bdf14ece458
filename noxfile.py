"""Sessions for the usual jobs: `nox -s tests`, `nox -s lint`, `nox -s bench`.

Each builds the package into its own virtualenv as a user would (the README's
commands); `tests` also runs the tests marked slow, as CI does.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]


@nox.session
def tests(session: nox.Session) -> None:
    """The README's install and test commands, then the slow tests."""
    session.install(".[test]")
    session.run("python", "-m", "hyperdiff")
    session.run("python", "-m", "pytest", *session.posargs)
    session.run("python", "-m", "pytest", "-m", "slow")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint and format) on the Python, clang-format on the C++."""
    session.install("ruff", "clang-format")
    session.run("ruff", "check", "src", "tests", "bench", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "bench", "noxfile.py")
    sources = [str(p) for p in Path("cpp").rglob("*.[ch]pp")]
    session.run("clang-format", "--dry-run", "--Werror", *sources)


@nox.session
def bench(session: nox.Session) -> None:
    """A smoke run of the benchmarks (numpy baselines; peers when installed)."""
    session.install(".")
    session.run("python", "bench/run.py", *(session.posargs or ["--quick"]))
