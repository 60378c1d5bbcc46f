"""Runner "auto": pytest unless the project is plainly a stdlib unittest suite."""

from pathlib import Path

import pytest

from patchwright.testing.detect import detect_runner

UNITTEST = "import unittest\n\nclass T(unittest.TestCase):\n    def test_a(self):\n        pass\n"


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"tests/test_a.py": UNITTEST}, "unittest"),
        ({"tests/test_a.py": UNITTEST, "tests/test_b.py": "def test_b():\n    assert 1\n"}, "pytest"),
        ({"tests/test_a.py": UNITTEST, "conftest.py": ""}, "pytest"),
        ({"tests/test_a.py": UNITTEST, "pytest.ini": "[pytest]\n"}, "pytest"),
        ({"tests/test_a.py": UNITTEST, "setup.cfg": "[tool:pytest]\naddopts = -q\n"}, "pytest"),
        ({"tests/test_a.py": UNITTEST, "setup.cfg": "[metadata]\nname = x\n"}, "unittest"),
        ({"tests/test_a.py": "import pytest\n" + UNITTEST}, "pytest"),
        ({"mod.py": "X = 1\n"}, "pytest"),
    ],
)
def test_detect(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    assert detect_runner(write(tmp_path, files)) == expected
