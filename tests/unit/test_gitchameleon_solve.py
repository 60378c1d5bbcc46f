"""Turning a model's reply into the problem's module (no model needed)."""

import ast

from patchwright.benchmarks.gitchameleon_solve import (
    _unfinished,
    assemble,
    extract_code,
    syntax_error,
)

START = "import numpy as np\ndef norm(a: np.ndarray) -> float:\n"


def test_the_block_that_defines_the_function_wins_over_longer_ones():
    reply = (
        "Here:\n```python\nimport numpy as np\ndef norm(a):\n    return float(np.linalg.norm(a))\n```\n"
        "and a usage example:\n```python\nx = np.arange(100)\nprint(x)\nprint(x)\nprint(x)\nprint(x)\n```"
    )
    assert "def norm" in extract_code(reply, "norm")


def test_no_fence_takes_the_whole_reply():
    assert extract_code("return 1", "f") == "return 1"


def test_reply_function_replaces_the_open_def_and_drops_trailing_calls():
    code = "import math\n\ndef norm(a):\n    return math.sqrt((a * a).sum())\n\nprint(norm(np.ones(3)))\n"
    module = assemble(START, code)
    ast.parse(module)
    assert module.startswith("import math\nimport numpy as np\n")
    assert "print(" not in module and module.count("def norm") == 1


def test_a_bare_body_completes_the_starting_code():
    module = assemble(START, "return float(np.sqrt((a * a).sum()))")
    assert module == START + "    return float(np.sqrt((a * a).sum()))\n"


def test_a_method_keeps_its_class_indentation():
    start = "class Box:\n    size = 2\n    def area(self):\n"
    module = assemble(start, "def area(self):\n    return self.size ** 2\n")
    ns = {}
    exec(compile(module, "m", "exec"), ns)  # our own fixed text, not model output
    assert ns["Box"]().area() == 4


def test_a_starting_code_that_stops_mid_line():
    start = "import networkx as nx\ndef comms(G):\n    return nx.community.greedy(G,\n"
    echo = "import networkx as nx\ndef comms(G):\n    return nx.community.greedy(G,\n"
    module = assemble(start, echo)
    assert "was never closed" in syntax_error(module)
    assert "return nx.community.greedy(G," in syntax_error(module)
    assert _unfinished(start, module)
    done = assemble(start, "def comms(G):\n    return nx.community.greedy(G, n=5)\n")
    assert not syntax_error(done) and not _unfinished(start, done)
