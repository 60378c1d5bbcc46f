"""SWE-bench environments: the requirements file read from the instance's tree the way the
harness reads it, and the console scripts of a venv the builder renamed made runnable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from patchwright.envs import Env
from patchwright.envs import swebench_env as senv


def test_requirements_follow_r_and_leave_out_options_paths_and_urls(tmp_path: Path) -> None:
    req = tmp_path / "requirements"
    req.mkdir()
    (req / "dev.txt").write_text("-r tests.txt\n# a comment\n-e .\nsphinx==4.0  # docs\n"
                                 "git+https://github.com/sphinx-doc/sphinx.git@96dbe5e3\n"
                                 "--index-url https://example.invalid\n")  # fmt: skip
    (req / "tests.txt").write_text("pytest==6.2.4\nblinker\n")
    reqs = senv.requirements_from_tree("pallets/flask", tmp_path)
    assert reqs == ["pytest==6.2.4", "blinker", "sphinx==4.0"]
    spec = senv.env_spec("pallets/flask", {"python": "3.9", "packages": "requirements.txt",
                                            "pip_packages": ["Werkzeug==2.3.7"]}, tmp_path)  # fmt: skip
    assert spec.python == "3.9" and spec.pins == ("Werkzeug==2.3.7",) and "blinker" in spec.requirements
    conda = senv.env_spec("sympy/sympy", {"python": "3.9", "packages": "mpmath=1.3.0 flake8"}, tmp_path)
    assert conda.requirements == ("mpmath==1.3.0", "flake8")


def test_console_scripts_of_a_renamed_venv_run_again(tmp_path: Path) -> None:
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(sys.executable)
    tool = bin_dir / "tool"
    tool.write_text(f"#!{tmp_path}/gone-build-dir/bin/python\nimport sys\nprint('ran', sys.argv[1])\n")
    tool.chmod(0o755)
    other = bin_dir / "activate"
    other.write_text("# not a script with a shebang\n")
    env = Env(bin_dir / "python", "k", tmp_path / "venv")
    assert senv.relink_scripts(env) == 1
    assert senv.relink_scripts(env) == 0  # idempotent
    assert os.access(tool, os.X_OK)
    out = subprocess.run([str(tool), "ok"], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "ran ok"
    assert other.read_text() == "# not a script with a shebang\n"


def test_tox_current_env_gets_the_venvs_python(tmp_path: Path) -> None:
    env = Env(Path(sys.executable), "k", tmp_path, "3.11.7")
    cmd = "tox --current-env -epy39 -v -- tests/test_ext_viewcode.py"
    written = senv.tox_current_env(cmd, tmp_path, env)
    assert [Path(w).name for w in written] == ["python", "python3", "python3.11"]
    out = subprocess.run([written[0], "-c", "import sys, pytest; print(sys.prefix)"],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert out.returncode == 0 and out.stdout.strip() == sys.prefix
    assert senv.tox_current_env("pytest -rA", tmp_path, env) == []
