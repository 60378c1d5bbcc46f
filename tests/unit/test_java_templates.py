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
FAMILIES = {"operators", "literals", "conditions", "checkers", "calls", "identifiers",
            "returns", "statements", "insertions"}  # fmt: skip


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
                   "call.name", "call.args", "stmt.delete", "stmt.move", "check.null_exit",
                   "check.cast", "check.range_exit", "call.sibling", "stmt.move_far", "op.swap", "op.delete", "cond.synth",
                   "stmt.copy", "stmt.collect", "stmt.carry", "ret.compare", "call.offset"):  # fmt: skip
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


def _made(name: str, source: str) -> list[str]:
    return apply_java_template(next(t for t in TEMPLATES if t.name == name), source)


def test_checker_exits_follow_the_method_type_and_the_loop():
    src = wrap("for (int k = 0; k < a; k++) {\n    s.trim();\n}\nreturn a;")
    made = _made("check.null_exit", src)
    guards = [m for m in made if "if (s == null) {" in m]
    assert len(guards) == 3  # return 0 (int method), continue, break
    assert any("            continue;\n" in m for m in guards)
    assert not _made("check.null_exit", wrap("a = b + 1;\nreturn a;"))  # no object dereferenced
    void = "class V {\n    void f(String s) {\n        s.trim();\n    }\n}\n"
    assert any("return;" in m for m in _made("check.null_exit", void))


def test_cast_checker_in_a_declaration_and_never_on_primitives():
    decl = _made("check.cast", wrap("String t = (String) o;\nreturn t.length();"))
    assert any("String t = o instanceof String ? (String) o : null;" in m for m in decl)
    assert not _made("check.cast", wrap("return (int) 2.5 + a;"))


def test_range_exit_on_a_list_index_and_a_literal_index():
    lst = "class L {\n    int f(java.util.List<Integer> xs, int i) {\n        return xs.get(i);\n    }\n}\n"
    made = _made("check.range_exit", lst.replace("java.util.List<Integer>", "List<Integer>"))
    assert any("if (i < 0 || i >= xs.size()) {" in m for m in made)
    assert any("if (i >= 0 && i < xs.size()) {" in m for m in made)
    assert any("if (xs.length <= 2) {" in m for m in _made("check.range_exit", wrap("return xs[2];")))


def test_sibling_calls_keep_arity_and_return_type_and_skip_other_receivers():
    src = ("class A {\n    int lo(int x) { return x; }\n    boolean ok(int x) { return x > 0; }\n"
           "    int two(int x, int y) { return x; }\n    int f(int a, String s) {\n"
           "        return lo(a) + s.length();\n    }\n}\n")  # fmt: skip
    assert _made("call.sibling", src) == []  # ok() returns boolean, two() takes two
    src2 = src.replace("boolean ok", "int ok")
    assert [m for m in _made("call.sibling", src2) if "return ok(a) + s.length();" in m]


def test_move_far_keeps_returns_last_and_moves_out_of_a_loop():
    src = wrap("int c = 0;\nfor (int k = 0; k < a; k++) {\n    c++;\n}\nreturn c;")
    made = _made("stmt.move_far", src)
    assert any("        }\n        c++;\n        return c;" in m for m in made)  # after the loop
    assert all(m.rstrip().endswith("return c;\n    }\n}") for m in made)


def test_operand_swap_and_deletion_skip_what_does_not_change():
    assert not _made("op.swap", wrap("return a * b;"))  # commutes
    assert not _made("op.swap", wrap("return a - a;"))
    kept = _made("op.delete", wrap("return a + b * 2;"))
    assert any("return b * 2;" in m for m in kept) and any("return a;" in m for m in kept)
    assert not _made("op.delete", wrap("return a < b;"))


def test_condition_synthesis_guards_nullary_calls_first():
    src = ("class N {\n    N next() { return null; }\n    boolean f(N h, N t) {\n"
           "        while (true) {\n            if (h.next().next() == t) {\n                return true;\n"
           "            }\n            h = h.next();\n        }\n    }\n}\n")  # fmt: skip
    made = _made("cond.synth", src)
    assert any("if (h.next() == null || h.next().next() == t) {" in m for m in made)
    assert any("while (h.next() != null) {" in m for m in made)
    assert len(made) <= 40


def test_sibling_calls_on_a_name_typed_by_another_project_class():
    from patchwright.propose.templates.java.base import signatures

    node = ("public class Node {\n    public List<Node> getSuccessors() { return null; }\n"
            "    public List<Node> getPredecessors() { return null; }\n"
            "    public String getValue() { return null; }\n}\n")  # fmt: skip
    user = ("class Order {\n    int f(Node n) {\n        return n.getSuccessors().size();\n    }\n}\n")
    t = next(t for t in TEMPLATES if t.name == "call.sibling")
    site = java_sites("Order.java", user, signatures(node))(3)
    made = [site.render(e) for e in t.edits(site)]
    assert [m for m in made if m and "n.getPredecessors().size()" in m]
    assert not [m for m in made if m and "getValue" in m]  # another return type
    assert not list(t.edits(java_sites("Order.java", user)(3)))  # Node unknown: nothing


GRAPH = """import java.util.*;

class Walk {
    boolean reach(Node start, Node goal) {
        Set<Node> seen = new HashSet<>();
        Deque<Node> queue = new ArrayDeque<>();
        queue.add(start);
        while (!queue.isEmpty()) {
            Node node = queue.poll();
            if (node == goal) {
                return true;
            }
            for (Node next : node.successors()) {
                if (!seen.contains(next)) {
                    queue.add(next);
                }
            }
        }
        return false;
    }
}
"""


def test_collect_fills_the_tested_collection_with_its_element_type():
    made = _made("stmt.collect", GRAPH)
    assert any("                    queue.add(next);\n                    seen.add(next);\n" in m for m in made)
    assert any("seen.add(node);" in m for m in made)  # another Node in scope
    assert not any("seen.add(queue)" in m or "seen.add(seen)" in m for m in made)
    assert not any("queue.add(next);\n                    queue.add(next);" in m for m in made)
    assert len(made) <= 2 * 4 * GRAPH.count(";")


def test_carry_leaves_variables_the_loop_updates_alone():
    src = ("class N {\n    N next;\n    int f(N x) {\n        N prev = null;\n        int n = 0;\n"
           "        while (x != null) {\n            n = n + 1;\n            prev = x;\n"
           "            x = x.next;\n        }\n        return n;\n    }\n}\n")  # fmt: skip
    assert _made("stmt.carry", src) == []  # prev and n are updated in the loop already


def test_insertions_keep_crlf_line_endings():
    src = wrap("a = a + b;\nb = b * 2;\nreturn a;").replace("\n", "\r\n")
    made = _made("stmt.copy", src)
    assert made and all("\n" not in m.replace("\r\n", "") for m in made)


def test_collect_pushes_onto_a_stack_that_is_only_popped():
    src = ("import java.util.*;\n\nclass P {\n    List f(List tokens) {\n"
           "        ArrayList out = new ArrayList();\n        ArrayDeque ops = new ArrayDeque();\n"
           "        for (Object token : tokens) {\n            String op = (String) token;\n"
           "            while (!ops.isEmpty()) {\n                out.add(ops.pop());\n            }\n"
           "        }\n        return out;\n    }\n}\n")  # fmt: skip
    made = _made("stmt.collect", src)
    assert any("            }\n            ops.push(token);\n        }" in m for m in made)
    assert any("ops.push(op);" in m for m in made)
    assert not any("ops.push(out)" in m or "ops.push(tokens)" in m for m in made)


def test_var_replace_reads_a_for_each_iterable():
    src = ("import java.util.*;\n\nclass B {\n    int f(List<Integer> arr, List<Integer> counts) {\n"
           "        int n = 0;\n        for (Integer x : arr) {\n            n += x;\n        }\n"
           "        return n;\n    }\n}\n")  # fmt: skip
    assert any("for (Integer x : counts)" in m for m in _made("var.replace", src))


def test_var_replace_prefers_the_enclosing_loops_variable():
    src = ("class A {\n    int f(int[] xs, int pos, int n) {\n        for (int pt = 0; pt < n; pt++) {\n"
           "            pos += xs[pos];\n        }\n        return pos;\n    }\n}\n")  # fmt: skip
    t = next(t for t in TEMPLATES if t.name == "var.replace")
    site = java_sites("A.java", src)(4)
    ranked = sorted(t.edits(site), key=lambda e: -e.affinity)
    assert ranked[0].desc == "pos -> pt" and ranked[0].affinity > ranked[-1].affinity


def test_return_compare_in_a_boxed_boolean_method():
    src = ("class A {\n    static Boolean ok(String s) {\n        int d = 0;\n"
           "        for (char c : s.toCharArray()) {\n            d += c == '(' ? 1 : -1;\n"
           "            if (d < 0) {\n                return false;\n            }\n        }\n"
           "        return true;\n    }\n}\n")  # fmt: skip
    assert any("return d == 0;" in m for m in _made("ret.compare", src))
