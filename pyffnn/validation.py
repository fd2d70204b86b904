"""Checking user-supplied values, in one place: integers, real numbers, dtypes, random states and finiteness.

Every check raises :class:`FFNNError` (or the ``error`` class given) with a message that names the argument, says
what was expected and shows what was given.  ``bool`` is never accepted as a number; numpy integers and floats are.
"""
import math
import numbers
import operator

import numpy as np

from .errors import FFNNError

DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_FINITE_CHUNK = 1 << 16  # elements per isfinite() call: bounds the temporary boolean array to 64 KiB


def is_int(value):
    """True for Python and numpy integers (and other ``__index__`` types), False for bools and everything else."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (numbers.Integral, np.integer)):
        return True
    try:
        operator.index(value)
    except TypeError:
        return False
    return not isinstance(value, (float, np.floating))


def is_real(value):
    """True for Python/numpy ints and floats (finite or not), False for bools, strings, complex, None, arrays."""
    return not isinstance(value, (bool, np.bool_)) and isinstance(value, (numbers.Real, np.integer, np.floating))


def _range_text(minimum, maximum):
    if minimum is not None and maximum is not None:
        return f"between {minimum} and {maximum}"
    if minimum is not None:
        return f">= {minimum}"
    if maximum is not None:
        return f"<= {maximum}"
    return ""


def check_int(value, name, minimum=None, maximum=None, error=FFNNError):
    """``value`` as a Python int within [minimum, maximum] (either bound optional)."""
    kind = {1: "a positive integer", 0: "a non-negative integer"}.get(minimum)
    if kind is not None:
        expected = f"{name} must be {kind}" + (f" (at most {maximum})" if maximum is not None else "")
    else:
        expected = f"{name} must be an integer {_range_text(minimum, maximum)}".rstrip()
    if not is_int(value):
        raise error(f"{expected}, got {value!r}")
    value = operator.index(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise error(f"{expected}, got {value}")
    return value


def check_real(value, name, low=None, high=None, low_open=False, high_open=False, finite=True, error=FFNNError):
    """``value`` as a float, finite unless ``finite=False``, within the (open or closed) bounds given."""
    lo = "" if low is None else f"{'>' if low_open else '>='} {low}"
    hi = "" if high is None else f"{'<' if high_open else '<='} {high}"
    expected = f"{name} must be a {'finite ' if finite else ''}number" + \
        (f" {lo}{' and ' if lo and hi else ''}{hi}" if lo or hi else "")
    if low == 0 and low_open and high is None and finite:
        expected = f"{name} must be a positive finite number"
    if not is_real(value):
        try:  # 0-d numpy arrays and other float-convertibles are numbers too, strings are not
            if isinstance(value, (str, bytes, bool, np.bool_)) or np.ndim(value) != 0 or np.iscomplexobj(value) \
                    or np.asarray(value).dtype.kind == "b":
                raise TypeError
            value = float(value)
        except (TypeError, ValueError):
            raise error(f"{name} must be a number, got {value!r}") from None
    value = float(value)
    if (finite and not math.isfinite(value)) or math.isnan(value):
        raise error(f"{expected}, got {value}")
    if low is not None and (value <= low if low_open else value < low):
        raise error(f"{expected}, got {value}")
    if high is not None and (value >= high if high_open else value > high):
        raise error(f"{expected}, got {value}")
    return value


def check_positive(value, name, error=FFNNError):
    """A finite number > 0."""
    return check_real(value, name, low=0, low_open=True, error=error)


def check_dtype(dtype, name="dtype"):
    """``np.dtype`` float32 or float64."""
    try:
        dt = np.dtype(dtype)
    except Exception:  # TypeError, ValueError, SyntaxError... from numpy's dtype parser on odd input
        raise FFNNError(f"{name} must be float32 or float64, got {dtype!r}") from None
    if dt not in DTYPES:
        raise FFNNError(f"{name} must be float32 or float64, got {dt}")
    return dt


def check_representable(value, dtype, name):
    """Refuse a hyper-parameter that changes meaning when the core rounds it to ``dtype`` (float32: ``lr=1e39``
    becomes inf, ``beta2=0.9999999999`` becomes 1.0, ``lr=1e-50`` becomes 0)."""
    dt = np.dtype(dtype)
    with np.errstate(over="ignore", under="ignore"):
        rounded = float(dt.type(value))
    if not math.isfinite(rounded):
        raise FFNNError(f"{name}={value:g} is too large for {dt.name} (largest {np.finfo(dt).max:.3g}); "
                        "use a smaller value or float64")
    if value != 0 and abs(rounded) < np.finfo(dt).tiny:
        raise FFNNError(f"{name}={value:g} is too small for {dt.name} (it rounds to {rounded:g}); "
                        "use a larger value or float64")
    if value < 1 and rounded >= 1:
        raise FFNNError(f"{name}={value!r} rounds to 1.0 in {dt.name}, which changes its meaning; use a value "
                        f"at most {float(np.nextafter(dt.type(1), dt.type(0))):.9g} or float64")
    return rounded


def seed_from(random_state, error=FFNNError):
    """A 64-bit seed from a non-negative int, None (fresh entropy) or a numpy Generator (drawn from it)."""
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63))
    if not is_int(random_state) or operator.index(random_state) < 0:
        raise error(f"random_state must be None, a non-negative integer or a numpy Generator, got {random_state!r}")
    return operator.index(random_state) & (2**64 - 1)


def rng_from(random_state, error=FFNNError):
    """A numpy Generator from None, a non-negative int or a Generator (returned as it is)."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None:
        return np.random.default_rng()
    return np.random.default_rng(seed_from(random_state, error))


def check_bool(value, name):
    """True/False (numpy bools and the ints 0/1 too)."""
    if isinstance(value, (bool, np.bool_)) or (is_int(value) and value in (0, 1)):
        return bool(value)
    raise FFNNError(f"{name} must be True or False, got {value!r}")


def all_finite(arr):
    """True when no element is NaN or infinite, without a temporary as large as the data."""
    flat = np.asarray(arr).reshape(-1)
    for start in range(0, flat.size, _FINITE_CHUNK):
        if not np.isfinite(flat[start:start + _FINITE_CHUNK]).all():
            return False
    return True
