"""GitChameleon summary: pass rates overall, by library and by normalised type of change,
environment counts, and the docs/nodocs comparison."""

from patchwright.benchmarks.gitchameleon import compare, print_summary, summarize
from patchwright.benchmarks.runner import InstanceResult


def _result(i: str, status: str, library: str, change: str, **extra: object) -> InstanceResult:
    return InstanceResult(
        id=i,
        status=status,
        seconds=1.0,
        extra={"library": library, "type_of_change": change, "python_version": "3.10",
               "version": "1", **extra},
    )


RESULTS = [
    _result("1", "pass", "flask", "name change", env_key="a", env_built=True,
            env_build_seconds=12.0, model_calls=2, tokens=100,
            hidden={"tests_passed": 3, "tests_failed": 0}),
    _result("2", "fail", "flask", "output behaviour", env_key="a", model_calls=1, tokens=50,
            hidden={"tests_passed": 1, "tests_failed": 2}),
    _result("3", "env_error", "numpy", "name change"),
    _result("4", "pass", "numpy", "name change", env_key="b", env_built=True,
            env_build_seconds=30.0),
]


def test_rates_and_groups():
    s = summarize(RESULTS, 42.0, "gitchameleon2/test", {})
    assert (s["instances"], s["passed"], s["failed"], s["env_errors"]) == (4, 2, 1, 1)
    assert s["pass_rate"] == 0.5 and s["pass_rate_env_built"] == round(2 / 3, 4)
    assert s["by_library"]["flask"]["pass_rate"] == 0.5
    assert s["by_library"]["numpy"]["pass_rate_env_built"] == 1.0
    assert s["by_type_of_change"]["name change"]["passed"] == 2
    assert s["envs"] == {"used": 2, "built": 2, "failed": 1, "build_seconds": 42.0,
                         "max_build_seconds": 30.0}
    assert (s["model_calls"], s["tokens"]) == (3, 150)
    assert s["version"] >= 1 and len(s["results"]) == 4


def test_printed_table():
    lines: list[str] = []
    print_summary(summarize(RESULTS, 42.0, "gitchameleon2/test", {}), lines.append)
    text = "\n".join(lines)
    assert "gitchameleon2/test: 2/4 passed" in text
    assert "output behaviour" in text and "66.7%" in text


def test_comparison():
    docs = summarize(RESULTS, 1.0, "d", {})
    nodocs = summarize([_result("1", "fail", "flask", "name change"), *RESULTS[1:]], 1.0, "n", {})
    c = compare({"docs": docs, "nodocs": nodocs})
    assert c["runs"]["docs"]["passed"] == 2 and c["runs"]["nodocs"]["passed"] == 1
    assert c["by_library"]["flask"] == {"docs": 1, "nodocs": 0}
    assert c["passed_by_only"] == {"docs": ["1"], "nodocs": []}
