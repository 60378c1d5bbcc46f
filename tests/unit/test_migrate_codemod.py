from patchwright.core.domain import Task
from patchwright.core.protocols import ProposalContext
from patchwright.propose.migrate.codemod import rewrite
from patchwright.propose.migrate.migrate_rules import MigrateRulesProposer
from patchwright.propose.migrate.rules import Rule

RULES = {"numpy.float_": "numpy.float64", "numpy.product": "numpy.prod",
         "numpy.alltrue": "numpy.all", "numpy.AxisError": "numpy.exceptions.AxisError"}

SRC = '''import numpy as np  # numeric
import numpy
from numpy import product, alltrue as at


def f(x):
    # keep me
    y = np.float_( x )  # trailing
    z = numpy.product([1, 2])
    return product([3]) + at([True]), y, z, np.AxisError
'''


def test_rewrite_keeps_formatting_and_handles_aliases():
    out, sites = rewrite(SRC, RULES)
    assert "import numpy as np  # numeric" in out
    assert "# keep me" in out
    assert "y = np.float64( x )  # trailing" in out
    assert "numpy.prod([1, 2])" in out
    assert "from numpy import prod, all as at" in out
    assert "return prod([3]) + at([True])" in out
    assert "np.exceptions.AxisError" in out
    assert len(sites) == 6


def test_rewrite_only_selected_site():
    out, sites = rewrite(SRC, RULES, {(8, "np.float_")})
    assert "np.float64( x )" in out and "numpy.product" in out
    assert len(sites) == 1


def test_unrelated_names_untouched():
    src = "import math\nclass np:\n    float_ = 1\nx = np.float_\n"
    assert rewrite(src, RULES)[0] == src


def test_proposer_candidates():
    rules = [Rule(kind="renamed", old=k, new=v) for k, v in RULES.items()]
    ctx = ProposalContext(task=Task(id="t", repo=""), base_files={"m.py": SRC},
                          files={"m.py": SRC}, locations=[])
    cands = list(MigrateRulesProposer(rules).propose(ctx))
    assert cands[0].prior == max(c.prior for c in cands)
    assert "np.float64" in cands[0].patch.diff and "numpy.prod" in cands[0].patch.diff
    assert len({c.patch.hash for c in cands}) == len(cands)
    assert all(c.patch.files == ["m.py"] for c in cands)


def test_changed_sites_lists_rule_rewrites_and_edits_no_rule_describes():
    from patchwright.app.migrate import changed_sites
    from patchwright.core.diff import make_patch
    from patchwright.propose.migrate.rules import RulesFile

    base = {"s.py": "import numpy as np\n\nx = np.float_(1)\ny = np.product([1, 2])\nz = 3\n"}
    new = {"s.py": "import numpy as np\n\nx = np.float64(1)\ny = np.prod([1, 2])\nz = 3\n"}
    rules = RulesFile.model_validate({
        "version": 1, "library": "numpy", "from": "1.26.4", "to": "2.4.6", "generated_by": "t",
        "rules": [{"kind": "renamed", "old": "numpy.product", "new": "numpy.prod"}]})  # fmt: skip
    sites = changed_sites(base, make_patch(base, new), rules)
    assert sites == ["s.py:4 np.product -> np.prod [numpy.product -> numpy.prod]",
                     "s.py:3 x = np.float_(1) -> x = np.float64(1) [search edit]"]


def test_expression_replacement_spelled_with_the_sites_alias_and_parenthesized_when_needed():
    rules = {"numpy.NINF": "-numpy.inf", "numpy.PZERO": "0.0", "numpy.linalg.old": "numpy.new",
             "numpy.issubclass_": "issubclass"}  # fmt: skip
    src = ("import numpy as np\nimport numpy\n"
           "a = [np.NINF if x else 1, f(numpy.NINF), np.NINF * 2]\n"
           "b = np.NINF ** 2, np.NINF.real, -np.NINF\n"
           "c = np.PZERO, np.linalg.old(1), np.issubclass_(int, object)\n")  # fmt: skip
    out, sites = rewrite(src, rules)
    assert "a = [-np.inf if x else 1, f(-numpy.inf), -np.inf * 2]" in out
    assert "b = (-np.inf) ** 2, (-np.inf).real, -(-np.inf)" in out
    assert "c = 0.0, np.new(1), issubclass(int, object)" in out
    assert len(sites) == 9
    assert sites[0].text == "np.NINF" and sites[0].replacement == "-np.inf"


def test_expression_rule_on_a_from_imported_name():
    rules = {"numpy.NINF": "-numpy.inf", "numpy.float_": "numpy.float64"}
    out, sites = rewrite("from numpy import NINF, float_\nx = NINF ** 2, float_(1)\n", rules)
    assert out == "from numpy import float64, inf\nx = (-inf) ** 2, float64(1)\n"
    assert [(s.line, s.text, s.replacement) for s in sites] == [
        (1, "NINF", "inf"), (1, "float_", "float64"), (2, "NINF", "(-inf)"),
        (2, "float_", "float64")]  # fmt: skip
    # the module's own alias is used when there is one, and the emptied import goes
    out, _ = rewrite("import numpy as np\nfrom numpy import NINF\nx = NINF\n", rules)
    assert out == "import numpy as np\nx = -np.inf\n"
    # an emptied block keeps a pass; a clash with a local name leaves the code alone
    src = "import numpy as np\nif True:\n    from numpy import NINF\n"
    assert rewrite(src, rules)[0] == "import numpy as np\nif True:\n    pass\n"
    src = "from numpy import NINF\ninf = 3\nx = NINF\n"
    assert rewrite(src, rules) == (src, [])


def test_library_names_and_uses():
    from patchwright.propose.migrate.codemod import is_test_path, library_names, uses

    src = "import numpy as np\nfrom numpy import NINF\nx = np.NINF + NINF + np.linalg.norm(1)\n"
    assert library_names(src, "numpy") == {"numpy.NINF", "numpy.linalg.norm"}
    found = uses(src, {"numpy.NINF": "removed"})
    assert [(s.line, s.text) for s in found] == [(3, "NINF"), (3, "np.NINF")]
    assert is_test_path("tests/test_a.py") and is_test_path("pkg/conftest.py")
    assert is_test_path("a_test.py") and not is_test_path("pkg/testament.py")
