"""The import graph of the package: subpackages in layers, each importing only from lower ones
(so no cycles), and the serving code free of training, evaluation and benchmarking."""

import ast
from pathlib import Path

import edge
import edge.kernels

LAYERS = (
    {"kernels", "io"},
    {"pipeline"},
    {"cluster", "eval", "track"},
    {"live", "archive", "train"},
    {"bench"},
    {"cli"},
)
SERVING = {"io", "pipeline", "track", "live"}


def _subpackage_imports() -> dict[str, set[str]]:
    """For each subpackage of ``edge``, the other subpackages its modules import (at any depth,
    inside functions too)."""
    roots = {"edge": Path(edge.__file__).parent, "edge.kernels": Path(edge.kernels.__file__).parent}
    imports: dict[str, set[str]] = {}
    for package, root in roots.items():
        for path in root.rglob("*.py"):
            parts = [*package.split("."), *path.relative_to(root).with_suffix("").parts]
            if len(parts) < 3 and package == "edge":
                continue  # edge/__init__.py: the public names, imported on first use
            own = parts[1]
            for node in ast.walk(ast.parse(path.read_text())):
                names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
                names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
                for name in names:
                    target = name.split(".")
                    if target[0] == "edge" and len(target) > 1 and target[1] != own:
                        imports.setdefault(own, set()).add(target[1])
    return imports


def _layer(subpackage: str) -> int:
    return next(index for index, layer in enumerate(LAYERS) if subpackage in layer)


def test_every_subpackage_imports_only_from_lower_layers():
    imports = _subpackage_imports()
    assert set(imports) | {"io"} <= set().union(*LAYERS)
    upward = {(source, target) for source, targets in imports.items() for target in targets
              if _layer(target) >= _layer(source)}  # fmt: skip
    assert not upward


def test_the_serving_code_imports_nothing_from_training_evaluation_or_benchmarks():
    imports = _subpackage_imports()
    assert not {
        (source, target) for source in SERVING for target in imports.get(source, set()) & {"train", "eval", "bench"}
    }
