"""End-to-end: a stdlib unittest project (plain ``unittest.TestCase`` classes, no pytest-style
tests), built here with a one-line bug, is repaired through the real CLI with the unittest
runner; the diff applies and ``python -m unittest`` then passes."""

import json
import subprocess
import sys
from pathlib import Path

from conftest import git
from patchwright.testing.detect import detect_runner

FILES = {
    "shop/__init__.py": "",
    "shop/prices.py": (
        "def total(prices, discount):\n"
        "    subtotal = sum(prices)\n"
        "    return subtotal - subtotal * discount\n"
        "\n"
        "\n"
        "def cheapest(prices):\n"
        "    best = prices[0]\n"
        "    for p in prices:\n"
        "        if p > best:\n"  # the bug: keeps the most expensive
        "            best = p\n"
        "    return best\n"
    ),
    "tests/__init__.py": "",
    "tests/test_prices.py": (
        "import unittest\n"
        "\n"
        "from shop.prices import cheapest, total\n"
        "\n"
        "\n"
        "class TestCheapest(unittest.TestCase):\n"
        "    def test_first_is_cheapest(self):\n"
        "        self.assertEqual(cheapest([1, 5, 3]), 1)\n"
        "\n"
        "    def test_last_is_cheapest(self):\n"
        "        self.assertEqual(cheapest([4, 5, 2]), 2)\n"
        "\n"
        "    def test_single(self):\n"
        "        self.assertEqual(cheapest([7]), 7)\n"
        "\n"
        "\n"
        "class TestTotal(unittest.TestCase):\n"
        "    def test_no_discount(self):\n"
        "        self.assertEqual(total([1, 2], 0), 3)\n"
        "\n"
        "    def test_half(self):\n"
        "        self.assertEqual(total([2, 2], 0.5), 2)\n"
    ),
}


def make_project(root: Path) -> Path:
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "shop with a bug")
    return root


def test_unittest_project_is_repaired_end_to_end(cli, tmp_path):
    proj = make_project(tmp_path / "shop")
    assert detect_runner(proj) == "unittest"
    run = tmp_path / "run"
    res = cli("repair", str(proj), "--out", str(run), "-q", "--set", "runner=unittest")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("diff --git a/shop/prices.py b/shop/prices.py")
    assert "-        if p > best:" in res.stdout and "+        if p < best:" in res.stdout
    result = json.loads((run / "result.json").read_text())
    assert result["status"] == "plausible" and result["validated"] is True
    assert result["failing_tests"] == [
        "tests/test_prices.py::TestCheapest::test_first_is_cheapest",
        "tests/test_prices.py::TestCheapest::test_last_is_cheapest",
    ]
    assert "tests/test_prices.py::TestTotal::test_half" in result["passing_tests"]
    subprocess.run(["git", "apply", "-"], input=res.stdout, text=True, cwd=proj, check=True)
    done = subprocess.run([sys.executable, "-m", "unittest", "-q"], cwd=proj,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Ran 5 tests" in done.stderr
