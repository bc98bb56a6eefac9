"""Comparators: the one rule that judges a measurement against the tutorial and the baseline.

A comparator that is too lenient hides a wrong claim; one that is too strict (tuple vs list,
numpy vs int) fails for nothing. These tests pin both edges.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from harness.verdicts.comparators import Approx, ComparatorError, Exact, normalize, parse_comparator

pytestmark = pytest.mark.fast

NAN = float("nan")
INF = float("inf")


# --- Exact -----------------------------------------------------------------------------------

def test_exact_equal_ints_hold_with_zero_delta() -> None:
    """Counts are compared as numbers, and the delta is what the report's Δ column shows."""
    verdict = Exact().check(703594, 703594)
    assert verdict.ok
    assert verdict.delta == 0
    assert verdict.rule == "exact"


def test_exact_unequal_ints_fail_with_signed_delta() -> None:
    """Δ is measured − expected, so its sign says which way the count moved."""
    verdict = Exact().check(703590, 703594)
    assert not verdict.ok
    assert verdict.delta == -4


@pytest.mark.parametrize(("measured", "expected"), [
    ((28, 28, 1), [28, 28, 1]),
    ([28, 28, 1], (28, 28, 1)),
    (np.array([28, 28, 1]), [28, 28, 1]),
    (np.int64(54410), 54410),
    ([(26, 26, 32), (10,)], [[26, 26, 32], [10]]),
    (np.zeros((2, 3)).shape, [2, 3]),
    (np.bool_(True), True),
], ids=["tuple-vs-list", "list-vs-tuple", "ndarray", "numpy-int", "tuples-in-list",
        "numpy-shape", "numpy-bool"])
def test_exact_normalises_shapes_and_numpy_values(measured: Any, expected: Any) -> None:
    """Keras hands back tuples and numpy values; YAML and JSON hold lists and ints."""
    verdict = Exact().check(measured, expected)
    assert verdict.ok, verdict
    assert verdict.detail == ""


def test_exact_nested_lists_name_the_first_difference() -> None:
    """A long per-layer list must say which item differs, not just 'differs'."""
    verdict = Exact().check([[30, 30, 32], [28, 28, 32], [14, 14, 32]],
                            [[30, 30, 32], [28, 28, 64], [14, 14, 32]])
    assert not verdict.ok
    assert verdict.detail == "item 1: [28, 28, 32] vs expected [28, 28, 64]"
    assert verdict.delta == verdict.detail


def test_exact_lists_of_different_length_say_so() -> None:
    """A missing layer shows as a length difference, the first thing to look at."""
    verdict = Exact().check([896, 9248], [896, 9248, 0])
    assert not verdict.ok
    assert verdict.detail == "length 2 vs expected 3"


def test_exact_mismatch_without_lists_is_marked_differs() -> None:
    """Scalars other than numbers have no delta, but the verdict still reports a difference."""
    verdict = Exact().check("relu", "softmax")
    assert not verdict.ok
    assert verdict.delta == "differs"
    assert verdict.detail == ""


def test_exact_nan_never_equals_nan() -> None:
    """A NaN measurement must fail even when the expectation is NaN too."""
    assert not Exact().check(NAN, NAN).ok


def test_exact_does_not_confuse_booleans_with_ints() -> None:
    """A yes/no claim (sizing-valid) must not pass against a count of 1, nor the reverse."""
    assert not Exact().check(True, 1).ok
    assert not Exact().check(0, False).ok


# --- Approx ----------------------------------------------------------------------------------

def test_approx_absolute_tolerance() -> None:
    """abs bounds |measured − expected| directly."""
    comparator = Approx(abs=0.01)
    held = comparator.check(0.8449, 0.84)
    assert held.ok
    assert held.delta == pytest.approx(0.0049)
    assert not comparator.check(0.8501, 0.84).ok
    assert not comparator.check(0.8299, 0.84).ok


def test_approx_relative_tolerance_scales_with_expected() -> None:
    """rel is a fraction of the expected value, not of the measured one."""
    comparator = Approx(rel=0.05)
    assert comparator.check(104.9, 100).ok
    assert comparator.check(95.1, 100).ok
    assert not comparator.check(105.1, 100).ok
    assert not comparator.check(100, 106).ok  # 6 > 5% of 106 = 5.3


def test_approx_limit_itself_holds() -> None:
    """The tolerance is inclusive: a value exactly at the limit passes."""
    assert Approx(abs=1.0).check(3, 2).ok


def test_approx_either_tolerance_suffices() -> None:
    """With both, abs covers values near zero and rel covers large ones."""
    comparator = Approx(rel=0.01, abs=0.5)
    assert comparator.check(0.4, 0).ok  # rel alone allows nothing around 0
    assert comparator.check(1009.0, 1000).ok  # abs alone allows only 0.5
    assert not comparator.check(1011.0, 1000).ok


@pytest.mark.parametrize(("measured", "expected"), [
    (NAN, 1.0), (1.0, NAN), (NAN, NAN), (INF, 1.0), (INF, INF), (-INF, 0.0),
], ids=["nan-measured", "nan-expected", "both-nan", "inf", "inf-vs-inf", "minus-inf"])
def test_approx_non_finite_values_fail(measured: float, expected: float) -> None:
    """A diverged run (NaN/inf loss) must never pass, whatever the tolerance."""
    assert not Approx(rel=1.0, abs=1e9).check(measured, expected).ok


@pytest.mark.parametrize(("measured", "expected"), [
    ([1.0], [1.0]), ("0.5", 0.5), (True, 1), (0.5, None),
], ids=["lists", "string", "bool", "none"])
def test_approx_refuses_non_numbers(measured: Any, expected: Any) -> None:
    """Approx on a list or a string is a claim-file mistake and must say so, not guess."""
    with pytest.raises(ComparatorError, match="approx compares numbers"):
        Approx(abs=1.0).check(measured, expected)


@pytest.mark.parametrize(("comparator", "text"), [
    (Approx(abs=0.01), "|Δ| ≤ 0.01"),
    (Approx(rel=0.05), "|Δ| ≤ 5.00% of expected"),
    (Approx(rel=0.05, abs=0.01), "|Δ| ≤ 0.01 or |Δ| ≤ 5.00% of expected"),
])
def test_approx_describe_reads_as_the_rule(comparator: Approx, text: str) -> None:
    """The rule text lands in failure messages and reports, so it must be readable."""
    assert comparator.describe() == text
    assert comparator.check(1.0, 1.0).rule == text


# --- parsing claim-file specs ----------------------------------------------------------------

@pytest.mark.parametrize("spec", [None, "exact", {"rule": "exact"}])
def test_parse_exact_forms(spec: Any) -> None:
    """exact is the default, so a claim without 'compare' is judged exactly."""
    assert parse_comparator(spec) == Exact()


@pytest.mark.parametrize(("spec", "expected"), [
    ({"rule": "approx", "abs": 0.01}, Approx(abs=0.01)),
    ({"rule": "approx", "rel": 0.05}, Approx(rel=0.05)),
    ({"rule": "approx", "rel": 0.05, "abs": 1}, Approx(rel=0.05, abs=1.0)),
])
def test_parse_approx_forms(spec: dict[str, Any], expected: Approx) -> None:
    """Integer tolerances become floats so describe() formats them the same way."""
    comparator = parse_comparator(spec)
    assert comparator == expected
    assert isinstance(comparator.abs, float)
    assert isinstance(comparator.rel, float)


@pytest.mark.parametrize(("spec", "message"), [
    ("approx", "unknown comparator 'approx'"),
    ({"rule": "fuzzy"}, "unknown comparator"),
    ({"rule": "exact", "abs": 1}, "unknown comparator"),
    ({"abs": 0.1}, "unknown comparator"),
    (5, "unknown comparator 5"),
    ({"rule": "approx"}, "needs rel or abs > 0"),
    ({"rule": "approx", "rel": 0, "abs": 0}, "needs rel or abs > 0"),
    ({"rule": "approx", "rel": -0.1}, "approx rel must be a number >= 0, got -0.1"),
    ({"rule": "approx", "abs": "0.1"}, "approx abs must be a number >= 0, got '0.1'"),
    ({"rule": "approx", "rel": True}, "approx rel must be a number >= 0, got True"),
    ({"rule": "approx", "tol": 0.1}, r"unknown approx option\(s\) \['tol'\]"),
], ids=["bare-approx", "unknown-rule", "exact-with-options", "no-rule", "number", "no-tolerance",
        "zero-tolerance", "negative-rel", "string-abs", "bool-rel", "unknown-option"])
def test_parse_errors_name_the_problem(spec: Any, message: str) -> None:
    """A malformed 'compare' must fail on load with a message that says what to write."""
    with pytest.raises(ComparatorError, match=message):
        parse_comparator(spec)


@pytest.mark.parametrize("name", ["rel", "abs"])
def test_parse_rejects_nan_tolerance(name: str) -> None:
    """YAML '.nan' passes the '>= 0' check (NaN < 0 is False) and silently means 'exact'."""
    with pytest.raises(ComparatorError):
        parse_comparator({"rule": "approx", name: math.nan})


def test_normalize_makes_plain_json_values() -> None:
    """Baselines and reports are JSON; normalize is what makes every value storable."""
    value = normalize({"shape": (np.int64(3), 4), 1: np.array([[1.5], [2.5]])})
    assert value == {"shape": [3, 4], "1": [[1.5], [2.5]]}
    assert type(value["shape"][0]) is int
