"""Console scripts of a venv built in one folder and moved to another: their ``#!`` line
names the interpreter of the folder they were installed in, which is gone after the move.
:func:`relink_scripts` points them at the venv's own interpreter."""

from __future__ import annotations

import os
from pathlib import Path


def relink_scripts(bin_dir: Path) -> int:
    """Point every script in ``bin_dir`` whose ``#!`` interpreter (a ``.../bin/python*``)
    no longer exists at ``bin_dir/python``. Idempotent; each file replaced atomically.
    Returns how many were fixed."""
    want = f"#!{Path(bin_dir) / 'python'}".encode()
    fixed = 0
    for script in sorted(Path(bin_dir).iterdir()):
        try:
            if script.is_symlink() or not script.is_file():
                continue
            data = script.read_bytes()
        except OSError:
            continue
        first, sep, rest = data.partition(b"\n")
        exe = first[2:].strip().split(b" ")[0] if first.startswith(b"#!") else b""
        if not exe or b"/bin/python" not in exe or os.path.exists(exe):
            continue
        tmp = script.with_name(f".{script.name}.relink")
        tmp.write_bytes(want + sep + rest)
        os.chmod(tmp, script.stat().st_mode)
        os.replace(tmp, script)
        fixed += 1
    return fixed
