"""The draft's parsers on what Keras 3 itself prints, captured at test time: summaries
(sequential, wrapped and cut cells, after fit with optimizer params, functional with
'Connected to', unbuilt), fit logs and evaluate bars."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

from harness.draft.fitlog import parse_progress
from harness.draft.source import Line, read_source
from harness.draft.summary import find_summaries
from tests.draft_helpers import captured, summary_text

keras = pytest.importorskip("keras")
layers = keras.layers


def _lines(text: str) -> list[Line]:
    """The text as the draft reads a plain-text page (colours and backspaces dropped)."""
    page = Path(tempfile.mkdtemp()) / "page.txt"
    page.write_text(text, encoding="utf-8")
    return read_source(page)


def _convnet() -> object:
    keras.utils.set_random_seed(1)
    return keras.Sequential([
        keras.Input(shape=(9, 9, 1)),
        layers.Conv2D(5, 3, activation="relu", name="a_convolution_named_long_enough_to_wrap"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.BatchNormalization(),
        layers.Dense(3, activation="softmax"),
    ])


def _params(model: object) -> list[int]:
    return [layer.count_params() for layer in model.layers]


def test_sequential_summary_rows_shapes_and_totals() -> None:
    model = _convnet()
    (summary,) = find_summaries(_lines(summary_text(model)))
    assert summary.style == "keras3"
    assert [row.params for row in summary.rows] == _params(model)
    assert [row.shape for row in summary.rows] == [list(layer.output.shape[1:])
                                                   for layer in model.layers]
    assert summary.rows[0].layer_class == "Conv2D"  # the class wrapped onto a second line
    assert summary.model_size() == model.count_params()
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert summary.counts["trainable"] == trainable
    assert summary.counts["non-trainable"] == model.count_params() - trainable > 0


def test_after_fit_the_model_size_is_not_the_optimizer_inflated_total() -> None:
    model = _convnet()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    model.fit(rng.random((24, 9, 9, 1)), rng.integers(0, 3, 24), epochs=1, verbose=0)
    (summary,) = find_summaries(_lines(summary_text(model)))
    assert summary.counts["optimizer"] > 0
    assert summary.counts["total"] > model.count_params()
    assert summary.model_size() == model.count_params()
    assert summary.size_quote().startswith("Trainable params:")


def test_functional_summary_with_connected_to_column() -> None:
    left, right = keras.Input(shape=(4,)), keras.Input(shape=(6,))
    joined = layers.Concatenate()([layers.Dense(3)(left), right])
    model = keras.Model([left, right], layers.Dense(2)(joined))
    (summary,) = find_summaries(_lines(summary_text(model)))
    assert sorted(row.params for row in summary.rows) == sorted(_params(model))
    assert len(summary.rows) == len(model.layers)
    assert summary.model_size() == model.count_params()


def test_unbuilt_layers_are_said_not_read() -> None:
    model = keras.Sequential([layers.Dense(3)])
    (summary,) = find_summaries(_lines(summary_text(model)))
    assert summary.rows[0].params is None
    assert any("unbuilt" in problem for problem in summary.problems)


def test_fit_log_and_evaluate_bar_as_keras_prints_them() -> None:
    model = _convnet()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(2)
    x, y = rng.random((40, 9, 9, 1)), rng.integers(0, 3, 40)
    history = {}

    def train() -> None:
        history.update(model.fit(x, y, epochs=2, batch_size=8, validation_split=0.25,
                                 verbose=1).history)
        history["evaluate"] = model.evaluate(x[:16], y[:16], verbose=1)

    text = captured(train)
    logs, bars = parse_progress(_lines(text))
    (log,) = logs
    assert log.complete and [epoch for epoch, _ in log.epochs] == [1, 2]
    final = log.final()
    assert final is not None and set(final.metrics) == set(history) - {"evaluate"}
    for name, value in final.metrics.items():
        assert value == pytest.approx(history[name][-1], abs=5e-5)
    (bar,) = bars
    assert bar.metrics["loss"] == pytest.approx(history["evaluate"][0], abs=5e-5)
