"""GitChameleon data: the three files joined by id, requirement pinning, labels, selection."""

import json
from pathlib import Path

import pytest

from patchwright.benchmarks.gitchameleon_data import (
    ANSWERS_FILE,
    HIDDEN_TESTS_FILE,
    Problem,
    load_problems,
    normalize_change,
    package_name,
    read_ids,
    requirements,
    select,
    split_requirements,
)
from patchwright.benchmarks.runner import BenchError

SHARED = Path(__file__).resolve().parents[3] / "shared" / "benchmarks"
DATA = SHARED / "gitchameleon2_dataset.jsonl"
needs_data = pytest.mark.skipif(not DATA.exists(), reason="shared/benchmarks not beside the repo")


def _problem(**kw: object) -> Problem:
    base = {
        "id": "1",
        "library": "flask",
        "version": "2.0.0",
        "python_version": "3.10",
        "problem": "p",
        "starting_code": "import flask\n",
        "answer": "import flask\n",
        "hidden_test": "import sample_1\n",
    }
    return Problem.model_validate({**base, **kw})


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _mini(tmp_path: Path, ids=("7", "8"), answers=None, hidden=None) -> Path:
    rows = [
        {"example_id": i, "library": "jinja2", "version": "3.1", "python_version": "3.10",
         "additional_dependencies": "", "problem": "p", "starting_code": "s", "solution": "x",
         "test": "assert True", "type_of_change": "Name change", "api_calls": [], "docs": []}
        for i in ids
    ]
    _write_jsonl(tmp_path / "gitchameleon2_dataset.jsonl", rows)
    _write_jsonl(tmp_path / ANSWERS_FILE,
                 [{"example_id": i, "answer": f"A{i}"} for i in (answers or ids)])
    _write_jsonl(tmp_path / HIDDEN_TESTS_FILE,
                 [{"example_id": i, "test_file": f"T{i}"} for i in (hidden or ids)])
    return tmp_path / "gitchameleon2_dataset.jsonl"


def test_join_by_example_id(tmp_path):
    data = _mini(tmp_path, answers=("8", "7"))
    problems = load_problems(data)
    assert [(p.id, p.answer, p.hidden_test) for p in problems] == [
        ("7", "A7", "T7"), ("8", "A8", "T8")]
    assert problems[0].module == "sample_7" and problems[0].change == "name change"


def test_missing_answer_or_bad_line_is_one_line_error(tmp_path):
    data = _mini(tmp_path, answers=("7",))
    with pytest.raises(BenchError, match=f"example 8 is missing from {ANSWERS_FILE}"):
        load_problems(data)
    _mini(tmp_path)
    (tmp_path / HIDDEN_TESTS_FILE).write_text("{not json\n")
    with pytest.raises(BenchError, match="not valid JSON"):
        load_problems(data)
    with pytest.raises(BenchError, match="benchmark data not found"):
        load_problems(tmp_path / "nope" / "gitchameleon2_dataset.jsonl")


@needs_data
def test_real_files_join_completely():
    problems = load_problems(DATA)
    assert len(problems) == 328
    assert len({p.id for p in problems}) == 328
    for p in problems:
        assert p.module in p.hidden_test, p.id
        assert p.answer.strip() and p.hidden_test.strip(), p.id
    assert {p.python_version for p in problems} == {"3.7", "3.9", "3.10"}


def test_pins_by_python_version():
    assert requirements(_problem(additional_dependencies="werkzeug==2.0.0")) == [
        "flask==2.0.0", "werkzeug==2.0.0", "pytest==7.2.0", "pytest-cov==4.1.0", "numpy==1.23"]
    assert split_requirements(_problem(library="sympy", version="1.9", python_version="3.9")) == (
        ["sympy==1.9"], ["pytest==7.1.2", "pytest-cov==4.1.0", "numpy==1.21.6"])
    assert requirements(_problem(library="tqdm", version="4.28", python_version="3.7"))[1:] == [
        "pytest==6.2.5", "pytest-cov==4.1.0", "numpy==1.21.6"]


def test_named_packages_are_not_pinned_again():
    pillow = _problem(library="pillow", version="7.0.0", python_version="3.7",
                      additional_dependencies="numpy==1.16")
    assert requirements(pillow) == [
        "pillow==7.0.0", "numpy==1.16", "pytest==6.2.5", "pytest-cov==4.1.0"]
    assert requirements(_problem(library="pytest", version="7.0.0")) == [
        "pytest==7.0.0", "pytest-cov==4.1.0", "numpy==1.23"]
    assert requirements(_problem(library="numpy", version="1.21.0"))[-1] == "pytest-cov==4.1.0"
    spaced = _problem(additional_dependencies="  Pytest_Cov>=4  - ")
    assert requirements(spaced) == [
        "flask==2.0.0", "Pytest_Cov>=4", "pytest==7.2.0", "numpy==1.23"]


def test_unknown_python_version_is_bad_input():
    with pytest.raises(BenchError, match=r"no tool pins for Python 3\.12"):
        requirements(_problem(python_version="3.12"))


def test_package_name_is_canonical():
    assert package_name("Werkzeug==2.0.0") == "werkzeug"
    assert package_name("scikit_learn>=1.0") == "scikit-learn"
    assert package_name("zope.interface[test]~=5.0") == "zope-interface"


@pytest.mark.parametrize(
    "label",
    ["output behaviour", "Output Behaviour", "ouput behavior", "output behavior",
     "gh\noutput behaviour", "  output   behaviour "],
)
def test_spelling_variants_merge(label):
    assert normalize_change(label) == "output behaviour"


def test_other_labels_are_lowercased_only():
    assert normalize_change("Argument or Attribute change") == "argument or attribute change"
    assert normalize_change("Semantics or Function Behaviour change") == (
        "semantics or function behaviour change")
    assert normalize_change("") == "unknown"


@needs_data
def test_dataset_labels_shrink():
    raw = {p.type_of_change for p in load_problems(DATA)}
    merged = {normalize_change(x) for x in raw}
    assert len(merged) < len(raw)
    assert "output behaviour" in merged and "ouput behavior" not in merged


def test_read_ids_from_list_and_file(tmp_path):
    listing = tmp_path / "ids.txt"
    listing.write_text("# header\n5\n6  # trailing comment\n\n7,8\n5\n")
    assert read_ids(["1,2", " 3 ", f"@{listing}"]) == ["1", "2", "3", "5", "6", "7", "8"]
    with pytest.raises(BenchError, match="cannot read id file"):
        read_ids([f"@{tmp_path / 'missing.txt'}"])


def test_select_only_libraries_limit():
    problems = [
        _problem(id="1"), _problem(id="2", library="jinja2"), _problem(id="3"),
        _problem(id="4", library="Jinja2"),
    ]
    assert [p.id for p in select(problems, only=["3,1"])] == ["1", "3"]
    assert [p.id for p in select(problems, libraries=["jinja2"])] == ["2", "4"]
    assert [p.id for p in select(problems, libraries=["flask,jinja2"], limit=3)] == ["1", "2", "3"]
    with pytest.raises(BenchError, match="unknown example id: 9"):
        select(problems, only=["1,9"])
    with pytest.raises(BenchError, match="no selected problem uses library: torch"):
        select(problems, libraries=["torch"])
    with pytest.raises(BenchError, match="--limit must be at least 1"):
        select(problems, limit=0)


def test_subset_file_lists_known_ids():
    subset = Path(__file__).resolve().parents[2] / "benchmarks" / "gitchameleon_subset.txt"
    ids = read_ids([f"@{subset}"])
    assert len(ids) >= 36
    if DATA.exists():
        assert len(select(load_problems(DATA), only=[f"@{subset}"])) == len(ids)
