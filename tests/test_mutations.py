"""Planted regressions: each mutation must make the claim it targets fail.

These train real models on the offline proxies in the fast profile. They share the session's
trained seeds with the claim suite (the unmutated runs are trained once), and a mutation that
turns one recipe into another (dropout removed, augmentation disabled) reuses that run too.
Each break must come from a claim that gates (not INFO). Baselines are read, never written.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import harness.data
import harness.training.datasets
from harness.baselines import BaselineStore
from harness.claims import Claim, claim_files, load_claims
from harness.evaluate import RunSettings, evaluate_claim
from harness.measures.context import MeasureContext
from harness.results import ClaimResult

pytestmark = [pytest.mark.fast, pytest.mark.training]

CLAIMS = {claim.id: claim for claim in
          load_claims(claim_files(Path(__file__).parent.parent / "suites" / "claims"))}


def _mutated(claim: Claim, recipe: str, **changes: object) -> Claim:
    """The claim with one of its fast recipes changed."""
    recipes = dict(claim.recipes)
    recipes[(recipe, "fast")] = dataclasses.replace(recipes[(recipe, "fast")], **changes)
    return dataclasses.replace(claim, recipes=recipes)


def _evaluate(state, claim: Claim, context: MeasureContext | None = None) -> ClaimResult:
    return evaluate_claim(claim, context or state.context, BaselineStore(state.baselines_dir),
                          state.environment, RunSettings(profile="fast"), "(mutation test)")


def _assert_holds(state, claim_id: str) -> None:
    """The untouched claim holds, so a failure after the mutation is the mutation's doing."""
    untouched = _evaluate(state, CLAIMS[claim_id])
    assert not untouched.status.fails_test, untouched.message


def _assert_fails(state, claim_id: str, mutated: Claim,
                  context: MeasureContext | None = None) -> None:
    broken = _evaluate(state, mutated, context)
    assert broken.status.fails_test, (
        f"{claim_id} still {broken.status.value} after the mutation: {broken.message}")
    assert broken.details.get("calibration", {}).get("gating", True)


def _assert_breaks(state, claim_id: str, mutated: Claim) -> None:
    _assert_holds(state, claim_id)
    _assert_fails(state, claim_id, mutated)


def test_removing_dropout_breaks_the_dropout_lesson(harness_state) -> None:
    claim_id = "cifar10-intro/lessons/dropout-shrinks-gap"
    mutated = _mutated(CLAIMS[claim_id], "cnn-big-dropout", model="cnn-big")
    _assert_breaks(harness_state, claim_id, mutated)


def test_learning_rate_times_100_breaks_the_accuracy_claim(harness_state) -> None:
    claim_id = "mnist-workflow/dense/test-accuracy"
    default_adam_rate = 0.001
    mutated = _mutated(CLAIMS[claim_id], "dense", learning_rate=default_adam_rate * 100)
    _assert_breaks(harness_state, claim_id, mutated)


def test_disabling_augmentation_breaks_the_augmentation_lesson(harness_state) -> None:
    claim_id = "mnist-workflow/lessons/augmentation-closes-train-validation-gap"
    mutated = _mutated(CLAIMS[claim_id], "simple-conv-aug", augmentation={})
    _assert_breaks(harness_state, claim_id, mutated)


def test_shuffled_training_labels_break_the_accuracy_claim(harness_state, monkeypatch) -> None:
    claim_id = "mnist-intro/cnn/test-accuracy"
    _assert_holds(harness_state, claim_id)
    proxy = harness.data.proxy_dataset

    def shuffled(*args: object, **kwargs: object) -> harness.data.Dataset:
        dataset = proxy(*args, **kwargs)
        labels = np.random.default_rng(0).permutation(dataset.y_train)
        return dataclasses.replace(dataset, y_train=labels)

    # patched where the data rule looks it up (harness.training.datasets)
    monkeypatch.setattr(harness.training.datasets, "proxy_dataset", shuffled)
    # a context of its own, training in this process (where the patch is): the shuffled data
    # must not be shared with the session
    context = MeasureContext(environment=harness_state.environment)
    _assert_fails(harness_state, claim_id, CLAIMS[claim_id], context)


def test_removing_the_learning_rate_schedule_breaks_its_lesson(harness_state) -> None:
    claim_id = "mnist-workflow/lessons/lr-reduction-fires"
    mutated = _mutated(CLAIMS[claim_id], "simple-conv-aug-lr", reduce_lr={})
    _assert_breaks(harness_state, claim_id, mutated)


def test_a_dense_net_in_place_of_the_conv_net_breaks_conv_beats_dense(harness_state) -> None:
    claim_id = "convnets-part1/lessons/conv-beats-dense"
    mutated = _mutated(CLAIMS[claim_id], "cifar-cnn", model="cifar-dense")
    _assert_breaks(harness_state, claim_id, mutated)


def test_a_vocabulary_without_the_sentiment_words_breaks_the_imdb_accuracy(harness_state) -> None:
    """The proxy's sentiment phrases use words of frequency rank 40 to 3,000: a vocabulary
    of the 40 most frequent words (num_words, as keras.datasets.imdb applies it) loses them."""
    claim_id = "convnets-part1/imdb-conv1d/best-val-accuracy"
    mutated = _mutated(CLAIMS[claim_id], "imdb-conv1d", num_words=40)
    _assert_breaks(harness_state, claim_id, mutated)


def test_a_truncated_training_set_breaks_the_test_loss_claim(harness_state) -> None:
    """A slicing bug that keeps a tenth of the training images."""
    claim_id = "mnist-intro/cnn/test-loss"
    mutated = _mutated(CLAIMS[claim_id], "cnn", train_size=200)
    _assert_breaks(harness_state, claim_id, mutated)
