"""Structure rules of issue 21 that a change can silently break: no class in ``assistant/``
over 150 lines (a class that long is doing more than one job)."""

from __future__ import annotations

import ast

from conftest import ROOT

MAX_CLASS_LINES = 150


def test_no_class_over_150_lines():
    long = []
    for path in sorted((ROOT / "assistant").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES:
                long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} "
                            f"({node.end_lineno - node.lineno + 1} lines)")
    assert not long, "split these classes: " + "; ".join(long)
