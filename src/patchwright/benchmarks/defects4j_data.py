"""Defects4J without its downloads: a bug read from the user's framework folder
(``framework/projects/<P>/``: ``active-bugs.csv``, ``patches/<id>.src.patch``,
``trigger_tests/<id>``, ``relevant_tests/<id>``, ``lib/``, ``compile-errors/``) and
rebuilt from a full clone of the project as the framework's ``checkout`` does: the fixed
revision's tree, the compile-error patches whose bug range holds the id, source files not
in UTF-8 converted from ISO-8859-1, an ``enum`` package renamed (Lang's pre-Java-5 code),
then, for the buggy version, the source patch applied (it turns the fixed code into the
buggy code). No framework data or project source is kept in Patchwright."""

from __future__ import annotations

import csv
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from patchwright.benchmarks.runner import BenchError
from patchwright.core.errors import PatchwrightError
from patchwright.repo.git import apply_diff, export_tree, init_repo

CLONES = {"Lang": "commons-lang", "Math": "commons-math", "Time": "joda-time",
          "Chart": "jfreechart", "Closure": "closure-compiler", "Mockito": "mockito"}  # fmt: skip
"""The repository names the framework's ``project_repos`` folder uses."""
LIB = ".d4j-lib"
"""Workspace folder the bug's jars are copied to."""
_RANGE = re.compile(r"-(\d+)-(\d+)\.diff$")


class CheckoutError(PatchwrightError):
    """A bug could not be rebuilt (a patch that does not apply, a missing commit)."""


@dataclass
class D4JBug:
    project: str
    number: int
    buggy_rev: str
    fixed_rev: str
    src_patch: str
    """fixed -> buggy, as the framework stores it."""
    triggers: list[str]
    """``pkg.Class#method`` ids of the tests the bug makes fail."""
    relevant: list[str]
    """Test classes that load a class the fix modifies."""
    jars: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.project}-{self.number}"


def project_dir(home: Path, project: str) -> Path:
    folder = home / "framework" / "projects" / project
    if not (folder / "active-bugs.csv").is_file():
        raise BenchError(f"no Defects4J project {project!r} under {home} (framework/projects)")
    return folder


def active_bugs(home: Path, project: str) -> dict[int, tuple[str, str]]:
    """Bug id -> (buggy revision, fixed revision)."""
    with open(project_dir(home, project) / "active-bugs.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {int(r["bug.id"]): (r["revision.id.buggy"], r["revision.id.fixed"]) for r in rows}


def _lines(path: Path) -> list[str]:
    try:
        return [ln.strip() for ln in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    except OSError:
        return []


def read_bug(home: Path, project: str, number: int) -> D4JBug:
    folder = project_dir(home, project)
    bugs = active_bugs(home, project)
    if number not in bugs:
        raise BenchError(f"{project}-{number} is not an active Defects4J bug")
    buggy, fixed = bugs[number]
    patch = folder / "patches" / f"{number}.src.patch"
    if not patch.is_file():
        raise BenchError(f"missing {patch}")
    triggers = [ln[4:].strip().replace("::", "#") for ln in _lines(folder / "trigger_tests" / str(number))
                if ln.startswith("--- ")]  # fmt: skip
    relevant = [ln for ln in _lines(folder / "relevant_tests" / str(number)) if ln]
    jars = sorted(str(p) for p in (folder / "lib").rglob("*.jar")) if (folder / "lib").is_dir() else []
    names = {Path(j).name for j in jars}
    # Patchwright brings JUnit 4 itself; a jar of the same name once is enough
    jars = [j for j in jars if not Path(j).name.startswith("junit") and names.discard(Path(j).name) is None]
    return D4JBug(project, number, buggy, fixed, patch.read_text(encoding="utf-8", errors="replace"),
                  triggers, relevant, jars)  # fmt: skip


def _to_utf8(root: Path) -> list[str]:
    """Rewrite the ``.java`` files that are not UTF-8 from ISO-8859-1; their paths."""
    done = []
    for path in sorted(root.rglob("*.java")):
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            path.write_bytes(data.decode("latin-1").encode("utf-8"))
            done.append(str(path.relative_to(root)))
    return done


def _rename_enum(root: Path) -> bool:
    """Lang's ``org/apache/commons/lang/enum`` package -> ``oldenum`` (a keyword since 5)."""
    moved = False
    for top in ("src/java", "src/test", "src/main/java", "src/test/java"):
        folder = root / top / "org" / "apache" / "commons" / "lang" / "enum"
        if folder.is_dir():
            folder.rename(folder.with_name("oldenum"))
            moved = True
    if moved:
        for path in root.rglob("*.java"):
            text = path.read_text(encoding="utf-8", errors="replace")
            if ".enum;" in text or ".enum." in text:
                path.write_text(text.replace(".enum;", ".oldenum;").replace(".enum.", ".oldenum."),
                                encoding="utf-8")  # fmt: skip
    return moved


def checkout(home: Path, clone: Path, bug: D4JBug, dest: Path, *, buggy: bool) -> list[str]:
    """Rebuild the bug's buggy (or fixed) version in ``dest`` (a fresh git repository);
    notes on what was adapted (compile-error patches, encodings)."""
    notes: list[str] = []
    try:
        export_tree(clone, bug.fixed_rev, dest)
    except PatchwrightError as exc:
        raise CheckoutError(f"cannot export {bug.fixed_rev[:10]} from {clone}: {exc}") from exc
    errors = project_dir(home, bug.project) / "compile-errors"
    for diff in sorted(errors.glob("*.diff")) if errors.is_dir() else []:
        m = _RANGE.search(diff.name)
        if m and int(m.group(1)) <= bug.number <= int(m.group(2)):
            try:
                apply_diff(dest, diff.read_text(encoding="utf-8", errors="replace"))
            except PatchwrightError as exc:
                raise CheckoutError(f"compile-error patch {diff.name} does not apply: {exc}") from exc
            notes.append(f"compile-errors/{diff.name}")
    converted = _to_utf8(dest)
    if converted:
        notes.append(f"{len(converted)} file(s) from ISO-8859-1 to UTF-8")
    if _rename_enum(dest):
        notes.append("enum package renamed oldenum")
    if buggy:
        try:
            apply_diff(dest, bug.src_patch)
        except PatchwrightError as exc:
            raise CheckoutError(f"the source patch does not apply: {exc}") from exc
    lib = dest / LIB
    lib.mkdir(exist_ok=True)
    for jar in bug.jars:  # in the workspace: an isolated run sees no /tmp of the host
        shutil.copyfile(jar, lib / Path(jar).name)
    init_repo(dest, f"{bug.id} {'buggy' if buggy else 'fixed'}", force=True)
    return notes


def classpath(bug: D4JBug) -> list[str]:
    """The bug's jars as workspace paths (``runners.junit.classpath``)."""
    return [f"{LIB}/{Path(j).name}" for j in bug.jars]
