"""Replacements mined from removal and deprecation messages, in the phrasings libraries use
(numpy, pandas, scipy, sqlalchemy, plain ``warnings.warn`` texts), and the hints that need
judgement and so are no rule."""

import pytest

from patchwright.propose.migrate.messages import mine_messages, qualify
from patchwright.propose.migrate.rules import Rule, RulesFile, refine_rules


def _one(text: str, module: str = "numpy") -> str | None:
    hints, _ = mine_messages([text], module)
    return hints[0].new if hints else None


@pytest.mark.parametrize(
    ("text", "old", "new"),
    [
        # numpy 2's expired attributes: an expression, a name, a submodule
        ("AttributeError: `np.NINF` was removed in the NumPy 2.0 release. Use `-np.inf` instead.",
         "numpy.NINF", "-numpy.inf"),
        ("E   AttributeError: `np.float_` was removed in the NumPy 2.0 release. Use `np.float64` "
         "instead.", "numpy.float_", "numpy.float64"),
        ("`np.PZERO` was removed in the NumPy 2.0 release. Use `0.0` instead.", "numpy.PZERO",
         "0.0"),
        ("`np.DataSource` was removed in the NumPy 2.0 release. It's still available as "
         "`np.lib.npyio.DataSource`.", "numpy.DataSource", "numpy.lib.npyio.DataSource"),
        # bare names, no backticks (the brief's "X was removed ... Use Y instead.")
        ("np.product was removed in the NumPy 2.0 release. Use np.prod instead.",
         "numpy.product", "numpy.prod"),
        # warnings.warn style: "X is deprecated; use Y", "X has been renamed to Y"
        ("DeprecationWarning: numpy.cumproduct is deprecated; use numpy.cumprod",
         "numpy.cumproduct", "numpy.cumprod"),
        ("numpy.asscalar has been renamed to numpy.item", "numpy.asscalar", "numpy.item"),
        # scipy style, bare names live in the old name's module
        ("`trapz` is deprecated in favour of `trapezoid`", "numpy.trapz", "numpy.trapezoid"),
        # numpy 1.20's alias deprecations: a builtin
        ("`np.float` is a deprecated alias for the builtin `float`. To silence this warning, "
         "use `float` by itself.", "numpy.float", "float"),
        ("`np.issubclass_` was removed in the NumPy 2.0 release. Use `issubclass` builtin "
         "instead.", "numpy.issubclass_", "issubclass"),
    ],
)  # fmt: skip
def test_replacement_mined(text, old, new):
    hints, left = mine_messages([text], "numpy")
    assert [(h.old, h.new) for h in hints] == [(old, new)]
    assert left == []


def test_pandas_and_sqlalchemy_phrasings():
    pandas = ("FutureWarning: pandas.util.testing is deprecated and will be removed in a future "
              "version. Use pandas.testing instead.")  # fmt: skip
    assert _one(pandas, "pandas") == "pandas.testing"
    favor = "`pd.value_counts` is deprecated in favor of `pd.Series.value_counts`."
    assert _one(favor, "pandas") == "pandas.Series.value_counts"
    sa = ("The sqlalchemy.orm.mapper() function is deprecated and will be removed in a future "
          "release. Use `sqlalchemy.orm.registry.map_imperatively` instead.")  # fmt: skip
    assert _one(sa, "sqlalchemy") == "sqlalchemy.orm.registry.map_imperatively"
    assert _one("`sa.Binary` has been replaced by `sa.LargeBinary`", "sqlalchemy") == (
        "sqlalchemy.LargeBinary"
    )


@pytest.mark.parametrize(
    "text",
    [
        "`np.cast` was removed in the NumPy 2.0 release. Use `np.asarray(arr, dtype=dtype)` "
        "instead.",  # a call with placeholders
        "`np.asfarray` was removed in the NumPy 2.0 release. Use `np.asarray` with a proper "
        "dtype instead.",  # a qualified hint: judgement
        "`np.find_common_type` was removed in the NumPy 2.0 release. Use "
        "`numpy.promote_types` or `numpy.result_type` instead.",  # a choice
        "`np.who` was removed in the NumPy 2.0 release. Use an IDE variable explorer or "
        "`locals()` instead.",
        "`np.set_numeric_ops` was removed in the NumPy 2.0 release. For the general case, use "
        "`PyUFunc_ReplaceLoopBySignature`.",  # a bare name for a qualified API: not numpy's
        "`np.safe_eval` was removed in the NumPy 2.0 release. Use `ast.literal_eval` instead.",
        "AttributeError: module 'numpy' has no attribute 'alltrue'",
    ],
)
def test_no_rule_where_the_hint_needs_judgement(text):
    hints, left = mine_messages([text], "numpy")
    assert hints == []
    assert [u.old.split(".")[0] for u in left] == ["numpy"]


def test_a_method_replaced_by_a_function_is_no_rename():
    text = ("FutureWarning: The frame.append method is deprecated and will be removed from "
            "pandas in a future version. Use pandas.concat instead.")  # fmt: skip
    hints, _ = mine_messages([text, "`pd.DataFrame.append` is deprecated; use `pd.concat`"],
                             "pandas")  # fmt: skip
    assert hints == []
    same = mine_messages(["`pd.DataFrame.iteritems` is deprecated; use `pd.DataFrame.items`"],
                         "pandas")[0]  # fmt: skip
    assert [(h.old, h.new) for h in same] == [("pandas.DataFrame.iteritems", "pandas.DataFrame.items")]


def test_other_packages_and_generic_subjects_are_ignored():
    hints, left = mine_messages(["This function is deprecated; use numpy.foo instead",
                                 "`scipy.misc.face` is deprecated; use `scipy.datasets.face`"],
                                "numpy")  # fmt: skip
    assert hints == [] and left == []


def test_qualify_aliases():
    assert qualify("np.NINF", "numpy") == "numpy.NINF"
    assert qualify("pd.concat", "pandas") == "pandas.concat"
    assert qualify("NINF", "numpy") == "numpy.NINF"
    assert qualify("scipy.stats", "numpy") is None
    assert qualify("xx.y", "numpy", aliases=["xx"]) == "numpy.y"


def test_refine_rules_turns_stated_replacements_into_rules():
    rules = RulesFile.model_validate({"library": "numpy", "from": "1", "to": "2", "rules": [
        {"kind": "removed", "old": "numpy.NINF",
         "message": "AttributeError: `np.NINF` was removed in the NumPy 2.0 release. Use "
                    "`-np.inf` instead."},
        {"kind": "removed", "old": "numpy.cast",
         "message": "`np.cast` was removed. Use `np.asarray(arr, dtype=dtype)` instead."},
    ]})  # fmt: skip
    out = refine_rules(rules)
    assert out.rules[0] == Rule(kind="replaced", old="numpy.NINF", new="-numpy.inf",
                                message=rules.rules[0].message)  # fmt: skip
    assert out.rules[0].rewritable
    assert out.rules[1] == rules.rules[1]
