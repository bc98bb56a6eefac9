"""The statistics of trained verdicts: error spending, looks, and the calibrated gates.

The calibration simulates the rules vectorised; here it is checked against the scalar rules of
``harness.verdicts.stats`` on the same draws, and its figures against known properties (false alarms
of a level at or below the shift rule's rate, a weaker relation failing more often).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.verdicts import calibration
from harness.verdicts.stats import (
    CONFIRM_ALPHA,
    RELATION_ALPHA,
    SHIFT_ALPHA,
    Outcome,
    confirm_shift,
    looks_for,
    relation_look,
    shift_look,
    spent_alpha,
)

pytestmark = pytest.mark.fast


@pytest.mark.parametrize("shape", ["pocock", "obrien-fleming"])
def test_the_looks_spend_exactly_the_error_rate(shape: str) -> None:
    shares = spent_alpha(0.05, (4, 6, 8), shape)
    assert math.isclose(sum(shares), 0.05) and all(share > 0 for share in shares)
    assert spent_alpha(0.05, (8,), shape) == pytest.approx([0.05])


def test_obrien_fleming_keeps_the_rate_for_the_last_look() -> None:
    early, _, last = spent_alpha(0.05, (4, 6, 8), "obrien-fleming")
    assert early < 0.01 < 0.02 < last


def test_looks_run_from_the_recipes_seeds_to_the_cap() -> None:
    assert looks_for(4, 8) == (4, 6, 8)
    assert looks_for(3, 8) == (3, 5, 7, 8)
    assert looks_for(4, 4) == (4,)
    assert looks_for(5, 2) == (5,)


def test_a_borderline_shift_asks_for_more_seeds_and_the_last_look_decides() -> None:
    baseline = [0.80, 0.82, 0.81, 0.79, 0.80, 0.81, 0.82, 0.80]
    shifted = [0.785, 0.79, 0.795, 0.78]
    early = shift_look(shifted, baseline, 0.001, final=False)
    assert early.ok and early.outcome is Outcome.MORE
    assert shift_look(shifted, baseline, 0.001, final=True).outcome is Outcome.HOLDS
    far = shift_look([0.5, 0.52, 0.51, 0.5], baseline, 0.001, final=False)
    assert not far.ok and far.outcome is Outcome.FAILS


def test_a_relation_far_below_its_margin_fails_at_the_first_look() -> None:
    decision = relation_look([-0.3, -0.31, -0.29, -0.3], "greater", 0.0, 0.01, final=False)
    assert not decision.ok and decision.outcome is Outcome.FAILS
    unsure = relation_look([0.01, -0.02, 0.03, 0.0], "greater", 0.0, 0.01, final=False)
    assert unsure.outcome is Outcome.MORE


@pytest.mark.parametrize("direction,margin", [("greater", 0.0), ("not-less", 0.01),
                                              ("less", 0.0), ("within", 0.03)])
def test_the_vectorised_rules_agree_with_the_scalar_ones(direction: str, margin: float) -> None:
    """Every simulated run's verdict, look by look, as ``harness.verdicts.stats`` gives it."""
    generator = np.random.default_rng(7)
    today = 0.01 + 0.02 * generator.standard_normal((60, 8))
    base = 0.01 + 0.02 * generator.standard_normal((60, 8))
    for n, final in ((4, False), (8, True)):
        shift_fails, shift_more, _ = calibration._shift_fails(today, base, n, 0.002, final)
        rel_fails, rel_more = calibration._relation_fails(today, base, n, 0.02, final,
                                                          direction, margin)
        for row in range(len(today)):
            shift = shift_look(list(today[row, :n]), list(base[row]), 0.002, final)
            assert shift_fails[row] == (shift.outcome is Outcome.FAILS)
            assert shift_more[row] == (shift.outcome is Outcome.MORE)
            relation = relation_look(list(today[row, :n]), direction, margin, 0.02, final,
                                     list(base[row]))
            assert rel_fails[row] == (relation.outcome is Outcome.FAILS)
            assert rel_more[row] == (relation.outcome is Outcome.MORE)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_the_vectorised_confirmation_agrees_with_the_scalar_one(sign: float) -> None:
    generator = np.random.default_rng(11)
    fresh = 0.8 + 0.02 * generator.standard_normal((200, 8))
    base = 0.79 + 0.02 * generator.standard_normal((200, 8))
    for n in (4, 6):
        confirmed = calibration._confirmed(fresh, base, n, np.full(200, sign))
        for row in range(len(fresh)):
            decision = confirm_shift(list(fresh[row, :n]), list(base[row]), sign)
            assert confirmed[row] == (not decision.ok)
    assert 0 < confirmed.sum() < len(fresh)  # both outcomes are exercised


def test_fresh_seeds_confirm_only_a_shift_the_alarms_way() -> None:
    baseline = [0.80, 0.82, 0.81, 0.79, 0.80, 0.81, 0.82, 0.80]
    down = [0.70, 0.71, 0.69, 0.70]
    assert not confirm_shift(down, baseline, -1.0).ok  # the drop shows again: confirmed
    assert confirm_shift(down, baseline, 1.0).ok  # an alarm upwards is not confirmed by it
    assert confirm_shift([0.80, 0.81, 0.805, 0.81], baseline, -1.0).ok  # noise: not confirmed
    assert confirm_shift([0.81] * 4, [0.81] * 8, 1.0).ok  # no spread, no move


def test_confirmation_cuts_false_alarms_and_keeps_the_power() -> None:
    """The two-stage rule against the shift rule alone, on the same simulated runs."""
    looks, stage_one_only = (4, 6, 8), lambda fresh, base, n, sign: np.ones(len(fresh), bool)
    both = (calibration._failure_rate(looks, 16, 0.0, 1.0, 0.0, None),
            calibration._failure_rate(looks, 16, 0.0, 1.0, 2.5, None))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(calibration, "_confirmed", stage_one_only)
        alone = (calibration._failure_rate(looks, 16, 0.0, 1.0, 0.0, None),
                 calibration._failure_rate(looks, 16, 0.0, 1.0, 2.5, None))
    assert alone[0] > both[0]  # fewer false alarms
    assert both[1] >= alone[1] * (1 - 2 * CONFIRM_ALPHA) and both[1] > 0.8  # power kept


def test_a_levels_false_alarms_stay_at_the_shift_rules_rate() -> None:
    baseline = list(0.8 + 0.02 * np.random.default_rng(1).standard_normal(8))
    gate = calibration.calibrate_level(baseline, (4, 6, 8))
    assert gate.gating and gate.false_alarm <= SHIFT_ALPHA + 0.002
    assert 0.02 < gate.mde < 0.1  # a few spreads: what 4 to 8 seeds against 8 can see


def test_a_weak_relation_is_reported_not_gated_and_a_strong_one_gates() -> None:
    generator = np.random.default_rng(2)
    weak = list(0.02 + 0.025 * generator.standard_normal(8))
    strong = list(0.2 + 0.025 * generator.standard_normal(8))
    weak_gate = calibration.calibrate_relation(weak, (4, 6, 8), "greater", 0.0)
    strong_gate = calibration.calibrate_relation(strong, (4, 6, 8), "greater", 0.0)
    assert weak_gate.false_alarm > calibration.MAX_FALSE_ALARM and not weak_gate.gating
    assert strong_gate.false_alarm <= calibration.MAX_FALSE_ALARM and strong_gate.gating
    assert strong_gate.mde is not None and 0 < strong_gate.mde < 0.2


def test_a_relation_the_baseline_itself_does_not_show_gates_and_fails() -> None:
    failing = [-0.05, -0.04, -0.06, -0.05, -0.045, -0.055, -0.05, -0.05]
    gate = calibration.calibrate_relation(failing, (4, 6, 8), "greater", 0.0)
    assert gate.gating and gate.false_alarm > 0.9
    assert RELATION_ALPHA == 0.05
