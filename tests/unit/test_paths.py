"""PATCHWRIGHT_HOME is resolved in one place (app/paths.py); lower layers get folders
passed down (the assertions moved here from test_pyenvs.py and test_model_cache.py)."""

import ast
import os
from pathlib import Path

from patchwright.app.paths import HOME_VAR, resolve_paths
from patchwright.core.config import build_config
from patchwright.model.factory import make_model

SRC = Path(__file__).resolve().parents[2] / "src" / "patchwright"


def test_home_from_the_environment_or_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("PATCHWRIGHT_HOME", str(tmp_path / "pwhome"))
    paths = resolve_paths()
    assert paths.home == tmp_path / "pwhome"
    assert paths.runs == tmp_path / "pwhome" / "runs"
    assert paths.wheels == tmp_path / "pwhome" / "wheels"
    monkeypatch.delenv("PATCHWRIGHT_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert resolve_paths().home == tmp_path / "user" / ".local" / "state" / "patchwright"
    assert resolve_paths({HOME_VAR: "/x"}).home == Path("/x")
    assert resolve_paths({HOME_VAR: ""}).home == tmp_path / "user" / ".local/state/patchwright"


def test_default_env_cache_follows_patchwright_home(tmp_path, monkeypatch):
    monkeypatch.setenv("PATCHWRIGHT_HOME", str(tmp_path / "pwhome"))
    assert resolve_paths().envs == tmp_path / "pwhome" / "envs"
    assert os.fspath(resolve_paths().envs).endswith("envs")


def test_default_model_cache_follows_patchwright_home(tmp_path, monkeypatch):
    monkeypatch.setenv("PATCHWRIGHT_HOME", str(tmp_path))
    config = build_config(overrides=["model.name=gpt-4o", "model.api_key=sk-test"])
    model = make_model(config, home=resolve_paths().home)
    assert model is not None and model.cache is not None
    assert model.cache.root == tmp_path / "cache" / "model"


def test_new_run_dirs_are_distinct(tmp_path):
    paths = resolve_paths({HOME_VAR: str(tmp_path)})
    first = paths.new_run_dir(tmp_path / "proj")
    assert first.parent == tmp_path / "runs" and "-proj-" in first.name and first.is_dir()
    second = paths.new_run_dir(tmp_path / "proj")
    assert second != first and second.is_dir() and not any(second.iterdir())


def test_only_app_paths_reads_patchwright_home():
    """No other module names the variable in code (help texts and docstrings may)."""
    readers = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value == HOME_VAR:
                readers.append(path.relative_to(SRC).as_posix())
    assert readers == ["app/paths.py"]
