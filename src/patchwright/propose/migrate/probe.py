"""Ask the target environment about the library names a project uses: each one is looked
up there (import, then getattr, warnings recorded) by that environment's interpreter, never
in this process. What a removed or deprecated name says (``AttributeError: `np.NINF` was
removed ... Use `-np.inf` instead.``, a ``DeprecationWarning`` text) comes back for the
message miner, for every use, whether or not a test reaches it."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable
from pathlib import Path

_SCRIPT = r"""
import importlib, json, sys, warnings
out = {}
for name in json.load(sys.stdin):
    parts, texts = name.split("."), []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        obj, i = None, len(parts)
        while i > 0:
            try:
                obj = importlib.import_module(".".join(parts[:i]))
                break
            except ImportError as exc:
                if i == 1:
                    texts.append(f"{type(exc).__name__}: {exc}")
                i -= 1
            except Exception as exc:
                texts.append(f"{type(exc).__name__}: {exc}")
                break
        if obj is not None:
            for attr in parts[i:]:
                try:
                    obj = getattr(obj, attr)
                except Exception as exc:
                    texts.append(f"{type(exc).__name__}: {exc}")
                    break
    for w in caught:
        if issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning)):
            texts.append(f"{w.category.__name__}: {w.message}")
    if texts:
        out[name] = texts
print(json.dumps(out))
"""


def probe_messages(
    python: Path | str, names: Iterable[str], timeout: float = 120.0
) -> dict[str, list[str]]:
    """Qualified name -> the error and warning texts its lookup gives in the environment
    of ``python`` (names that look up cleanly are absent; {} when the probe fails)."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    try:
        proc = subprocess.run(
            [str(python), "-c", _SCRIPT], input=json.dumps(wanted), capture_output=True,
            text=True, timeout=timeout, cwd="/",
        )  # fmt: skip
        lines = proc.stdout.strip().splitlines()
        data = json.loads(lines[-1]) if lines else {}
    except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError):
        return {}
    return {k: [str(t) for t in v] for k, v in data.items() if isinstance(v, list)}


__all__ = ["probe_messages"]
