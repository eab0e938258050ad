"""Checks of plain data (maps, lists, text): how deeply it nests and whether its text is valid Unicode.

A concept of its own: :func:`fiscal_sim.scenario.validation.validate_document` checks every scenario document
with it, and the HTTP service checks every request body with it (``api/json_provider.py``).
"""

from __future__ import annotations

import re

from .. import catalogue
from ..errors import Message


def plain_data_problem(value, max_depth: int = catalogue.MAX_DEPTH) -> tuple[str, Message] | None:
    """``(key path, message)`` for the first place a document nests too deeply or holds text that is not
    valid Unicode (a lone surrogate, which no database or file can store); None when it is fine."""
    stack = [(value, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        if depth > max_depth:
            return path or "_schema", Message("too_deep", n=max_depth)
        if isinstance(node, dict):
            for key, child in node.items():
                child_path = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and _SURROGATE.search(key):
                    return path or "_schema", Message("not_unicode")
                stack.append((child, child_path, depth + 1))
        elif isinstance(node, list):
            stack.extend((child, f"{path}[{n}]", depth + 1) for n, child in enumerate(node))
        elif isinstance(node, str) and _SURROGATE.search(node):
            return path or "_schema", Message("not_unicode")
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")
