"""The measurements issue 21's claims added: history statistics (a curve's minimum, the worst
epoch of a gap, the epoch two curves diverge), the tutorials' save/load routes with the
compiled state, a parameter ratio, the sizing grids' fractional points, the augmentation's
largest shift and the prepared data shapes. Each is checked on the tutorials' own figures and
made to fail where the claim would not hold."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from harness.claims import Claim, claim_files, load_claims
from harness.data import Dataset, prepared_shape
from harness.measures import curves, saving, structure
from harness.measures.augmentation import max_shift_pixels
from harness.measures.context import MeasureContext
from harness.training.runner import RecipeRun, SeedRun
from harness.verdicts.judges import JUDGES

pytestmark = pytest.mark.fast

CLAIMS = {claim.id: claim for claim in
          load_claims(claim_files(Path(__file__).parent.parent / "suites"))}

# mnist-intro's log (6 epochs) and mnist-translation's plain model (the first 8 of 20 epochs)
INTRO_ACC = [0.8046, 0.9114, 0.9317, 0.9460, 0.9524, 0.9571]
INTRO_VAL_ACC = [0.9171, 0.9425, 0.9548, 0.9620, 0.9660, 0.9685]
TRANSLATION_VAL_LOSS = [0.0349, 0.0340, 0.0261, 0.0336, 0.0345, 0.0326, 0.0280, 0.0373]


class _Bank:
    """Hands back prepared seeds instead of training."""

    def __init__(self, histories: list[dict[str, list[float]]]) -> None:
        self.histories = histories

    def run(self, recipe: Any, seeds: tuple[int, ...]) -> RecipeRun:
        return RecipeRun(recipe, "data-dir", "x", "real data", [
            SeedRun(seed, {"n_test": 10_000.0}, history)
            for seed, history in zip(seeds, self.histories, strict=True)])


class _Context:
    profile, smoke = "full", False

    def __init__(self, *histories: dict[str, list[float]]) -> None:
        self.bank = _Bank(list(histories))

    def seeds_for(self, recipe: Any) -> tuple[int, ...]:
        return tuple(range(len(self.bank.histories)))


def test_curve_statistics_on_the_tutorials_logs() -> None:
    assert curves.curve_statistic(TRANSLATION_VAL_LOSS, "min") == 0.0261
    assert curves.curve_statistic(TRANSLATION_VAL_LOSS, "last") == 0.0373
    assert curves.curve_statistic(INTRO_ACC, "max") == 0.9571
    with pytest.raises(ValueError, match="statistic must be one of"):
        curves.curve_statistic(INTRO_ACC, "median")


def test_worst_epoch_gap_is_the_epoch_least_favourable_to_the_relation() -> None:
    assert curves.worst_epoch_gap(INTRO_VAL_ACC, INTRO_ACC, "greater") == pytest.approx(0.0114)
    assert curves.worst_epoch_gap(INTRO_ACC, INTRO_VAL_ACC, "less") == pytest.approx(-0.0114)
    crossed = [*INTRO_ACC[:5], 0.9700]  # training accuracy above validation at the last epoch
    assert curves.worst_epoch_gap(INTRO_VAL_ACC, crossed, "greater") == pytest.approx(-0.0015)


def test_divergence_epoch_is_where_the_gap_stays_above_the_threshold() -> None:
    validation = [0.40, 0.50, 0.55, 0.60, 0.62, 0.63, 0.64, 0.64]
    training = [0.35, 0.48, 0.56, 0.63, 0.66, 0.70, 0.74, 0.77]
    # gaps: −.05, −.02, .01, .03, .04, .07, .10, .13: above 0.02 from epoch 4 on
    assert curves.divergence_epoch(training, validation, 0.02) == 4.0
    assert curves.divergence_epoch(training, validation, 0.05) == 6.0
    rejoined = [*training[:7], 0.64]  # the last epoch closes the gap: no divergence
    assert math.isnan(curves.divergence_epoch(rejoined, validation, 0.02))


def test_a_gap_claim_holds_on_the_tutorials_log_and_fails_when_one_epoch_crosses() -> None:
    claim = CLAIMS["mnist-intro/lessons/train-accuracy-below-validation-every-epoch"]
    judge = JUDGES[claim.spec.judge]
    jitter = [0.001, -0.002, 0.0015]
    seeds = [{"accuracy": [a + j for a in INTRO_ACC], "val_accuracy": INTRO_VAL_ACC}
             for j in jitter]
    held = curves.gap(claim, _Context(*seeds))
    assert held.details["values"] == pytest.approx([0.0114 - j for j in jitter])
    assert judge.against_tutorial(claim, held, None).ok
    crossed = [{**seed, "accuracy": [*seed["accuracy"][:5], 0.975]} for seed in seeds]
    assert not judge.against_tutorial(claim, curves.gap(claim, _Context(*crossed)), None).ok


def test_curve_level_claims_read_each_seeds_history() -> None:
    minimum = CLAIMS["mnist-translation/standard-cnn/val-loss-min"]
    measured = curves.statistic(minimum, _Context({"val_loss": TRANSLATION_VAL_LOSS},
                                                  {"val_loss": [v + 0.002 for v in
                                                                TRANSLATION_VAL_LOSS]}))
    assert measured.details["values"] == pytest.approx([0.0261, 0.0281])
    assert JUDGES["level"].against_tutorial(minimum, measured, None).ok
    divergence = CLAIMS["cifar10-intro/cnn-big/train-validation-divergence-epoch"]

    def diverging_from(start: int) -> dict[str, list[float]]:
        return {"accuracy": [0.3 + 0.01 * e for e in range(50)],
                "val_accuracy": [0.3 + 0.01 * e - (0.03 if e >= start else 0.0)
                                 for e in range(50)]}

    # four seeds diverging around epoch 30: the tutorial's epoch 10 is no run of theirs
    measured = curves.divergence(divergence, _Context(*(diverging_from(start)
                                                        for start in (28, 29, 30, 29))))
    assert measured.details["values"] == pytest.approx([29.0, 30.0, 31.0, 30.0])
    assert not JUDGES["level"].against_tutorial(divergence, measured, None).ok
    with pytest.raises(KeyError, match="logs no 'accuracy' history"):
        curves.divergence(divergence, _Context({"val_accuracy": [0.5]}))


def _claim(claim_id: str, **args: Any) -> Claim:
    claim = CLAIMS[claim_id]
    return dataclasses.replace(claim, args={**claim.args, **args})


def test_every_save_route_predicts_what_the_saved_model_did(tmp_path: Path) -> None:
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    inputs = np.linspace(0, 1, 8, dtype="float32").reshape(2, 4)
    for route in saving.ROUTES:
        reloaded = saving.round_trip(model, route, tmp_path / f"tiny-{route}")
        np.testing.assert_array_equal(model.predict(inputs, verbose=0),
                                      reloaded.predict(inputs, verbose=0))
        assert not list(tmp_path.iterdir()), f"{route} left its file behind"
    with pytest.raises(ValueError, match="route must be one of"):
        saving.round_trip(model, "pickle", tmp_path / "tiny")


def test_the_compiled_state_survives_the_keras_format_and_a_changed_one_is_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    claim = _claim("cifar10-intro/cnn-big-dropout/save-load-keras-format")
    context = MeasureContext(scratch=tmp_path)
    kept = saving.save_load_compiled(claim, context)
    assert kept.value == [] and kept.details["optimizer"] == ["Adam", "Adam"]
    assert kept.details["optimizer_variables"][0] == kept.details["optimizer_variables"][1] > 2

    keras_format = saving.ROUTES["keras"]

    def recompiled(model: Any, stem: Path) -> Any:
        reloaded = keras_format(model, stem)
        reloaded.compile(optimizer="sgd", loss="mean_squared_error", metrics=["accuracy"])
        return reloaded

    monkeypatch.setitem(saving.ROUTES, "keras", recompiled)
    changed = saving.save_load_compiled(claim, context)
    assert {"optimizer", "optimizer_config", "loss", "optimizer_variables"} <= set(changed.value)


def test_param_ratio_of_the_chapters_dense_and_conv_first_layers() -> None:
    claim = CLAIMS["convnets-part1/filters/conv-reduces-params-two-orders"]
    measured = structure.param_ratio_exceeds(claim, None)
    assert measured.value is True
    assert measured.details["a_params"] == 12_000_100 and measured.details["b_params"] == 7_600
    harder = _claim(claim.id, factor=10_000)
    assert structure.param_ratio_exceeds(harder, None).value is False


def test_fractional_sizes_are_checked_against_what_keras_builds() -> None:
    # the chapter's W=10, F=3, S=2, P=0 gives 4.5: Keras builds 4
    point = {"W": 10, "F": 3, "S": 2, "P": 0, "D": 1, "K": 1}
    assert structure._conv_output_agrees(point)
    assert structure._conv_output_agrees({**point, "P": 1, "S": 3})  # (10 − 3 + 2)/3 + 1 = 4
    claim = CLAIMS["convnets-part1/sizing/grid/conv-output"]
    measured = structure.sizing_grid(claim, None)
    assert measured.value == 0
    assert 0 < measured.details["fractional_points"] < measured.details["points_checked"]
    assert structure.sizing_grid(CLAIMS["convnets-part1/sizing/grid/pool-output"],
                                 None).details["fractional_points"] > 0


def test_the_largest_shift_of_the_recipes_augmentation(tmp_path: Path) -> None:
    claim = _claim("mnist-translation/standard-cnn-shift/max-shift-pixels", draws=500)
    measured = max_shift_pixels(claim, MeasureContext(scratch=tmp_path))
    assert 2.6 < measured.value <= 2.8 + 1e-6  # 28 × 0.1 pixels, approached by the draws
    plain = _claim(claim.id, recipe="standard-cnn")
    with pytest.raises(ValueError, match="has no augmentation"):
        max_shift_pixels(plain, MeasureContext(scratch=tmp_path))


def test_prepared_shapes_follow_the_tutorials_reshape_and_to_categorical() -> None:
    labels = np.array([3, 1, 4, 1, 5, 9])
    data = Dataset("mnist", "test", np.zeros((6, 28, 28)), labels, np.zeros((2, 28, 28)),
                   labels[:2])
    assert prepared_shape(data, "train", "x", reshape=[-1, 28, 28, 1]) == [6, 28, 28, 1]
    assert prepared_shape(data, "train", "y", categorical=True) == [6, 10]
    assert prepared_shape(data, "test", "x") == [2, 28, 28]
