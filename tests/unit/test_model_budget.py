"""Budgets: the worst case of the next call is checked before it is made."""

import json
import subprocess
import sys
import threading

import pytest

from patchwright.model.budget import Budget, Caps
from patchwright.model.errors import BudgetExceeded
from patchwright.model.prices import Price

PRICE = Price(2.5, 10.0)  # $ per 1M tokens


def test_no_caps_never_refuses():
    b = Budget(Caps())
    for _ in range(100):
        b.settle(b.reserve(10_000, 10_000, None), 10_000, 10_000, None)
    assert b.spent().calls == 100 and b.exhausted() == ""


def test_calls_cap():
    b = Budget(Caps(max_calls=2))
    for _ in range(2):
        b.settle(b.reserve(1, 1, None), 1, 1, None)
    with pytest.raises(BudgetExceeded) as err:
        b.reserve(1, 1, None)
    assert (err.value.cap, err.value.scope) == ("max_calls", "task")
    assert b.exhausted() == "max_calls"


def test_tokens_cap_counts_the_worst_case_of_the_next_call():
    b = Budget(Caps(max_tokens=1000))
    b.settle(b.reserve(100, 300, None), 100, 200, None)  # 300 used
    b.settle(b.reserve(100, 600, None), 100, 50, None)  # 300 + 700 fits exactly; 450 used
    with pytest.raises(BudgetExceeded, match="max_tokens"):
        b.reserve(100, 500, None)  # 450 + 600 > 1000, although the call might use less
    b.settle(b.reserve(100, 400, None), 100, 400, None)
    assert b.spent().tokens == 950


def test_a_call_larger_than_the_cap_is_refused_from_the_start():
    b = Budget(Caps(max_tokens=500))
    with pytest.raises(BudgetExceeded):
        b.reserve(10, 1024, None)
    assert b.spent().calls == 0


def test_dollar_cap_uses_the_priced_worst_case():
    b = Budget(Caps(max_dollars=0.01))
    worst = PRICE.cost(200, 256)
    n = 0
    while True:
        try:
            res = b.reserve(200, 256, PRICE)
        except BudgetExceeded as exc:
            assert exc.cap == "max_dollars"
            break
        b.settle(res, 200, 256, PRICE.cost(200, 256))
        n += 1
    assert n == int(0.01 // worst)
    assert b.spent().dollars <= 0.01


def test_dollar_cap_with_an_unknown_price_cannot_hold():
    b = Budget(Caps(max_dollars=1.0))
    with pytest.raises(BudgetExceeded, match="price"):
        b.reserve(10, 10, None)


def test_wall_time_cap():
    now = [1000.0]
    b = Budget(Caps(max_seconds=5), clock=lambda: now[0])
    b.release(b.reserve(1, 1, None))
    now[0] += 5
    with pytest.raises(BudgetExceeded, match="max_seconds"):
        b.reserve(1, 1, None)
    assert b.exhausted() == "max_seconds"


def test_release_charges_nothing_and_pending_reservations_count():
    b = Budget(Caps(max_calls=1))
    res = b.reserve(1, 1, None)
    with pytest.raises(BudgetExceeded):
        b.reserve(1, 1, None)  # the first call is in flight
    b.release(res)
    assert b.spent().calls == 0
    b.reserve(1, 1, None)


def test_parent_batch_budget_is_checked_and_charged():
    batch = Budget(Caps(max_calls=3), "batch")
    t1 = Budget(Caps(max_calls=2), parent=batch)
    t2 = Budget(Caps(max_calls=2), parent=batch)
    for _ in range(2):
        t1.settle(t1.reserve(1, 1, None), 1, 1, None)
    t2.settle(t2.reserve(1, 1, None), 1, 1, None)
    with pytest.raises(BudgetExceeded) as err:
        t2.reserve(1, 1, None)
    assert err.value.scope == "batch"
    assert t2.spent().calls == 1  # the refused task reservation was dropped
    assert batch.spent().calls == 3 and t2.exhausted() == "max_calls"


def test_threads_never_overrun_the_cap():
    b = Budget(Caps(max_tokens=10_000))
    made = []

    def worker():
        while True:
            try:
                res = b.reserve(50, 150, None)
            except BudgetExceeded:
                return
            b.settle(res, 50, 150, None)
            made.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert b.spent().tokens <= 10_000 and len(made) == 50


def test_shared_file_budget_across_processes(tmp_path):
    path = tmp_path / "batch.json"
    caps = Caps(max_calls=5)
    a, b = Budget.shared(caps, path), Budget.shared(caps, path)
    a.settle(a.reserve(1, 1, None), 1, 1, None)
    b.settle(b.reserve(1, 1, None), 1, 1, None)
    code = (
        "import sys; from patchwright.model.budget import Budget, Caps;"
        f"b = Budget.shared(Caps(max_calls=5), {str(path)!r});"
        "[b.settle(b.reserve(1, 1, None), 1, 1, None) for _ in range(2)]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert a.spent().calls == 4
    # A reservation left by a process that died does not block the batch.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    state = json.loads(path.read_text())
    state["pending"]["ghost"] = {"tokens": 1, "dollars": 0.0, "pid": int(dead.stdout)}
    path.write_text(json.dumps(state))
    a.settle(a.reserve(1, 1, None), 1, 1, None)
    with pytest.raises(BudgetExceeded) as err:
        b.reserve(1, 1, None)
    assert err.value.scope == "batch"
