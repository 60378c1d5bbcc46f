"""The project's environment: given (--python, --venv) or found by its files and folders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from patchwright.cli import main
from patchwright.envs.project import discover, poetry_env_name, project_python, venv_python
from patchwright.envs.spec import EnvError


@pytest.fixture(scope="module")
def real_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("envs") / "real"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    return folder


def _fake_venv(folder: Path) -> Path:
    """A venv folder layout whose bin/python is a real interpreter (a link)."""
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "python").symlink_to(sys.executable)
    return folder / "bin" / "python"


def test_dot_venv_then_venv(tmp_path: Path, real_venv: Path) -> None:
    (tmp_path / "venv").symlink_to(real_venv)
    assert discover(tmp_path, {}).how == "venv"  # type: ignore[union-attr]
    python = _fake_venv(tmp_path / ".venv")
    found = discover(tmp_path, {})
    assert found is not None and found.python == str(python) and found.how == ".venv"


def test_active_virtual_env(tmp_path: Path, real_venv: Path) -> None:
    found = discover(tmp_path, {"VIRTUAL_ENV": str(real_venv)})
    assert found is not None and found.how == "$VIRTUAL_ENV"
    assert found.python == str(venv_python(real_venv))
    assert discover(tmp_path, {"VIRTUAL_ENV": sys.prefix}) is None  # patchwright's own
    assert discover(tmp_path, {}) is None


def test_poetry_environment_by_name_and_path_hash(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.poetry]\nname = "My Lib"\n')
    name = poetry_env_name("My Lib", project)
    assert name.startswith("my_lib-") and len(name) == len("my_lib-") + 8
    python = _fake_venv(tmp_path / "cache" / "virtualenvs" / f"{name}-py3.11")
    _fake_venv(tmp_path / "cache" / "virtualenvs" / "other-abcdefgh-py3.11")
    found = discover(project, {"POETRY_CACHE_DIR": str(tmp_path / "cache")})
    assert found is not None and found.how == "poetry" and found.python == str(python)


def test_hatch_configured_path_and_data_dir(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "lib"\n[tool.hatch.envs.default]\npath = ".hatch"\n'
    )
    python = _fake_venv(project / ".hatch")
    assert discover(project, {}).python == str(python)  # type: ignore[union-attr]
    (project / "pyproject.toml").write_text('[project]\nname = "lib"\n[tool.hatch.version]\n')
    data = tmp_path / "hatch"
    env = data / "env" / "virtual" / "lib" / "Xy12ab" / "lib"
    python = _fake_venv(env)
    found = discover(project, {"HATCH_DATA_DIR": str(data)})
    assert found is not None and found.how == "hatch" and found.python == str(python)


def test_uv_project_environment(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text("version = 1\n")
    python = _fake_venv(tmp_path / "envs" / "uv")
    found = discover(tmp_path, {"UV_PROJECT_ENVIRONMENT": "envs/uv"})
    assert found is not None and found.how == "uv" and found.python == str(python)


def test_given_wins_and_bad_ones_are_one_line(tmp_path: Path, real_venv: Path) -> None:
    _fake_venv(tmp_path / ".venv")
    found = project_python(tmp_path, venv=str(real_venv), environ={})
    assert found is not None and found.python == str(venv_python(real_venv))
    assert project_python(tmp_path, python=sys.executable).how == "--python"  # type: ignore[union-attr]
    with pytest.raises(EnvError, match="not a virtual environment"):
        project_python(tmp_path, venv=str(tmp_path / "nope"))
    with pytest.raises(EnvError, match="not an executable interpreter"):
        project_python(tmp_path, python=str(tmp_path / "nope"))


def test_cli_bad_venv_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "proj").mkdir()
    code = main(["repair", str(tmp_path / "proj"), "--venv", str(tmp_path / "nope"),
                 "--out", str(tmp_path / "run")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "patchwright: error: not a virtual environment" in err
    assert "Traceback" not in err


def test_help_says_how_to_point_at_the_environment(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["repair", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--python PATH" in out and "--venv DIR" in out and ".venv" in out
    assert "Poetry, uv or Hatch" in out
