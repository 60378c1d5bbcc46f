import math

import numpy as np

import legacy_stats as ls


def test_as_floats():
    assert ls.as_floats([1, 2]).dtype == np.float64


def test_total_product():
    assert ls.total_product([1, 2, 3, 4]) == 24.0


def test_running_product():
    assert list(ls.running_product([1, 2, 3])) == [1.0, 2.0, 6.0]


def test_all_positive():
    assert ls.all_positive([1, 2]) and not ls.all_positive([1, -2])


def test_any_negative():
    assert ls.any_negative([1, -2]) and not ls.any_negative([1, 2])


def test_rounded_mean():
    assert ls.rounded_mean([1, 2, 2]) == 1.67


def test_clean():
    assert list(ls.clean([1.0, float("nan"), float("inf")])) == [1.0, 0.0, 0.0]


def test_missing():
    assert math.isnan(ls.missing())
