"""Which source files of the lecture package a piece of code depends on, read from its imports.

Used by the figure runner (a figure is stale when a module it imports changed)
and by live cells (a deck is rebuilt when a module its cells import changed).
Nothing is imported or run: the imports are read with :mod:`ast`.

The package's ``__init__.py`` re-exports every function. A name taken from the
package top (``from lecture_code import softmax``) is traced to the module
that defines it, so a cell using ``softmax`` depends on ``reductions.py`` and
what that imports, not on every module of the package.
"""

from __future__ import annotations

import ast
from pathlib import Path


def imported_names(tree: ast.AST) -> set[str]:
    """Dotted names that ``tree`` imports.

    ``a.b`` for ``import a.b``, and ``a.b.c`` for ``from a.b import c``.
    """
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _module_imports(tree: ast.AST, package: str) -> dict[str, set[str]]:
    """For each module of ``package`` that ``tree`` imports from, the names it takes."""
    found: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            module = f"{package}.{node.module}" if node.level else node.module
            found.setdefault(module, set()).update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                found.setdefault(alias.name, set())
    return {m: n for m, n in found.items() if m == package or m.startswith(package + ".")}


def package_deps(names: set[str], pkg_dir: Path) -> set[Path]:
    """The files of the package at ``pkg_dir`` that the imported ``names`` depend on.

    ``names`` are dotted names as :func:`imported_names` gives them. The result
    holds ``__init__.py`` whenever anything of the package is imported.
    """
    package = pkg_dir.name
    init = pkg_dir / "__init__.py"
    init_imports = _module_imports(ast.parse(init.read_text()), package) if init.exists() else {}
    todo = [n for n in names if n == package or n.startswith(package + ".")]
    found: set[Path] = {init} if todo and init.exists() else set()
    while todo:
        name = todo.pop()
        path = pkg_dir.joinpath(*name.split(".")[1:]).with_suffix(".py")
        if name == package:  # the whole package: everything __init__ imports
            todo.extend(m for m in init_imports if m != package)
        elif path.exists():
            if path not in found:
                found.add(path)
                tree = ast.parse(path.read_text(), str(path))
                todo.extend(_module_imports(tree, package))
        elif name.count(".") == 1:  # a name re-exported by __init__
            attr = name.split(".")[1]
            todo.extend(m for m, taken in init_imports.items() if attr in taken)
        else:  # a name taken from a module: depend on the module
            todo.append(name.rsplit(".", 1)[0])
    return found
