"""What a project declares it needs (requirements files, pyproject) and what the running
interpreter does not meet: real files, the real installed distributions."""

from __future__ import annotations

import importlib.metadata

from patchwright.envs.declared import declared, unmet


def test_requirements_files_with_includes_comments_and_options(tmp_path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "# pinned\nattrs==19.3.0  # the old one\n-r requirements/base.txt\n-e .\n"
        "--index-url https://example.invalid/simple\n\nsix\n"
    )
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "base.txt").write_text("idna>=2\nsix\n")
    (tmp_path / "requirements-test.txt").write_text("-r ../../etc/passwd\nmock\n")
    found = declared(tmp_path)
    assert found.requirements == ("attrs==19.3.0", "idna>=2", "six", "mock")
    assert found.sources[:2] == ("requirements.txt", "requirements-test.txt")


def test_pyproject_dependencies_and_test_extras_not_the_project_itself(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "my_proj"\ndependencies = ["click>=8"]\n'
        '[project.optional-dependencies]\ntest = ["hypothesis", "my-proj[extra]"]\n'
        'docs = ["sphinx"]\n'
    )
    found = declared(tmp_path)
    assert found.requirements == ("click>=8", "hypothesis")
    assert found.sources == ("pyproject.toml",)


def test_nothing_declared(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 99\n")
    assert declared(tmp_path).requirements == ()


def test_unmet_checks_installed_versions_and_markers() -> None:
    pytest_version = importlib.metadata.version("pytest")
    assert unmet((f"pytest=={pytest_version}", "pytest>=1")) == []
    assert unmet(("pytest<1",)) == ["pytest<1"]
    assert unmet(("no-such-distribution-xyz",)) == ["no-such-distribution-xyz"]
    assert unmet(('no-such-distribution-xyz; sys_platform == "nonexistent"',)) == []
    assert unmet(("not a requirement ((",)) == ["not a requirement (("]
