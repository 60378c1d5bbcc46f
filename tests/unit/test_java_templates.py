"""The Java fix templates: each one's before/after example (the after text is among what
it makes of the before text), formatting kept, syntax checked, and the proposer's ranking
on a file with a known operator slip."""

import itertools

import pytest

from patchwright.core.domain import Location, Task
from patchwright.core.protocols import ProposalContext
from patchwright.propose.templates.java import java_templates
from patchwright.propose.templates.java.base import (
    JavaEdit,
    TemplateError,
    apply_java_template,
    java_sites,
    java_template,
    wrap,
)
from patchwright.propose.templates.java.proposer import JavaTemplateProposer

TEMPLATES = java_templates()
FAMILIES = {"operators", "literals", "conditions", "calls", "identifiers", "returns",
            "statements"}  # fmt: skip


@pytest.mark.parametrize("t", TEMPLATES, ids=[t.name for t in TEMPLATES])
def test_example(t):
    before, after = (wrap(s) for s in t.example)
    assert after in apply_java_template(t, before), t.name
    assert t.doc and 0 < t.weight <= 1


def test_catalogue_covers_the_tbar_families():
    assert {t.family for t in TEMPLATES} == FAMILIES
    names = {t.name for t in TEMPLATES}
    for needed in ("op.binary", "lit.off_by_one", "cond.remove", "cond.negate",
                   "cond.insert", "cond.null_check", "cond.range_check", "ret.value", "var.replace",
                   "call.name", "call.args", "stmt.delete", "stmt.move"):  # fmt: skip
        assert needed in names


def test_edits_keep_formatting_and_skip_broken_syntax():
    src = (
        "class A {\n    int f(int a,   int b) {\n        return a<b  ?  a : b; // keep\n    }\n}\n"
    )
    site = java_sites("A.java", src)(3)
    assert site is not None
    binary = next(t for t in TEMPLATES if t.name == "op.binary")
    texts = [site.render(e) for e in binary.edits(site)]
    assert "        return a<=b  ?  a : b; // keep\n" in texts[0]
    assert texts[0].replace("a<=b", "a<b") == src
    assert site.render(JavaEdit(1.0, "broken", [(0, 5, "clas")])) is None


def test_bad_declarations_are_refused():
    with pytest.raises(TemplateError):
        java_template("Bad", weight=0.5, on=("identifier",), example=("a;", "b;"))
    with pytest.raises(TemplateError):
        java_template("x.bad", weight=0.5, on=("identifier",), example=("a = ;", "b;"))


def test_proposer_ranks_the_likely_fix_first():
    src = wrap("int best = a;\nif (b < best) {\n    best = b;\n}\nreturn best;")
    line = src.splitlines().index("        if (b < best) {") + 1
    task = Task(id="t", repo=".", failing_tests=["ExampleTest#t"])
    ctx = ProposalContext(
        task=task, base_files={"Example.java": src}, files={"Example.java": src},
        locations=[Location(path="Example.java", line=line, end_line=line, score=1.0)],
    )  # fmt: skip
    cands = list(JavaTemplateProposer().propose(ctx))
    assert cands and cands[0].template == "op.binary"
    assert "+        if (b <= best) {" in cands[0].patch.diff
    assert any("+        if (b > best) {" in c.patch.diff for c in cands[:5])
    assert all(c.prior >= d.prior for c, d in itertools.pairwise(cands))
