"""Markdown tables for reports, reviews and comparisons (tabulate's pipe format)."""

from __future__ import annotations

from collections.abc import Sequence

from tabulate import tabulate


def markdown_table(rows: Sequence[dict[str, object]], parse_numbers: bool = False) -> str:
    """A GitHub markdown table with one column per key of the first row. Cells stay as written
    unless ``parse_numbers`` (then numeric columns align right)."""
    return tabulate(rows, headers="keys", tablefmt="pipe", disable_numparse=not parse_numbers)
