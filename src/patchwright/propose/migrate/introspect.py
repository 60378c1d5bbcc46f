"""Standalone script run *inside* a library's environment (never imported by Patchwright's
process): walks the library's public API and prints it as JSON on standard output.

Usage: python introspect.py [--docs] LIB [PROBE_FILE]

--docs adds each class's and function's docstring summary and, for classes, their public
methods (for documentation retrieval; the rules miner leaves it off). PROBE_FILE (JSON: {"module": ["name", ...]}) lists names to try with getattr even when they
are not in ``dir()``: removed names whose module ``__getattr__`` raises an explanatory error.
Only the standard library is used here.
"""

import importlib
import inspect
import json
import pkgutil
import re
import sys
import types
import warnings

MAX_DEPTH = 3
SKIP_PARTS = {"tests", "testing", "conftest", "setup", "distutils", "f2py", "_core"}
DEPRECATED_DOC = re.compile(r"\.\. deprecated::.*?(?:\n\s*\n|$)", re.DOTALL)


def _warning_texts(caught):
    out = []
    for w in caught:
        cat = w.category
        if issubclass(cat, (DeprecationWarning, FutureWarning)) or "Deprecat" in cat.__name__:
            out.append(str(w.message))
    return out


def _public(name):
    return not name.startswith("_")


def _import(name):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            mod = importlib.import_module(name)
        except Exception as exc:
            return None, [f"{type(exc).__name__}: {exc}"]
    return mod, _warning_texts(caught)


def _repr(value):
    """repr() of a default value; some objects (lazy loaders) raise from it."""
    try:
        return repr(value)[:80]
    except Exception as exc:
        return f"<{type(value).__name__}: repr failed: {type(exc).__name__}>"


def _signature(obj):
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None, None
    params = []
    for p in sig.parameters.values():
        default = None if p.default is inspect.Parameter.empty else _repr(p.default)
        params.append({"name": p.name, "kind": p.kind.name, "default": default})
    return str(sig)[:400], params


def _kind(obj):
    if isinstance(obj, types.ModuleType):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return type(obj).__name__


DOCS = False
DOC_CHARS = 600
MAX_METHODS = 80


def _summary(doc):
    """The docstring's first paragraphs, up to DOC_CHARS characters."""
    out = []
    for para in re.split(r"\n\s*\n", doc.strip()):
        if sum(len(p) for p in out) + len(para) > DOC_CHARS and out:
            break
        out.append(" ".join(para.split()))
    return "\n".join(out)[:DOC_CHARS]


def _methods(cls):
    out = {}
    for name in sorted(n for n in dir(cls) if _public(n))[:MAX_METHODS]:
        try:
            obj = getattr(cls, name)
        except Exception:
            continue
        if not callable(obj):
            continue
        sig, _ = _signature(obj)
        out[name] = {"signature": sig, "doc": _summary(inspect.getdoc(obj) or "")[:300]}
    return out


def _describe(obj):
    kind = _kind(obj)
    entry = {"kind": kind}
    if kind in ("class", "function"):
        entry["signature"], entry["params"] = _signature(obj)
        entry["obj_name"] = getattr(obj, "__name__", None)
        doc = inspect.getdoc(obj) or ""
        m = DEPRECATED_DOC.search(doc[:4000])
        if m:
            entry["doc_deprecation"] = " ".join(m.group(0).split())[:400]
        if DOCS:
            entry["doc"] = _summary(doc)
            if kind == "class":
                entry["methods"] = _methods(obj)
    return entry


def _members(mod, probe):
    names = set(n for n in dir(mod) if _public(n))
    names.update(n for n in getattr(mod, "__all__", []) or [] if isinstance(n, str) and _public(n))
    entries, groups = {}, {}
    for name in sorted(names | set(probe)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                obj = getattr(mod, name)
            except Exception as exc:
                if name in probe:
                    entries[name] = {"kind": "missing", "error": f"{type(exc).__name__}: {exc}"}
                continue
        try:
            entry = _describe(obj)
        except Exception as exc:  # a library object that breaks when looked at
            entry = {"kind": _kind(obj), "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
        texts = _warning_texts(caught)
        if texts:
            entry["warnings"] = texts[:3]
        entries[name] = entry
        if entry["kind"] in ("class", "function") or isinstance(obj, float):
            groups.setdefault(id(obj), []).append(name)
    for group in groups.values():
        if len(group) > 1:
            for name in group:
                entries[name]["aliases"] = [n for n in group if n != name]
    return entries


def _submodule_names(mod):
    path = getattr(mod, "__path__", None)
    if not path:
        return []
    return [f"{mod.__name__}.{info.name}" for info in pkgutil.iter_modules(path)
            if _public(info.name) and info.name not in SKIP_PARTS]


def _wanted(name, lib):
    parts = name.split(".")
    return (parts[0] == lib and len(parts) <= MAX_DEPTH
            and all(_public(p) and p not in SKIP_PARTS for p in parts))


def main(argv):
    global DOCS
    if len(argv) > 1 and argv[1] == "--docs":
        DOCS = True
        argv = argv[:1] + argv[2:]
    lib = argv[1]
    probe = {}
    if len(argv) > 2:
        with open(argv[2], encoding="utf-8") as fh:
            probe = json.load(fh)
    top, import_warnings = _import(lib)
    if top is None:
        print(json.dumps({"error": import_warnings[0]}))
        return 1
    modules, queue, seen = {}, [lib], {lib}
    for name in _submodule_names(top):
        if name not in seen:
            seen.add(name)
            queue.append(name)
    while queue:
        name = queue.pop(0)
        mod, mod_warnings = _import(name)
        if mod is None:
            modules[name] = {"error": mod_warnings[0][:300], "members": {}}
            continue
        members = _members(mod, probe.get(name, []))
        modules[name] = {"members": members, "warnings": mod_warnings[:3]}
        for attr in list(members):
            obj = getattr(mod, attr, None)
            if (isinstance(obj, types.ModuleType) and _wanted(obj.__name__, lib)
                    and obj.__name__ not in seen):
                seen.add(obj.__name__)
                queue.append(obj.__name__)
    version = getattr(top, "__version__", "")
    print(json.dumps({"version": 1, "library": lib, "library_version": version,
                      "python": sys.version.split()[0], "modules": modules}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
