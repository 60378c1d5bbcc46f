"""Anti-gaming: a patch that edits the workload or a test is refused; one that adds a
cache outliving a call (the workload repeats its inputs) is flagged."""

from patchwright.core.diff import apply_to_files, make_patch
from patchwright.tasks.optimize.guard import cross_call_caches, vet

BASE = {
    "lib.py": "def slow(n):\n    return sum(range(n))\n",
    "workload.py": "from lib import slow\nfor _ in range(100):\n    slow(10 ** 6)\n",
    "tests/test_lib.py": "from lib import slow\n\ndef test_slow():\n    assert slow(3) == 3\n",
}


def _vet(path, text):
    patch = make_patch(BASE, {path: text})
    return vet(patch, BASE, apply_to_files(BASE, patch.diff), {"workload.py"})


def test_editing_the_workload_is_refused():
    v = _vet("workload.py", "from lib import slow\nslow(10)\n")
    assert not v.ok and "edits the workload: workload.py" in v.refused


def test_editing_a_test_is_refused():
    v = _vet("tests/test_lib.py", "def test_slow():\n    pass\n")
    assert not v.ok and v.refused == ["edits a test file: tests/test_lib.py"]


def test_cross_call_caches_are_flagged():
    lru = "import functools\n\n@functools.lru_cache(None)\ndef slow(n):\n    return sum(range(n))\n"
    v = _vet("lib.py", lru)
    assert not v.ok and not v.refused and "lru_cache on slow" in v.flags[0]
    memo = "_memo = {}\n\ndef slow(n):\n    if n not in _memo:\n        _memo[n] = sum(range(n))\n    return _memo[n]\n"
    v = _vet("lib.py", memo)
    assert v.flags == ["cross-call cache in lib.py: module-level _memo written by slow"]


def test_a_cache_that_lives_for_one_call_is_fine():
    per_call = ("import functools\n\ndef slow(n):\n    @functools.cache\n    def go(k):\n"
                "        return k + go(k - 1) if k else 0\n    return go(n)\n")
    assert cross_call_caches(per_call) == set()
    assert _vet("lib.py", per_call).ok
