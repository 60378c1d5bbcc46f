"""Widened template conditions: method duals (partition/rpartition ...), nested-list index
order, accumulators standing in for a recomputing call, extreme trackers started at 0,
optional call arguments, None guards on string parameters, side-effect calls copied from a
sibling method, and missing ``else`` branches. Each case checks the fix is among what the
template makes, and that the template stays silent where its reason is absent."""

from __future__ import annotations

from patchwright.propose.mutations import apply_template
from patchwright.propose.templates import registry


def made(name: str, source: str) -> list[str]:
    return apply_template(registry()[name], source)


def test_partition_and_rpartition_are_method_duals() -> None:
    src = "def f(s):\n    k, _, v = s.rpartition('=')\n    return k\n"
    assert "def f(s):\n    k, _, v = s.partition('=')\n    return k\n" in made("builtin.dual", src)


def test_nested_list_indices_are_swapped() -> None:
    src = "def f(b, j, k):\n    return b[j][k]\n"
    assert "def f(b, j, k):\n    return b[k][j]\n" in made("swap.index", src)
    assert made("swap.index", "def f(b, j):\n    return b[j][j]\n") == []


def test_an_accumulator_of_an_earlier_loop_replaces_a_divisor_call() -> None:
    src = (
        "def f(xs, ws):\n    t = 0\n    s = 0\n    for x, w in zip(xs, ws):\n"
        "        t += x * w\n        s += w\n    return t / len(xs)\n"
    )
    assert src.replace("t / len(xs)", "t / s") in made("expr.callvar", src)


def test_a_minimum_started_at_zero_starts_at_infinity() -> None:
    src = (
        "def f(xs):\n    lo = 0\n    for x in xs:\n        if x < lo:\n            lo = x\n"
        "    return lo\n"
    )
    out = made("builtin.inf", src)
    assert out[0] == src.replace("lo = 0", "lo = float('inf')")
    plain = "def f(xs):\n    n = 0\n    for x in xs:\n        n = n + x\n    return n\n"
    assert made("builtin.inf", plain) == []


def test_optional_bounds_are_added_to_split_and_round() -> None:
    src = "def f(line):\n    a, b = line.split(':')\n    return b\n"
    assert src.replace("split(':')", "split(':', 1)") in made("args.optional", src)
    src = "def f(x):\n    return round(x * 1.1)\n"
    assert src.replace("1.1)", "1.1, 2)") in made("args.optional", src)
    assert made("args.optional", "def f(x):\n    return g(x)\n") == []


def test_a_string_parameter_gets_a_none_guard() -> None:
    src = "def f(name):\n    parts = name.split()\n    return ' '.join(parts)\n"
    fixed = "def f(name):\n    if name is None:\n        return ''\n" + src.split("\n", 1)[1]
    assert fixed in made("guard.none", src)
    local = "def f():\n    name = 'a b'\n    parts = name.split()\n    return parts\n"
    assert not any("is None" in o for o in made("guard.none", local))


def test_a_side_effect_call_is_copied_from_a_sibling_method() -> None:
    src = (
        "class C:\n    def get(self, key):\n        return self.d[key]\n\n"
        "    def put(self, key, v):\n        self.d.touch(key)\n        self.d[key] = v\n"
    )
    fixed = src.replace(
        "        return self.d[key]", "        self.d.touch(key)\n        return self.d[key]"
    )
    assert fixed in made("stmt.copy", src)


def test_the_alternative_update_moves_into_an_else_branch() -> None:
    src = (
        "def f(xs):\n    t = 0\n    for i, x in enumerate(xs):\n        if i and x < xs[i - 1]:\n"
        "            t -= x\n        t += x\n    return t\n"
    )
    fixed = src.replace("        t += x\n", "        else:\n            t += x\n")
    assert fixed in made("stmt.else", src)
    exits = "def f(x, t):\n    if x:\n        return t\n    t += x\n    return t\n"
    assert made("stmt.else", exits) == []


def test_an_if_elif_chain_of_counters_gets_the_missing_case() -> None:
    src = (
        "def f(xs):\n    a = b = c = 0\n    for x in xs:\n        if x > 0:\n            a += 1\n"
        "        elif x < 0:\n            c += 1\n    return a, b, c\n"
    )
    fixed = src.replace("c += 1\n", "c += 1\n        else:\n            b += 1\n")
    assert made("stmt.else_case", src) == [fixed]


def test_a_condition_reading_into_an_object_first_checks_it_is_there() -> None:
    src = "def f(row):\n    if row.name == 'x' or len(row.cells) > 2:\n        return 1\n    return 0\n"
    out = made("cond.guard", src)
    assert ("def f(row):\n    if row and (row.name == 'x' or len(row.cells) > 2):\n"
            "        return 1\n    return 0\n") in out  # fmt: skip
    assert any("row.cells is not None and" in o for o in out)
    # a module's function, a call on self, or a test already guarded: nothing to add
    assert made("cond.guard", "import os\n\n\ndef f(p):\n    if os.path.exists(p):\n        return 1\n") == []
    assert made("cond.guard", "def f(self):\n    if self.ready():\n        return 1\n") == []
    assert made("cond.guard", "def f(xs):\n    if xs and len(xs) > 1:\n        return 1\n") == []


def test_a_handler_is_widened_only_for_a_suspect_inside_its_try() -> None:
    src = ("def f(x):\n    try:\n        v = int(x)\n    except (KeyError, ValueError):\n"
           "        v = 0\n    return v\n")  # fmt: skip
    out = made("handler.widen", src)
    assert src.replace("(KeyError, ValueError)", "(KeyError, ValueError, IndexError)") in out
    assert src.replace("(KeyError, ValueError)", "(KeyError, ValueError, TypeError)") in out
    assert len(out) == 3  # IndexError, AttributeError, TypeError: each once
    outside = "def f(x):\n    v = int(x)\n    return v\n"
    assert made("handler.widen", outside) == []
