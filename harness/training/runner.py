"""Train a recipe once per seed and measure everything its claims read.

Each (recipe, profile, data, seed) trains once per session and feeds every claim that reads it;
the train cache (``harness.training.cache``) keeps what it measured (not the weights) by content
key, so an unchanged run re-judges without training. Only Keras's backend-neutral API is used,
so the same code runs under TensorFlow, JAX and torch.

The first seed of a recipe also keeps small artifacts for the report's figures (misclassified
samples, confidences, the first conv layer): the cache keeps them as arrays, no report holds
them.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from harness.data.sizes import check_full_sizes
from harness.errors import TrainingFailed
from harness.recipes import Recipe

if TYPE_CHECKING:
    import keras

    from harness.data import Dataset


@dataclass
class SeedRun:
    """What one seed of a recipe measured."""

    seed: int
    metrics: dict[str, float]
    history: dict[str, list[float]] = field(default_factory=dict)
    fit_seconds: float = 0.0
    total_seconds: float = 0.0
    # arrays for the figures (see _artifacts): kept in the train cache, never in a report
    artifacts: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    from_cache: bool = field(default=False, compare=False)  # read back, not trained now
    # where and when it trained, for the run's timeline (wall-clock epoch seconds)
    worker: str = field(default="", compare=False)
    started_at: float = field(default=0.0, compare=False)
    ended_at: float = field(default=0.0, compare=False)


@dataclass
class RecipeRun:
    """Every seed of one recipe on one data set."""

    recipe: Recipe
    data_source: str
    data_checksum: str
    data_description: str
    runs: list[SeedRun]

    def summary(self) -> dict[str, Any]:
        """What the report lists per trained recipe: its cost and where its data came from."""
        return {"tutorial": self.recipe.tutorial, "recipe": self.recipe.name,
                "profile": self.recipe.profile, "model": self.recipe.model,
                "epochs": self.recipe.epochs, "ensemble": self.recipe.ensemble,
                "seeds": [run.seed for run in self.runs],
                "cached_seeds": sum(run.from_cache for run in self.runs),
                "data_source": self.data_source,
                "data_checksum": self.data_checksum,
                "fit_seconds": round(sum(run.fit_seconds for run in self.runs), 2),
                "train_seconds": round(sum(run.total_seconds for run in self.runs), 2)}

    def values(self, metric: str) -> list[float]:
        missing = [run.seed for run in self.runs if metric not in run.metrics]
        if missing:
            known = ", ".join(sorted(self.runs[0].metrics))
            raise KeyError(f"recipe {self.recipe.name!r} does not measure {metric!r}; "
                           f"it measures: {known}")
        return [run.metrics[metric] for run in self.runs]


@dataclass(frozen=True)
class TrainedModel:
    """A fitted model with the augmentation layers it trained behind and its logged history."""

    model: keras.Model
    augmentation: list[keras.layers.Layer]
    history: dict[str, list[float]]
    fit_seconds: float


@dataclass(frozen=True)
class PreparedData:
    """Arrays shaped for the model, and the validation set the recipe asks for."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None


def _shape_inputs(x: Any, input_shape: tuple[int, ...], tokens: bool) -> np.ndarray:
    """Scale images to [0, 1] and fit them to the model's input (flatten, add a channel);
    pad token sequences to the model's length."""
    if tokens:
        import keras

        return keras.utils.pad_sequences(x, maxlen=input_shape[0])
    x = np.asarray(x, dtype="float32") / 255.0
    if len(input_shape) == 1:
        return x.reshape(len(x), -1)
    if x.ndim == len(input_shape):  # (N, 28, 28) for a (28, 28, 1) model
        return x[..., None]
    return x


def prepare(recipe: Recipe, dataset: Dataset, model: keras.Model) -> PreparedData:
    """The tutorial's preprocessing and split, applied to whatever source the data came from."""
    input_shape = tuple(int(d) for d in model.inputs[0].shape[1:])
    tokens = "int" in str(model.inputs[0].dtype)
    x_train, y_train = dataset.x_train[:recipe.train_size], dataset.y_train[:recipe.train_size]
    x_test, y_test = dataset.x_test[:recipe.test_size], dataset.y_test[:recipe.test_size]
    if recipe.features:  # transfer learning: the head trains on a frozen base's outputs
        from harness.training.features import extract_features

        x_train, x_test = extract_features(recipe, dataset.checksum, np.asarray(x_train),
                                           np.asarray(x_test))
    else:
        x_train, x_test = (_shape_inputs(x, input_shape, tokens) for x in (x_train, x_test))
    y_train, y_test = (np.asarray(y).reshape(-1).astype("int32") for y in (y_train, y_test))
    x_val = y_val = None
    if recipe.validation == "holdout":
        from sklearn.model_selection import train_test_split

        x_train, x_val, y_train, y_val = train_test_split(
            x_train, y_train, test_size=recipe.validation_fraction,
            random_state=recipe.validation_random_state)
    elif recipe.validation == "split":  # what fit(validation_split=) does: the last fraction
        cut = int(len(x_train) * (1 - recipe.validation_fraction))
        x_train, x_val, y_train, y_val = x_train[:cut], x_train[cut:], y_train[:cut], y_train[cut:]
    elif recipe.validation == "test":
        x_val, y_val = x_test, y_test
    return PreparedData(x_train, y_train, x_test, y_test, x_val, y_val)


def augmentation_layers(recipe: Recipe, seed: int) -> list[keras.layers.Layer]:
    """Keras 3 preprocessing layers with ImageDataGenerator's meaning of each parameter."""
    import keras

    spec, layers = recipe.augmentation, []
    if spec.get("rotation"):
        layers.append(keras.layers.RandomRotation(spec["rotation"] / 360.0, fill_mode="nearest",
                                                  seed=seed))
    if spec.get("zoom"):
        layers.append(keras.layers.RandomZoom(spec["zoom"], spec["zoom"], fill_mode="nearest",
                                              seed=seed + 1))
    if spec.get("shift"):
        layers.append(keras.layers.RandomTranslation(spec["shift"], spec["shift"],
                                                     fill_mode="nearest", seed=seed + 2))
    if spec.get("horizontal_flip"):
        layers.append(keras.layers.RandomFlip("horizontal", seed=seed + 3))
    return layers


def _optimizer(recipe: Recipe) -> keras.optimizers.Optimizer:
    import keras

    classes = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD,
               "rmsprop": keras.optimizers.RMSprop}
    kwargs: dict[str, float] = {}
    if recipe.learning_rate is not None:
        kwargs["learning_rate"] = recipe.learning_rate
    if recipe.momentum is not None:
        kwargs["momentum"] = recipe.momentum
    return classes[recipe.optimizer](**kwargs)


def _loss_and_metric(recipe: Recipe) -> tuple[Any, Any]:
    import keras

    if recipe.loss == "binary_crossentropy_from_logits":
        return (keras.losses.BinaryCrossentropy(from_logits=True),
                keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0))
    return recipe.loss, "accuracy"


def compile_like(recipe: Recipe, model: keras.Model, steps_per_execution: int = 1) -> None:
    """Compile as the recipe trains: its optimizer, learning rate, loss and accuracy metric."""
    loss, metric = _loss_and_metric(recipe)
    model.compile(optimizer=_optimizer(recipe), loss=loss, metrics=[metric],
                  steps_per_execution=steps_per_execution)


def steps_per_execution() -> int:
    """Training steps per call into the backend: under TensorFlow 64 steps run in one graph
    call, which saves 3-16% of ``fit`` per recipe on one CPU thread and leaves every metric and
    logged epoch value bit-identical (measured on every fast recipe kind: conv, dense, Conv1D,
    augmentation, ReduceLROnPlateau, committees). The harness's callbacks act at epoch ends
    (TerminateOnNaN still stops at the first NaN chunk). Other backends keep one step per call:
    their bits were not measured alike, and their baselines were written with one."""
    import keras

    return 64 if keras.backend.backend() == "tensorflow" else 1


def _probabilities(recipe: Recipe, outputs: np.ndarray) -> np.ndarray:
    """Class probabilities, (N, classes), whatever the output layer emits."""
    outputs = np.asarray(outputs, dtype="float64")
    if recipe.loss.startswith("binary"):
        positive = outputs.reshape(-1)
        if recipe.loss == "binary_crossentropy_from_logits":
            positive = 1.0 / (1.0 + np.exp(-positive))
        return np.stack([1.0 - positive, positive], axis=1)
    return outputs


def _prediction_metrics(probabilities: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    predicted = probabilities.argmax(axis=1)
    top = probabilities.max(axis=1)
    wrong = predicted != labels
    picked = np.clip(probabilities[np.arange(len(labels)), labels], 1e-12, 1.0)
    return {"test_accuracy": float(np.mean(~wrong)), "nll": float(-np.mean(np.log(picked))),
            "top_prob_all": float(top.mean()),
            "top_prob_wrong": float(top[wrong].mean()) if wrong.any() else float("nan"),
            "wrong_count": float(wrong.sum()), "n_test": float(len(labels))}


class _LearningRateLog:
    """Records the optimizer's learning rate after every epoch (ReduceLROnPlateau changes it)."""

    def __init__(self) -> None:
        import keras

        log = self

        class Callback(keras.callbacks.Callback):
            def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
                rate = keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)
                log.rates.append(float(rate))

        self.rates: list[float] = []
        self.callback = Callback()


def fresh_model(seed: int, build: Callable[[], keras.Model]) -> keras.Model:
    """Seed every generator, then build: the initial weights depend on the seed alone."""
    import keras

    keras.utils.set_random_seed(seed)
    return build()


def compiled_for_training(recipe: Recipe, core: keras.Model,
                          seed: int) -> tuple[keras.Model, list[keras.layers.Layer]]:
    """The model ``fit`` trains, compiled as the recipe trains (``harness plan`` times this
    same model): the recipe's augmentation layers in front of ``core``, and those layers."""
    import keras

    augmentation = augmentation_layers(recipe, seed)
    model = (keras.Sequential([keras.Input(core.inputs[0].shape[1:]), *augmentation, core])
             if augmentation else core)
    compile_like(recipe, model, steps_per_execution())
    return model, augmentation


def training_callbacks(recipe: Recipe) -> tuple[list[keras.callbacks.Callback], list[float]]:
    """The callbacks ``fit`` runs with, and the list the learning rate is logged to per epoch."""
    import keras

    rates = _LearningRateLog()
    callbacks = [keras.callbacks.TerminateOnNaN(), rates.callback]
    if recipe.reduce_lr:
        callbacks.insert(0, keras.callbacks.ReduceLROnPlateau(verbose=0, **recipe.reduce_lr))
    return callbacks, rates.rates


def _train_one(recipe: Recipe, data: PreparedData, seed: int, core: keras.Model) -> TrainedModel:
    """Compile and fit one freshly built model."""
    model, augmentation = compiled_for_training(recipe, core, seed)
    callbacks, rates = training_callbacks(recipe)
    validation = None if data.x_val is None else (data.x_val, data.y_val)
    started = time.perf_counter()
    history = model.fit(data.x_train, data.y_train, batch_size=recipe.batch_size,
                        epochs=recipe.epochs, validation_data=validation, callbacks=callbacks,
                        verbose=0)
    fit_seconds = time.perf_counter() - started
    logged = {name: [float(v) for v in values] for name, values in history.history.items()}
    _check_finite(recipe, seed, logged.get("loss", []))
    logged["learning_rate"] = rates
    return TrainedModel(model, augmentation, logged, fit_seconds)


def _check_finite(recipe: Recipe, seed: int, losses: list[float]) -> None:
    """A diverged fit (stopped by TerminateOnNaN) fails its recipe instead of yielding a
    misleading chance-level metric."""
    for epoch, loss in enumerate(losses, start=1):
        if not math.isfinite(loss):
            raise TrainingFailed(
                f"training diverged (NaN loss) at epoch {epoch} of recipe "
                f"{recipe.tutorial}/{recipe.name} (seed {seed}, profile {recipe.profile}); check "
                f"the data for NaN or inf and lower the learning rate")


def _evaluate(recipe: Recipe, trained: TrainedModel,
              data: PreparedData) -> tuple[dict[str, float], np.ndarray]:
    """Everything the claims read, measured in inference mode (dropout off), and the test set's
    class probabilities."""
    import keras

    model, history = trained.model, trained.history
    metrics: dict[str, float] = {}
    for split, x, y in (("train", data.x_train, data.y_train), ("test", data.x_test, data.y_test),
                        ("val", data.x_val, data.y_val)):
        if x is not None and (split != "train" or recipe.evaluate_train):
            loss, accuracy = model.evaluate(x, y, batch_size=256, verbose=0)
            metrics[f"{split}_loss"], metrics[f"{split}_accuracy"] = float(loss), float(accuracy)
    if recipe.evaluate_train:  # the training set as the network saw it, in inference mode
        fed = data.x_train
        for layer in trained.augmentation:
            fed = keras.ops.convert_to_numpy(layer(fed, training=True))
        _, accuracy = (model.evaluate(fed, data.y_train, batch_size=256, verbose=0)
                       if trained.augmentation else (None, metrics["train_accuracy"]))
        metrics["train_accuracy_augmented"] = float(accuracy)
        if "val_accuracy" in metrics:
            metrics["train_val_gap"] = metrics["train_accuracy_augmented"] - metrics["val_accuracy"]
    probabilities = _probabilities(recipe, model.predict(data.x_test, batch_size=256, verbose=0))
    prediction = _prediction_metrics(probabilities, data.y_test)
    metrics.update({key: value for key, value in prediction.items() if key != "test_accuracy"})
    if recipe.evaluate_train:
        metrics["gap_accuracy"] = metrics["train_accuracy"] - metrics["test_accuracy"]
        metrics["gap_loss"] = metrics["test_loss"] - metrics["train_loss"]
    rates = history.get("learning_rate", [])
    metrics["lr_reductions"] = float(sum(b < a for a, b in itertools.pairwise(rates)))
    if rates:
        metrics["lr_final_ratio"] = rates[-1] / rates[0]
    if recipe.reduce_lr and rates and history.get(recipe.reduce_lr.get("monitor", "val_loss")):
        metrics.update(_plateau_schedule(recipe, rates, history))
    if history.get("val_loss"):
        val_loss = history["val_loss"]
        best = int(np.argmin(val_loss))
        metrics["val_loss_best_epoch"] = float(best + 1)
        metrics["val_loss_rise"] = float(val_loss[-1] - val_loss[best])
        metrics["val_accuracy_best"] = float(max(history.get("val_accuracy", [np.nan])))
    return metrics, probabilities


_KERAS_MIN_DELTA = 1e-4  # ReduceLROnPlateau's default (Keras 2 and 3); recipes do not set it


def _plateau_schedule(recipe: Recipe, rates: list[float],
                      history: dict[str, list[float]]) -> dict[str, float]:
    """How the learning rate was cut, for "reduce the learning rate by half when the accuracy is
    not improving after 3 epochs" (issue 14): the mean factor of the cuts not clipped at
    ``min_lr``, the first cut's epoch, and the epochs where a cut happened without the rule
    asking for one or the rule asked and none happened (the rule replayed on the logged
    monitor, with Keras's min_delta, compared in float32 as Keras does)."""
    spec = recipe.reduce_lr
    monitored = history[spec.get("monitor", "val_loss")]
    patience, min_lr = int(spec.get("patience", 10)), float(spec.get("min_lr", 0.0))
    higher = "acc" in spec.get("monitor", "val_loss")
    best: float | None = None
    wait, wrong, factors, first = 0, 0, [], math.nan
    for epoch, value in enumerate(monitored[:len(rates)]):
        before = rates[epoch - 1] if epoch else None
        cut = before is not None and rates[epoch] < before
        due = False
        shifted = value - _KERAS_MIN_DELTA if higher else value + _KERAS_MIN_DELTA
        if best is None or (np.float32(shifted) > np.float32(best) if higher
                            else np.float32(shifted) < np.float32(best)):
            best, wait = value, 0
        else:
            wait += 1
            if wait >= patience and before is not None and before > np.float32(min_lr):
                due, wait = True, 0
        wrong += int(cut != due)
        if cut and before is not None:
            first = float(epoch + 1) if math.isnan(first) else first
            if rates[epoch] > min_lr * (1 + 1e-6):  # a cut clipped at min_lr is not a factor
                factors.append(rates[epoch] / before)
    return {"lr_schedule_wrong_epochs": float(wrong), "lr_first_reduction_epoch": first,
            "lr_reduction_factor": float(np.mean(factors)) if factors else math.nan}


_MAX_MISCLASSIFIED = 16


def _artifacts(recipe: Recipe, dataset: Dataset, core: keras.Model, data: PreparedData,
               probabilities: np.ndarray) -> dict[str, Any]:
    """What the report's model figures need from one trained model: the misclassified test
    samples, every test prediction's top probability, one right and one wrong sample's class
    probabilities and, when the model opens with a convolution, its kernels and that layer's
    activation maps for the first of those samples."""
    import keras

    labels = data.y_test
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    raw = dataset.x_test[:recipe.test_size]
    images = raw if isinstance(raw, np.ndarray) and raw.ndim >= 3 else None  # not for tokens
    shown = [int(i) for i in (np.flatnonzero(predicted == labels)[:1].tolist()
                              + wrong[:1].tolist())]
    artifacts: dict[str, Any] = {
        "class_names": list(dataset.class_names),
        "top_probability": probabilities.max(axis=1), "correct": predicted == labels,
        "misclassified": {"images": None if images is None else images[wrong[:_MAX_MISCLASSIFIED]],
                          "true": labels[wrong[:_MAX_MISCLASSIFIED]],
                          "predicted": predicted[wrong[:_MAX_MISCLASSIFIED]]},
        "samples": [{"index": i, "label": int(labels[i]), "probabilities": probabilities[i],
                     "image": None if images is None else images[i]} for i in shown],
    }
    first = core.layers[0] if core.layers else None
    if isinstance(first, keras.layers.Conv2D) and shown:
        probe = keras.Model(core.inputs, first.output)
        artifacts["first_layer"] = {
            "name": first.name, "kernels": keras.ops.convert_to_numpy(first.kernel),
            "activations": np.asarray(probe.predict(data.x_test[shown[0]:shown[0] + 1],
                                                    verbose=0))[0],
            "sample_index": shown[0]}
    return artifacts


def train_seed(recipe: Recipe, dataset: Dataset, seed: int, build: Callable[[], keras.Model],
               keep_artifacts: bool = False) -> SeedRun:
    """One seed of a recipe: one model, or a committee of ``recipe.ensemble`` members (whose
    artifacts are not kept: no single model stands for the committee)."""
    started = time.perf_counter()
    check_full_sizes(recipe, dataset)  # full profile: too little data is refused, not trained
    if recipe.ensemble > 1:
        return _train_committee(recipe, dataset, seed, build, started)
    core = fresh_model(seed, build)
    data = prepare(recipe, dataset, core)
    trained = _train_one(recipe, data, seed, core)
    metrics, probabilities = _evaluate(recipe, trained, data)
    artifacts = (_artifacts(recipe, dataset, core, data, probabilities) if keep_artifacts
                 else None)
    return SeedRun(seed, metrics, trained.history, trained.fit_seconds,
                   time.perf_counter() - started, artifacts)


def _train_committee(recipe: Recipe, dataset: Dataset, seed: int,
                     build: Callable[[], keras.Model], started: float) -> SeedRun:
    """Train the members with their own seeds and average their class probabilities."""
    data: PreparedData | None = None
    member_probabilities, member_metrics, fit_seconds = [], [], 0.0
    for index in range(recipe.ensemble):
        member_seed = seed * 1000 + index
        core = fresh_model(member_seed, build)
        data = data or prepare(recipe, dataset, core)
        trained = _train_one(recipe, data, member_seed, core)
        fit_seconds += trained.fit_seconds
        probabilities = _probabilities(recipe, trained.model.predict(data.x_test, batch_size=256,
                                                                     verbose=0))
        member_probabilities.append(probabilities)
        member_metrics.append(_prediction_metrics(probabilities, data.y_test))
    assert data is not None
    committee = _prediction_metrics(np.mean(member_probabilities, axis=0), data.y_test)
    accuracies = [m["test_accuracy"] for m in member_metrics]
    metrics = {
        "test_accuracy": committee["test_accuracy"],
        "committee_nll": committee["nll"],
        "wrong_count": committee["wrong_count"],
        "n_test": committee["n_test"],
        "member_mean_accuracy": float(np.mean(accuracies)),
        "member_best_accuracy": float(np.max(accuracies)),
        "member_worst_accuracy": float(np.min(accuracies)),
        "member_mean_nll": float(np.mean([m["nll"] for m in member_metrics])),
        "member_best_nll": float(np.min([m["nll"] for m in member_metrics])),
    }
    metrics["committee_gain"] = metrics["test_accuracy"] - metrics["member_mean_accuracy"]
    metrics["committee_vs_best"] = metrics["test_accuracy"] - metrics["member_best_accuracy"]
    metrics["nll_gain"] = metrics["member_mean_nll"] - metrics["committee_nll"]
    return SeedRun(seed, metrics, {"member_accuracy": accuracies}, fit_seconds,
                   time.perf_counter() - started)
