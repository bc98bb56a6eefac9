"""Read the numbers Keras and tutorials print: counts with commas or a Keras 2.0 ``.0``, shapes."""

from __future__ import annotations

import re

_COUNT = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.0+)?$|^\d+(?:\.0+)?$")


def parse_count(text: str) -> int | None:
    """``51,210``, ``98304`` or ``54,410.0`` as an int; None when it is not a count."""
    text = text.strip()
    if not _COUNT.match(text):
        return None
    return int(text.replace(",", "").split(".")[0])


def parse_shape(text: str) -> list[int] | None:
    """``(None, 26, 26, 32)`` or ``[(None, 5, 5, 1024)]`` without the batch axis; None when the
    shape is cut (``…``), ``multiple``, or not one tensor's shape."""
    text = re.sub(r"\s+", "", text)
    if text.startswith("[(") and text.endswith(")]") and text.count("(") == 1:
        text = text[1:-1]
    match = re.fullmatch(r"\((None|\d+)((?:,(?:None|\d+))*),?\)", text)
    if not match or match.group(1) != "None":
        return None
    dims = [part for part in match.group(2).split(",") if part]
    if "None" in dims:
        return None
    return [int(dim) for dim in dims]


def decimals(text: str) -> int:
    """How many digits follow the point in a printed number (its precision)."""
    return len(text.split(".", 1)[1]) if "." in text else 0
