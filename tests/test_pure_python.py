"""lecture_code must run in Pyodide: pure Python, standard library only."""

import ast
import builtins
import json
import subprocess
import sys
from pathlib import Path

import lecture_code

PACKAGE_DIR = Path(lecture_code.__file__).parent
MODULES = sorted(PACKAGE_DIR.glob("*.py"))

ALLOWED_IMPORTS = {
    "__future__",
    "collections",
    "collections.abc",
    "contextvars",
    "fractions",
    "functools",
    "inspect",
    "itertools",
    "math",
    "random",
    "re",
    "typing",
}

IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
sys.modules["numpy"] = None  # any "import numpy" now raises ImportError
import lecture_code
names = [m.name for m in pkgutil.iter_modules(lecture_code.__path__)]
for name in names:
    importlib.import_module("lecture_code." + name)
print(json.dumps({"modules": sorted(names), "softmax": lecture_code.softmax([1.0, 2.0, 3.0])}))
"""


def imported_modules(path: Path) -> set[str]:
    """Absolute module names imported by a source file (relative imports excluded)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
    return names


def test_package_imports_and_runs_without_numpy():
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["modules"] == sorted(p.stem for p in MODULES if p.stem != "__init__")
    probs = report["softmax"]
    assert len(probs) == 3 and abs(sum(probs) - 1.0) < 1e-12
    assert probs[0] < probs[1] < probs[2]


def test_modules_import_only_the_standard_library():
    assert MODULES, f"no modules found in {PACKAGE_DIR}"
    for path in MODULES:
        outside = {
            name
            for name in imported_modules(path)
            if name not in ALLOWED_IMPORTS and name.split(".")[0] != "lecture_code"
        }
        assert not outside, f"{path.name} imports {sorted(outside)}"


def test_modules_define_no_builtin_names():
    for path in MODULES:
        tree = ast.parse(path.read_text(), filename=str(path))
        defined = {
            node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)
        }
        shadowed = defined & set(dir(builtins))
        assert not shadowed, f"{path.name} shadows built-ins {sorted(shadowed)}"


def test_modules_fit_in_one_sitting():
    for path in MODULES:
        lines = len(path.read_text().splitlines())
        assert lines <= 150, f"{path.name} has {lines} lines"


def test_public_api_is_importable_from_the_package_top():
    for name in lecture_code.__all__:
        assert callable(getattr(lecture_code, name)), name
