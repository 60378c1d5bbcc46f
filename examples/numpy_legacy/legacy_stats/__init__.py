"""Tiny statistics helpers written against numpy 1.x (uses names removed in numpy 2.0)."""

import numpy as np
from numpy import product  # old spelling of np.prod


def as_floats(values):
    # float_ was an alias of float64
    return np.array(values, dtype=np.float_)


def total_product(values):
    return product(as_floats(values))


def running_product(values):
    return np.cumproduct(as_floats(values))


def all_positive(values):
    return bool(np.alltrue(as_floats(values) > 0))


def any_negative(values):
    return bool(np.sometrue(as_floats(values) < 0))


def rounded_mean(values, digits=2):
    return float(np.round_(np.mean(as_floats(values)), digits))


def clean(values):
    """Replace missing values (NaN) and infinities by zero."""
    arr = as_floats(values)
    arr[np.isnan(arr)] = 0.0
    arr[arr == np.Inf] = 0.0
    return arr


def missing():
    return np.NaN
