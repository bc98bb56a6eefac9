"""Write a tutorial's ``models.py``: one builder per model, drafted from the page's code.

Keras 2 code is written as Keras 3: ``input_shape``/``input_dim``/``input_length`` become a
``keras.Input``, old layer names their new ones, an application model is built with
``weights=None`` (no download; counts do not depend on weights). A model whose code the page does
not give, or gives in a form not read here, gets a builder that raises ``NotImplementedError``
saying what a person must write.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from harness.draft.code import Code, ModelDef
from harness.draft.pycode import Unresolved, dotted, evaluate

_RENAMED = {"Convolution2D": "Conv2D", "Convolution1D": "Conv1D", "MaxPool2D": "MaxPooling2D",
            "MaxPool1D": "MaxPooling1D", "AvgPool2D": "AveragePooling2D"}
_INPUT_KEYWORDS = ("input_shape", "input_dim", "input_length", "batch_input_shape")


@dataclass(frozen=True)
class Builder:
    """One model's builder: its function's source, or why a person must write it."""

    name: str
    function: str  # the Python function name
    body: str  # the statements after the def line (a stub raises)
    drafted: bool
    why: str = ""  # for a stub: what is missing


def function_name(model: str) -> str:
    return "build_" + model.replace("-", "_").replace(".", "_")


def draft_builder(name: str, model: ModelDef, code: Code, params: dict[str, ast.AST],
                  origin: str) -> Builder:
    """The builder of ``model`` with the builder function's ``params`` (call-site values)."""
    def names(identifier: str) -> Any:
        if identifier in params:
            return evaluate(params[identifier], names_outside)
        return code.constant(identifier, model.pos)

    def names_outside(identifier: str) -> Any:
        return code.constant(identifier, model.pos)

    try:
        if model.problems:
            raise Unresolved("; ".join(model.problems))
        if model.kind == "application":
            assert model.application is not None
            return Builder(name, function_name(name), _application(model.application, names),
                           True)
        if not model.layers:
            raise Unresolved("no layers found in its code")
        if model.kind == "functional":
            return Builder(name, function_name(name), _functional(model, names), True)
        return Builder(name, function_name(name), _sequential(model, names), True)
    except Unresolved as missing:
        why = (f"the code at {origin} could not be drafted ({missing}): write the model from "
               f"it, or from its printed summary")
        return stub(name, why)


def stub(name: str, why: str) -> Builder:
    body = f"    raise NotImplementedError({why!r})\n"
    return Builder(name, function_name(name), body, False, why)


def _arguments(call: ast.Call, names: Any) -> tuple[list[str], dict[str, Any]]:
    """A call's positional arguments as source, and its keyword values."""
    positional = [repr(evaluate(argument, names)) for argument in call.args]
    keywords: dict[str, Any] = {}
    for keyword in call.keywords:
        if keyword.arg is None:
            raise Unresolved("**kwargs")
        keywords[keyword.arg] = evaluate(keyword.value, names)
    return positional, keywords


def _layer(call: ast.Call, names: Any) -> tuple[str, dict[str, Any]]:
    """``layers.X(...)`` source for one Keras 2 or 3 layer call, and its input keywords."""
    class_name = dotted(call.func).rsplit(".", 1)[-1]
    if not class_name or not class_name[0].isupper():
        raise Unresolved(f"layer {ast.unparse(call.func)}")
    class_name = _RENAMED.get(class_name, class_name)
    positional, keywords = _arguments(call, names)
    inputs = {key: keywords.pop(key) for key in _INPUT_KEYWORDS if key in keywords}
    text = ", ".join(positional + [f"{key}={value!r}" for key, value in keywords.items()])
    return f"layers.{class_name}({text})", inputs


def _input(inputs: dict[str, Any], layer: str) -> str:
    if "batch_input_shape" in inputs:
        shape = tuple(inputs["batch_input_shape"])[1:]
    elif "input_shape" in inputs:
        shape = tuple(inputs["input_shape"])
    elif "input_dim" in inputs:
        shape = (inputs["input_dim"],)
    elif "input_length" in inputs:
        shape = (inputs["input_length"],)
    else:
        raise Unresolved("the code gives no input shape (no input_shape, input_dim or Input)")
    dtype = ', dtype="int32"' if layer.startswith("layers.Embedding(") else ""
    return f"keras.Input(shape={shape!r}{dtype})"


def _sequential(model: ModelDef, names: Any) -> str:
    rendered = [_layer(call, names) for call in model.layers]
    first = rendered[0][0]
    if dotted(model.layers[0].func).rsplit(".", 1)[-1] == "InputLayer":
        raise Unresolved("an InputLayer: write its keras.Input")
    lines = [f"        {_input(rendered[0][1], first)},"]
    lines += [f"        {source}," for source, _ in rendered]
    return "    return keras.Sequential(\n        [\n" + "\n".join(
        "    " + line for line in lines) + "\n        ]\n    )\n"


def _functional(model: ModelDef, names: Any) -> str:
    assert model.inputs is not None
    positional, keywords = _arguments(model.inputs, names)
    arguments = ", ".join(positional + [f"{key}={value!r}" for key, value in keywords.items()])
    lines = [f"    inputs = keras.Input({arguments})", "    x = inputs"]
    for call in model.layers:
        source, extra = _layer(call, names)
        if extra:
            raise Unresolved("an input keyword inside a functional model")
        lines.append(f"    x = {source}(x)")
    lines.append("    return keras.Model(inputs, x)")
    return "\n".join(lines) + "\n"


def _application(call: ast.Call, names: Any) -> str:
    class_name = dotted(call.func).rsplit(".", 1)[-1]
    positional, keywords = _arguments(call, names)
    keywords.pop("weights", None)
    text = ", ".join(positional + [f"{key}={value!r}" for key, value in keywords.items()]
                     + ["weights=weights"])
    return f"    return keras.applications.{class_name}({text})\n"


def render_models(builders: list[Builder], source: str) -> str:
    """The models module: builders and the ``MODELS`` dict literal."""
    parts = [f'"""Models of a tutorial, drafted by ``python -m harness draft`` from {source}.\n\n'
             f"Review each builder against the page; a builder that raises says what to write.\n"
             f'"""\n\nfrom __future__ import annotations\n\nfrom collections.abc import Callable'
             f"\n\nimport keras\nfrom keras import layers\n"]
    for builder in builders:
        signature = ("weights: str | None = None" if "weights=weights" in builder.body else "")
        doc = ("Drafted from the page's code." if builder.drafted
               else "Not drafted: see the error it raises.")
        parts.append(f"\n\ndef {builder.function}({signature}) -> keras.Model:\n"
                     f'    """{doc}"""\n{builder.body}')
    table = "\n".join(f'    "{builder.name}": {builder.function},' for builder in builders)
    parts.append(f"\n\nMODELS: dict[str, Callable[..., keras.Model]] = {{\n{table}\n}}\n")
    return "".join(parts)
