"""Layering rules from ARCHITECTURE.md, checked on the source: one adapter module per
external system, a pure core, a search package that never imports langgraph."""

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "patchwright"

# third-party package -> the only places allowed to import it
ADAPTERS = {
    "langgraph": ("agent/", "repair.py"),
    "yaml": ("config_files.py",),
    "docker": ("sandbox/docker.py",),
    "openai": ("model/openai_model.py",),
    "textual": ("tui/",),
    "tree_sitter": ("repo/index.py",),
    "git": ("repo/git.py",),
    "bm25s": ("tools/localize/bm25.py",),
    "llama_cpp": ("model/local.py",),
    "rich": ("progress.py", "inspect.py", "benchmarks/runner.py", "tui/"),
}
STDLIB = set(sys.stdlib_module_names)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _modules():
    for path in SRC.rglob("*.py"):
        yield path.relative_to(SRC).as_posix(), _imports(path)


def test_each_external_system_has_one_adapter():
    for rel, names in _modules():
        for pkg, allowed in ADAPTERS.items():
            if pkg in names:
                assert rel.startswith(allowed), f"{rel} imports {pkg}; only {allowed} may"


def test_core_is_pure():
    for rel, names in _modules():
        if rel.startswith("core/"):
            third_party = {n for n in names if n not in STDLIB and n not in ("patchwright", "pydantic")}
            assert not third_party, f"{rel} imports {third_party}"
            assert not any(
                n == "patchwright" for n in names
            ) or _only_core(SRC / rel), f"{rel} imports outside core"


def _only_core(path: Path) -> bool:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("patchwright")
            and not node.module.startswith("patchwright.core")
        ):
            return False
    return True


def test_search_never_imports_langgraph_or_adapters():
    for rel, names in _modules():
        if rel.startswith("search/"):
            assert "langgraph" not in names, rel


def test_ruff_is_clean():
    root = SRC.parents[1]
    res = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "tests"], cwd=root,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
