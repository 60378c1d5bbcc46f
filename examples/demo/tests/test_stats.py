import pytest

from stats import clamp, mean, moving_average


def test_mean():
    assert mean([1, 2, 3, 4]) == 2.5


def test_mean_empty():
    with pytest.raises(ValueError):
        mean([])


def test_moving_average_pairs():
    assert moving_average([1, 2, 3, 4], 2) == [1.5, 2.5, 3.5]


def test_moving_average_whole_window():
    assert moving_average([2, 4, 6], 3) == [4.0]


def test_moving_average_window_too_large():
    assert moving_average([1, 2], 3) == []


def test_clamp():
    assert clamp(5, 0, 3) == 3
    assert clamp(-1, 0, 3) == 0
