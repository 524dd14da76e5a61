"""Matching's pages and API handlers call services, selectors and policy, never the ORM."""

import ast
from pathlib import Path

import pytest

MATCHING = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("module", ["advocate.py", "api.py"])
def test_views_and_api_handlers_do_not_touch_the_orm(module):
    tree = ast.parse((MATCHING / module).read_text())
    managers = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager")
    ]
    models = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith(".models")
    ]
    assert managers == [] and models == []
