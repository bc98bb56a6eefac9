"""A recipe's estimated cost from its timed steps: plain arithmetic, no Keras.

One seed trains ``members`` fresh models (a committee's members, else one). Each pays its first
calls (tracing the train and test functions), ``epochs`` × (the training steps of an epoch, the
validation batches ``fit`` evaluates after it, and the epoch's own cost), and the evaluation
the runner does at the end (``evaluate`` and ``predict`` at batch 256; the augmented training
set for the gap claims). A recipe that reads a frozen base's features extracts them once per
training process.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from harness.data.sizes import KNOWN_SIZES
from harness.recipes import Recipe

EVAL_BATCH = 256  # the runner's evaluate and predict batch
FEATURE_BATCH = 32  # the runner's feature-extraction batch


@dataclass(frozen=True)
class Samples:
    """How many samples one seed of a recipe trains on, validates on, tests on, and passes
    through a frozen feature base."""

    train: int
    val: int
    test: int
    extracted: int


def samples(recipe: Recipe) -> Samples:
    """The recipe's split of the real data set (its sizes as the runner's ``prepare`` cuts
    them: the first ``train_size``, then fit's last fraction or a holdout)."""
    known_train, known_test = KNOWN_SIZES[recipe.data]
    train = min(recipe.train_size or known_train, known_train)
    test = min(recipe.test_size or known_test, known_test)
    extracted = train + test if recipe.features else 0
    val = 0
    if recipe.validation == "split":
        val = train - int(train * (1 - recipe.validation_fraction))
    elif recipe.validation == "holdout":  # train_test_split rounds the held-out part up
        val = math.ceil(train * recipe.validation_fraction)
    elif recipe.validation == "test":
        val = test
    held_out = val if recipe.validation in ("split", "holdout") else 0
    return Samples(train - held_out, val, test, extracted)


@dataclass(frozen=True)
class StepTimes:
    """What was timed on this device for one recipe, in seconds."""

    train_step: float  # one training step at the recipe's batch size
    val_step: float  # one evaluation batch at the recipe's batch size (fit's validation)
    eval_step: float  # one evaluation batch of EVAL_BATCH (evaluate and predict at the end)
    epoch_overhead: float  # an epoch's cost around its steps (iterators, metrics, callbacks)
    first_calls: float  # a fresh model's first fit and evaluate calls (tracing), per model
    augment_per_sample: float = 0.0  # the augmentation layers on one training sample
    feature_batch: float = 0.0  # one batch of FEATURE_BATCH through the frozen feature base


@dataclass(frozen=True)
class RecipeEstimate:
    """One recipe's cost on this device: per seed, and for all its seeds."""

    recipe: str  # tutorial/name
    seeds: int
    members: int
    epochs: int
    steps_per_epoch: int
    val_batches: int
    times: StepTimes
    train_s: float  # seeds × members × epochs × steps per epoch × train step
    validation_s: float  # seeds × members × epochs × validation batches × val step
    epoch_overhead_s: float  # seeds × members × epochs × epoch overhead
    evaluation_s: float  # seeds × members × (first calls + the end's evaluation)
    features_s: float  # one extraction by a frozen base (once per training process)

    @property
    def models_s(self) -> float:
        """Every seed's models: their steps, epochs and evaluation."""
        return self.train_s + self.validation_s + self.epoch_overhead_s + self.evaluation_s

    @property
    def per_seed_s(self) -> float:
        """One (recipe, seed) job, without the feature extraction."""
        return self.models_s / self.seeds

    @property
    def total_s(self) -> float:
        """Every seed on one device, extracting the features once."""
        return self.models_s + self.features_s

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "per_seed_s": self.per_seed_s, "total_s": self.total_s}


def _batches(count: int, batch: int) -> int:
    return math.ceil(count / batch)


def _end_evaluation(recipe: Recipe, split: Samples, times: StepTimes) -> float:
    """The runner's evaluation after one model's fit: a committee member predicts the test
    set; a single model evaluates train (when its claims need it), test and validation,
    predicts the test set, and evaluates the training set through its augmentation layers."""
    if recipe.ensemble > 1:
        return _batches(split.test, EVAL_BATCH) * times.eval_step
    batches = 2 * _batches(split.test, EVAL_BATCH) + _batches(split.val, EVAL_BATCH)
    seconds = 0.0
    if recipe.evaluate_train:
        batches += _batches(split.train, EVAL_BATCH)
        if recipe.augmentation:
            batches += _batches(split.train, EVAL_BATCH)
            seconds += split.train * times.augment_per_sample
    return seconds + batches * times.eval_step


def estimate(recipe: Recipe, times: StepTimes) -> RecipeEstimate:
    """The recipe's full-profile cost from the steps timed for it."""
    split = samples(recipe)
    seeds, members, epochs = len(recipe.seeds), recipe.ensemble, recipe.epochs
    steps = _batches(split.train, recipe.batch_size)
    val_batches = _batches(split.val, recipe.batch_size)
    models = seeds * members
    return RecipeEstimate(
        recipe=f"{recipe.tutorial}/{recipe.name}", seeds=seeds, members=members, epochs=epochs,
        steps_per_epoch=steps, val_batches=val_batches, times=times,
        train_s=models * epochs * steps * times.train_step,
        validation_s=models * epochs * val_batches * times.val_step,
        epoch_overhead_s=models * epochs * times.epoch_overhead,
        evaluation_s=models * (times.first_calls + _end_evaluation(recipe, split, times)),
        features_s=_batches(split.extracted, FEATURE_BATCH) * times.feature_batch)
