"""Layering rules from ARCHITECTURE.md, checked on the source: imports point down the layers
only, no two packages import each other (directly or round a longer loop), one adapter
module per external system (git processes included), a pure core."""

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "patchwright"

# top to bottom; a module may import its own layer's packages or lower layers
LAYERS = [
    ("cli", "console", "benchmarks", "tui", "hooks"),
    ("app",),
    ("agent",),
    ("pipeline",),
    ("tasks",),
    ("search",),
    ("localize", "propose", "prompts"),
    ("model", "repo", "sandbox", "testing", "envs"),
    ("store",),
    ("core",),
]

# third-party package -> the only places allowed to import it
ADAPTERS = {
    "langgraph": ("agent/",),
    "yaml": ("store/config_files.py",),
    "docker": ("sandbox/docker.py",),
    "openai": ("model/openai_model.py",),
    "textual": ("tui/",),
    "tree_sitter": ("repo/index.py",),
    "tree_sitter_python": ("repo/index.py",),
    "tree_sitter_java": ("repo/index.py",),
    "git": ("repo/git.py",),
    "bm25s": ("localize/bm25.py",),
    "llama_cpp": ("model/local.py",),
    "coverage": ("testing/coverage_data.py", "testing/pytest_coverage_plugin.py"),  # the plugin runs in the test interpreter
    "libcst": ("propose/migrate/codemod.py",),
    "rich": ("console/", "benchmarks/runner.py", "tui/"),
    "github": ("repo/github.py",),  # PyGithub
    "swebench": ("envs/swebench_specs.py",),
    "ray": ("benchmarks/ray_executor.py",),
}
STDLIB = set(sys.stdlib_module_names)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        yield path.relative_to(SRC).as_posix(), _imports(path)


def _package(rel: str) -> str:
    return rel.split("/")[0].removesuffix(".py")


def _layer(package: str) -> int:
    for i, names in enumerate(LAYERS):
        if package in names:
            return i
    raise AssertionError(f"package {package!r} is in no layer of ARCHITECTURE.md")


def _internal(names: set[str]) -> set[str]:
    """Packages of patchwright a module imports (``patchwright.x.y`` -> ``x``)."""
    out = set()
    for n in names:
        parts = n.split(".")
        if (parts[0] == "patchwright" and len(parts) > 1 and (SRC / parts[1]).exists()) or (parts[0] == "patchwright" and len(parts) > 1 and (SRC / f"{parts[1]}.py").exists()):
            out.add(parts[1])
    return out


def test_every_package_has_a_layer():
    for rel, _ in _modules():
        if rel != "__init__.py":
            _layer(_package(rel))


def test_imports_point_down_the_layers():
    for rel, names in _modules():
        if rel == "__init__.py":
            continue
        mine = _layer(_package(rel))
        for pkg in _internal(names):
            assert _layer(pkg) >= mine, f"{rel} imports patchwright.{pkg}, a higher layer"


FRONT = ("cli", "console")
FRONT_MAY_USE = {*LAYERS[0], "app", "store", "core"}


def test_the_command_line_reaches_no_lower_than_app():
    """cli and console build requests and show results: what they need from below goes
    through app/ (store and core are the read-only views and the types). Benchmarks are not
    held to this yet: GitChameleon's harness grades with envs/sandbox/testing directly."""
    for rel, names in _modules():
        if _package(rel) in FRONT:
            below = _internal(names) - FRONT_MAY_USE
            assert not below, f"{rel} reaches below app: {sorted(below)}"


def test_no_cycles_between_packages():
    graph: dict[str, set[str]] = {}
    for rel, names in _modules():
        pkg = _package(rel)
        graph.setdefault(pkg, set()).update(p for p in _internal(names) if p != pkg)

    def reach(start: str) -> set[str]:
        seen, todo = set(), list(graph.get(start, ()))
        while todo:
            p = todo.pop()
            if p not in seen:
                seen.add(p)
                todo.extend(graph.get(p, ()))
        return seen

    for pkg in graph:
        assert pkg not in reach(pkg), f"package {pkg} imports itself round a loop"


def test_no_cycles_between_modules():
    """No two modules import each other at module level (a cycle that works by luck)."""
    edges: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        mod = "patchwright." + rel.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        mod = mod.removesuffix(".__init__")
        tree = ast.parse(path.read_text())
        out = edges.setdefault(mod, set())
        for node in tree.body:  # module level only: function-level imports are lazy
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("patchwright."):
                out.add(node.module)
    for mod, targets in edges.items():
        for t in targets:
            assert mod not in edges.get(t, set()) or mod == t, f"{mod} <-> {t}"


def test_each_external_system_has_one_adapter():
    for rel, names in _modules():
        tops = {n.split(".")[0] for n in names}
        for pkg, allowed in ADAPTERS.items():
            if pkg in tops:
                assert rel.startswith(allowed), f"{rel} imports {pkg}; only {allowed} may"


# Sent as source text to the Python inside a sandbox container and run there (it may not
# import patchwright): its git calls are processes of the container, not of this host.
CONTAINER_SIDE = ("sandbox/docker_agent.py",)


def test_only_repo_git_spawns_git():
    """Every ``git`` process is started by repo/git.py (a literal "git" as argv[0])."""
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel in ("repo/git.py", *CONTAINER_SIDE):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.List | ast.Tuple) and node.elts:
                first = node.elts[0]
                if isinstance(first, ast.Constant) and first.value == "git" and len(node.elts) > 1:
                    raise AssertionError(f"{rel}:{node.lineno} builds a git command line")


def test_core_is_pure():
    for rel, names in _modules():
        if rel.startswith("core/"):
            tops = {n.split(".")[0] for n in names}
            third_party = {n for n in tops if n not in STDLIB and n not in ("patchwright", "pydantic")}
            assert not third_party, f"{rel} imports {third_party}"
            assert _internal(names) <= {"core"}, f"{rel} imports outside core"


def test_no_module_shadows_the_standard_library():
    for path in SRC.rglob("*.py"):
        name = path.stem
        assert name == "__init__" or name not in STDLIB, f"{path.relative_to(SRC)} shadows {name}"
    for path in SRC.rglob("*"):
        if path.is_dir() and path.name != "__pycache__":
            assert path.name not in STDLIB, f"{path.relative_to(SRC)}/ shadows {path.name}"


def test_ruff_is_clean():
    root = SRC.parents[1]
    res = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "tests", "benchmarks"], cwd=root,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_mypy_strict_is_clean_on_core_and_search():
    root = SRC.parents[1]
    res = subprocess.run([sys.executable, "-m", "mypy"], cwd=root, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
