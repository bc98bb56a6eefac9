"""``python -m harness draft``: a small convnet page (written here, its outputs printed by
Keras now) goes to a folder whose structural claims hold against its drafted models; bad input
is one line or a draft that says what it could not read, and never a half-written folder; the
five tutorials' pages give back what their hand-written claim files take from the text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from harness.__main__ import main
from harness.claims import load_claim_file
from harness.draft.source import read_source
from tests.draft_helpers import captured, import_file, summary_text

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"

BUILD = """\
def build_small_convnet():
    model = keras.Sequential()
    model.add(layers.Conv2D(6, (3, 3), activation="relu", input_shape=(12, 12, 1)))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Flatten())
    model.add(layers.Dense(10, activation="relu"))
    model.add(layers.Dropout(0.25))
    model.add(layers.Dense(3, activation="softmax"))
    return model

small_convnet = build_small_convnet()
"""
FIT = """\
small_convnet.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
history = small_convnet.fit(x_train, y_train, epochs=2, batch_size=16, validation_split=0.25)
"""
EVALUATE = """\
test_loss, test_acc = small_convnet.evaluate(x_test, y_test)
print("Test accuracy:", test_acc)
"""


def _page(folder: Path) -> Path:
    """A markdown page of a small convnet whose outputs Keras prints now."""
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    scope = {"keras": keras, "layers": keras.layers,
             "x_train": rng.random((48, 12, 12, 1)), "y_train": rng.integers(0, 3, 48),
             "x_test": rng.random((24, 12, 12, 1)), "y_test": rng.integers(0, 3, 24)}
    exec(BUILD, scope)
    summary = summary_text(scope["small_convnet"])
    fit_log = captured(lambda: exec(FIT, scope))
    evaluated = captured(lambda: exec(EVALUATE, scope))
    text = "\n".join([
        "# A small convnet", "",
        "We load the digits and build a small convolutional network.", "",
        "```python", "(x_train, y_train), (x_test, y_test) = mnist.load_data()",
        BUILD + "small_convnet.summary()", "```", "", "```", summary, "```", "",
        "We train it for two epochs.", "", "```python", FIT, "```", "", "```", fit_log, "```",
        "", "```python", EVALUATE, "```", "", "```", evaluated, "```", "",
        "The convnet reaches around 98% accuracy on the test set.", ""])
    page = folder / "small-convnet.md"
    page.write_text(text, encoding="utf-8")
    return page


def _measured(model: object, claim: object) -> object:
    kind, args = claim.kind, claim.args  # type: ignore[attr-defined]
    if kind == "param-count":
        part = args.get("part", "total")
        weights = {"total": model.weights, "trainable": model.trainable_weights,
                   "non-trainable": model.non_trainable_weights}[part]
        return int(sum(np.prod(weight.shape) for weight in weights))
    if kind == "layer-params":
        return [layer.count_params() for layer in model.layers]
    assert kind == "output-shapes"
    return [list(layer.output.shape[1:]) for layer in model.layers]


def test_a_small_convnet_page_drafts_to_structural_claims_that_hold(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    page = _page(tmp_path)
    target = tmp_path / "suites" / "small-convnet"
    assert main(["draft", str(page), "--into", str(target)]) == 0
    assert "CONTRADICTED" in capsys.readouterr().out
    assert sorted(path.name for path in target.iterdir()) == ["DRAFT.md", "claims.yaml",
                                                             "models.py"]
    claims = load_claim_file(target / "claims.yaml")
    models = import_file(target / "models.py").MODELS
    assert list(models) == ["small-convnet"]
    structural = [claim for claim in claims if claim.group == "structure"]
    assert {claim.kind for claim in structural} == {"param-count", "layer-params",
                                                    "output-shapes"}
    for claim in structural:
        assert _measured(models[claim.args["model"]](), claim) == claim.expected, claim.id
    text = "\n".join(line.text for line in read_source(page))  # as read: colours dropped
    assert all(claim.quote in text for claim in claims)
    # with no hand edit, the drafted folder is a tutorial the plugin runs: its structural
    # claims pass while their baselines are written
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("PYTHONPATH", "PYTEST_ADDOPTS")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                           "suites", "-m", "structure", "-k", "small-convnet",
                           "--update-baselines", "--baseline-reason", "drafted"],
                          cwd=tmp_path, env=environment, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert f"{len(structural)} passed" in done.stdout
    assert (tmp_path / "baselines" / "small-convnet" / "structure").is_dir()
    recipe = claims[0].recipes[("small-convnet", "full")]
    assert (recipe.data, recipe.optimizer, recipe.epochs, recipe.batch_size, recipe.validation,
            recipe.validation_fraction) == ("mnist", "adam", 2, 16, "split", 0.25)
    trained = {claim.args["metric"]: claim.expected for claim in claims
               if claim.kind == "metric-level"}
    assert set(trained) == {"val_accuracy", "val_loss", "test_accuracy", "test_loss"}
    assert 0.98 not in trained.values()  # the contradicted prose is a stub, never a claim
    assert "# REVIEW (line" in (target / "claims.yaml").read_text(encoding="utf-8")


def _no_leftovers(parent: Path) -> bool:
    return not any(path.name.startswith(".") for path in parent.iterdir())


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"\xff\xfe not utf-8 \xfa", "UTF-8"),
    (b"A page about cats.\n\nCats sleep a lot; they reach 70% of a day asleep.\n",
     "no model found"),
])
def test_bad_input_is_one_line_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture, content: bytes, message: str) -> None:
    source = tmp_path / "page.txt"
    source.write_bytes(content)
    target = tmp_path / "suites" / "bad"
    assert main(["draft", str(source), "--into", str(target)]) == 1
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1
    assert not target.exists()
    assert not (tmp_path / "suites").exists() or _no_leftovers(tmp_path / "suites")


def test_a_truncated_summary_is_drafted_and_said(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    source = tmp_path / "page.txt"
    source.write_text("\n".join([
        "(x_train, y_train), (x_test, y_test) = mnist.load_data()", "model = Sequential()",
        "model.add(Dense(4, input_dim=3))", "model.summary()",
        "_" * 65, "Layer (type)                 Output Shape              Param #",
        "=" * 65, "dense_1 (Dense)              (None, 4)                 16",
        "The rest of the table was lost.",
        "model.compile(loss='sparse_categorical_crossentropy', optimizer='sgd')",
        "model.fit(x_train, y_train, epochs=3, batch_size=8)",
        "Epoch 3/3", "100/100 [==============================] - 0s - loss: 0.5123",
        "score = model.evaluate(x_test, y_test)", "Test loss: 0.4321"]), encoding="utf-8")
    target = tmp_path / "suites" / "cut"
    assert main(["draft", str(source), "--into", str(target)]) == 0
    assert "cut off" in capsys.readouterr().out
    claims = (target / "claims.yaml").read_text(encoding="utf-8")
    assert "layer-params" not in claims and "param-count" not in claims
    assert "expected: 0.4321" in claims
    assert "cut off" in (target / "DRAFT.md").read_text(encoding="utf-8")


def test_an_existing_folder_is_kept_unless_forced(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    source = tmp_path / "page.txt"
    source.write_text("model = Sequential()\nmodel.add(Dense(2, input_dim=3))\n"
                      "model.summary()\nLayer (type)                 Output Shape    Param #\n"
                      "dense (Dense)                (None, 2)       8\n"
                      "Total params: 8\n", encoding="utf-8")
    target = tmp_path / "suites" / "kept"
    target.mkdir(parents=True)
    (target / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["draft", str(source), "--into", str(target)]) == 1
    assert "--force" in capsys.readouterr().err
    assert [path.name for path in target.iterdir()] == ["notes.txt"]
    assert main(["draft", str(source), "--into", str(target), "--force"]) == 0
    assert sorted(path.name for path in target.iterdir()) == ["DRAFT.md", "claims.yaml",
                                                             "models.py"]
    assert _no_leftovers(target.parent)


HAND_FILES = sorted((ROOT / "suites").glob("*/claims.yaml"))


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the tutorials' pages are not in {SEEDS}")
@pytest.mark.parametrize("hand_file", HAND_FILES, ids=[path.parent.name for path in HAND_FILES])
def test_the_tutorials_pages_give_back_their_printed_figures(
        hand_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from draft_recovery import recover
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    recovery = recover(hand_file, SEEDS)
    assert recovery.total and (len(recovery.found) + len(recovery.as_stub)) >= \
        0.9 * recovery.total, recovery.line()
