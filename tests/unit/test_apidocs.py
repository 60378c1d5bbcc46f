"""Target-version documentation: flattening an API dump, retrieval and error lookups; one
real dump of a standard-library module through the introspection script."""

import sys

from patchwright.propose.migrate.docs import ApiDocs, entries_from_dump, import_name, render

DUMP = {
    "version": 1,
    "library": "lib",
    "library_version": "2.0",
    "modules": {
        "lib": {"members": {
            "norm": {"kind": "function", "signature": "(x, ord=None)", "obj_name": "norm",
                     "doc": "Matrix or vector norm."},
            "float64": {"kind": "class", "signature": "(x=0)", "obj_name": "float64",
                        "doc": "Double-precision floating-point number type."},
            "Frame": {"kind": "class", "signature": "(data)", "obj_name": "Frame",
                      "doc": "A table.", "methods": {
                          "concat": {"signature": "(self, other)", "doc": "Join two frames."}}},
            "linalg": {"kind": "module"},
        }},
        "lib.linalg": {"members": {
            "norm": {"kind": "function", "signature": "(x, ord=None)", "obj_name": "norm",
                     "doc": "Matrix or vector norm."},
            "inv": {"kind": "function", "signature": "(a)", "obj_name": "inv",
                    "doc": "Compute the inverse of a matrix."},
        }},
    },
}  # fmt: skip


def docs():
    return ApiDocs(entries_from_dump(DUMP), "lib", "2.0")


def test_an_object_is_named_by_its_shortest_public_path_and_methods_are_entries():
    names = [e.name for e in docs().entries]
    assert "lib.norm" in names and "lib.linalg.norm" not in names
    assert "lib.linalg.inv" in names and "lib.Frame.concat" in names


def test_search_finds_the_api_a_task_describes():
    hits = docs().search("compute the inverse of a matrix", 2)
    assert hits[0].name == "lib.linalg.inv"


def test_errors_point_at_the_api_or_its_nearest_names():
    d = docs()
    missing = d.for_error("AttributeError: module 'lib' has no attribute 'float'")
    assert [e.name for e in missing] == ["lib.float64"]
    method = d.for_error("AttributeError: 'Frame' object has no attribute 'append'")
    assert method == []  # nothing like "append" on Frame
    call = d.for_error("TypeError: norm() got an unexpected keyword argument 'axis'")
    assert [e.name for e in call] == ["lib.norm"]
    imp = d.for_error("ImportError: cannot import name 'inv' from 'lib.linalg' (x.py)")
    assert [e.name for e in imp] == ["lib.linalg.inv"]


def test_render_is_cut_to_size_and_round_trips_through_json():
    d = docs()
    assert render(d.entries, 60).count("\n- ") == 0
    again = ApiDocs.from_json(d.to_json())
    assert again.entries == d.entries


def test_a_real_dump_from_an_interpreter(tmp_path):
    d = ApiDocs.load(sys.executable, "json", cache_dir=tmp_path)
    assert d.lookup("json.dumps")[0].signature.startswith("(obj")
    assert "Serialize" in d.lookup("dumps")[0].doc
    assert list(tmp_path.glob("apidocs-json-*.json"))  # cached
    assert import_name(sys.executable, "pydantic") == "pydantic"


def test_use_instead_hints_are_looked_up():
    d = docs()
    hits = d.for_error("AttributeError: `lib.double` was removed. Use `lib.float64` instead.")
    assert [e.name for e in hits] == ["lib.float64"]


def test_library_calls_resolve_aliases_and_from_imports():
    from patchwright.propose.migrate.llm_migrate import library_calls

    code = "import numpy as np\nfrom numpy.linalg import norm\nx = np.float_(1) + norm(np.ones(3))\n"
    assert library_calls(code, "numpy") == ["numpy.float_", "numpy.linalg.norm", "numpy.ones"]
