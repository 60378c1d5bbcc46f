"""A stand-in for ``gitchameleon_solve.solve`` (set PATCHWRIGHT_GITCHAMELEON_SOLVER to
``fakes.gitchameleon_solver:solve``): with docs it returns the ground truth, without docs
the starter code with ``pass``; it records one event and reports one model call."""

from patchwright.benchmarks.gitchameleon import Solution
from patchwright.core.events import Note


def solve(row, env, config, docs, record):
    assert env.python.exists()
    answer = row.answer if docs else row.starting_code.rstrip() + "\n    pass\n"
    record(Note(name="fake_solve", message=f"docs={docs} library={row.library}"))
    return Solution(answer=answer, attempts=1, model_calls=1, tokens=7, info={"docs": docs})
