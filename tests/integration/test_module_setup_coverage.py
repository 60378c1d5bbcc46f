"""A failing test whose module built what it tests at import (an app and its routes, as
BugsInPy fastapi-8's test does) ran no project code itself: reproduce gives its module's
import-time lines inside project functions to the module's tests, so localization has
the registering code to point at, not "the failing tests execute no project code". Real
pytest runs on a project the test writes."""

from __future__ import annotations

from patchwright.core.config import RunConfig
from patchwright.localize.sbfl import score_lines
from patchwright.pipeline.baseline import reproduce
from patchwright.pipeline.module_setup import body_lines
from patchwright.testing.testbed import local_bed

ROUTES = """\
class Route:
    def __init__(self, path, kind):
        self.path = path
        self.kind = kind


def add_route(table, path, kind=None):
    route = Route(path, kind)
    route.kind = None
    table[path] = route
    return route


def describe(route):
    return route.path
"""
# line 9 (route.kind = None) drops the kind the caller gave: the bug

BUILT_AT_IMPORT = """\
from routes import add_route

TABLE = {}
add_route(TABLE, "/a", kind="A")


def test_route_kept_its_kind():
    assert TABLE["/a"].kind == "A"


def test_route_has_its_path():
    assert TABLE["/a"].path == "/a"
"""

CALLS_DESCRIBE = """\
from routes import Route, describe


def test_describe():
    assert describe(Route("/b", "B")) == "/b"
"""

FAILING = "tests/test_built.py::test_route_kept_its_kind"


def test_module_level_set_up_is_part_of_its_tests_spectra(make_repo) -> None:
    proj = make_repo({"routes.py": ROUTES, "tests/test_built.py": BUILT_AT_IMPORT,
                      "tests/test_describe.py": CALLS_DESCRIBE})  # fmt: skip
    with local_bed(proj, plugins="none") as bed:
        base = reproduce(bed, RunConfig(), [FAILING])
    assert base.failing == [FAILING]
    lines = base.coverage[FAILING]["routes.py"]
    assert {3, 4, 8, 9, 10, 11} <= lines
    assert not lines & {1, 2, 7, 14}  # def / class lines: the first import ran those
    assert not any(k.startswith("collect:") for k in base.coverage)
    scores = score_lines(base.coverage, base.failing, base.passing)
    assert scores[0].path == "routes.py" and scores[0].score > 0
    assert 9 in {s.line for s in scores if s.score == scores[0].score}


def test_a_failing_test_that_runs_project_code_keeps_its_own_spectrum(make_repo) -> None:
    failing = "tests/test_describe.py::test_describe"
    proj = make_repo({"routes.py": ROUTES.replace("return route.path", "return route.kind"),
                      "tests/test_built.py": BUILT_AT_IMPORT,
                      "tests/test_describe.py": CALLS_DESCRIBE})  # fmt: skip
    with local_bed(proj, plugins="none") as bed:
        base = reproduce(bed, RunConfig(), [failing])
    assert base.coverage[failing]["routes.py"] == {3, 4, 15}
    assert "routes.py" not in base.coverage["tests/test_built.py::test_route_has_its_path"]


def test_body_lines_are_the_lines_inside_functions() -> None:
    assert body_lines(ROUTES) == {3, 4, 8, 9, 10, 11, 15}
    assert body_lines("def f(:\n") == set()
