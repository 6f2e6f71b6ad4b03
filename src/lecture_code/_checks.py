"""Validation at the public boundary: the ``@checked`` decorator.

``@checked`` reads a function's type hints and checks every argument once, when the
user calls the function: ``float`` is a finite number, ``int`` an int, ``str`` a string,
``list[float]`` a non-empty list of finite numbers, ``list[list[float]]`` a non-empty
list of such lists, ``dict[K, V]`` a dict, a class an instance of it. Extra rules are
declared on the decorator line, which slides do not show: ``positive`` and
``nonnegative`` names, allowed ``choices``, and ``shapes`` such as ``{"Q": "n d"}``.

Calls from one lecture function to another are not checked again: their inputs were
checked by the outer call. Every error names the function the user called, as
``"<fn>: <name> <problem>"``: ``TypeError`` for the wrong kind, ``ValueError`` for a bad
value. An ``OverflowError`` inside, or a result that is not finite, becomes
``"<fn>: <overflow> is too large for a float"``. The body receives the checked
arguments converted (ints to floats, tuples to lists), so it is just the math.
"""

import functools
import inspect
import math
import typing
from collections.abc import Callable, Sequence
from contextvars import ContextVar

_called: ContextVar[str | None] = ContextVar("lecture_code_called", default=None)
KINDS = {float: "a number", int: "an int", str: "a string", dict: "a dict"}


def fail(problem: str) -> typing.NoReturn:
    """Raise ``ValueError("<fn>: <problem>")``, naming the function the user called."""
    raise ValueError(f"{_called.get()}: {problem}")


def _wrong_kind(problem: str) -> typing.NoReturn:
    """Raise ``TypeError("<fn>: <problem>")``, naming the function the user called."""
    raise TypeError(f"{_called.get()}: {problem}")


def checked(fn: Callable | None = None, *, overflow: str = "the result", **rules) -> Callable:
    """Decorate a lecture function so that its arguments are checked from its type hints."""
    if fn is None:
        return functools.partial(checked, overflow=overflow, **rules)
    signature, hints = inspect.signature(fn), typing.get_type_hints(fn)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if _called.get() is not None:  # an inner call: the outer call checked its inputs
            return fn(*args, **kwargs)
        name = fn.__name__
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{name}: {exc}") from None
        bound.apply_defaults()
        token = _called.set(name)
        try:
            dims: dict[str, tuple[int, str, int]] = {}
            for arg, value in bound.arguments.items():
                value = _check(value, hints[arg], arg, arg, rules)
                _check_shape(value, arg, rules.get("shapes", {}).get(arg), dims)
                bound.arguments[arg] = value
            result = fn(*bound.args, **bound.kwargs)
            if not _finite(result):
                raise OverflowError
            return result
        except OverflowError:
            raise ValueError(f"{name}: {overflow} is too large for a float") from None
        finally:
            _called.reset(token)

    return wrapper


def _finite(result: object) -> bool:
    """Whether every float in a result (a number, or nested lists and tuples) is finite."""
    if isinstance(result, list | tuple):
        return all(map(_finite, result))
    return not isinstance(result, float) or math.isfinite(result)


def _check(value: object, hint: object, label: str, arg: str, rules: dict) -> object:
    """Check ``value`` against ``hint``; return it converted. ``label`` names it in errors."""
    origin, params = typing.get_origin(hint), typing.get_args(hint)
    if origin is list:
        kind = "a list of vectors" if typing.get_origin(params[0]) is list else "a list of numbers"
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            _wrong_kind(f"{label} must be {kind}, got {type(value).__name__}")
        if len(value) == 0:
            fail(f"{label} must not be empty")
        return [_check(x, params[0], f"{label}[{i}]", arg, rules) for i, x in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            _wrong_kind(f"{label} must be a dict, got {type(value).__name__}")
        for key in value:
            _check(key, params[0], f"{label} key {key!r}", arg, rules)
        return {k: _check(v, params[1], f"{label}[{k!r}]", arg, rules) for k, v in value.items()}
    kind = KINDS.get(hint, f"a {getattr(hint, '__module__', '')}.{getattr(hint, '__name__', '')}")
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            _wrong_kind(f"{label} must be a number, got {value!r}")
        try:
            value = float(value)
        except OverflowError:
            fail(f"{label} must be finite, got an int too large for a float")
        if not math.isfinite(value):
            fail(f"{label} must be finite, got {value!r}")
    elif (hint is int and isinstance(value, bool)) or not isinstance(value, hint):
        _wrong_kind(f"{label} must be {kind}, got {value!r}")
    if hint in (int, float):
        if arg in rules.get("positive", ()) and value <= 0:
            fail(f"{label} must be > 0, got {value!r}")
        if arg in rules.get("nonnegative", ()) and value < 0:
            fail(f"{label} must be >= 0, got {value!r}")
        choices = rules.get("choices", {}).get(arg)
        if choices is not None and value not in choices:
            fail(f"{label} must be {' or '.join(map(str, choices))}, got {value!r}")
    return value


def _check_shape(value: object, arg: str, shape: str | None, dims: dict) -> None:
    """Check the lengths of a vector or matrix against the named dimensions seen so far."""
    if shape is None and not (isinstance(value, list) and isinstance(value[0], list)):
        return
    names = (shape or f"{arg}#rows {arg}#columns").split()
    size, source, axis = dims.setdefault(names[0], (len(value), arg, 0))
    if len(names) == 2:
        width, _, _ = dims.setdefault(names[1], (len(value[0]), arg, 1))
        for i, row in enumerate(value):
            if len(row) != width:
                fail(f"{arg} rows must all have length {width}, row {i} has length {len(row)}")
    if len(value) != size:
        if axis == 0:
            fail(f"{source} and {arg} must have the same length ({size} != {len(value)})")
        fail(f"{arg} must have length {size}, the length of the rows of {source}, got {len(value)}")
