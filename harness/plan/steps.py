"""Time a few steps of a recipe on this device, through the runner's own build and compile.

The model is the one the runner trains: built with the recipe's first seed, the augmentation
layers in front, compiled by ``compiled_for_training`` (optimizer, loss, metric, steps per
execution), fitted by ``model.fit`` with the runner's callbacks. The arrays are random values of
the real input shape (a step's cost does not depend on the pixel values or word ids): the real
data sets are not needed. A clock callback times the epoch and its validation from inside
``fit``, so the call's setup is left out, as it is paid once per fit, not per step.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from harness.plan.estimate import EVAL_BATCH, FEATURE_BATCH, StepTimes
from harness.recipes import Recipe

if TYPE_CHECKING:
    import keras

_VOCABULARY = 10_000  # token ids drawn when a recipe states no num_words
_TIMED_EPOCHS = 2  # the second epoch's overhead is the one every later epoch pays


def _arrays(model: keras.Model, recipe: Recipe, count: int,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``count`` random inputs of the model's input shape and labels of its outputs."""
    shape = (count, *(int(d) for d in model.inputs[0].shape[1:]))
    if "int" in str(model.inputs[0].dtype):
        x = rng.integers(1, recipe.num_words or _VOCABULARY, size=shape).astype("int32")
    else:
        x = rng.random(shape, dtype=np.float32)
    classes = 2 if recipe.loss.startswith("binary") else int(model.outputs[0].shape[-1])
    return x, rng.integers(0, classes, size=(count,)).astype("int32")


@dataclass
class _Spans:
    """Seconds inside one ``fit`` or ``evaluate`` call, per epoch: the training steps, the test
    steps, and what the epoch and its test loop cost around their steps (the iterators, the
    metrics' reset and read-back, the callbacks)."""

    train_steps: list[float] = field(default_factory=list)
    test_steps: list[float] = field(default_factory=list)
    overhead: list[float] = field(default_factory=list)


def _clock() -> Any:
    """A callback that times, from inside ``fit`` or ``evaluate``, the steps (from the first
    batch's start to the last batch's end: the logs are read back to the host there, so the
    device has finished) and the epoch and test loop around them."""
    import keras

    class Clock(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.spans = _Spans()
            self._marks: dict[str, float] = {}

        def _since(self, name: str) -> float:
            return time.perf_counter() - self._marks[name]

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self._marks = {"epoch": time.perf_counter()}

        def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
            self._marks.setdefault("train", time.perf_counter())

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            self._marks["train_end"] = time.perf_counter()

        def on_test_begin(self, logs: dict | None = None) -> None:
            self._marks["test_loop"] = time.perf_counter()
            self._marks.pop("test", None)

        def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
            self._marks.setdefault("test", time.perf_counter())

        def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
            self._marks["test_end"] = time.perf_counter()

        def on_test_end(self, logs: dict | None = None) -> None:
            self._marks["test_loop_end"] = time.perf_counter()
            self.spans.test_steps.append(self._marks["test_end"] - self._marks["test"])

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            train = self._marks["train_end"] - self._marks["train"]
            self.spans.train_steps.append(train)
            self.spans.overhead.append(self._since("epoch") - train - self.spans.test_steps[-1])

    return Clock()


def _timed_fit(model: keras.Model, recipe: Recipe, x: np.ndarray, y: np.ndarray,
               val: tuple[np.ndarray, np.ndarray], epochs: int) -> _Spans:
    """``fit`` as the runner calls it (its callbacks, batch size, validation)."""
    from harness.training.runner import training_callbacks

    clock = _clock()
    callbacks, _ = training_callbacks(recipe)
    model.fit(x, y, batch_size=recipe.batch_size, epochs=epochs, validation_data=val,
              callbacks=[*callbacks, clock], verbose=0)
    return clock.spans


def _timed_evaluate(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    """Seconds of the evaluation steps of ``evaluate`` at the runner's batch of 256."""
    clock = _clock()
    model.evaluate(x, y, batch_size=EVAL_BATCH, callbacks=[clock], verbose=0)
    return clock.spans.test_steps[0]


def _augmentation_per_sample(layers: list[keras.layers.Layer], x: np.ndarray) -> float:
    """Seconds per sample of the runner's pass of the training set through the augmentation
    layers (for the augmented training accuracy), timed on one batch after a warm-up."""
    import keras

    def run() -> float:
        started, fed = time.perf_counter(), x
        for layer in layers:
            fed = keras.ops.convert_to_numpy(layer(fed, training=True))
        return time.perf_counter() - started

    run()
    return run() / len(x)


def _feature_batch(recipe: Recipe, steps: int, rng: np.random.Generator) -> float:
    """Seconds per batch of the frozen base's feature extraction, as the runner predicts it.
    The base is built with random weights: the ImageNet weights cost the same per image."""
    import keras

    from harness.models import build_model

    assert recipe.features is not None
    base = build_model(recipe.models, recipe.features)
    shape = (FEATURE_BATCH * steps, *(int(d) for d in base.inputs[0].shape[1:]))
    images = keras.applications.mobilenet.preprocess_input(rng.random(shape, "float32") * 255)
    base.predict(images[:FEATURE_BATCH], batch_size=FEATURE_BATCH, verbose=0)
    started = time.perf_counter()
    base.predict(images, batch_size=FEATURE_BATCH, verbose=0)
    return (time.perf_counter() - started) / steps


def time_recipe(recipe: Recipe, steps: int = 5, warmup: int = 2) -> StepTimes:
    """``warmup`` training steps and one validation batch (the first calls trace), then two
    epochs of ``steps`` timed training steps and ``steps`` validation batches each at the
    recipe's batch size, and ``steps`` evaluation batches of 256."""
    from harness.models import build_model
    from harness.training.runner import compiled_for_training, fresh_model

    if steps < 1 or warmup < 1:
        raise ValueError(f"steps and warmup must be at least 1, got {steps} and {warmup}")
    seed, batch = recipe.seeds[0], recipe.batch_size
    core = fresh_model(seed, lambda: build_model(recipe.models, recipe.model))
    model, augmentation = compiled_for_training(recipe, core, seed)
    rng = np.random.default_rng(0)
    x, y = _arrays(core, recipe, max(steps, warmup) * batch, rng)
    x_eval, y_eval = _arrays(core, recipe, steps * EVAL_BATCH, rng)
    started = time.perf_counter()
    _timed_fit(model, recipe, x[:warmup * batch], y[:warmup * batch], (x[:batch], y[:batch]), 1)
    _timed_evaluate(model, x_eval[:EVAL_BATCH], y_eval[:EVAL_BATCH])
    first_calls = time.perf_counter() - started
    spans = _timed_fit(model, recipe, x[:steps * batch], y[:steps * batch],
                       (x[:steps * batch], y[:steps * batch]), _TIMED_EPOCHS)
    timed = steps * _TIMED_EPOCHS
    train_step, val_step = sum(spans.train_steps) / timed, sum(spans.test_steps) / timed
    eval_step = _timed_evaluate(model, x_eval, y_eval) / steps
    return StepTimes(
        train_step=train_step, val_step=val_step, eval_step=eval_step,
        epoch_overhead=spans.overhead[-1],  # the first epoch also makes the test iterator
        first_calls=max(first_calls - warmup * train_step - val_step - eval_step, 0.0),
        augment_per_sample=(_augmentation_per_sample(augmentation, x_eval[:EVAL_BATCH])
                            if augmentation and recipe.evaluate_train else 0.0),
        feature_batch=_feature_batch(recipe, steps, rng) if recipe.features else 0.0)
