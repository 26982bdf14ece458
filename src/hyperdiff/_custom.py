"""Custom derivative rules: JAX's `custom_jvp`, for every dual kind and Taylor degree.

The user gives f and a rule `jvp(primals, tangents) -> (f(primals), Df(primals)[tangents])`,
linear in the tangents. On plain arrays f runs as written; on dual arrays of any kind
the rule supplies the derivative. Write a dual argument as x = x0 + y: x0 its values,
y its parts (a dual array of the same kind with a zero value plane). Then, since y^3 = 0
in every kind of order 1 or 2:

- first-order kinds (y^2 = 0):   f(x) = f(x0) + Df(x0)[y]         = rule(x0; y)
- second-order kinds:            f(x) = f(x0) + Df(x0)[y] + 1/2 D^2f(x0)[y, y]
                                      = f(x0) + Df(x0 + y/2)[y]    = rule(x0 + y/2; y)

The second line is the rule itself differentiated, as JAX does: its own numpy code runs
on dual arrays of the kind, and the kind's product table forms exactly its pairs
(the Hessian's triangle, a diagonal, two seed sets' mixed block, two nested transforms'
product), so there is no loop over planes and no plane the kind does not have. Inside
that rule only first order of anything computed from the primal alone matters (it
multiplies a tangent, whose value is zero), so a custom function called there on the
rule's primals (the rule computing f(x)) takes the first line: that recursion ends after
one level, and an external solver only ever sees plain values. A custom call on
arguments computed from the tangents (a quantity linear in them has value 0), as
`safe_div(x_dot, 2 * y)`, takes the second line, whose terms in y^2 it needs. A function
called inside its own rule on that rule's tangents (`lsolve(A, db - dA @ x)`: the JVP of
a solve is a solve) is linear in them and its rule would only call it on them again: its
body runs on them instead, as JAX's linearization runs it, so that body must be numpy
code hyperdiff differentiates. At second order a rule's primal output computed in the
rule has first-order parts Df(x0)[y]/2, half its tangent's: where they are not, the rule
runs once more at the plain values, and a primal output still a dual array there (a
closure over a transform's variable) raises TypeError (a kink of a primal computed in
the rule, np.maximum(x, 0) at 0, against the rule's own tangent there, does not).

Taylor arrays x(t) of any degree d go one degree at a time instead: F = f(x(t)) has
F' = Df(x)[x'], the rule at x and x' truncated to degree d - 1, whose own custom calls
meet degree d - 1, and so on down to plain values (custom_jvp._apply_taylor). A
bundle of M such series sharing their value (mixed partials, nesting beyond order 2)
goes direction by direction, each a Taylor array (custom_jvp._apply_bundle).
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from ._algebra import layout
from ._arrays import DualArray, combine_error
from ._multivariate import lift, promote
from ._taylor_arrays import TaylorBundle
from ._taylor_arrays import _plane as _bundle_plane
from ._transforms import _rebuild, _tree_leaves, _tree_map
from ._ufuncs import from_objects

R = TypeVar("R")

JVPRule = Callable[..., tuple[Any, Any]]
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


class _Frame:
    """A rule running on this thread: of which function, on which kind, at which order,
    at which primal points; and the results of the first-order custom calls it made on
    them (a primal output among them, f(x) as the rule computed it, needs no check)."""

    __slots__ = ("fun", "kind", "points", "results", "second_order")

    def __init__(
        self, fun: custom_jvp[Any], kind: type[DualArray], points: list[Any], second_order: bool
    ) -> None:
        self.fun, self.kind, self.points, self.second_order = fun, kind, points, second_order
        self.results: list[Any] = []


_STATE = threading.local()


def _frames() -> list[_Frame]:
    frames: list[_Frame] | None = getattr(_STATE, "frames", None)
    if frames is None:
        frames = _STATE.frames = []
    return frames


def _tangent_dependent(leaves: Sequence[Any], points: list[Any]) -> tuple[bool, bool]:
    """Whether a call inside a second-order rule has arguments computed from the rule's
    tangents, and whether those are linear in them: (a dual argument that is not one of
    the rule's primal points has a zero in its value plane, every such argument's value
    plane is zero). A quantity linear in the tangents has values 0; one computed from
    the primals alone with a zero value takes the exact formula too, which is never
    wrong, only dearer. (A point is recognized by identity, or by its planes when
    np.asarray made it an object array and the call a dual array again.)"""
    dependent, linear = False, True
    for leaf in leaves:
        if not isinstance(leaf, DualArray) or any(leaf is point for point in points):
            continue
        if leaf._stack[0].all():  # no zero value
            continue
        if any(
            type(leaf) is type(point)
            and leaf.shape == point.shape
            and np.array_equal(leaf._stack[0], point._stack[0])  # (cheap, first)
            and np.array_equal(leaf._stack, point._stack)
            for point in points
        ):
            continue
        dependent = True
        linear = linear and not np.any(leaf._stack[0])
    return dependent, dependent and linear


class custom_jvp(Generic[R]):  # (JAX's spelling, lower case)
    """A function with a user-supplied derivative rule, as `jax.custom_jvp`.

    >>> import numpy as np, hyperdiff as hd
    >>> @hd.custom_jvp
    ... def f(x, y):
    ...     return np.sin(x) * y
    >>> @f.defjvp
    ... def f_jvp(primals, tangents):
    ...     (x, y), (x_dot, y_dot) = primals, tangents
    ...     return f(x, y), np.cos(x) * x_dot * y + np.sin(x) * y_dot

    On plain numbers and arrays f runs as written. On dual arrays of any kind (those
    of every transform, nested ones, hand-built `hd.dual`/`hd.hyperdual`, real or
    complex, Taylor arrays of any degree: derivative(f, order=k), and their bundles:
    derivative(f, order=(k, ...)), nesting beyond order 2) the rule gives the
    derivative, at every order the kind carries: from second order on the rule is
    differentiated (its numpy code runs on dual arrays), as in JAX.
    So the rule must be written in numpy operations hyperdiff can differentiate, linear
    in the tangents; anything it needs of f at the primals it gets by calling f, which
    the rule serves too (an external solver inside f only ever sees plain values).

    - `defjvp(jvp)`: `jvp(primals, tangents) -> (primal_out, tangent_out)`, primals
      and tangents tuples of f's arguments (containers as the arguments are); the
      outputs must have f's output structure, each tangent the shape of its primal.
      An argument that is not a dual array gets a zero tangent.
    - `defjvps(*jvps)`: one rule per argument, `jvp_i(t_i, primal_out, *primals)`, or
      None for an argument f does not depend on; their contributions add up.
    - `nondiff_argnums` (or `nondiff_argnames`): arguments passed to the rule first, in
      their order in f, `jvp(*nondiff, primals, tangents)`, and not differentiated (a
      dual array there is a TypeError, where JAX would silently stop its gradient).

    A rule may call custom functions, f itself included, on its primals and on its
    tangents (`return x, lsolve(A, db - dA @ x)`, JAX's solve rule: there f's body runs
    on the tangents, so it must be numpy code hyperdiff can differentiate).

    Limits: f and its rule must not close over a transform's variables (pass them as
    arguments): a closed over variable's derivative is caught where f's value comes
    back as a dual array at first order, and at second order and beyond where the
    rule's primal output has derivative parts its tangent lacks (TypeError both).

    Parameters
    ----------
    fun : callable
        The function; on plain values it runs as written.
    nondiff_argnums : sequence of int, optional
        Positions of arguments the rule receives first and that are not differentiated.
    nondiff_argnames : sequence of str, optional
        The same by name.

    Returns
    -------
    custom_jvp
        A callable like fun; define its rule with `defjvp` or `defjvps`.

    Examples
    --------
    With the rule above, transforms use it (f = sin(x) y: df/dx = cos(x) y, and
    d2f/dx2 = -sin(x) y from the rule differentiated):

    >>> x = np.array([0.0, 0.5])
    >>> dfdx = hd.derivative(f)(x, 2.0)
    >>> dfdx
    array([2.        , 1.75516512])
    >>> bool(np.allclose(dfdx, np.cos(x) * 2.0))
    True
    >>> bool(np.allclose(hd.derivative(f, order=2)(x, 2.0), -np.sin(x) * 2.0))
    True
    """

    fun: Callable[..., R]
    nondiff_argnums: tuple[int, ...]
    nondiff_argnames: tuple[str, ...]
    jvp: JVPRule | None

    def __init__(
        self,
        fun: Callable[..., R],
        nondiff_argnums: Sequence[int] = (),
        nondiff_argnames: Sequence[str] = (),
    ) -> None:
        if not callable(fun):
            raise TypeError(f"custom_jvp needs a function, not {type(fun).__name__}")
        nums = set(nondiff_argnums)
        if not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in nums):
            raise TypeError(
                f"custom_jvp: nondiff_argnums must be non-negative ints, not {nondiff_argnums!r}"
            )
        if isinstance(nondiff_argnames, str):
            nondiff_argnames = (nondiff_argnames,)
        if nondiff_argnames:
            parameters = list(inspect.signature(fun).parameters)
            for name in nondiff_argnames:
                if name not in parameters:
                    raise TypeError(
                        f"custom_jvp: nondiff_argnames names {name!r}, not a parameter of "
                        f"{getattr(fun, '__name__', fun)}{inspect.signature(fun)}"
                    )
                nums.add(parameters.index(name))
        functools.update_wrapper(self, fun)
        self.fun = fun
        self._name: str = getattr(fun, "__name__", None) or repr(fun)
        self.nondiff_argnums = tuple(sorted(nums))  # (JAX's order: by position)
        self.nondiff_argnames = tuple(nondiff_argnames)
        self.jvp = None
        # positional parameters with defaults: a call leaving them out gives the rule
        # their defaults as primals, as JAX's resolve_kwargs does (f(x) and f(x, y=2.0)
        # give the rule the same tuple)
        try:
            declared = list(inspect.signature(fun).parameters.values())
        except (TypeError, ValueError):  # a builtin without one
            declared = []
        positional = [p for p in declared if p.kind in _POSITIONAL]
        self._positional = len(positional)
        self._defaulted = any(p.default is not p.empty for p in positional)

    def __repr__(self) -> str:
        return f"<hyperdiff custom_jvp {self._name}>"

    def defjvp(self, jvp: JVPRule, symbolic_zeros: bool = False) -> JVPRule:
        """Set the rule `jvp(primals, tangents) -> (primal_out, tangent_out)` (after the
        nondiff arguments, when there are any); returns it, so it decorates."""
        if symbolic_zeros:
            raise TypeError("custom_jvp.defjvp: symbolic_zeros=True is not supported")
        if not callable(jvp):
            raise TypeError(f"custom_jvp.defjvp needs a function, not {type(jvp).__name__}")
        count = len(self.nondiff_argnums) + 2
        try:
            signature: inspect.Signature | None = inspect.signature(jvp)
        except (TypeError, ValueError):  # a builtin without one: trust it
            signature = None
        if signature is not None:
            try:
                signature.bind(*range(count))
            except TypeError:
                expected = "(primals, tangents)"
                if self.nondiff_argnums:
                    expected = f"({len(self.nondiff_argnums)} nondiff arguments, primals, tangents)"
                raise TypeError(
                    f"the custom_jvp rule {getattr(jvp, '__name__', jvp)!r} of {self._name} "
                    f"must take {count} positional arguments {expected}; its signature is "
                    f"{signature}"
                ) from None
        self.jvp = jvp
        return jvp

    def defjvps(self, *jvps: Callable[..., Any] | None) -> None:
        """A rule from one function per argument: `jvp_i(t_i, primal_out, *primals)`
        gives argument i's contribution to the tangent (None: no dependence)."""
        if self.nondiff_argnums:
            raise TypeError("custom_jvp.defjvps cannot be used with nondiff_argnums")

        def jvp(primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> tuple[Any, Any]:
            if len(jvps) != len(primals):
                raise TypeError(
                    f"custom_jvp.defjvps of {self._name} got {len(jvps)} rules for "
                    f"{len(primals)} arguments"
                )
            out = self(*primals)
            total: Any = None
            for t, rule in zip(tangents, jvps, strict=True):
                if rule is None:
                    continue
                term = rule(t, out, *primals)
                total = term if total is None else _tree_add(total, term)
            if total is None:
                total = _tree_map(lambda leaf: np.zeros_like(_value_of(leaf)), out)
            return out, total

        jvp.__name__ = f"{self._name}_jvps"
        self.defjvp(jvp)

    def __call__(self, *args: Any, **kwargs: Any) -> R:
        if self.jvp is None:
            raise TypeError(f"No JVP defined for custom_jvp function {self._name} using defjvp.")
        if kwargs or (self._defaulted and len(args) < self._positional):
            args = _resolve_kwargs(self.fun, self._name, args, kwargs)
        primals = args if not self.nondiff_argnums else self._primals(args)
        # the common call: arrays as arguments, no containers
        flat = not any(isinstance(a, _CONTAINERS) for a in primals)
        leaves = primals if flat else tuple(_tree_leaves(primals))
        if any(_holds_duals(leaf) for leaf in leaves):
            # np.asarray of a dual array (scipy's habit): one dual array again
            leaves = tuple(from_objects(x) if _holds_duals(x) else x for x in leaves)
            primals = leaves if flat else _rebuild(primals, list(leaves))
        if not any(isinstance(leaf, DualArray) for leaf in leaves):
            from ._sparsity import custom_call, traced

            if traced(args):  # sparsity detection: the rule, not the body, decides
                return custom_call(self.fun, self._name, args)  # type: ignore[no-any-return]
            return self.fun(*args)
        return self._apply(args, primals, leaves, flat)  # type: ignore[no-any-return]

    def _primals(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """The arguments not in nondiff_argnums (those checked: no dual arrays)."""
        if max(self.nondiff_argnums) >= len(args):
            raise TypeError(
                f"custom_jvp function {self._name}: nondiff_argnums={self.nondiff_argnums} "
                f"but it got {len(args)} arguments"
            )
        for i in self.nondiff_argnums:
            if any(isinstance(leaf, DualArray) for leaf in _tree_leaves(args[i])):
                raise TypeError(
                    f"custom_jvp function {self._name}: argument {i} is in nondiff_argnums "
                    "but is a dual array (its derivative would be dropped); differentiate "
                    "it as a primal instead"
                )
        return tuple(a for i, a in enumerate(args) if i not in self.nondiff_argnums)

    def _apply(
        self, args: tuple[Any, ...], primals: tuple[Any, ...], leaves: tuple[Any, ...], flat: bool
    ) -> Any:
        """f on dual arguments through the rule (the module's docstring)."""
        kind, lifted = _common_kind(leaves, self._name)
        if hasattr(kind, "_degree"):  # a Taylor kind: one degree at a time
            return self._apply_taylor(args, primals, lifted, flat, kind)
        if issubclass(kind, TaylorBundle):  # mixed partials, nesting beyond order 2
            return self._apply_bundle(args, primals, lifted, flat, kind)
        if kind._order not in (1, 2):  # the rules below hold while y^3 = 0
            raise TypeError(
                f"custom_jvp function {self._name} got a {kind.__name__} of derivative order "
                f"{kind._order}: custom rules serve orders 1 and 2"
            )
        # which formula (the module's docstring): a call from no rule on this kind takes
        # the kind's order; inside a second-order rule, a call on the rule's primals alone
        # only needs first order, one on its tangents the exact formula; inside a
        # first-order rule every dual argument comes from its tangents (its primals are
        # plain), and first order is exact
        frame = next((f for f in reversed(_frames()) if f.kind is kind), None)
        if frame is None:
            linear, second_order = False, kind._order == 2
        elif frame.second_order:
            second_order, linear = _tangent_dependent(lifted, frame.points)
        else:
            linear, second_order = True, False
        if linear and any(f.fun is self and f.kind is kind for f in _frames()):
            # f applied to its own rule's tangents (the JVP of a solve is a solve): f is
            # linear in them, and its rule would only call f on them again; f's body
            # differentiates them, as JAX's linearization runs it
            rest = iter(primals)  # (np.asarray's dual scalars as dual arrays)
            call = [a if i in self.nondiff_argnums else next(rest) for i, a in enumerate(args)]
            return self.fun(*call)

        def split(leaf: DualArray) -> tuple[Any, Any]:
            data = leaf._stack
            tangent = np.empty_like(data)  # y: the parts, value 0
            tangent[0] = 0
            tangent[1:] = data[1:]
            if second_order:  # x0 + y/2, in one pass
                return kind._wrap(data * _halves(kind, data.ndim, data.dtype)), kind._wrap(tangent)
            return np.array(data[0]), kind._wrap(tangent)  # x0, the rule's own copy

        # points: dual arrays, or plain arrays at first order
        nondiff, points, primal_args, tangent_args = self._rule_arguments(
            args, primals, lifted, flat, split
        )
        jvp = self.jvp
        assert jvp is not None
        frames = _frames()
        own = _Frame(self, kind, points, second_order)
        frames.append(own)
        try:
            pair = jvp(*nondiff, primal_args, tangent_args)
        finally:
            frames.pop()
        primal_out, tangent_out = _checked_pair(pair, self._name)
        seen: list[bool] = []

        def closed_over() -> bool:
            """Whether the rule's primal output at the plain values is still a dual array
            (f or its rule uses one it was not passed): what tells a closure from a kink
            of a primal computed in the rule (np.maximum(x, 0) at 0 against the rule's
            own choice of tangent there), where halves differ too. Asked only then."""
            if not seen:
                plain = [np.array(x._stack[0]) if isinstance(x, DualArray) else x for x in lifted]
                again_args = tuple(plain) if flat else _rebuild(primals, plain)
                frames.append(_Frame(self, kind, plain, False))
                try:
                    again = jvp(*nondiff, again_args, tangent_args)
                finally:
                    frames.pop()
                leaves = _tree_leaves(_checked_pair(again, self._name)[0])
                seen.append(any(isinstance(leaf, DualArray) for leaf in leaves))
            return seen[0]

        trusted = own.results
        if not isinstance(primal_out, _CONTAINERS) and not isinstance(tangent_out, _CONTAINERS):
            out = _assemble(
                primal_out, tangent_out, kind, second_order, self._name, 0, closed_over, trusted
            )
            if frame is not None and frame.second_order and not second_order:
                frame.results.append(out)  # f(x) in the rule that runs there
            return out
        pairs = self._output_pairs(primal_out, tangent_out)
        results = [
            _assemble(p, t, kind, second_order, self._name, i, closed_over, trusted)
            for i, (p, t) in enumerate(pairs)
        ]
        if frame is not None and frame.second_order and not second_order:
            frame.results.extend(results)
        return _rebuild(primal_out, results)

    def _rule_arguments(
        self,
        args: tuple[Any, ...],
        primals: tuple[Any, ...],
        leaves: Sequence[Any],
        flat: bool,
        split: Callable[[DualArray], tuple[Any, Any]],
    ) -> tuple[tuple[Any, ...], list[Any], Any, Any]:
        """The rule's arguments from f's leaves: (nondiff arguments, the points, the
        primal arguments, the tangent arguments). `split` gives a dual leaf's point and
        tangent (the kind's own way); any other leaf is its own point, tangent zero."""
        points: list[Any] = []
        tangents: list[Any] = []
        for leaf in leaves:
            if isinstance(leaf, DualArray):
                point, tangent = split(leaf)
            else:
                value = _plain_leaf(leaf, self._name)
                point, tangent = leaf, np.zeros(value.shape, dtype=_tangent_dtype(value))
            points.append(point)
            tangents.append(tangent)
        nondiff = tuple(args[i] for i in self.nondiff_argnums)
        if flat:
            return nondiff, points, tuple(points), tuple(tangents)
        return nondiff, points, _rebuild(primals, points), _rebuild(primals, tangents)

    def _output_pairs(self, primal_out: Any, tangent_out: Any) -> Any:
        """The rule's outputs leaf by leaf, (primal, tangent), when both have one
        structure."""
        if _structure(primal_out) != _structure(tangent_out):
            raise TypeError(
                f"the custom_jvp rule of {self._name} must return primal and tangent outputs "
                f"of one structure; got {_describe(primal_out)} and {_describe(tangent_out)}"
            )
        return zip(_tree_leaves(primal_out), _tree_leaves(tangent_out), strict=True)

    def _apply_taylor(
        self,
        args: tuple[Any, ...],
        primals: tuple[Any, ...],
        leaves: Sequence[Any],
        flat: bool,
        kind: type[DualArray],
    ) -> Any:
        """f on Taylor arrays x(t) of degree d (planes x^(k)(0), k = 0 .. d): with
        F(t) = f(x(t)), F' = Df(x)[x'] = rule(x; x') needs x to degree d - 1 only, so
        the rule runs on Taylor arrays of degree d - 1 (plain values at d = 1): x
        truncated, and x' (planes x^(k+1)). Then F^(k) = (F')^(k-1) for k >= 1 and
        F(0) the rule's primal value. Custom calls inside the rule meet degree d - 1,
        and so on down: d rule calls of falling degree, exact."""
        from ._arrays import tagged
        from ._taylor import taylor_type

        degree: int = kind._degree  # type: ignore[attr-defined]
        lower: type[DualArray] | None = None
        if degree > 1:
            lower = tagged(taylor_type(degree - 1), kind._tag)

        def split(leaf: DualArray) -> tuple[Any, Any]:
            data = leaf._stack
            if lower is None:  # the rule's own copies of the planes
                return np.array(data[0]), np.array(data[1])
            return lower._wrap(data[:-1].copy()), lower._wrap(data[1:].copy())

        # points: plain arrays at degree 1, else Taylor arrays of degree - 1
        nondiff, _, primal_args, tangent_args = self._rule_arguments(
            args, primals, leaves, flat, split
        )
        assert self.jvp is not None
        pair = self.jvp(*nondiff, primal_args, tangent_args)
        primal_out, tangent_out = _checked_pair(pair, self._name)
        pairs = self._output_pairs(primal_out, tangent_out)
        results = [_integrated(p, t, kind, lower, self._name, i) for i, (p, t) in enumerate(pairs)]
        return (
            results[0] if not isinstance(primal_out, _CONTAINERS) else _rebuild(primal_out, results)
        )

    def _apply_bundle(
        self,
        args: tuple[Any, ...],
        primals: tuple[Any, ...],
        leaves: Sequence[Any],
        flat: bool,
        kind: type[TaylorBundle],
    ) -> Any:
        """f on a bundle of M Taylor series of degree D sharing their value: direction
        by direction, each a Taylor array of degree D through _apply_taylor. The rule
        needs each direction's tangent x', whose values differ between directions, so
        no one array of the bundle's shape carries them all: M rule evaluations (each
        of D + 1 planes), not one."""
        from ._arrays import tagged
        from ._taylor import taylor_type

        m, d = kind._count, kind._series
        series = tagged(taylor_type(d), kind._tag)  # (a bundle's arrays meeting it raise)
        outputs = []
        for direction in range(m):
            planes = [0, *(_bundle_plane(m, direction, p) for p in range(1, d + 1))]
            along = [
                series._wrap(leaf._stack[planes]) if isinstance(leaf, DualArray) else leaf
                for leaf in leaves
            ]
            outputs.append(self._apply_taylor(args, primals, along, flat, series))

        def gathered(*directions: DualArray) -> DualArray:
            stacked = np.stack([x._stack for x in directions])  # (M, D + 1, *shape)
            data = np.empty((kind._planes, *stacked.shape[2:]), dtype=stacked.dtype)
            data[0] = stacked[0, 0]
            data[1:] = stacked[:, 1:].swapaxes(0, 1).reshape(data[1:].shape)  # (D, M) order
            return kind._wrap(data)

        per_leaf = zip(*(_tree_leaves(out) for out in outputs), strict=True)
        return _rebuild(outputs[0], [gathered(*leaf) for leaf in per_leaf])


_CONTAINERS = (tuple, list, dict)


def _integrated(
    primal: Any,
    tangent: Any,
    kind: type[DualArray],
    lower: type[DualArray] | None,
    name: str,
    index: int,
) -> DualArray:
    """One output of f on Taylor arrays: the rule's primal value, then the planes of
    its tangent F' (of degree d - 1) one derivative up."""
    where = f"the custom_jvp rule of {name}, output {index}"
    value = _value_of(primal)
    if isinstance(primal, DualArray) and type(primal) is not lower:
        raise TypeError(
            f"{where}: the primal output is a {type(primal).__name__}, expected "
            f"{'plain values' if lower is None else lower.__name__} (a closure over a "
            "transform's variable?)"
        )
    if isinstance(tangent, DualArray):
        if type(tangent) is not lower:
            raise TypeError(
                f"{where}: the tangent output is a {type(tangent).__name__}, expected "
                f"{'plain values' if lower is None else lower.__name__} (a closure over a "
                "transform's variable?)"
            )
        parts: np.ndarray | None = tangent._stack
    else:
        plain = np.asarray(tangent)
        if plain.dtype.kind not in "biufc":
            raise TypeError(f"{where}: the tangent output is a {type(tangent).__name__}")
        if lower is not None and np.any(plain != 0):
            raise TypeError(
                f"{where}: the tangent output does not depend on the tangents but is not zero; "
                "a JVP is linear in the tangents"
            )
        parts = plain[None] if lower is None else None  # degree 1: F' is plain values
    if np.shape(tangent) != value.shape:
        raise TypeError(
            f"{where}: the tangent has shape {np.shape(tangent)}, the primal {value.shape} "
            "(they must match)"
        )
    dtype = value.dtype if parts is None else parts.dtype
    if dtype.kind == "c" and value.dtype.kind != "c":
        raise TypeError(
            f"{where}: the tangent is complex ({dtype}) but the primal is real ({value.dtype})"
        )
    data = np.empty((kind._planes, *value.shape), np.result_type(value.dtype, dtype, np.float32))
    data[0] = value
    data[1:] = 0 if parts is None else parts
    return kind._wrap(data)


_HALVES: dict[tuple[int, int, np.dtype], np.ndarray] = {}


def _halves(kind: type[DualArray], ndim: int, dtype: np.dtype) -> np.ndarray:
    """(1, 1/2, 1/2, ...) along the plane axis: x0 + y/2 from x's planes."""
    key = (kind._planes, ndim, dtype)
    scale = _HALVES.get(key)
    if scale is None:
        scale = np.full((kind._planes,) + (1,) * (ndim - 1), 0.5, dtype=dtype)
        scale[0] = 1
        scale.flags.writeable = False
        _HALVES[key] = scale
    return scale


def _resolve_kwargs(
    fun: Callable[..., Any], name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, ...]:
    """The arguments as positions, defaults filled in (JAX's resolve_kwargs): the rule
    takes tuples. (Keyword-only parameters left out keep their defaults in f.)"""
    try:
        bound = inspect.signature(fun).bind(*args, **kwargs)
    except TypeError as error:
        raise TypeError(f"custom_jvp function {name}: {error}") from None
    bound.apply_defaults()
    if any(k in kwargs for k in bound.kwargs):
        raise TypeError(
            f"custom_jvp function {name}: keyword arguments {sorted(bound.kwargs)} cannot be "
            "resolved to positions (the rule receives primals as a tuple)"
        )
    return tuple(bound.args)


def _common_kind(leaves: Sequence[Any], name: str) -> tuple[type[DualArray], Sequence[Any]]:
    """The one kind the dual arguments compute in (an outer and an inner transform's
    variables: their product kind), and the leaves lifted into it."""
    kinds = list(dict.fromkeys(type(leaf) for leaf in leaves if isinstance(leaf, DualArray)))
    if len(kinds) == 1:
        return kinds[0], leaves
    kind, product = kinds[0], None
    for other in kinds[1:]:
        if other is kind:  # (an outer, an inner kind and their product)
            continue
        product = promote(kind, other)
        if product is None:
            raise combine_error(f"the arguments of custom_jvp function {name}", kind, other)
        kind = product
    assert product is not None
    return kind, [
        lift(leaf, product) if isinstance(leaf, DualArray) and type(leaf) is not kind else leaf
        for leaf in leaves
    ]


def _plain_leaf(leaf: Any, name: str) -> np.ndarray:
    value = np.asarray(leaf)
    if value.dtype.kind not in "biufc":
        raise TypeError(
            f"custom_jvp function {name} got a {type(leaf).__name__} argument: primals are "
            "numbers or arrays (or containers of them); pass others through nondiff_argnums"
        )
    return value


def _holds_duals(leaf: Any) -> bool:
    """An object array holding dual scalars (np.asarray of a dual array)."""
    return (
        isinstance(leaf, np.ndarray)
        and leaf.dtype == object
        and any(isinstance(e, DualArray) for e in leaf.flat)
    )


def _tangent_dtype(value: np.ndarray) -> np.dtype:
    return value.dtype if value.dtype.kind in "fc" else np.dtype(np.float64)


def _checked_pair(pair: Any, name: str) -> tuple[Any, Any]:
    if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
        raise TypeError(
            f"the custom_jvp rule of {name} must return a pair (primal_out, tangent_out), "
            f"not {_describe(pair)}"
        )
    return pair[0], pair[1]


def _structure(tree: Any) -> Any:
    """A container's skeleton (tuples, lists, dicts; leaves as None)."""
    if isinstance(tree, (tuple, list)):
        return (type(tree).__name__, tuple(_structure(t) for t in tree))
    if isinstance(tree, dict):
        return ("dict", tuple((k, _structure(v)) for k, v in tree.items()))
    return None


def _describe(x: Any) -> str:
    if isinstance(x, (tuple, list)):
        return f"a {type(x).__name__} of {len(x)}"
    if isinstance(x, dict):
        return f"a dict with keys {list(x)}"
    return f"a {type(x).__name__}"


def _value_of(leaf: Any) -> np.ndarray:
    return leaf._stack[0] if isinstance(leaf, DualArray) else np.asarray(leaf)


def _tree_add(a: Any, b: Any) -> Any:
    if _structure(a) != _structure(b):
        raise TypeError("custom_jvp.defjvps: the rules' tangents differ in structure")
    return _rebuild(a, [x + y for x, y in zip(_tree_leaves(a), _tree_leaves(b), strict=True)])


def _assemble(
    primal: Any,
    tangent: Any,
    kind: type[DualArray],
    second_order: bool,
    name: str,
    index: int,
    closed_over: Callable[[], bool] | None = None,
    trusted: Sequence[Any] = (),
) -> DualArray:
    """One output of f: the rule's primal value, with the parts of its tangent."""
    where = f"the custom_jvp rule of {name}, output {index}"
    if isinstance(primal, DualArray):
        if not second_order:
            raise TypeError(
                f"{where}: the primal output is a dual array at plain primals, so f or its "
                "rule uses dual arrays it was not passed (a closure over a transform's "
                "variable?); pass them as arguments"
            )
        if type(primal) is not kind:
            raise TypeError(
                f"{where}: the primal output is a {type(primal).__name__}, expected "
                f"{kind.__name__} (the primals' kind): f or its rule uses dual arrays it was "
                "not passed (a closure over a transform's variable?); pass them as arguments"
            )
        value = primal._stack[0]  # f at the values, the primal's value plane
    else:
        value = np.asarray(primal)
        if value.dtype.kind not in "biufc":
            raise TypeError(f"{where}: the primal output is a {type(primal).__name__}")
    if isinstance(tangent, DualArray):
        if type(tangent) is not kind:
            raise TypeError(
                f"{where}: the tangent output is a {type(tangent).__name__}, expected "
                f"{kind.__name__} (the tangents' kind): the rule mixed in dual arrays it was "
                "not passed (a closure over a transform's variable?)"
            )
        parts, dtype = tangent._stack[1:], tangent.dtype
    else:
        plain = np.asarray(tangent)
        if plain.dtype.kind not in "biufc":
            raise TypeError(f"{where}: the tangent output is a {type(tangent).__name__}")
        if np.any(plain != 0):
            raise TypeError(
                f"{where}: the tangent output does not depend on the tangents but is not zero; "
                "a JVP is linear in the tangents"
            )
        parts, dtype = None, plain.dtype
    if np.shape(tangent) != value.shape:
        raise TypeError(
            f"{where}: the tangent has shape {np.shape(tangent)}, the primal {value.shape} "
            "(they must match)"
        )
    if dtype.kind == "c" and value.dtype.kind != "c":
        raise TypeError(
            f"{where}: the tangent is complex ({dtype}) but the primal is real ({value.dtype})"
        )
    if isinstance(primal, DualArray):
        if (
            closed_over is not None
            and not any(primal is result for result in trusted)
            and not _consistent(primal, tangent, kind)
            and closed_over()
        ):
            raise TypeError(
                f"{where}: f or its rule closes over a transform's variable (at second order "
                "its primal output has first-order derivative parts that are not half its "
                "tangent's, and at the plain values it is still a dual array): its "
                "derivative would be lost; pass the variable as an argument"
            )
    result_dtype = np.result_type(value.dtype, dtype, np.float32)
    data = np.empty((kind._planes, *value.shape), dtype=result_dtype)
    data[0] = value
    data[1:] = 0 if parts is None else parts
    return kind._wrap(data)


_ROOT_EPS: dict[np.dtype, float] = {}


def _consistent(primal: DualArray, tangent: Any, kind: type[DualArray]) -> bool:
    """At second order the rule runs at x0 + y/2, so a primal output it computes as f
    there has first-order parts Df(x0)[y]/2, half its tangent's. A closure over a
    transform's variable adds that variable's first-order parts to the primal (f's value
    computed in the rule) but not to the tangent, which the result takes its derivatives
    from. (A primal with no first-order parts, as f(x) called in the rule gives when f
    is flat, or a step function, is not compared.)"""
    first = layout(kind)[0]  # type: ignore[arg-type]  # (a class is hashable)
    ours = primal._stack[1 : 1 + first]
    if isinstance(tangent, DualArray):
        theirs = tangent._stack[1 : 1 + first]
        if (ours + ours == theirs).all():  # (the usual case, exactly)
            return True
        half = theirs / 2
    else:
        half = np.zeros_like(ours)
    if not ours.any():
        return True
    # rounding: a rule's tangent may be less accurate than the primal's own derivative
    # (1 - tanh(x)^2 at large x), so each plane is compared on its own largest part
    scale = (np.abs(ours) + np.abs(half)).reshape(first, -1).max(axis=1, keepdims=True)
    root = _ROOT_EPS.get(ours.dtype)
    if root is None:
        root = _ROOT_EPS[ours.dtype] = float(np.sqrt(np.finfo(ours.dtype).eps))
    return bool((np.abs(ours - half).reshape(first, -1) <= root * scale).all())
