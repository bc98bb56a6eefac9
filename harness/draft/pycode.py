"""Small tools for reading Python out of a page: balanced calls, literal values, names.

A scraped page may run statements together on one line and lose its indentation, so code is
read by pattern plus ``ast`` on each balanced call, never by parsing whole blocks.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable
from typing import Any


class Unresolved(ValueError):
    """An expression whose value the page does not give as a literal."""


def balanced(text: str, start: int) -> str | None:
    """The text from the bracket at ``start`` to its closing bracket, quotes respected."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack: list[str] = []
    quote = ""
    for index in range(start, min(len(text), start + 20_000)):
        char = text[index]
        if quote:
            if char == quote and text[index - 1] != "\\":
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#":
            end = text.find("\n", index)
            if end < 0:
                return None
            continue
        elif char in pairs:
            stack.append(pairs[char])
        elif stack and char == stack[-1]:
            stack.pop()
            if not stack:
                return text[start:index + 1]
        elif char in ")]}":
            return None
    return None


def parse_call(source: str) -> ast.Call | None:
    """``source`` as one call expression, or None."""
    try:
        node = ast.parse(re.sub(r"\s+", " ", source).strip(), mode="eval").body
    except SyntaxError:
        return None
    return node if isinstance(node, ast.Call) else None


_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv, ast.Div: operator.truediv}


def evaluate(node: ast.AST, names: Callable[[str], Any]) -> Any:
    """The value of a literal expression; names are looked up with ``names`` (which raises
    ``Unresolved`` for an unknown one)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.Tuple, ast.List)):
        values = [evaluate(element, names) for element in node.elts]
        return tuple(values) if isinstance(node, ast.Tuple) else values
    if isinstance(node, ast.Name):
        return names(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -evaluate(node.operand, names)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](evaluate(node.left, names), evaluate(node.right, names))
    raise Unresolved(ast.unparse(node))


def dotted(node: ast.AST) -> str:
    """``keras.layers.Conv2D`` for an attribute chain, ``Conv2D`` for a name, else ''."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr}" if head else ""
    return ""


def kebab(name: str) -> str:
    """A model or recipe name from a Python name: ``simple_conv_model`` → ``simple-conv``,
    ``StandardCNN`` → ``standard-cnn``."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    name = re.sub(r"^(make|build|create|get|define)_", "", name.lower())
    name = re.sub(r"_?model$", "", name)
    name = re.sub(r"[^a-z0-9]+", "-", name).strip("-")
    return name or "model"
