"""Replacements mined from the texts libraries give when an API is removed, deprecated or
renamed: ``AttributeError`` messages, ``DeprecationWarning``/``FutureWarning`` texts (raised
as errors when the tests run with warnings as errors) and deprecation paragraphs of docs.

The patterns follow the usual phrasings of Python libraries' deprecation messages, e.g.

- numpy: "`np.NINF` was removed in the NumPy 2.0 release. Use `-np.inf` instead.",
  "`np.DataSource` ... It's still available as `np.lib.npyio.DataSource`."
- pandas: "DataFrame.swapaxes is deprecated and will be removed ... Use X instead.",
  "... is deprecated in favor of X"
- scipy: "`scipy.integrate.simps` is deprecated ... use `scipy.integrate.simpson` instead"
- sqlalchemy: "The X method is considered legacy ... The method is now available as Y"
- ``warnings.warn`` texts in general: "X is deprecated; use Y", "X has been renamed to Y",
  "X was replaced by Y", "X is an alias of Y".

A replacement may be a dotted name or a small *expression* (``-np.inf``, ``0.0``,
``np.float64``); a hint that needs judgement ("use `np.asarray(arr, dtype=dtype)`",
"use `np.asarray` with a proper dtype", "use X or Y") is no rule: the call site is left
for the model or the user.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Iterable
from dataclasses import dataclass

_NAME = r"[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*"
_SUBJ = rf"`{{1,2}}(?P<old>{_NAME})(?:\(\))?`{{1,2}}|(?P<bare>{_NAME})(?:\(\))?"
"""The API a message is about: a backticked or bare dotted name, ``()`` allowed."""
_KIND = r"(?:\s+(?:function|method|attribute|class|alias|constant|module|keyword|property|type))?"
_VERB = (
    r"(?:(?:was|were|has\s+been|have\s+been|is|are)\s+(?:now\s+)?"
    r"(?P<verb>removed|deprecated|renamed|replaced|superseded|moved|expired|"
    r"considered\s+legacy|no\s+longer\s+(?:supported|available))"
    r"|(?P<alias>is\s+(?:a\s+deprecated\s+|an\s+)alias))"
)
_HEAD = re.compile(rf"(?:^|[\s:'\"(])(?:[Tt]he\s+)?(?:{_SUBJ}){_KIND}\s+{_VERB}")

_REPL = r"(?:`{1,2}(?P<tick>[^`\n]{1,80}?)`{1,2}|(?P<plain>[-+~]?[A-Za-z_0-9][\w.]*(?:\(\))?))"
_TAIL = r"(?P<after>[^.;\n]{0,40}?)"
_HINTS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        rf"\buse\s+(?:the\s+)?{_REPL}{_TAIL}\s*(?:instead\b|[.;,)]|$)",
        rf"\bin\s+favou?r\s+of\s+{_REPL}{_TAIL}\s*(?:[.;,)]|$)",
        rf"\b(?:renamed|changed)\s+to\s+{_REPL}{_TAIL}\s*(?:[.;,)]|$)",
        rf"\b(?:replaced|superseded)\s+(?:by|with)\s+{_REPL}{_TAIL}\s*(?:[.;,)]|$)",
        rf"\balias\s+(?:of|for|to)\s+(?:the\s+builtin\s+)?{_REPL}{_TAIL}\s*(?:[.;,)]|$)",
        rf"\b(?:moved\s+to|(?:still\s+|now\s+)?available\s+(?:as|under|from))\s+{_REPL}"
        rf"{_TAIL}\s*(?:[.;,)]|$)",
    )
]
_BUILTIN_OK = {
    n for n in dir(builtins) if not n.startswith("_") and isinstance(getattr(builtins, n), type)
} | {"abs", "all", "any", "round", "min", "max", "sum", "len", "issubclass", "isinstance"}


@dataclass(frozen=True)
class Hint:
    """One mined replacement: ``old`` (qualified, e.g. ``numpy.NINF``) becomes ``new`` (a
    qualified dotted name or expression, e.g. ``-numpy.inf``)."""

    old: str
    new: str
    message: str

    @property
    def is_name(self) -> bool:
        return bool(re.fullmatch(_NAME, self.new))


@dataclass(frozen=True)
class Unresolved:
    """A removal or deprecation message with no usable replacement (left for the model)."""

    old: str
    message: str


def qualify(name: str, module: str, aliases: Iterable[str] = ()) -> str | None:
    """``np.NINF`` / ``numpy.NINF`` / ``NINF`` as a name under ``module`` (None: the name
    belongs to another package)."""
    root = module.split(".")[0]
    head, _, rest = name.partition(".")
    if head == root:
        return name
    if rest and (head in set(aliases) or _looks_alias(head, root)):
        return f"{root}.{rest}"
    if not rest:
        return f"{module}.{name}"
    return None


def _looks_alias(head: str, root: str) -> bool:
    """A conventional import alias of ``root`` (``np`` of numpy, ``pd`` of pandas, ``sa``
    of sqlalchemy): a short name made of its letters in order."""
    if len(head) > 4 or len(head) >= len(root) or not head.islower():
        return False
    it = iter(root.lower())
    return head[0] == root[0].lower() and all(ch in it for ch in head)


def _expression(
    text: str, module: str, aliases: Iterable[str], home: str | None
) -> str | None:
    """The replacement text as a qualified expression, or None when it is no plain value:
    names, attributes, constants and unary signs only (no calls with arguments, no
    placeholders), every name the library's or a builtin type. A bare name lives in
    ``home``, the old name's module, when the message names the old API bare too (None:
    it does not, and a bare name there is some other thing: a C function, a method)."""
    text = text.strip().strip(".").strip()
    if text.endswith("()") and re.fullmatch(_NAME, text[:-2]):
        text = text[:-2]
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float, complex)):
                return None
        elif not isinstance(node, _PLAIN):
            return None
    replace: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Attribute, ast.Name)) and not _inside_chain(node, tree):
            dotted = _dotted(node)
            if dotted is None:
                return None
            if "." not in dotted:
                if dotted in _BUILTIN_OK:
                    continue
                if home is None:
                    return None
                replace[dotted] = f"{home}.{dotted}"
                continue
            q = qualify(dotted, module, aliases)
            if q is None:
                return None
            replace[dotted] = q
    out = text
    for old, new in sorted(replace.items(), key=lambda kv: -len(kv[0])):
        out = re.sub(rf"(?<![\w.]){re.escape(old)}(?![\w])", new, out)
    return out


_PLAIN = (ast.Attribute, ast.Name, ast.UnaryOp, ast.USub, ast.UAdd, ast.Invert, ast.Load)


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _inside_chain(node: ast.AST, tree: ast.AST) -> bool:
    """True for the inner parts of an attribute chain (``np`` in ``np.inf``)."""
    return any(isinstance(p, ast.Attribute) and p.value is node for p in ast.walk(tree))


def _replacement(
    text: str, module: str, aliases: Iterable[str], home: str | None, patterns: list[re.Pattern[str]]
) -> str | None:
    for pat in patterns:
        m = pat.search(text)
        if m is None:
            continue
        if (m.group("after") or "").strip().lower() not in _FILLER:  # "with a proper dtype"
            return None
        raw = m.group("tick") or m.group("plain") or ""
        if re.match(r"\s*(?:or|and)\b", text[m.end("after"):]):
            return None  # "use X or Y"
        return _expression(raw, module, aliases, home)
    return None


def mine_messages(
    texts: Iterable[str], module: str, aliases: Iterable[str] = ()
) -> tuple[list[Hint], list[Unresolved]]:
    """Replacements stated in ``texts`` (error and warning messages, docs) for names of
    ``module``; and the removal/deprecation messages that state none."""
    aliases = tuple(aliases)
    hints: dict[str, Hint] = {}
    left: dict[str, Unresolved] = {}
    for text in texts:
        for line in _sentences(text):
            m = _HEAD.search(line)
            if m is None:
                continue
            subject = m.group("old") or m.group("bare") or ""
            if not m.group("old") and "." not in subject and subject.lower() in _NOT_NAMES:
                continue  # "This function is deprecated": no API named
            old = qualify(subject, module, aliases)
            if old is None or old in hints:
                continue
            home = None if "." in subject else old.rpartition(".")[0]
            rest = line[m.end():]
            new = _replacement(rest, module, aliases, home, _HINTS)
            if new is None and m.group("verb") in ("moved", "renamed", "replaced", "superseded"):
                said = m.group("verb") + " " + rest.lstrip()
                new = _replacement(said, module, aliases, home, _HINTS)
            if new is None and m.group("alias"):
                new = _replacement("alias" + rest, module, aliases, home, [_HINTS[4]])
            if new is not None and _member_to_other(old, new):
                new = None  # "DataFrame.append ... use pandas.concat": not a rename
            if new is not None and new != old:
                hints[old] = Hint(old, new, line.strip()[:400])
                left.pop(old, None)
            elif old not in left:
                left[old] = Unresolved(old, line.strip()[:400])
        for owner, attr in _missing(text):
            old = qualify(f"{owner}.{attr}", module, aliases)
            if old is not None and old not in hints and old not in left:
                left[old] = Unresolved(old, f"{owner} has no attribute {attr!r}")
    return list(hints.values()), list(left.values())


_FILLER = {"", "builtin", "function", "builtin function", "directly", "method", "itself",
           "by itself"}
def _member_to_other(old: str, new: str) -> bool:
    """``old`` is a class member (``pandas.DataFrame.append``) and ``new`` no member of the
    same class: the call changes shape, which a rename cannot do."""
    owner = old.rpartition(".")[0]
    if not owner.rpartition(".")[2][:1].isupper():
        return False
    return not new.startswith(owner + ".")


_NOT_NAMES = {
    "function", "method", "attribute", "class", "module", "argument", "parameter", "keyword",
    "option", "feature", "behavior", "behaviour", "usage", "this", "it", "that", "which",
    "support", "value", "default", "alias", "name", "call", "passing", "calling", "use",
}  # fmt: skip
_NO_ATTR = re.compile(r"module '([\w.]+)' has no attribute '(\w+)'")
_NO_IMPORT = re.compile(r"cannot import name '(\w+)' from '([\w.]+)'")


def _missing(text: str) -> Iterable[tuple[str, str]]:
    for m in _NO_ATTR.finditer(text):
        yield m.group(1), m.group(2)
    for m in _NO_IMPORT.finditer(text):
        yield m.group(2), m.group(1)


_LINE_START = re.compile(r"^(?:E\s+)?(?:\w+\.)*\w*(?:Error|Warning|Exception):\s*", re.M)


def _sentences(text: str) -> list[str]:
    """Lines of ``text`` that can hold one message (pytest's ``E`` prefix and the
    exception class stripped)."""
    out = []
    for line in text.splitlines():
        line = _LINE_START.sub("", line.strip())
        if line:
            out.append(line)
    return out


__all__ = ["Hint", "Unresolved", "mine_messages", "qualify"]
