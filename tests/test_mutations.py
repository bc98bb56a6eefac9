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
from harness.measures.context import MeasureContext
from harness.results import ClaimResult
from harness.verdicts.evaluate import RunSettings, evaluate_claim

pytestmark = [pytest.mark.fast, pytest.mark.training]

CLAIMS = {claim.id: claim for claim in
          load_claims(claim_files(Path(__file__).parent.parent / "suites"))}


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


_DEFAULT_ADAM_RATE = 0.001
# name → (the claim it targets, the recipe it changes, the change)
MUTATIONS: dict[str, tuple[str, str, dict[str, object]]] = {
    "dropout-removed": ("cifar10-intro/lessons/dropout-shrinks-gap", "cnn-big-dropout",
                        {"model": "cnn-big"}),
    "learning-rate-x100": ("mnist-workflow/dense/test-accuracy", "dense",
                           {"learning_rate": _DEFAULT_ADAM_RATE * 100}),
    "augmentation-disabled": ("mnist-workflow/lessons/augmentation-closes-train-validation-gap",
                              "simple-conv-aug", {"augmentation": {}}),
    "schedule-removed": ("mnist-workflow/lessons/lr-reduction-fires", "simple-conv-aug-lr",
                         {"reduce_lr": {}}),
    "dense-for-conv": ("convnets-part1/lessons/conv-beats-dense", "cifar-cnn",
                       {"model": "cifar-dense"}),
    # the proxy's sentiment phrases use words of frequency rank 40 to 3,000: a vocabulary of
    # the 40 most frequent words (num_words, as keras.datasets.imdb applies it) loses them
    "vocabulary-without-sentiment": ("convnets-part1/imdb-conv1d/best-val-accuracy",
                                     "imdb-conv1d", {"num_words": 40}),
    # a slicing bug that keeps a tenth of the training images
    "truncated-training-set": ("mnist-intro/cnn/test-loss", "cnn", {"train_size": 200}),
}


def _mutation(name: str) -> Claim:
    claim_id, recipe, changes = MUTATIONS[name]
    return _mutated(CLAIMS[claim_id], recipe, **changes)


@pytest.fixture(scope="module", autouse=True)
def _train_every_mutation_at_once(harness_state) -> None:
    """Ask for the first-look seeds of every untouched and every mutated claim before the first
    test waits, ahead of the queue: they train side by side on every worker instead of one
    test's seeds at a time. (The fresh block that confirms an alarm is asked for only when an
    alarm needs it: a mutation that breaks the tutorial's relation needs none.)"""
    from harness.measures.training import recipes_of

    context = harness_state.context.for_profile("fast")
    for name, (claim_id, _, _) in MUTATIONS.items():
        for recipe in recipes_of(CLAIMS[claim_id], "fast"):  # the untouched claim's first look
            context.bank.request(recipe, context.seeds_for(recipe), urgent=True)
        for recipe in recipes_of(_mutation(name), "fast"):
            context.bank.request(recipe, context.seeds_for(recipe), urgent=True)


def _assert_mutation_breaks(state, name: str) -> None:
    _assert_breaks(state, MUTATIONS[name][0], _mutation(name))


def test_removing_dropout_breaks_the_dropout_lesson(harness_state) -> None:
    _assert_mutation_breaks(harness_state, "dropout-removed")


def test_learning_rate_times_100_breaks_the_accuracy_claim(harness_state) -> None:
    _assert_mutation_breaks(harness_state, "learning-rate-x100")


def test_disabling_augmentation_breaks_the_augmentation_lesson(harness_state) -> None:
    _assert_mutation_breaks(harness_state, "augmentation-disabled")


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


def test_a_cifar_proxy_that_shows_the_label_in_place_lifts_the_dense_level(harness_state,
                                                                         monkeypatch) -> None:
    """The dense nets sit at chance on the CIFAR proxy by its design: a motif at a random place
    is what a dense net on flat pixels cannot learn and a conv net can ("conv beats dense").
    Their level at chance still guards that design: a proxy that lets position tell the class
    (here a bright bar at a place fixed per class, a leak a data bug could plant) moves it."""
    claim_id = "cifar10-intro/dense/test-accuracy"
    _assert_holds(harness_state, claim_id)
    proxy = harness.data.proxy_dataset

    def leaking(*args: object, **kwargs: object) -> harness.data.Dataset:
        dataset = proxy(*args, **kwargs)
        if dataset.name != "cifar10":
            return dataset

        def marked(images: np.ndarray, labels: np.ndarray) -> np.ndarray:
            images = images.copy()
            for label in range(10):
                images[labels.ravel() == label, 0:3, 3 * label:3 * label + 3] = 255
            return images

        return dataclasses.replace(dataset, x_train=marked(dataset.x_train, dataset.y_train),
                                   x_test=marked(dataset.x_test, dataset.y_test))

    monkeypatch.setattr(harness.training.datasets, "proxy_dataset", leaking)
    context = MeasureContext(environment=harness_state.environment)
    _assert_fails(harness_state, claim_id, CLAIMS[claim_id], context)


def test_removing_the_learning_rate_schedule_breaks_its_lesson(harness_state) -> None:
    _assert_mutation_breaks(harness_state, "schedule-removed")


def test_a_dense_net_in_place_of_the_conv_net_breaks_conv_beats_dense(harness_state) -> None:
    _assert_mutation_breaks(harness_state, "dense-for-conv")


def test_a_vocabulary_without_the_sentiment_words_breaks_the_imdb_accuracy(harness_state) -> None:
    _assert_mutation_breaks(harness_state, "vocabulary-without-sentiment")


def test_a_truncated_training_set_breaks_the_test_loss_claim(harness_state) -> None:
    _assert_mutation_breaks(harness_state, "truncated-training-set")
