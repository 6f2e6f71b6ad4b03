"""Which files of the lecture package a piece of code runs, read from its imports.

Used by the figure runner (a figure is stale when a module it uses changed), by
live cells and by quizzes (a deck is rebuilt when a module they use changed).
Nothing is imported or run: the imports are read with :mod:`ast`.

``from lecture_code import softmax`` counts as an import of the module that
defines ``softmax`` (found through the package's ``__init__``), followed through
that module's own imports, not of every module ``__init__`` re-exports: touching
one module reaches only the code that uses it. ``__init__.py`` itself runs on
every import of the package, so it is always among the files.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path


class PackageDeps:
    """The files of one package that importing given names runs, found by reading the source."""

    def __init__(self, pkg_dir: Path) -> None:
        self.pkg = pkg_dir
        self.package = pkg_dir.name
        self._trees: dict[Path, ast.Module] = {}
        self._closure: dict[Path, set[Path]] = {}

    def _tree(self, path: Path) -> ast.Module:
        if path not in self._trees:
            self._trees[path] = ast.parse(path.read_bytes(), str(path))
        return self._trees[path]

    def module_file(self, dotted: str) -> Path | None:
        """``lecture_code.reductions`` -> ``src/lecture_code/reductions.py`` (or None)."""
        parts = dotted.split(".")[1:]
        for path in (
            self.pkg.joinpath(*parts).with_suffix(".py") if parts else None,
            self.pkg.joinpath(*parts, "__init__.py"),
        ):
            if path is not None and path.is_file():
                return path
        return None

    def _inits(self, dotted: str) -> set[Path]:
        """The ``__init__.py`` files that importing ``dotted`` runs first."""
        parts = dotted.split(".")
        found = set()
        for i in range(1, len(parts) + 1):
            init = self.pkg.joinpath(*parts[1:i], "__init__.py")
            if init.is_file():
                found.add(init)
        return found

    def _binding(self, init: Path, name: str) -> tuple[str, str] | None:
        """Where a package ``__init__`` imports ``name`` from: ``(module, original name)``."""
        package = ".".join([self.package, *init.parent.relative_to(self.pkg).parts])
        for node in self._tree(init).body:
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if (alias.asname or alias.name) == name:
                        return absolute_module(node, package, is_package=True), alias.name
        return None

    def resolve(self, module: str, names: list[str] | None) -> set[Path]:
        """Files run by ``from module import names`` (``names=None``: ``import module``)."""
        found = self._inits(module)
        path = self.module_file(module)
        if path is None:
            return found
        if path.name != "__init__.py":
            return found | self.closure(path)
        if names is None or "*" in names:
            return found | self.closure(path)  # the whole package namespace is used
        for name in names:
            sub = f"{module}.{name}"
            if self.module_file(sub):
                found |= self.resolve(sub, None)
                continue
            origin = self._binding(path, name)
            if origin is None or origin[0] == module:
                found |= self.closure(path)  # defined in __init__ itself: all of it may run
            else:
                found |= self.resolve(origin[0], [origin[1]])
        return found

    def closure(self, path: Path) -> set[Path]:
        """``path`` and every package file its imports run, transitively."""
        if path in self._closure:
            return self._closure[path]
        self._closure[path] = found = {path}  # also guards against import cycles
        is_package = path.name == "__init__.py"
        parts = path.relative_to(self.pkg).with_suffix("").parts
        module = ".".join([self.package, *(parts[:-1] if is_package else parts)])
        for target, names in package_imports(self._tree(path), self.package, module, is_package):
            found |= self.resolve(target, names)
        return found


def absolute_module(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute name of what a ``from ... import`` in ``module`` imports from."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[: -(node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def package_imports(tree: ast.AST, package: str, module: str = "", is_package: bool = False):
    """Yield ``(module, names)`` for every import from ``package`` in ``tree``.

    ``names`` is None for ``import module``. ``module`` and ``is_package`` say where
    ``tree`` itself lives, to resolve relative imports.
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == package or alias.name.startswith(package + "."):
                    yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            target = absolute_module(node, module, is_package) if node.level else node.module or ""
            if target == package or target.startswith(package + "."):
                yield target, [a.name for a in node.names]


@functools.lru_cache(maxsize=4)
def _package(pkg_dir: Path, stamp: tuple) -> PackageDeps:
    """One reader per package state: a build asks many times and parses each file once."""
    return PackageDeps(pkg_dir)


def code_deps(tree: ast.AST, pkg_dir: Path) -> set[Path]:
    """The files of the package at ``pkg_dir`` that running ``tree`` would run.

    Raises SyntaxError, naming the file, if a package file does not parse.
    """
    stamp = tuple(
        (p, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(pkg_dir.rglob("*.py"))
    )
    deps = _package(pkg_dir, stamp)
    found: set[Path] = set()
    for module, names in package_imports(tree, pkg_dir.name):
        found |= deps.resolve(module, names)
    return found
