"""Apply parsed edits to file contents: locate each SEARCH text (exactly, then ignoring blank
lines and a consistent indentation shift, then as a unique substring of one line), resolve
loose paths, replace whole Python functions or Java methods by name, and check that edited
Python compiles and edited Java parses.
Every problem becomes an :class:`~patchwright.propose.llm.edits.EditFailure`."""

from __future__ import annotations

import ast
import difflib
import textwrap
from collections.abc import Mapping, Sequence

from patchwright.propose.llm.edits import (
    JUNK,
    LINENO,
    EditFailure,
    EditResult,
    FailureKind,
    Focus,
    FunctionReplace,
    ParsedReply,
    SearchReplace,
    java_methods,
    parse_functions,
    parse_reply,
)
from patchwright.repo.index import Chunk, java_parses, parse_chunks

__all__ = ["apply_edits", "apply_reply", "syntax_error"]

Window = tuple[int, int, str, str]
"""(first line index, end index, indentation to add, indentation to remove)."""


def apply_reply(text: str, files: Mapping[str, str], focus: Focus | None = None) -> EditResult:
    """Parse ``text`` and apply its edits to ``files`` (path -> current contents).

    Small models often echo the format's placeholder or garble the SEARCH text, then give
    the whole fixed function in a code fence anyway: when no block applies, the reply's
    whole functions are tried before giving up."""
    result = apply_edits(files, parse_reply(text), focus)
    if result.files or not any(f.kind in _RETRY_AS_FUNCTION for f in result.failures):
        return result
    alt = parse_functions(text)
    if not alt.edits:
        return result
    second = apply_edits(files, alt, focus)
    return second if second.files else result


_RETRY_AS_FUNCTION = ("no_match", "ambiguous", "no_change")


def apply_edits(files: Mapping[str, str], parsed: ParsedReply, focus: Focus | None = None)\
        -> EditResult:  # fmt: skip
    result = EditResult(failures=list(parsed.failures), thought=parsed.thought)
    work = _Work(files, focus or {})
    for edit in parsed.edits:
        if JUNK.search(edit.code if isinstance(edit, FunctionReplace)
                        else edit.search + edit.replace):  # fmt: skip
            failure: EditFailure | None = EditFailure(
                "binary", "an edit contained binary junk or invalid UTF-8 characters"
            )
        elif isinstance(edit, SearchReplace):
            failure = work.search_replace(edit)
        else:
            failure = work.function(edit)
        if failure is None:
            result.applied += 1
        else:
            result.failures.append(failure)
    for path, text in work.current.items():
        new = text.replace("\n", "\r\n") if "\r\n" in files[path] else text
        if new == files[path]:
            continue
        err = syntax_error(path, new)
        if err and not syntax_error(path, files[path]):
            result.failures.append(
                EditFailure("syntax", f"after the edit, {path} does not compile: {err}", path)
            )
            continue
        result.files[path] = new
    if result.applied and not result.files and not result.failures:
        result.failures.append(EditFailure("no_change", "the edit does not change the code"))
    return result


def syntax_error(path: str, text: str) -> str:
    """A one-line compile error of a Python file, or a parse error of a Java file ('' when
    it compiles, parses, or is in neither language)."""
    if path.endswith(".java"):
        return "" if java_parses(text) else "the Java file does not parse"
    if not path.endswith(".py"):
        return ""
    try:
        compile(text, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return f"{exc.msg} (line {exc.lineno})"
    except (ValueError, RecursionError, MemoryError) as exc:
        return str(exc)[:200] or type(exc).__name__
    return ""


def _trim(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def _ws(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _shift(pairs: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The one indentation change turning each search line's indent into the file's."""
    fws, sws = pairs[0]
    if fws.endswith(sws):
        add, remove = fws[: len(fws) - len(sws)], ""
    elif sws.endswith(fws):
        add, remove = "", sws[: len(sws) - len(fws)]
    else:
        return None
    ok = all(s.startswith(remove) and add + s[len(remove) :] == f for f, s in pairs)
    return (add, remove) if ok else None


def _locate(lines: list[str], search: list[str]) -> list[Window]:
    """Windows matching ``search``: exactly (trailing blanks ignored), else ignoring blank
    lines and a consistent indentation shift."""
    n, first = len(search), search[0].rstrip()
    exact = [(i, i + n, "", "") for i in range(len(lines) - n + 1)
             if lines[i].rstrip() == first
             and all(a.rstrip() == b.rstrip() for a, b in zip(lines[i : i + n], search))]  # fmt: skip
    if exact:
        return exact
    nb = [(i, line) for i, line in enumerate(lines) if line.strip()]
    sb = [line for line in search if line.strip()]
    keys, want = [line.strip() for _, line in nb], [line.strip() for line in sb]
    out: list[Window] = []
    for j in range(len(nb) - len(sb) + 1):
        if keys[j] != want[0] or keys[j : j + len(sb)] != want:
            continue
        shift = _shift([(_ws(nb[j + k][1]), _ws(s)) for k, s in enumerate(sb)])
        if shift is not None:
            out.append((nb[j][0], nb[j + len(sb) - 1][0] + 1, *shift))
    return out


def _reindent(line: str, add: str, remove: str) -> str:
    if not line.strip():
        return ""
    if remove:
        line = line[min(len(remove), len(_ws(line))) :]
    return add + line


def _in_focus(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start + 1 and end <= b for a, b in spans)


def _closest(path: str, lines: list[str], search: list[str]) -> str:
    n = max(1, min(len(search), 60))
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2("\n".join(s.strip() for s in search[:n]))
    best, at = 0.4, -1
    for i in range(max(1, len(lines) - n + 1))[:20_000]:
        matcher.set_seq1("\n".join(s.strip() for s in lines[i : i + n]))
        if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best:
            r = matcher.ratio()
            if r > best:
                best, at = r, i
    if at < 0:
        return ""
    shown = "\n".join(lines[at : at + min(n, 12)])
    return f" The most similar lines of {path} (lines {at + 1}-{at + n}) are:\n{shown}"


class _Work:
    """Working copies (LF line endings) of the files the edits touch."""

    def __init__(self, files: Mapping[str, str], focus: Focus) -> None:
        self.files = files
        self.focus = focus
        self.current: dict[str, str] = {}

    def text(self, path: str) -> str:
        if path not in self.current:
            self.current[path] = self.files[path].replace("\r\n", "\n")
        return self.current[path]

    def resolve(self, path: str | None) -> str | None:
        if not path:
            return None
        p = path.strip().replace("\\", "/")
        while p.startswith("./"):
            p = p[2:]
        if p not in self.files and p[:2] in ("a/", "b/"):
            p = p[2:]
        if p in self.files:
            return p
        for match in ([f for f in self.files if f.endswith("/" + p) or p.endswith("/" + f)],
                      [f for f in self.files if f.rsplit("/", 1)[-1] == p.rsplit("/", 1)[-1]]):  # fmt: skip
            if len(match) == 1:
                return match[0]
        return None

    def _paths(self, path: str | None, suffix: str = "") -> tuple[list[str], EditFailure | None]:
        target = self.resolve(path)
        if target is not None:
            return [target], None
        unknown = None
        if path:
            unknown = EditFailure("wrong_path", f"unknown file {path!r}; the files you may edit"
                                  f" are: {', '.join(sorted(self.files)[:10])}", path)  # fmt: skip
        return [p for p in self.files if p.endswith(suffix)], unknown

    def _pick(self, path: str, windows: list[Window]) -> Window | EditFailure:
        if len(windows) > 1:
            near = [w for w in windows if _in_focus(self.focus.get(path, ()), w[0], w[1])]
            if len(near) != 1:
                at = ", ".join(str(w[0] + 1) for w in windows[:8])
                return EditFailure("ambiguous", f"{path}: the SEARCH text occurs {len(windows)}"
                                   f" times (lines {at}); add unchanged lines around the change"
                                   " so that it matches one place", path)  # fmt: skip
            windows = near
        return windows[0]

    def search_replace(self, edit: SearchReplace) -> EditFailure | None:
        search, replace = _trim(edit.search.split("\n")), _trim(edit.replace.split("\n"))
        paths, unknown = self._paths(edit.path)
        if not search:
            if len(paths) == 1 and not self.text(paths[0]).strip():
                self.current[paths[0]] = "\n".join(replace) + "\n"
                return None
            return unknown or EditFailure(
                "empty", "a SEARCH section was empty; copy the lines to change into it"
            )
        found = {p: w for p in paths if (w := _locate(self.text(p).split("\n"), search))}
        if not found and len([s for s in search if s.strip()]) == 1 and len(replace) <= 1:
            needle = next(s for s in search if s.strip()).strip()
            total = self._substring(paths, needle, (replace or [""])[0].strip())
            if total == 1:
                return None
            if total > 1 and unknown is None:
                return EditFailure("ambiguous", f"the SEARCH text {needle[:80]!r} occurs {total}"
                                   " times; copy whole lines, with unchanged lines around the"
                                   " change, so that it matches one place")  # fmt: skip
        if len(found) > 1:
            return EditFailure("ambiguous", "the SEARCH text matches in several files ("
                               f"{', '.join(sorted(found))}); put the file path first")  # fmt: skip
        if not found:
            if unknown is not None:
                return unknown
            hint = "".join(_closest(p, self.text(p).split("\n"), search) for p in paths[:1])
            where = paths[0] if len(paths) == 1 else "any file"
            return EditFailure("no_match", f"the SEARCH text does not match {where}: copy the"
                               f" lines exactly from the current code.{hint}", where)  # fmt: skip
        path, windows = next(iter(found.items()))
        picked = self._pick(path, windows)
        if isinstance(picked, EditFailure):
            return picked
        start, end, add, remove = picked
        lines = self.text(path).split("\n")
        lines[start:end] = [_reindent(r, add, remove) for r in replace]
        self.current[path] = "\n".join(lines)
        return None

    def _substring(self, paths: list[str], needle: str, new: str) -> int:
        """Replace ``needle`` where it occurs once in all ``paths``; the number of times it
        occurs."""
        counts = {p: self.text(p).count(needle) for p in paths}
        total = sum(counts.values())
        if total == 1:
            path = next(p for p, c in counts.items() if c)
            self.current[path] = self.text(path).replace(needle, new)
        return total

    def function(self, edit: FunctionReplace) -> EditFailure | None:
        lines = edit.code.split("\n")
        body = [s for s in lines if s.strip()]
        if body and all(LINENO.match(s) for s in body):
            lines = [LINENO.sub("", s) for s in lines]
        code = textwrap.dedent("\n".join(lines))
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError) as exc:
            methods = java_methods(code)
            if methods:
                return self.java_function(edit, methods)
            kind: FailureKind = "truncated" if edit.truncated else "syntax"
            return EditFailure(kind, f"the code block does not parse ({exc}); write the whole"
                               " function in one complete code block")  # fmt: skip
        defs = [
            (n.name, n) for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            defs += [(f"{cls.name}.{m.name}", m) for m in cls.body
                     if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)]  # fmt: skip
        if not defs:
            return EditFailure("no_edits", "the code block has no function definition")
        paths, unknown = self._paths(edit.path, ".py")
        if not paths:
            return unknown or EditFailure("unsupported", "whole-function replacement works on"
                                          " Python files only; use SEARCH/REPLACE blocks")  # fmt: skip
        src = code.split("\n")
        failure: EditFailure | None = None
        done = 0
        for qual, node in defs:
            first = min([d.lineno for d in node.decorator_list] + [node.lineno])
            seg = textwrap.dedent("\n".join(src[first - 1 : node.end_lineno])).split("\n")
            failure = self._replace_function(paths, qual, seg)
            done += failure is None
        if done:
            return None
        return unknown or failure

    def java_function(self, edit: FunctionReplace, methods: list[Chunk]) -> EditFailure | None:
        """Replace each Java method of the reply with the file's method of that name (one
        with as many parameters, among overloads; then the one shown), annotations included,
        its Javadoc kept, re-indented."""
        paths, unknown = self._paths(edit.path, ".java")
        if not paths:
            return unknown or EditFailure("unsupported", "the code block is Java but no Java"
                                          " file is in play")  # fmt: skip
        failure: EditFailure | None = None
        done = 0
        for method in methods:
            failure = self._replace_java(paths, method)
            done += failure is None
        return None if done else (unknown or failure)

    def _replace_java(self, paths: list[str], method: Chunk) -> EditFailure | None:
        name, arity = method.short_name, _arity(method.signature)
        found = [c for p in paths for c in parse_chunks(p, self.text(p))
                 if c.kind != "class" and not c.local and c.short_name == name]  # fmt: skip
        if len(found) > 1:
            found = [c for c in found if _arity(c.signature) == arity] or found
        if len(found) > 1:
            near = [
                c for c in found if _in_focus(self.focus.get(c.path, ()), c.line - 1, c.end_line)
            ]
            if len(near) != 1:
                return EditFailure("ambiguous", f"several methods are named {name!r}; use a"
                                   " SEARCH/REPLACE block instead")  # fmt: skip
            found = near
        if not found:
            return EditFailure("no_match", f"no method named {name!r} in the code shown; keep"
                               " the method's name")  # fmt: skip
        target = found[0]
        lines = self.text(target.path).split("\n")
        indent = _ws(lines[target.line - 1])
        seg = textwrap.dedent(method.text).split("\n")
        lines[target.line - 1 : target.end_line] = [indent + s if s.strip() else "" for s in seg]
        self.current[target.path] = "\n".join(lines)
        return None

    def _replace_function(self, paths: list[str], qual: str, seg: list[str]) -> EditFailure | None:
        found: list[tuple[str, int, int, str]] = []
        for p in paths:
            funcs = _py_functions(self.text(p))
            exact = [f for f in funcs if f[0] == qual]
            short = [f for f in funcs if f[0].rsplit(".", 1)[-1] == qual.rsplit(".", 1)[-1]]
            found += [(p, *f[1:]) for f in (exact or short)]
        if len(found) > 1:
            near = [f for f in found if _in_focus(self.focus.get(f[0], ()), f[1] - 1, f[2])]
            if len(near) != 1:
                return EditFailure("ambiguous", f"several functions are named {qual!r}; use a"
                                   " SEARCH/REPLACE block instead")  # fmt: skip
            found = near
        if not found:
            return EditFailure("no_match", f"no function named {qual!r} in the code shown; keep"
                               " the function's name")  # fmt: skip
        path, start, end, indent = found[0]
        lines = self.text(path).split("\n")
        lines[start - 1 : end] = [indent + s if s.strip() else "" for s in seg]
        self.current[path] = "\n".join(lines)
        return None


def _arity(signature: str) -> int:
    """The number of parameters of a Java method signature (generic commas aside)."""
    inner = signature[signature.find("(") + 1 : signature.rfind(")")]
    depth, count = 0, 1 if inner.strip() else 0
    for ch in inner:
        depth += (ch == "<") - (ch == ">")
        count += ch == "," and depth == 0
    return count


def _py_functions(text: str) -> list[tuple[str, int, int, str]]:
    """(qualified name, first line with decorators, last line, indentation) of each def."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return []
    lines = text.split("\n")
    out: list[tuple[str, int, int, str]] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = prefix + child.name
                if not isinstance(child, ast.ClassDef):
                    first = min([d.lineno for d in child.decorator_list] + [child.lineno])
                    out.append((name, first, child.end_lineno or first, _ws(lines[first - 1])))
                walk(child, name + ".")
            elif not isinstance(child, ast.expr):
                walk(child, prefix)

    walk(tree, "")
    return out
