"""Layered sandbox images, SWE-bench style: base (OS + Python) -> env (test tools and the
project's requirements) -> optional task layer (a workspace's git directory baked in).

Each layer is tagged by a hash of its inputs, so an unchanged layer is found and reused.
The base comes from a registry (``python:3.11-slim`` plus git) when one answers, else it is
bootstrapped offline with ``debootstrap --variant=minbase`` and imported as a root file
system. Python packages are downloaded as wheels on the host (``pip download``; the host
reaches the package index, containers never do) and installed from a build context with
``pip install --no-index`` into a virtual environment (``/opt/pw``: Debian's pip refuses
system-wide installs, PEP 668).

This module builds contexts and recipes only; the engine calls go through an
:class:`ImageEngine` (implemented in :mod:`patchwright.sandbox.docker`, the one module
that talks to Docker).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from patchwright.core.errors import PatchwrightError

RECIPE_VERSION = "1"
PYTHON_VERSION = "3.11"
SUITE = "bookworm"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
REGISTRY_BASE = f"python:{PYTHON_VERSION}-slim"
BASE_PACKAGES = ("python3", "python3-venv", "git", "ca-certificates")
TEST_PACKAGES = ("pytest", "pytest-timeout", "pytest-cov", "coverage")
BASE_REPO, ENV_REPO, TASK_REPO = "patchwright-base", "patchwright-env", "patchwright-task"
VENV = "/opt/pw"
SANDBOX_USER, SANDBOX_UID = "pw", 10001
WORKSPACE = "/workspace"
"""Where the workspace lives inside a container."""
STATE = "/pw"
"""Root-owned folder of the sandbox's own files inside a container (``/pw/git``: the base
repository, read-only to the sandbox user; ``/pw/run``: the user's scratch space)."""
_PRUNE = ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man")
_PRUNE += ("usr/share/info", "usr/share/locale")

Log = Callable[[str], None]


class ImageError(PatchwrightError, RuntimeError):
    """An image could not be built; the message is one line."""


class ImageEngine(Protocol):
    """What image building needs from a container engine."""

    def image_id(self, ref: str) -> str | None:
        """The image's id, or None when there is no such image."""
        ...

    def pull(self, ref: str) -> bool:
        """Pull ``ref`` from its registry; False when no registry answers."""
        ...

    def import_rootfs(self, tar_path: str, ref: str) -> None:
        """Import a root file system tarball as image ``ref``."""
        ...

    def build(self, context_dir: str, ref: str, *, network: bool = False) -> None:
        """Build ``context_dir``'s Dockerfile as ``ref`` (offline unless ``network``)."""
        ...


def content_tag(inputs: object) -> str:
    """A short hash of a layer's inputs (JSON, sorted keys)."""
    blob = json.dumps(inputs, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _log(message: str) -> None:
    print(f"patchwright: {message}", file=sys.stderr, flush=True)


# -- base -------------------------------------------------------------------------------------


def debootstrap_ref() -> str:
    inputs = {
        "recipe": RECIPE_VERSION,
        "source": "debootstrap",
        "suite": SUITE,
        "variant": "minbase",
        "packages": sorted(BASE_PACKAGES),
        "arch": platform.machine(),
    }
    return f"{BASE_REPO}:{content_tag(inputs)}"


def registry_ref(upstream_id: str) -> str:
    inputs = {"recipe": RECIPE_VERSION, "source": REGISTRY_BASE, "id": upstream_id, "git": True}
    return f"{BASE_REPO}:{content_tag(inputs)}"


_REGISTRY_DOCKERFILE = f"""\
FROM {REGISTRY_BASE}
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
"""


def ensure_base(engine: ImageEngine, source: str = "auto", log: Log = _log) -> str:
    """The base image's ref, built when missing.

    ``source``: "registry", "debootstrap", or "auto" (an existing offline base, else the
    registry, else debootstrap). ``PATCHWRIGHT_BASE`` overrides "auto".
    """
    source = os.environ.get("PATCHWRIGHT_BASE", source) if source == "auto" else source
    offline = debootstrap_ref()
    if source in ("auto", "debootstrap") and engine.image_id(offline):
        return offline
    if source in ("auto", "registry"):
        upstream = engine.image_id(REGISTRY_BASE)
        if upstream is None and engine.pull(REGISTRY_BASE):
            upstream = engine.image_id(REGISTRY_BASE)
        if upstream:
            ref = registry_ref(upstream)
            if not engine.image_id(ref):
                log(f"building {ref} from {REGISTRY_BASE}")
                with tempfile.TemporaryDirectory(prefix="pw-base-") as ctx:
                    Path(ctx, "Dockerfile").write_text(_REGISTRY_DOCKERFILE)
                    engine.build(ctx, ref, network=True)
            return ref
        if source == "registry":
            raise ImageError(f"no registry answers for {REGISTRY_BASE}")
    log(f"no registry image; bootstrapping {offline} with debootstrap (about a minute)")
    bootstrap_base(engine, offline)
    return offline


def _mirror() -> str:
    return os.environ.get("PATCHWRIGHT_DEBIAN_MIRROR", DEFAULT_MIRROR)


def bootstrap_base(engine: ImageEngine, ref: str) -> None:
    """debootstrap a minimal Debian with Python and git, prune it, import it as ``ref``."""
    if shutil.which("debootstrap") is None:
        raise ImageError("debootstrap is not installed (apt-get install -y debootstrap)")
    if os.geteuid() != 0:
        raise ImageError("building the offline base image needs root (debootstrap)")
    work = tempfile.mkdtemp(prefix="pw-debootstrap-", dir=os.environ.get("TMPDIR", "/var/tmp"))
    try:
        rootfs = os.path.join(work, "rootfs")
        cmd = ["debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}"]
        cmd += [SUITE, rootfs, _mirror()]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
            raise ImageError(f"debootstrap failed: {' '.join(tail) or proc.returncode}")
        for rel in _PRUNE:
            path = os.path.join(rootfs, rel)
            shutil.rmtree(path, ignore_errors=True)
            os.makedirs(path, exist_ok=True)
        tar_path = os.path.join(work, "rootfs.tar")
        subprocess.run(["tar", "-C", rootfs, "-cf", tar_path, "."], check=True)
        engine.import_rootfs(tar_path, ref)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# -- env --------------------------------------------------------------------------------------


def default_specs() -> list[str]:
    """The test tools, pinned to the host's versions where installed (same behaviour)."""
    specs = []
    for name in TEST_PACKAGES:
        try:
            specs.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            specs.append(name)
    return specs


@dataclass(frozen=True)
class EnvSpec:
    base_ref: str
    base_id: str
    specs: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ref(self) -> str:
        inputs = {
            "recipe": RECIPE_VERSION,
            "base": self.base_id,
            "python": PYTHON_VERSION,
            "specs": sorted(self.specs),
            "user": [SANDBOX_USER, SANDBOX_UID],
        }
        return f"{ENV_REPO}:{content_tag(inputs)}"


def env_dockerfile(spec: EnvSpec) -> str:
    return f"""\
FROM {spec.base_ref}
COPY wheels /tmp/wheels
RUN python3 -m venv {VENV} \\
 && {VENV}/bin/pip install --no-index --no-cache-dir --disable-pip-version-check \\
      --find-links /tmp/wheels -r /tmp/wheels/requirements.txt \\
 && rm -rf /tmp/wheels \\
 && useradd --create-home --uid {SANDBOX_UID} --user-group --shell /bin/sh {SANDBOX_USER} \\
 && mkdir -p {WORKSPACE} {STATE} && chown {SANDBOX_USER}:{SANDBOX_USER} {WORKSPACE}
ENV PATH={VENV}/bin:/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1
WORKDIR {WORKSPACE}
"""


def download_wheels(specs: Sequence[str], dest: Path, log: Log = _log) -> None:
    """``pip download`` wheels for the container's Python and architecture into ``dest``."""
    if (dest / ".complete").exists():
        return
    dest.mkdir(parents=True, exist_ok=True)
    arch = platform.machine()
    cmd = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "-q"]
    cmd += ["--dest", str(dest), "--only-binary=:all:", "--implementation", "cp"]
    cmd += ["--python-version", PYTHON_VERSION, "--abi", "cp" + PYTHON_VERSION.replace(".", "")]
    for plat in ("manylinux_2_28", "manylinux_2_17", "manylinux2014", "manylinux1"):
        cmd += ["--platform", f"{plat}_{arch}"]
    log(f"downloading wheels: {' '.join(specs)}")
    proc = subprocess.run([*cmd, *specs], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        detail = next((ln for ln in reversed(lines) if ln.startswith("ERROR")), lines[-1:] or "")
        raise ImageError(f"pip download failed: {detail}")
    (dest / "requirements.txt").write_text("".join(f"{s}\n" for s in specs))
    (dest / ".complete").write_text("")


def ensure_env(
    engine: ImageEngine,
    base_ref: str,
    requirements: Sequence[str] = (),
    log: Log = _log,
    wheels_dir: Path | None = None,
) -> str:
    """The env image's ref (base + test tools + ``requirements``), built when missing;
    the wheels are downloaded into (and reused from) ``wheels_dir`` (patchwright's state
    folder, from ``app.paths``), or into a temporary folder when none is given."""
    base_id = engine.image_id(base_ref)
    if base_id is None:
        raise ImageError(f"no base image {base_ref}")
    spec = EnvSpec(base_ref, base_id, tuple(default_specs()) + tuple(requirements))
    if engine.image_id(spec.ref):
        return spec.ref
    with (
        tempfile.TemporaryDirectory(prefix="pw-wheels-") as scratch,
        tempfile.TemporaryDirectory(prefix="pw-env-") as ctx,
    ):
        wheels = Path(wheels_dir or scratch) / spec.ref.split(":", 1)[1]
        download_wheels(spec.specs, wheels, log)
        log(f"building {spec.ref}")
        shutil.copytree(wheels, Path(ctx, "wheels"), ignore=shutil.ignore_patterns(".complete"))
        Path(ctx, "Dockerfile").write_text(env_dockerfile(spec))
        engine.build(ctx, spec.ref)
    return spec.ref


def read_requirements(path: str | os.PathLike[str]) -> list[str]:
    """Requirement lines of a requirements file, or of ``requirements.txt`` in a folder
    (none when absent); options such as ``-e`` or ``-r`` are left out."""
    file = Path(path, "requirements.txt") if Path(path).is_dir() else Path(path)
    if not file.is_file():
        return []
    lines = [ln.split("#", 1)[0].strip() for ln in file.read_text().splitlines()]
    return [ln for ln in lines if ln and not ln.startswith("-")]


def bootstrap(
    engine: ImageEngine, requirements: Sequence[str] = (), source: str = "auto", log: Log = _log,
    wheels_dir: Path | None = None,
) -> str:  # fmt: skip
    """Build (or find) base and env; the env image's ref."""
    return ensure_env(engine, ensure_base(engine, source, log), requirements, log, wheels_dir)


# -- task -------------------------------------------------------------------------------------


def task_ref(env_ref: str, git_digest: str) -> str:
    inputs = {"recipe": RECIPE_VERSION, "env": env_ref, "git": git_digest}
    return f"{TASK_REPO}:{content_tag(inputs)}"


def ensure_task(engine: ImageEngine, env_ref: str, git_dir: str, log: Log = _log) -> str:
    """Optional task layer: ``env_ref`` with the repository ``git_dir`` baked in at
    ``/pw/git`` (so that many containers of one task skip copying it)."""
    digest = _tree_digest(git_dir)
    ref = task_ref(env_ref, digest)
    if engine.image_id(ref):
        return ref
    log(f"building {ref}")
    with tempfile.TemporaryDirectory(prefix="pw-task-") as ctx:
        shutil.copytree(git_dir, Path(ctx, "git"), symlinks=True)
        Path(ctx, "Dockerfile").write_text(
            f"FROM {env_ref}\nCOPY git {STATE}/git\nRUN chmod -R a+rX,go-w {STATE}/git\n"
        )
        engine.build(ctx, ref)
    return ref


def _tree_digest(path: str) -> str:
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames.sort()
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            h.update(os.path.relpath(full, path).encode() + b"\0")
            if not os.path.islink(full):
                with open(full, "rb") as fh:
                    h.update(hashlib.sha256(fh.read()).digest())
    return h.hexdigest()[:16]
