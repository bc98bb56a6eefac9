"""The draft's parsers on Keras 2 layouts (short samples written here; the numbers are made
up, the layouts are Keras 2's), printed results, and prose that the page's output contradicts."""

from __future__ import annotations

from pathlib import Path

from harness.draft.fitlog import parse_progress
from harness.draft.results import parse_printed
from harness.draft.source import Line, read_source
from harness.draft.summary import find_summaries


def _lines(text: str, role: str = "text") -> list[Line]:
    return [Line(number, line, role) for number, line in enumerate(text.splitlines(), start=1)]


KERAS_20 = """\
_________________________________________________________________
Layer (type)                 Output Shape              Param #
=================================================================
conv2d_1 (Conv2D)            (None, 30, 30, 8)         224
_________________________________________________________________
max_pooling2d_1 (MaxPooling2 (None, 15, 15, 8)         0
_________________________________________________________________
global_max_pooling2d (Global (None, 8)                 0
_________________________________________________________________
dense_1 (Dense)              (None, 4)                 36
=================================================================
Total params: 1,260.0
Trainable params: 1,260.0
Non-trainable params: 0.0
_________________________________________________________________
"""

LATE_KERAS_2 = """\
Model: "model"
__________________________________________________________________________________________________
 Layer (type)                   Output Shape         Param #     Connected to
==================================================================================================
 input_1 (InputLayer)           [(None, 12)]         0           []
 dense (Dense)                  (None, 7)            91          ['input_1[0][0]']
 batch_normalization (BatchNorm  (None, 7)           28          ['dense[0][0]']
 alization)
==================================================================================================
Total params: 119 (476.00 Byte)
Trainable params: 105 (420.00 Byte)
Non-trainable params: 14 (56.00 Byte)
__________________________________________________________________________________________________
"""


def test_keras_20_summary_with_cut_class_names_and_float_counts() -> None:
    (summary,) = find_summaries(_lines(KERAS_20))
    assert [row.params for row in summary.rows] == [224, 0, 0, 36]
    assert [row.shape for row in summary.rows] == [[30, 30, 8], [15, 15, 8], [8], [4]]
    assert summary.rows[1].layer_class == "MaxPooling2"
    assert summary.model_size() == 1260 and summary.counts["non-trainable"] == 0
    assert summary.size_quote() == "Total params: 1,260.0"


def test_late_keras_2_functional_summary_with_sizes_and_wrapped_class() -> None:
    (summary,) = find_summaries(_lines(LATE_KERAS_2))
    assert summary.keras_name == "model"
    assert [row.params for row in summary.rows] == [0, 91, 28]
    assert summary.rows[0].shape == [12]
    assert summary.counts == {"total": 119, "trainable": 105, "non-trainable": 14}


def test_a_summary_cut_off_before_its_totals_says_so() -> None:
    cut = "\n".join(KERAS_20.splitlines()[:6]) + "\nThe model is small.\n"
    (summary,) = find_summaries(_lines(cut))
    assert summary.truncated and len(summary.rows) == 2
    assert "cut off" in summary.problems[0]


def test_keras_2_fit_logs_in_every_form() -> None:
    text = """\
Downloading data from https://example.org/data.npz
11490434/11490434 [==============================] - 0s 0us/step
Train on 600 samples, validate on 200 samples
Epoch 1/2
 96/600 [===>..........................] - ETA: 3s - loss: 2.1000 - acc: 0.2100
600/600 [==============================] - 4s 7ms/step - loss: 1.5000 - acc: 0.4100 \
- val_loss: 1.2000 - val_acc: 0.5500
Epoch 2/2
600/600 [==============================] - 4s - loss: 1.1000 - acc: 0.6100 \
- val_loss: 1.0000 - val_acc: 0.6600
Epoch 1/3
3s - loss: 0.9000 - acc: 0.7000 - val_loss: 0.8000 - val_acc: 0.7200
Epoch 2/3
3s - loss: 0.7000 - acc: 0.7500 - val_loss: 0.7500 - val_acc: 0.7400
313/313 [==============================] - 1s 2ms/step - loss: 0.0500 - accuracy: 0.9800
1/1 [==============================] - 0s
"""
    logs, bars = parse_progress(_lines(text))
    first, second = logs
    assert first.complete and first.final() is not None
    assert first.final().metrics == {"loss": 1.1, "accuracy": 0.61, "val_loss": 1.0,
                                     "val_accuracy": 0.66}
    assert not second.complete and [epoch for epoch, _ in second.epochs] == [1, 2]
    assert [bar.metrics for bar in bars] == [{"loss": 0.05, "accuracy": 0.98}]


def test_printed_results() -> None:
    def read(text: str) -> list[tuple[str, str, float]]:
        return [(item.family, item.split, item.value)
                for item in parse_printed(Line(1, text, "output"))]

    assert read("Test accuracy: 0.9873000025749207") == [("accuracy", "test", 0.9873000025749207)]
    assert read("('Test loss:', 0.11029711169451475)") == [("loss", "test", 0.11029711169451475)]
    assert read("test loss, test acc: [0.21, 0.93]") == [("loss", "test", 0.21),
                                                         ("accuracy", "test", 0.93)]
    assert read("model 3 loss and accuracy: [0.02, 0.991]") == [("loss", "", 0.02),
                                                                ("accuracy", "", 0.991)]
    assert read("Accuracy: 0.725") == [("accuracy", "", 0.725)]
    assert read("batch_size = 128") == []
    assert parse_printed(Line(1, "print('Test accuracy:', score[1])", "text")) == []


def test_scraped_one_line_code_is_read_as_code(tmp_path: Path) -> None:
    from harness.draft.code import read_code

    page = tmp_path / "page.txt"
    page.write_text("num_classes = 10 # reshape x = 1\nmodel = Sequential() model.add(Dense("
                    "16, activation='relu', input_dim=8)) model.add(Dense(num_classes)) "
                    "model.summary()\n", encoding="utf-8")
    code = read_code(read_source(page))
    (model,) = code.models
    assert [call.func.id for call in model.layers] == ["Dense", "Dense"]  # type: ignore[attr-defined]
    assert code.constant("num_classes", len(code.text)) == 10


def test_a_notebook_with_outputs_is_read_cell_by_cell(tmp_path: Path) -> None:
    import json

    from harness.draft.folder import draft_texts

    code = ["model = Sequential()\n", "model.add(Conv2D(8, (3, 3), input_shape=(32, 32, 3)))\n",
            "model.add(MaxPooling2D((2, 2)))\n", "model.add(GlobalMaxPooling2D())\n",
            "model.add(Dense(4))\n", "model.summary()\n"]
    cells = [{"cell_type": "markdown", "source": ["# Tiny\n"]},
             {"cell_type": "code", "source": code,
              "outputs": [{"output_type": "stream", "name": "stdout",
                           "text": KERAS_20.splitlines(keepends=True)}]}]
    page = tmp_path / "tiny.ipynb"
    page.write_text(json.dumps({"cells": cells}), encoding="utf-8")
    written = draft_texts(page, "tiny", "suites/tiny")
    assert "expected: 1260\n" in written.claims
    assert "expected: [224, 0, 0, 36]" in written.claims
    assert "layers.Conv2D(8, (3, 3))" in written.models
    assert "keras.Input(shape=(32, 32, 3))" in written.models
