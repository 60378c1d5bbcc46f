"""Snapshots: copy the user's project into an isolated git workspace, and write patches back.

The user's tree is only ever read (``git ls-files`` with ``GIT_OPTIONAL_LOCKS=0``, no index
refresh) until :func:`apply_to_source`, which refuses when the tree changed since the snapshot.

Git runs as a subprocess with the repository-location variables (``GIT_DIR``,
``GIT_INDEX_FILE``, ``GIT_WORK_TREE``, ...) removed from its environment: GitPython can only
add variables, and one inherited from a git hook would point ``git add``/``git commit`` in the
workspace at the user's repository. Limitation: submodules and nested repositories are skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from patchwright.core.diff import (
    PatchError,
    apply_to_files,
    deleted_paths,
    touched_paths,
)
from patchwright.core.domain import Patch
from patchwright.core.errors import PatchwrightError

SNAPSHOT_FILE = "patchwright-snapshot.json"
SNAPSHOT_VERSION = 1
BASE_MESSAGE = "patchwright base"
_SKIP_DIRS = frozenset(
    {".git", "__pycache__", ".venv", "venv", ".tox", ".nox", "node_modules", ".mypy_cache"}
    | {".pytest_cache", ".ruff_cache"}
)
_SKIP_TOP_DIRS = frozenset({"build", "dist"})  # only at the root: ``src/build`` may be a package
_EXCLUDE = "__pycache__/\n*.pyc\n.pytest_cache/\n.coverage*\n"
_ATTRIBUTES = "* -text -eol -filter -ident -working-tree-encoding\n"  # store the exact bytes
_LOCAL_ENV = (  # noqa: SIM905  (from `git rev-parse --local-env-vars`)
    "GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_CONFIG GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT "
    "GIT_OBJECT_DIRECTORY GIT_DIR GIT_WORK_TREE GIT_IMPLICIT_WORK_TREE GIT_GRAFT_FILE "
    "GIT_INDEX_FILE GIT_NO_REPLACE_OBJECTS GIT_REPLACE_REF_BASE GIT_PREFIX GIT_SHALLOW_FILE "
    "GIT_INTERNAL_SUPER_PREFIX GIT_COMMON_DIR GIT_NAMESPACE"
).split()
_IDENTITY = {
    **{f"GIT_{r}_NAME": "patchwright" for r in ("AUTHOR", "COMMITTER")},
    **{f"GIT_{r}_EMAIL": "patchwright@localhost" for r in ("AUTHOR", "COMMITTER")},
    **{f"GIT_{r}_DATE": "2000-01-01T00:00:00+0000" for r in ("AUTHOR", "COMMITTER")},
}
_LINK = 0o120000
_USER_REPO_CONFIG = (  # forced on every git run on the user's repository or a workspace
    ("core.hooksPath", os.devnull),
    ("core.fsmonitor", "false"),
    ("core.pager", "cat"),
    ("core.autocrlf", "false"),
    ("core.alternateRefsCommand", ""),
    ("uploadpack.packObjectsHook", ""),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
)
"""What a repository's own config must not do to Patchwright's git: run hooks, an fsmonitor,
a pager or an external diff, start background gc or rewrite line endings. The user's global config (identity, excludes, filters such as LFS that their
own clone needs) still applies; :func:`sandbox_git` is stricter (no global config at all)
for what tests may have touched."""


class SnapshotError(PatchwrightError):
    """A snapshot cannot be made, loaded or written back; the message is one line."""


@dataclass(frozen=True)
class Snapshot:
    source: Path
    workspace: Path
    base_commit: str
    manifest: dict[str, str]
    """relpath (POSIX) -> sha256 of the bytes copied; symlinks: ``'link:' + target``."""
    source_is_git: bool
    git_manifest: dict[str, str] = field(default_factory=dict)
    """``.git/config`` and ``.git/hooks/*`` of the user's repository (path -> sha256): what
    a test run without namespaces could plant to run later with the user's powers; the
    ``--apply`` change check covers them."""


def _git(
    cwd: Path, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> bytes:
    full_env = {k: v for k, v in os.environ.items() if k not in _LOCAL_ENV}
    full_env.update(GIT_OPTIONAL_LOCKS="0", GIT_TERMINAL_PROMPT="0", LC_ALL="C", LANGUAGE="C")
    full_env.update(GIT_NO_REPLACE_OBJECTS="1", GIT_PAGER="cat")
    full_env.update(env or {})
    full_env["GIT_CONFIG_COUNT"] = str(len(_USER_REPO_CONFIG))  # git's own child gits too
    for i, (key, value) in enumerate(_USER_REPO_CONFIG):
        full_env[f"GIT_CONFIG_KEY_{i}"], full_env[f"GIT_CONFIG_VALUE_{i}"] = key, value
    cmd = ["git", "--no-replace-objects", "--no-pager"]
    for key, value in _USER_REPO_CONFIG:
        cmd += ["-c", f"{key}={value}"]
    cmd += args
    if args and args[0] == "diff":
        cmd.insert(len(cmd) - len(args) + 1, "--no-ext-diff")
    try:
        proc = subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, env=full_env)
    except FileNotFoundError as e:
        raise SnapshotError("git is not installed (needed to make the snapshot)") from e
    if proc.returncode:
        lines = proc.stderr.decode(errors="replace").strip().splitlines() or ["no message"]
        raise SnapshotError(f"git {args[0]} failed in {cwd}: {lines[0]}")
    return proc.stdout


def _git_toplevel(source: Path) -> Path | None:
    try:
        return Path(os.fsdecode(_git(source, "rev-parse", "--show-toplevel").rstrip(b"\n")))
    except SnapshotError as e:
        if "not a git repository" in str(e):
            return None
        raise


def _skipped(parts: tuple[str, ...]) -> bool:
    """The safety-net skip list, applied to a relative path's components."""
    if len(parts) > 1 and parts[0] in _SKIP_TOP_DIRS:
        return True
    if any(p in _SKIP_DIRS or p.endswith(".egg-info") for p in parts):
        return True
    name = parts[-1]
    return name.endswith(".pyc") or name == ".coverage" or name.startswith(".coverage.")


def _walk(source: Path) -> list[str]:
    def fail(err: OSError) -> None:
        raise SnapshotError(f"cannot read {err.filename}: {err.strerror}")

    out: list[str] = []
    for root, dirs, files in os.walk(source, onerror=fail):
        rel = Path(root).relative_to(source).parts
        keep = []
        for d in dirs:
            if os.path.islink(os.path.join(root, d)):
                files.append(d)  # copied as a link, never followed
            elif not _skipped((*rel, d, "x")) and not os.path.exists(
                os.path.join(root, d, "pyvenv.cfg")
            ):
                keep.append(d)
        dirs[:] = keep
        out.extend("/".join((*rel, f)) for f in files if not _skipped((*rel, f)))
    return out


def _git_files(source: Path) -> list[str]:
    def ls(*args: str) -> list[str]:
        raw = _git(source, "ls-files", "-z", *args).split(b"\0")
        return [os.fsdecode(p) for p in raw if p and not p.endswith(b"/")]  # 'dir/': nested repo

    untracked = [
        p for p in ls("--others", "--exclude-standard") if not _skipped(tuple(p.split("/")))
    ]
    venvs: dict[str, bool] = {}
    for p in untracked:  # an untracked virtualenv that no .gitignore mentions
        parts = p.split("/")
        for i in range(1, len(parts)):
            d = "/".join(parts[:i])
            if d not in venvs:
                venvs[d] = (source / d / "pyvenv.cfg").is_file()
    in_venv = [d + "/" for d, v in venvs.items() if v]
    return ls("--cached") + [p for p in untracked if not p.startswith(tuple(in_venv))]


def _inside(root: Path, rel: str) -> bool:
    """No parent of ``root/rel`` is a symlink or a non-directory (so we never leave ``root``)."""
    cur = root
    for part in rel.split("/")[:-1]:
        cur = cur / part
        try:
            if not stat.S_ISDIR(os.lstat(cur).st_mode):
                return False
        except FileNotFoundError:
            return True
    return True


def _read(source: Path, rel: str) -> tuple[int, bytes] | None:
    """(git mode, bytes or link target) of a regular file or symlink; None for anything else."""
    path = source / rel
    if not _inside(source, rel):
        return None
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            return _LINK, os.fsencode(os.readlink(path))
        if not stat.S_ISREG(st.st_mode):
            return None  # deleted, submodule directory, fifo, socket...
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise SnapshotError(f"cannot read {path}: {e.strerror}") from e
    return (0o100755 if st.st_mode & 0o111 else 0o100644), data


def _digest(mode: int, data: bytes) -> str:
    return "link:" + os.fsdecode(data) if mode == _LINK else hashlib.sha256(data).hexdigest()


def _git_guard(source: Path) -> dict[str, str]:
    """sha256 of the repository's ``config`` and of every file in its ``hooks`` folder,
    by ``.git/...`` path ({} when ``source`` is no git work tree)."""
    try:
        common = Path(os.fsdecode(_git(source, "rev-parse", "--git-common-dir").rstrip(b"\n")))
    except SnapshotError:
        return {}
    common = common if common.is_absolute() else Path(source) / common
    found = [common / "config"]
    if (common / "hooks").is_dir():
        found += sorted(p for p in (common / "hooks").rglob("*") if not p.is_dir())
    out: dict[str, str] = {}
    for path in found:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        out[".git/" + path.relative_to(common).as_posix()] = hashlib.sha256(data).hexdigest()
    return out


def _scan(source: Path, is_git: bool) -> dict[str, tuple[int, bytes]]:
    paths = _git_files(source) if is_git else _walk(source)
    found = {p: _read(source, p) for p in dict.fromkeys(paths)}
    return {p: e for p, e in sorted(found.items()) if e is not None}


def _copy(source: Path, workspace: Path, files: dict[str, tuple[int, bytes]]) -> None:
    for rel, (mode, data) in files.items():
        dst = workspace / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if mode != _LINK:
            dst.write_bytes(data)
            dst.chmod(mode & 0o777)
            continue
        target = os.fsdecode(data)
        if os.path.isabs(target) and Path(os.path.normpath(target)).is_relative_to(source):
            target = os.path.relpath(os.path.normpath(target), (source / rel).parent)  # stay inside
        os.symlink(target, dst)


def snapshot(source: Path, workspace: Path) -> Snapshot:
    """Copy ``source`` into a new git repository at ``workspace`` and commit it as the base."""
    src, ws = Path(source).resolve(), Path(workspace).resolve()
    if not src.is_dir():
        raise SnapshotError(f"project directory {source} does not exist or is not a directory")
    if ws == src or ws.is_relative_to(src) or src.is_relative_to(ws):
        raise SnapshotError(f"workspace {ws} and project {src} must not contain each other")
    top = _git_toplevel(src)
    if ws.exists() and (not ws.is_dir() or any(ws.iterdir())):
        raise SnapshotError(f"workspace {ws} exists and is not an empty directory")
    files = _scan(src, top is not None)
    if not files:
        raise SnapshotError(f"no files to snapshot in {src} (empty, or all ignored by git)")
    created = not ws.exists()
    try:
        ws.mkdir(parents=True, exist_ok=True)
        _copy(src, ws, files)
        _git(ws, "init", "-q", "--template=", "--initial-branch=main")
        info = ws / ".git" / "info"
        info.mkdir(exist_ok=True)
        (info / "exclude").write_text(_EXCLUDE)
        (info / "attributes").write_text(_ATTRIBUTES)
        opts = ("-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", "-c", "gc.auto=0")
        _git(ws, *opts, "add", "-A", "-f")
        _git(ws, *opts, "commit", "-q", "--no-verify", "-m", BASE_MESSAGE, env=_IDENTITY)
        base = _git(ws, "rev-parse", "HEAD").decode().strip()
        manifest = {p: _digest(m, d) for p, (m, d) in files.items()}
        guard = _git_guard(src) if top is not None else {}
        snap = Snapshot(src, ws, base, manifest, top is not None, guard)
        record = {"version": SNAPSHOT_VERSION, "source": str(src), "base_commit": base}
        record |= {"source_is_git": snap.source_is_git, "manifest": manifest, "git": guard}
        (ws / ".git" / SNAPSHOT_FILE).write_text(json.dumps(record, indent=1, sort_keys=True))
    except BaseException:
        shutil.rmtree(ws, ignore_errors=True)
        if not created:
            ws.mkdir(exist_ok=True)
        raise
    return snap


def load_snapshot(workspace: Path) -> Snapshot:
    """The snapshot recorded in ``workspace`` (for resuming a run)."""
    ws = Path(workspace).resolve()
    try:
        record = json.loads((ws / ".git" / SNAPSHOT_FILE).read_text())
        if record.get("version") != SNAPSHOT_VERSION:
            raise SnapshotError(f"{ws} has snapshot format {record.get('version')!r}, expected 1")
        manifest = {str(k): str(v) for k, v in dict(record["manifest"]).items()}
        return Snapshot(
            Path(record["source"]),
            ws,
            str(record["base_commit"]),
            manifest,
            bool(record["source_is_git"]),
            {str(k): str(v) for k, v in dict(record.get("git", {})).items()},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise SnapshotError(
            f"{ws} is not a patchwright workspace (no valid snapshot record)"
        ) from e


def tree_changes(snap: Snapshot) -> list[str]:
    """Paths added, removed or modified in the user's tree since the snapshot (and, in a
    git repository, ``.git/config`` and ``.git/hooks/*``)."""
    if not snap.source.is_dir():
        raise SnapshotError(f"project directory {snap.source} does not exist any more")
    now = {p: _digest(m, d) for p, (m, d) in _scan(snap.source, snap.source_is_git).items()}
    changed = [p for p in now.keys() | snap.manifest.keys() if now.get(p) != snap.manifest.get(p)]
    if snap.source_is_git and snap.git_manifest:
        guard = _git_guard(snap.source)
        keys = guard.keys() | snap.git_manifest.keys()
        changed += [p for p in keys if guard.get(p) != snap.git_manifest.get(p)]
    return sorted(changed)


def _tree(workspace: Path) -> dict[str, tuple[int, str]]:
    """path -> (mode, blob sha) of every blob at the base commit."""
    rev = "HEAD"
    try:
        rev = load_snapshot(workspace).base_commit
    except SnapshotError:
        pass
    out: dict[str, tuple[int, str]] = {}
    for entry in _git(Path(workspace), "ls-tree", "-r", "-z", "--full-tree", rev).split(b"\0"):
        if entry:
            meta, path = entry.split(b"\t", 1)
            mode, kind, sha = meta.decode().split()
            if kind == "blob":
                out[os.fsdecode(path)] = (int(mode, 8), sha)
    return out


def list_files(workspace: Path) -> list[str]:
    """Regular files tracked at the base commit (symlinks and submodules left out), sorted."""
    return sorted(p for p, (mode, _) in _tree(workspace).items() if mode != _LINK)


def read_files(workspace: Path, paths: Iterable[str]) -> dict[str, str]:
    """Base-commit text of the regular files among ``paths``; missing or non-UTF-8 files skipped."""
    tree = _tree(workspace)
    wanted = {p: tree[p][1] for p in paths if p in tree and tree[p][0] != _LINK}
    if not wanted:
        return {}
    batch = "".join(sha + "\n" for sha in wanted.values()).encode()
    raw = _git(Path(workspace), "cat-file", "--batch", stdin=batch)
    out: dict[str, str] = {}
    pos = 0
    for path in wanted:
        end = raw.index(b"\n", pos)
        size = int(raw[pos:end].split()[2])
        data, pos = raw[end + 1 : end + 1 + size], end + 2 + size
        try:
            out[path] = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return out


def apply_to_source(snap: Snapshot, patch: Patch) -> list[str]:
    """Write ``patch`` into the user's tree atomically per file; returns the paths written or removed."""
    try:
        paths = touched_paths(patch.diff)
        new = apply_to_files(read_files(snap.workspace, paths), patch.diff)
        deleted = set(deleted_paths(patch.diff))
    except PatchError as e:
        raise SnapshotError(f"patch cannot be applied: {e}") from e
    changed = tree_changes(snap)
    if changed:
        more = f" and {len(changed) - 10} more" if len(changed) > 10 else ""
        raise SnapshotError(
            f"the project changed since the snapshot: {', '.join(changed[:10])}{more}; not applying"
        )
    for rel in new:  # unchanged tree: a manifest entry that is no link is a regular file now
        ours = rel in snap.manifest and not snap.manifest[rel].startswith("link:")
        if not _inside(snap.source, rel) or (os.path.lexists(snap.source / rel) and not ours):
            raise SnapshotError(
                f"patch would write {rel}, which is not a file of the snapshot; not applying"
            )
    staged: list[tuple[str, str]] = []
    try:
        for rel in sorted(new.keys() - deleted):
            target = snap.source / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            old = os.lstat(target) if target.exists() else None
            fd, tmp = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".patchwright"
            )
            staged.append((tmp, rel))
            with os.fdopen(fd, "wb") as f:
                f.write(new[rel].encode("utf-8"))
                os.fchmod(f.fileno(), stat.S_IMODE(old.st_mode) if old else 0o644)
                if old is not None:
                    try:
                        os.fchown(f.fileno(), old.st_uid, old.st_gid)
                    except OSError:
                        pass
        for tmp, rel in staged:
            os.replace(tmp, snap.source / rel)
        staged = []
        for rel in sorted(deleted & new.keys()):
            (snap.source / rel).unlink(missing_ok=True)
    finally:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
    return sorted(new)


SAFE_CONFIG = (
    ("core.hooksPath", os.devnull),
    ("core.fsmonitor", "false"),
    ("core.pager", "cat"),
    ("core.attributesFile", os.devnull),
    ("core.autocrlf", "false"),
    ("core.symlinks", "true"),
    ("diff.noprefix", "false"),
    ("core.alternateRefsCommand", ""),
    ("core.sshCommand", "false"),
    ("uploadpack.packObjectsHook", ""),
    ("protocol.allow", "never"),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
)
"""Configuration git runs with on sandbox workspaces, whatever ``.git/config`` says
(filters are off through ``.git/info/attributes``, which the sandbox restores)."""
_UNSAFE_ENV = frozenset({
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_EXTERNAL_DIFF", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS",
    "GIT_EXEC_PATH", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_ASKPASS", "GIT_TRACE", "GIT_NAMESPACE",
    "GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM", "GIT_REPLACE_REF_BASE",
})  # fmt: skip


def sandbox_git(
    root: str, *args: str, env: Mapping[str, str], stdin: bytes | None = None
) -> tuple[int, str, str]:
    """git in a sandbox's workspace (or against its repository), hardened against what a
    test may have written into ``.git``: hooks and fsmonitor off, only ``root`` trusted,
    and exactly the environment ``env`` (the caller drops global config and location
    variables) with :data:`SAFE_CONFIG` forced both as ``-c`` options and through
    ``GIT_CONFIG_*`` (so that a git process git itself starts gets them too), system
    attributes and replace objects off. Returns (exit code, stdout, stderr)."""
    cmd = ["git", "--no-replace-objects", "--no-pager"]
    for key, value in (*SAFE_CONFIG, ("safe.directory", root)):
        cmd += ["-c", f"{key}={value}"]
    cmd += args
    if args and args[0] in ("diff", "log", "show"):
        cmd.insert(len(cmd) - len(args) + 1, "--no-ext-diff")  # diff.external, GIT_EXTERNAL_DIFF
    safe = {k: v for k, v in env.items() if k not in _UNSAFE_ENV}
    safe.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_ATTR_NOSYSTEM="1")
    safe.update(GIT_NO_REPLACE_OBJECTS="1", GIT_PAGER="cat", GIT_TERMINAL_PROMPT="0")
    safe["GIT_CONFIG_COUNT"] = str(len(SAFE_CONFIG))
    for i, (key, value) in enumerate(SAFE_CONFIG):
        safe[f"GIT_CONFIG_KEY_{i}"], safe[f"GIT_CONFIG_VALUE_{i}"] = key, value
    proc = subprocess.run(
        cmd, cwd=root, env=safe, input=stdin, capture_output=True, check=False
    )
    out, err = (b.decode("utf-8", "replace") for b in (proc.stdout, proc.stderr))
    return proc.returncode, out, err



def _cat_texts(repo: Path, blobs: dict[str, str]) -> dict[str, str]:
    """The UTF-8 texts of blobs (path -> id) in one ``git cat-file --batch``; a blob that
    is not UTF-8 is left out."""
    raw = _git(repo, "cat-file", "--batch", stdin="".join(s + "\n" for s in blobs.values()).encode())
    out: dict[str, str] = {}
    pos = 0
    for name in blobs:
        end = raw.index(b"\n", pos)
        size = int(raw[pos:end].split()[2])
        data, pos = raw[end + 1 : end + 1 + size], end + 2 + size
        try:
            out[name] = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return out

def text_files(repo: Path, rev: str = "HEAD", suffix: str = "") -> dict[str, str]:
    """UTF-8 text of the files at ``rev`` whose path ends with ``suffix`` (empty when
    ``repo`` is no git repository or ``rev`` is unknown)."""
    if not (Path(repo) / ".git").exists():
        return {}
    try:
        listing = _git(Path(repo), "ls-tree", "-r", "-z", "--full-tree", rev or "HEAD")
    except SnapshotError:
        return {}
    wanted: dict[str, str] = {}
    for entry in listing.split(b"\0"):
        if entry:
            meta, path = entry.split(b"\t", 1)
            mode, kind, sha = meta.decode().split()
            name = os.fsdecode(path)
            if kind == "blob" and int(mode, 8) != _LINK and name.endswith(suffix):
                wanted[name] = sha
    if not wanted:
        return {}
    return _cat_texts(Path(repo), wanted)


def init_repo(dest: Path, message: str, *, force: bool = False) -> str:
    """Make ``dest`` a git repository whose one commit holds every file in it (with
    ``force``, also those its ``.gitignore`` names, e.g. generated at set-up); returns
    the commit (for projects a benchmark or a test lays out itself)."""
    ident = ["-c", "user.name=patchwright", "-c", "user.email=patchwright@localhost",
             "-c", "commit.gpgsign=false"]  # fmt: skip
    _git(Path(dest), "init", "-q")
    _git(Path(dest), *ident, "add", "-A", *(["-f"] if force else []))
    _git(Path(dest), *ident, "commit", "-qm", message, "--allow-empty")
    return _git(Path(dest), "rev-parse", "HEAD").decode().strip()


def export_tree(repo: Path, rev: str, dest: Path) -> None:
    """Write the files of commit ``rev`` of the clone ``repo`` into ``dest`` (no ``.git``,
    the clone's index and work tree untouched; for benchmarks that rebuild a project at a
    historical commit)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pw-export-") as tmp:
        env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
        _git(Path(repo), "read-tree", rev, env=env)
        _git(Path(repo), f"--work-tree={dest}", "checkout-index", "-a", "-f", env=env)


def apply_diff(repo: Path, diff: str, *, reverse: bool = False) -> None:
    """``git apply`` (``-R`` with ``reverse``) a unified diff to the work tree of ``repo``,
    made a git repository first when it is not one (so that the paths are its own)."""
    repo = Path(repo)
    if not (repo / ".git").exists():
        _git(repo, "init", "-q")
    _git(repo, "apply", "--whitespace=nowarn", *(["-R"] if reverse else []), "-",
         stdin=diff.encode("utf-8"))  # fmt: skip


def tree_paths(repo: Path, rev: str) -> list[str]:
    """The paths of the files in commit ``rev`` of ``repo``."""
    out = _git(Path(repo), "ls-tree", "-r", "-z", "--name-only", "--full-tree", rev)
    return [os.fsdecode(p) for p in out.split(b"\0") if p]


def work_root(path: Path) -> Path | None:
    """The top of the git work tree holding ``path`` (None: not in one)."""
    return _git_toplevel(Path(path))


def staged_paths(repo: Path) -> list[str]:
    """Paths added, copied, modified or renamed in the index of ``repo`` (the files a
    commit would change; deleted ones left out), relative to its root."""
    out = _git(Path(repo), "diff", "--cached", "--name-only", "-z", "--no-renames",
               "--diff-filter=ACMR", "--no-ext-diff")  # fmt: skip
    return [os.fsdecode(p) for p in out.split(b"\0") if p]


def index_texts(repo: Path, paths: Iterable[str]) -> dict[str, str]:
    """The staged (index) content of each of ``paths`` that is UTF-8 text, read in one
    ``git cat-file --batch`` (paths not in the index, binary files and links are left out)."""
    wanted = set(paths)
    if not wanted:
        return {}
    listing = _git(Path(repo), "ls-files", "-s", "-z", "--", *sorted(wanted))
    blobs: dict[str, str] = {}
    for entry in listing.split(b"\0"):
        if entry:
            meta, path = entry.split(b"\t", 1)
            mode, sha, _stage = meta.decode().split()
            name = os.fsdecode(path)
            if name in wanted and int(mode, 8) != _LINK:
                blobs[name] = sha
    if not blobs:
        return {}
    return _cat_texts(Path(repo), blobs)


def head_commit(repo: Path) -> str:
    """The commit ``HEAD`` of ``repo`` names."""
    return _git(Path(repo), "rev-parse", "HEAD").decode().strip()


def commit_patch(repo: Path, diff: str, message: str) -> str:
    """A commit on top of ``HEAD`` holding ``diff``, built in a temporary index: the work
    tree, the index and every ref of ``repo`` are left as they were. Returns its id."""
    ident = {f"GIT_{r}_{k}": v for r in ("AUTHOR", "COMMITTER")
             for k, v in (("NAME", "patchwright"), ("EMAIL", "patchwright@localhost"))}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="pw-commit-") as tmp:
        env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
        _git(Path(repo), "read-tree", "HEAD", env=env)
        _git(Path(repo), "apply", "--cached", "--whitespace=nowarn", "-",
             stdin=diff.encode("utf-8"), env=env)  # fmt: skip
        tree = _git(Path(repo), "write-tree", env=env).decode().strip()
    head = head_commit(repo)
    return _git(Path(repo), "commit-tree", tree, "-p", head, "-m", message, env=ident).decode().strip()


def push_commit(repo: Path, commit: str, branch: str, remote: str = "origin") -> None:
    """Push ``commit`` to a new branch ``branch`` of ``remote`` (nothing local changes)."""
    _git(Path(repo), "push", "--quiet", remote, f"{commit}:refs/heads/{branch}")


def create_branch(repo: Path, name: str, commit: str) -> None:
    """A new branch ``name`` at ``commit``; refused (SnapshotError) when the name is not a
    valid branch name or the branch exists. The work tree, the index and ``HEAD`` stay."""
    _git(Path(repo), "check-ref-format", "--branch", name)
    _git(Path(repo), "update-ref", f"refs/heads/{name}", commit, "0" * 40)
