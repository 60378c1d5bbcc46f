"""Keyword-argument templates (args.forward, args.drop, args.flag) and the handlers family
(stmt.try, cond.constant): each case checks the fix is among what the template makes, and
that the template stays silent where its reason is absent."""

from __future__ import annotations

from patchwright.propose.mutations import apply_template
from patchwright.propose.templates import registry


def made(name: str, source: str) -> list[str]:
    return apply_template(registry()[name], source)


FETCH = "\n\ndef fetch(url, timeout=None, *, retries=0):\n    return url, timeout, retries\n"


def test_a_parameter_the_callee_takes_is_passed_on() -> None:
    src = "def get(url, timeout=None, retries=3):\n    return fetch(url)\n" + FETCH
    out = made("args.forward", src)
    assert src.replace("fetch(url)", "fetch(url, timeout=timeout)") in out
    assert src.replace("fetch(url)", "fetch(url, retries=retries)") in out
    passed = "def get(url, timeout=None):\n    return fetch(url, timeout)\n" + FETCH
    assert made("args.forward", passed) == []


def test_a_method_call_gets_the_parameter_and_self_is_not_counted() -> None:
    src = (
        "class C:\n    def run(self, x, verbose=False):\n        return self.step(x)\n\n"
        "    def step(self, x, verbose=False):\n        return x if verbose else -x\n"
    )
    assert src.replace("self.step(x)", "self.step(x, verbose=verbose)") in made("args.forward", src)


def test_an_unread_parameter_and_unread_kwargs_go_to_an_unknown_callee() -> None:
    src = "import os\n\n\ndef run(cmd, env=None, **kw):\n    return os.spawn(cmd)\n"
    out = made("args.forward", src)
    assert src.replace("os.spawn(cmd)", "os.spawn(cmd, env=env)") in out
    assert src.replace("os.spawn(cmd)", "os.spawn(cmd, **kw)") in out
    read = "import os\n\n\ndef run(cmd, env=None):\n    print(env)\n    return os.spawn(cmd)\n"
    assert made("args.forward", read) == []


def test_a_keyword_argument_too_many_is_dropped() -> None:
    src = "def f(d, g):\n    return g(d, indent=2, sort_keys=True)\n"
    out = made("args.drop", src)
    assert src.replace(", indent=2", "") in out
    assert src.replace(", sort_keys=True", "") in out
    assert made("args.drop", "def f(g, d):\n    return g(d)\n") == []


def test_a_positional_argument_is_dropped_only_where_the_callee_allows_it() -> None:
    src = "def h(a, b=0):\n    return a + b\n\n\ndef f(x, y):\n    return h(x, y)\n"
    assert src.replace("h(x, y)", "h(x)") in made("args.drop", src)
    need = "def h(a, b):\n    return a + b\n\n\ndef f(x, y):\n    return h(x, y)\n"
    assert made("args.drop", need) == []


def test_a_flag_left_at_its_default_is_set() -> None:
    src = (
        "def load(text, strict=False, cache=None, level=0):\n    return text\n\n\n"
        "def f(t):\n    return load(t)\n"
    )
    out = made("args.flag", src)
    assert src.replace("load(t)", "load(t, strict=True)") in out
    assert src.replace("load(t)", "load(t, cache=True)") in out
    assert not any("load(t, level" in o for o in out)


def test_a_statement_is_wrapped_in_try_and_an_assignment_gets_none() -> None:
    src = "def f(d, k):\n    v = d.load(k)\n    return v\n"
    fixed = "def f(d, k):\n    try:\n        v = d.load(k)\n    except Exception:\n        v = None\n    return v\n"
    assert fixed in made("stmt.try", src)
    inside = "def f(d, k):\n    try:\n        v = d.load(k)\n    except KeyError:\n        v = 0\n    return v\n"
    assert not any("try:\n        try:" in o for o in made("stmt.try", inside))
    assert made("stmt.try", "def f(a):\n    a = 1\n    return a\n") == [
        "def f(a):\n    try:\n        a = 1\n    except Exception:\n        a = None\n    return a\n"
    ]


def test_an_if_test_becomes_a_constant() -> None:
    src = "def f(x, seen):\n    if x in seen:\n        return 0\n    return x\n"
    out = made("cond.constant", src)
    assert src.replace("x in seen", "False") in out and src.replace("x in seen", "True") in out
    assert made("cond.constant", "def f(x):\n    if True:\n        return 0\n    return x\n") == []


def test_a_string_literal_is_replaced_by_a_similar_one_of_the_function() -> None:
    src = "def f(kind):\n    if kind == 'json':\n        return 'application/json'\n    return 'text/plain'\n"
    out = made("lit.str", src)
    assert src.replace("'text/plain'", "'application/json'") in out
    doc = 'def f(x):\n    """Doc."""\n    return x\n'
    assert made("lit.str", doc) == []


def test_a_conversion_the_file_calls_is_put_around_a_value() -> None:
    src = "def f(n, xs):\n    xs.append(str(len(xs)))\n    return 'x' + n\n"
    out = made("expr.wrap", src)
    assert src.replace("'x' + n", "'x' + str(n)") in out
    assert not any("str(str(" in o for o in out)
    assert made("expr.wrap", "def f(n):\n    return 'x' + n\n") == []


def test_a_method_the_file_calls_is_called_on_a_compared_value() -> None:
    src = "def f(line, key):\n    k = key.lower()\n    return line == k\n"
    assert src.replace("line == k", "line.lower() == k") in made("expr.method", src)
    assert made("expr.method", "def f(a, b):\n    return a == b\n") == []


def test_a_keyword_argument_goes_to_another_parameter_of_the_callee() -> None:
    src = "def show(text, width=80, indent=0):\n    return text\n\n\ndef f(t):\n    return show(t, width=4)\n"
    assert src.replace("show(t, width=4)", "show(t, indent=4)") in made("args.rename", src)
    unknown = "def f(t, g):\n    return g(t, width=4)\n"
    assert made("args.rename", unknown) == []
