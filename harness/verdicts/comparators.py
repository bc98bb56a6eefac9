"""Comparators: how a measured value is judged against an expected one.

A claim file names its comparator (``exact`` by default, or ``{rule: approx, rel: .., abs: ..}``);
the same comparator judges the measurement against the tutorial's value and against the stored
baseline, so a planted wrong number in either place fails the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


class ComparatorError(ValueError):
    """A comparator spec in a claim file is malformed."""


@dataclass(frozen=True)
class Verdict:
    """The outcome of one comparison: whether it holds, how far off it is, and the rule used."""

    ok: bool
    delta: Any
    rule: str
    detail: str = ""
    judged: bool = True  # False when the comparison does not apply here (proxy data)
    improved: bool = False  # for a failed baseline comparison: moved the good way
    directional: bool = True  # False when neither way is better: a move is DRIFT, not a regression
    more: bool = False  # borderline at this look: train more seeds and look again
    # the comparison applies here but these seeds cannot decide it (one seed, no spread):
    # shown in the report, never failing
    undecided: bool = False


def normalize(value: Any) -> Any:
    """Turn tuples, numpy scalars and arrays into plain JSON-able Python values."""
    if hasattr(value, "tolist"):
        return normalize(value.tolist())
    if isinstance(value, tuple | list):
        return [normalize(item) for item in value]
    if isinstance(value, dict):
        return {str(key): normalize(item) for key, item in value.items()}
    return value


def _typed(value: Any) -> Any:
    """Tag booleans so that exact equality never confuses True with 1."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _first_difference(measured: list, expected: list) -> str:
    if len(measured) != len(expected):
        return f"length {len(measured)} vs expected {len(expected)}"
    for index, (got, want) in enumerate(zip(measured, expected, strict=True)):
        if got != want:
            return f"item {index}: {got} vs expected {want}"
    return ""


@dataclass(frozen=True)
class Exact:
    """Equality after normalisation: counts, shapes, booleans, lists of those."""

    def check(self, measured: Any, expected: Any) -> Verdict:
        measured, expected = normalize(measured), normalize(expected)
        ok = _typed(measured) == _typed(expected)
        if _is_number(measured) and _is_number(expected):
            return Verdict(ok, measured - expected, self.describe())
        detail = ""
        if not ok and isinstance(measured, list) and isinstance(expected, list):
            detail = _first_difference(measured, expected)
        return Verdict(ok, None if ok else detail or "differs", self.describe(), detail)

    def describe(self) -> str:
        return "exact"


@dataclass(frozen=True)
class Approx:
    """|measured − expected| within an absolute and/or relative tolerance (either suffices)."""

    rel: float = 0.0
    abs: float = 0.0

    def check(self, measured: Any, expected: Any) -> Verdict:
        if not (_is_number(measured) and _is_number(expected)):
            raise ComparatorError(
                f"approx compares numbers, got measured={measured!r}, expected={expected!r}")
        delta = measured - expected
        limit = max(self.abs, self.rel * abs(expected))
        ok = math.isfinite(measured) and abs(delta) <= limit
        return Verdict(ok, delta, self.describe())

    def describe(self) -> str:
        parts = []
        if self.abs:
            parts.append(f"|Δ| ≤ {self.abs:g}")
        if self.rel:
            parts.append(f"|Δ| ≤ {self.rel:.2%} of expected")
        return " or ".join(parts)


Comparator = Exact | Approx


def parse_comparator(spec: Any) -> Comparator:
    """Build a comparator from its claim-file form; raise ComparatorError naming what is wrong."""
    if spec is None or spec == "exact":
        return Exact()
    if isinstance(spec, dict) and spec.get("rule") == "exact" and len(spec) == 1:
        return Exact()
    if isinstance(spec, dict) and spec.get("rule") == "approx":
        unknown = set(spec) - {"rule", "rel", "abs"}
        if unknown:
            raise ComparatorError(f"unknown approx option(s) {sorted(unknown)}; use rel and/or abs")
        rel, absolute = spec.get("rel", 0.0), spec.get("abs", 0.0)
        for name, value in (("rel", rel), ("abs", absolute)):
            if not _is_number(value) or not math.isfinite(value) or value < 0:
                raise ComparatorError(f"approx {name} must be a number >= 0, got {value!r}")
        if rel == 0 and absolute == 0:
            raise ComparatorError("approx needs rel or abs > 0 (use 'exact' for equality)")
        return Approx(rel=float(rel), abs=float(absolute))
    raise ComparatorError(
        f"unknown comparator {spec!r}; use 'exact' or {{rule: approx, rel: .., abs: ..}}")
