"""The argument, update and extension template families: where they apply and, as much,
where they stay silent (each candidate is one evaluation)."""

import pytest

from patchwright.propose.mutations import apply_template
from patchwright.propose.templates import registry


def outputs(name, source):
    return apply_template(registry()[name], source)


def test_sibling_transformation_needs_a_transformed_sibling():
    assert outputs("args.sibling", "def f(g, a, b):\n    return g(a, b)\n") == []
    out = outputs("args.sibling", "def f(m, i, j):\n    return m[i + 1, j]\n")
    assert "def f(m, i, j):\n    return m[i + 1, j + 1]\n" in out


def test_sibling_transformation_skips_functions():
    assert outputs("args.sibling", "def f(xs):\n    return max(xs[1:], len)\n") == []


def test_index_swap_skips_equal_indices_and_single_indices():
    assert outputs("swap.index", "def f(m, i):\n    return m[i, i] + m[i]\n") == []


def test_offset_needs_a_comparison_in_an_enclosing_condition():
    assert outputs("args.offset", "def f(xs, k, n):\n    return f(xs, k)\n") == []
    out = outputs("args.offset", "def f(xs, k, n):\n    while k < n:\n        k = g(k)\n")
    assert "def f(xs, k, n):\n    while k < n:\n        k = g(k - n)\n" in out


def test_collect_needs_a_collection_it_knows_how_to_fill():
    src = "def f(xs, seen):\n    for x in xs:\n        if x in seen:\n            return True\n"
    assert outputs("stmt.collect", src) == []  # a parameter: add or append is unknown
    out = outputs("stmt.collect", "def f(xs):\n    out = []\n    for x in xs:\n        y = x\n"
                  "    return out\n")  # fmt: skip
    assert any("        out.append(x)\n" in o for o in out)
    assert len(out) <= 8


def test_carry_only_for_variables_the_loop_never_updates():
    src = "def f(xs):\n    n = 0\n    for x in xs:\n        n = n + x\n    return n\n"
    assert outputs("stmt.carry", src) == []
    filled = "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n    return out\n"
    assert outputs("stmt.carry", filled) == []


def test_extreme_needs_a_value_from_before_the_loop():
    assert (
        outputs("assign.extreme", "def f(xs):\n    for x in xs:\n        m = x\n    return m\n")
        == []
    )
    assert outputs("assign.extreme", "def f(m, x):\n    m = x\n    return m\n") == []


def test_retarget_only_for_min_and_max():
    assert outputs("assign.retarget", "def f(d, e, u):\n    e[u] = sum(d[u], d[0])\n") == []


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("expr.concat", "def f(xs):\n    return [x for x in range(3)]\n"),
        ("ret.fill", "def f(n):\n    if n:\n        return f(n - 1)\n    return []\n"),
        ("slice.rest", "def f(xs, k):\n    for x in xs:\n        print(x)\n"),
        ("expr.callvar", "def f(xs, w):\n    d = 2\n    return g(xs) + w\n"),  # no loop
        ("expr.callvar", "def f(xs):\n    for x in xs:\n        print(g(x) + 1)\n"),
    ],
)
def test_extensions_stay_silent_without_their_evidence(name, source):
    assert outputs(name, source) == []
