"""A run's training recipe, from the ``compile`` and ``fit`` calls the page shows.

Only what the code says is written; a field the code does not decide is named in ``missing``,
and a recipe missing a required field is written commented out for a person to finish.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

from harness.data import DATASETS
from harness.draft.code import Code
from harness.draft.link import Run
from harness.draft.pycode import Unresolved, balanced, dotted, evaluate, parse_call
from harness.recipes import OPTIMIZERS

_LOSSES = {"categorical_crossentropy": "sparse_categorical_crossentropy",
           "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
           "binary_crossentropy": "binary_crossentropy"}
SEEDS = [0, 1, 2]


@dataclass
class DraftRecipe:
    """The fields read from the code, what the code does not decide, and notes."""

    fields: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


def _keywords(node: ast.Call | None) -> dict[str, ast.AST]:
    return {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg} \
        if node is not None else {}


def _value(code: Code, node: ast.AST, pos: int) -> Any:
    return evaluate(node, lambda name: code.constant(name, pos))


def _assigned_call(code: Code, node: ast.AST, pos: int) -> ast.AST:
    """A name bound to a call (``optimizer = keras.optimizers.Adam()``) as that call."""
    if not isinstance(node, ast.Name):
        return node
    for match in reversed(list(re.finditer(
            rf"(?<![\w.]){node.id}\s*=\s*(?!=)", code.text[:pos]))):
        rest = code.text[match.end():code.text.find("\n", match.end())]
        call = parse_call(rest.strip())
        if call is not None:
            return call
    return node


def draft_recipe(run: Run, code: Code) -> DraftRecipe:
    """The recipe of ``run`` as far as the page's code decides it."""
    recipe = DraftRecipe(fields={"model": run.model})
    if run.dataset.replace("_", "-") in DATASETS:
        recipe.fields["data"] = run.dataset.replace("_", "-")
    else:
        recipe.missing.append("data" if not run.dataset else
                              f"data (the page loads {run.dataset}, which the harness lacks)")
    compiled = _keywords(run.compile.node if run.compile else None)
    pos = run.compile.pos if run.compile else 0
    optimizer = _assigned_call(code, compiled["optimizer"], pos) if "optimizer" in compiled \
        else None
    if isinstance(optimizer, ast.Constant) and str(optimizer.value).lower() in OPTIMIZERS:
        recipe.fields["optimizer"] = str(optimizer.value).lower()
    elif isinstance(optimizer, ast.Call) and dotted(optimizer.func).rsplit(".", 1)[-1].lower() \
            in OPTIMIZERS:
        recipe.fields["optimizer"] = dotted(optimizer.func).rsplit(".", 1)[-1].lower()
        rates = _keywords(optimizer)
        rate = rates.get("learning_rate", rates.get("lr"))
        if rate is not None:
            try:
                recipe.fields["learning_rate"] = float(_value(code, rate, pos))
            except (Unresolved, TypeError, ValueError):
                recipe.missing.append("learning_rate")
    else:
        recipe.missing.append("optimizer")
    loss = compiled.get("loss")
    loss_name = (str(loss.value) if isinstance(loss, ast.Constant) else
                 dotted(loss).rsplit(".", 1)[-1] if loss is not None else "")
    if loss_name in _LOSSES:
        recipe.fields["loss"] = _LOSSES[loss_name]
        if loss_name == "categorical_crossentropy":
            recipe.notes.append("the page's categorical_crossentropy on one-hot labels is "
                                "the harness's sparse_categorical_crossentropy on integers")
    elif loss is not None:
        recipe.missing.append(f"loss ({ast.unparse(loss)})")
    _fit_fields(recipe, run, code)
    if run.ensemble > 1:
        recipe.fields["ensemble"] = run.ensemble
    recipe.fields["seeds"] = SEEDS
    return recipe


def _fit_fields(recipe: DraftRecipe, run: Run, code: Code) -> None:
    if run.fit is None:
        recipe.missing += ["epochs", "batch_size"]
        return
    fitted = _keywords(run.fit.node)
    pos = run.fit.pos
    for name, keys in (("epochs", ("epochs", "nb_epoch")), ("batch_size", ("batch_size",))):
        node = next((fitted[key] for key in keys if key in fitted), None)
        try:
            if node is None:
                raise Unresolved(name)
            recipe.fields[name] = int(_value(code, node, pos))
        except (Unresolved, TypeError, ValueError):
            if name == "batch_size" and node is None:
                recipe.fields[name] = 32
                recipe.notes.append("fit gives no batch_size: Keras's default of 32")
            else:
                recipe.missing.append(name)
    if "validation_split" in fitted:
        try:
            recipe.fields["validation"] = "split"
            recipe.fields["validation_fraction"] = float(
                _value(code, fitted["validation_split"], pos))
        except (Unresolved, TypeError, ValueError):
            recipe.missing.append("validation_fraction")
    elif "validation_data" in fitted:
        data = ast.unparse(fitted["validation_data"]).lower()
        if "test" in data:
            recipe.fields["validation"] = "test"
        else:
            recipe.fields["validation"] = "holdout"
            _holdout(recipe, code, pos, data)


def _holdout(recipe: DraftRecipe, code: Code, pos: int, data: str) -> None:
    """The fraction a ``train_test_split(..., test_size=F, random_state=R)`` held out."""
    splits = list(re.finditer(r"train_test_split\s*(?=\()", code.text[:pos]))
    body = balanced(code.text, code.text.index("(", splits[-1].start())) if splits else None
    call = parse_call("train_test_split" + body) if body else None
    keywords = _keywords(call)
    try:
        recipe.fields["validation_fraction"] = float(_value(code, keywords["test_size"], pos))
        if "random_state" in keywords:
            recipe.fields["validation_random_state"] = int(
                _value(code, keywords["random_state"], pos))
    except (KeyError, Unresolved, TypeError, ValueError):
        recipe.missing.append(f"validation_fraction (validation_data={data})")
