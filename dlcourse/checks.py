"""The package's one module of argument checks: each raises a ValueError or TypeError naming the
argument and what it may be, before anything is built or traced. numpy scalars count as numbers.

No TensorFlow or Keras here: the command line checks its arguments with these before importing them.

Example:
    >>> check_positive_int("epochs", 3)
    3
    >>> check_positive_number("learning_rate", float("inf"))
    Traceback (most recent call last):
    ...
    ValueError: learning_rate must be a finite number > 0; got inf
"""

from __future__ import annotations

import math
from numbers import Integral, Real


def is_int(value) -> bool:
    """True for Python and numpy integers, False for bools and everything else."""
    return isinstance(value, Integral) and not isinstance(value, bool)


def is_number(value) -> bool:
    """True for Python and numpy integers and floats (not bools)."""
    return isinstance(value, Real) and not isinstance(value, bool)


def check_int(name: str, value, minimum: int | None = None, maximum: int | None = None) -> int:
    """`value` as an int, if it is an integer within ``[minimum, maximum]``."""
    if not is_int(value) or (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        if minimum == 1 and maximum is None:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
        low = "" if minimum is None else f" >= {minimum}"
        high = "" if maximum is None else f" <= {maximum}"
        joiner = " and" if low and high else ""
        raise ValueError(f"{name} must be an integer{low}{joiner}{high}; got {value!r}")
    return int(value)


def check_positive_int(name: str, value) -> int:
    """`value` as an int, if it is an integer >= 1."""
    return check_int(name, value, minimum=1)


def check_optional_positive_int(name: str, value) -> int | None:
    """None, or `value` as an int >= 1."""
    return None if value is None else check_positive_int(name, value)


def check_number(name: str, value, *, minimum=None, maximum=None, strict_minimum=False, strict_maximum=False) -> float:
    """`value` as a float, if it is a finite number within the bounds (strict where asked)."""
    bounds = []
    if minimum is not None:
        bounds.append(f"{'>' if strict_minimum else '>='} {minimum}")
    if maximum is not None:
        bounds.append(f"{'<' if strict_maximum else '<='} {maximum}")
    ok = is_number(value) and math.isfinite(value)
    if ok and minimum is not None:
        ok = value > minimum if strict_minimum else value >= minimum
    if ok and maximum is not None:
        ok = value < maximum if strict_maximum else value <= maximum
    if not ok:
        where = f" {' and '.join(bounds)}" if bounds else ""
        raise ValueError(f"{name} must be a finite number{where}; got {value!r}")
    return float(value)


def check_positive_number(name: str, value) -> float:
    """`value` as a float, if it is finite and > 0."""
    return check_number(name, value, minimum=0, strict_minimum=True)


def check_fraction(name: str, value, *, allow_one: bool = False) -> float:
    """`value` as a float in [0, 1) (or [0, 1] with `allow_one`)."""
    return check_number(name, value, minimum=0, maximum=1, strict_maximum=not allow_one)


def check_choice(name: str, value, choices):
    """`value`, if it is one of `choices` (True is not 1 here); the message lists them."""
    if not any(_same(value, choice) for choice in choices):
        raise ValueError(f"{name} must be one of {tuple(choices)}; got {value!r}")
    return value


def _same(value, choice) -> bool:
    if isinstance(value, bool) != isinstance(choice, bool):
        return False
    try:
        return bool(value == choice)
    except (TypeError, ValueError):  # arrays and other values without a plain ==
        return False
