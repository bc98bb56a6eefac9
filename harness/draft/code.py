"""Read the code of a page: the models it builds and what it does with them, in page order.

Found: ``Sequential()`` + ``.add(...)``, ``Sequential([...])``, functional chains
(``x = Layer(...)(x)`` up to ``Model(inputs, outputs)``), ``keras.applications`` models, builder
functions and their call sites, ``summary``/``compile``/``fit``/``evaluate`` calls, literal
assignments (``batch_size = 128``) and data set loads. Every event keeps its character offset so
the linker can walk the page in order.
"""

from __future__ import annotations

import ast
import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from harness.draft.pycode import Unresolved, balanced, dotted, evaluate, parse_call
from harness.draft.source import Line

APPLICATIONS = ("MobileNet", "MobileNetV2", "VGG16", "VGG19", "ResNet50", "InceptionV3",
                "Xception", "DenseNet121", "EfficientNetB0")
DATASETS = ("mnist", "fashion_mnist", "cifar10", "cifar100", "imdb", "reuters")
_ASSIGN = re.compile(r"(?<![\w.])(?P<var>[A-Za-z_]\w*)\s*=\s*(?!=)")
_METHOD = re.compile(r"(?<![\w.])(?P<var>[A-Za-z_]\w*)\.(?P<method>summary|compile|fit|"
                     r"fit_generator|evaluate|add)\s*(?=\()")
_DEF = re.compile(r"(?<![\w.])def\s+(?P<name>[A-Za-z_]\w*)\s*(?=\()")
_LOAD = re.compile(rf"(?<![\w])(?P<name>{'|'.join(DATASETS)})\.load_data\s*(?=\()")
_UNPACK = re.compile(r"(?<![\w.,])(?P<vars>[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)+)\s*=\s*(?!=)")
_RETURN = re.compile(r"(?<![\w.])return\s*\(?\s*(?P<var>[A-Za-z_]\w*)")


@dataclass
class ModelDef:
    """Code that builds one model."""

    pos: int
    var: str
    kind: str  # "sequential" | "functional" | "application"
    layers: list[ast.Call] = field(default_factory=list)
    inputs: ast.Call | None = None  # a functional model's keras.Input(...)
    application: ast.Call | None = None
    function: str = ""  # the builder function it is written in, if any
    end: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Call:
    """``var.method(...)`` in the code."""

    pos: int
    var: str
    method: str
    node: ast.Call
    source: str


@dataclass
class Code:
    """Everything the page's code says, with offsets into ``text``."""

    text: str
    starts: list[int]  # the offset where each page line starts
    numbers: list[int]  # the page line number of each of those lines
    models: list[ModelDef] = field(default_factory=list)
    functions: dict[str, tuple[int, int, dict[str, ast.AST]]] = field(default_factory=dict)
    instances: list[tuple[int, str, str, dict[str, ast.AST], int]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    constants: list[tuple[int, str, ast.AST]] = field(default_factory=list)
    loads: list[tuple[int, str]] = field(default_factory=list)

    def loop_source(self, var: str, pos: int) -> str:
        """The list ``var`` runs over at ``pos``: ``for var in models`` just before it, or a
        comprehension ``[... var.fit(...) for var in models]`` just after it."""
        before = self.text[max(pos - 200, 0):pos]
        found = list(re.finditer(rf"for\s+(?:\w+\s*,\s*)?{re.escape(var)}\s+in\s+"
                                 rf"(?:enumerate\(\s*)?(?P<list>\w+)", before))
        if found:
            return found[-1].group("list")
        after = re.search(rf"^[^\n]*?(?:\n[^\n]*?){{0,6}}for\s+{re.escape(var)}\s+in\s+"
                          rf"(?P<list>\w+)", self.text[pos:pos + 600])
        return after.group("list") if after else ""

    def line_of(self, pos: int) -> int:
        return self.numbers[max(bisect.bisect_right(self.starts, pos) - 1, 0)]

    def constant(self, name: str, before: int) -> Any:
        """The last literal assigned to ``name`` before ``before``."""
        for pos, assigned, node in reversed(self.constants):
            if assigned == name and pos < before:
                return evaluate(node, lambda inner, p=pos: self.constant(inner, p))
        raise Unresolved(name)


def read_code(lines: list[Line]) -> Code:
    """The code events of the page (its code lines, and for plain text every line)."""
    chunks, starts, numbers, offset = [], [], [], 0
    for line in lines:
        if line.role == "output":
            continue
        starts.append(offset)
        numbers.append(line.number)
        chunks.append(line.text)
        offset += len(line.text) + 1
    text = _blank_comments("\n".join(chunks))
    code = Code(text=text, starts=starts, numbers=numbers)
    _functions(code)
    _assignments(code)
    _unpacked(code)
    code.constants.sort(key=lambda constant: constant[0])
    _methods(code)
    _sequential_adds(code)
    code.models.sort(key=lambda model: model.pos)
    for match in _LOAD.finditer(text):
        code.loads.append((match.start(), match.group("name")))
    return code


def _blank_comments(text: str) -> str:
    """Comments replaced by spaces (offsets kept): a commented-out layer is not code."""
    out = list(text)
    quote = ""
    index = 0
    while index < len(out):
        char = out[index]
        if quote:
            if char == quote and out[index - 1] != "\\":
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#":
            while index < len(out) and out[index] != "\n":
                out[index] = " "
                index += 1
            continue
        elif char == "\n":
            quote = ""
        index += 1
    return "".join(out)


def _call_at(text: str, start: int) -> tuple[ast.Call, str] | None:
    """The call whose name starts at ``start``: its node and source."""
    paren = text.find("(", start)
    if paren < 0 or paren - start > 80:
        return None
    body = balanced(text, paren)
    if body is None:
        return None
    source = text[start:paren] + body
    end = paren + len(body)
    while text[end:end + 1] == "(":  # ``Layer(...)(x)``: the layer applied to a tensor
        applied = balanced(text, end)
        if applied is None:
            break
        source += applied
        end += len(applied)
    node = parse_call(source)
    return (node, source) if node is not None else None


def _functions(code: Code) -> None:
    for match in _DEF.finditer(code.text):
        signature = balanced(code.text, match.end())
        if signature is None:
            continue
        try:
            node = ast.parse("def f" + re.sub(r"\s+", " ", signature) + ": pass").body[0]
        except SyntaxError:
            continue
        assert isinstance(node, ast.FunctionDef)
        defaults: dict[str, ast.AST] = {}
        positional = node.args.args
        for argument, default in zip(positional[len(positional) - len(node.args.defaults):],
                                     node.args.defaults, strict=True):
            defaults[argument.arg] = default
        for argument, default in zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True):
            if default is not None:
                defaults[argument.arg] = default
        following = _DEF.search(code.text, match.end())
        end = following.start() if following else len(code.text)
        code.functions[match.group("name")] = (match.start(), end, defaults)


def _enclosing(code: Code, pos: int, var: str) -> str:
    """The builder function ``pos`` lies in: a def before it that returns ``var`` after it."""
    for name, (start, end, _) in code.functions.items():
        if start < pos < end:
            returned = _RETURN.search(code.text, pos, end)
            if returned and returned.group("var") == var:
                return name
    return ""


def _assignments(code: Code) -> None:
    text = code.text
    for match in _ASSIGN.finditer(text):
        var, start = match.group("var"), match.end()
        if text[:match.start()].rstrip()[-1:] in ("(", ","):
            continue  # a keyword argument, not an assignment
        head = re.match(r"[\w.]+", text[start:])
        callee = head.group(0) if head else ""
        last = callee.rsplit(".", 1)[-1]
        found = _call_at(text, start) if callee and text[start + len(callee):].lstrip()[:1] == "(" \
            else None
        if last == "Sequential" and found:
            model = ModelDef(pos=match.start(), var=var, kind="sequential")
            node = found[0]
            if node.args and isinstance(node.args[0], ast.List):
                model.layers = [element for element in node.args[0].elts
                                if isinstance(element, ast.Call)]
            model.function = _enclosing(code, match.start(), var)
            code.models.append(model)
        elif last in APPLICATIONS and found:
            code.models.append(ModelDef(pos=match.start(), var=var, kind="application",
                                        application=found[0],
                                        function=_enclosing(code, match.start(), var)))
        elif last == "Model" and found:
            _functional(code, match.start(), var, found[0])
        elif found and last in code.functions:
            node = found[0]
            _, _, defaults = code.functions[last]
            params = dict(defaults)
            params.update({keyword.arg: keyword.value for keyword in node.keywords
                           if keyword.arg})
            code.instances.append((match.start(), var, last, params, 1))
        elif found is None and callee:
            comprehension = re.match(r"\[\s*(?P<fn>\w+)\(\)\s+for\s+\w+\s+in\s+range\((?P<n>\d+)\)",
                                     text[start:])
            if comprehension and comprehension.group("fn") in code.functions:
                code.instances.append((match.start(), var, comprehension.group("fn"),
                                       dict(code.functions[comprehension.group("fn")][2]),
                                       int(comprehension.group("n"))))
                continue
            _constant(code, match.start(), var, start)
        elif found is None:
            _constant(code, match.start(), var, start)


def _unpacked(code: Code) -> None:
    """``img_rows, img_cols = 28, 28``: each name its literal."""
    for match in _UNPACK.finditer(code.text):
        names = [name.strip() for name in match.group("vars").split(",")]
        end = code.text.find("\n", match.end())
        try:
            node = ast.parse(code.text[match.end():end if end >= 0 else None].strip(),
                             mode="eval").body
        except SyntaxError:
            continue
        if isinstance(node, ast.Tuple) and len(node.elts) == len(names):
            for name, element in zip(names, node.elts, strict=True):
                code.constants.append((match.start(), name, element))


def _constant(code: Code, pos: int, var: str, start: int) -> None:
    """``var = <literal>``: the longest literal prefix of the rest of the line."""
    end = code.text.find("\n", start)
    rest = code.text[start:end if end >= 0 else len(code.text)]
    words = rest.split(" ")
    for count in range(min(len(words), 12), 0, -1):
        candidate = " ".join(words[:count]).strip()
        try:
            node = ast.parse(candidate, mode="eval").body
        except SyntaxError:
            continue
        if isinstance(node, (ast.Constant, ast.Tuple, ast.List, ast.BinOp, ast.Name,
                             ast.UnaryOp)):
            code.constants.append((pos, var, node))
        return


def _functional(code: Code, pos: int, var: str, node: ast.Call) -> None:
    """Trace ``Model(inputs, outputs)`` back through ``x = Layer(...)(x)`` assignments."""
    arguments = {keyword.arg: keyword.value for keyword in node.keywords}
    inputs = arguments.get("inputs", node.args[0] if node.args else None)
    outputs = arguments.get("outputs", node.args[1] if len(node.args) > 1 else None)
    model = ModelDef(pos=pos, var=var, kind="functional", function=_enclosing(code, pos, var))
    code.models.append(model)
    if not isinstance(inputs, ast.Name) or not isinstance(outputs, ast.Name):
        model.problems.append("its inputs or outputs are not single tensors")
        return
    chain: list[ast.Call] = []
    current, before = outputs.id, pos
    for _ in range(200):
        assigned = _last_assignment(code, current, before)
        if assigned is None:
            model.problems.append(f"the tensor {current!r} is not assigned before the model")
            return
        where, call = assigned
        name = dotted(call.func).rsplit(".", 1)[-1] if not isinstance(call.func, ast.Call) \
            else ""
        if current == inputs.id and name == "Input":
            model.inputs = call
            model.layers = list(reversed(chain))
            return
        if (isinstance(call.func, ast.Call) and len(call.args) == 1
                and isinstance(call.args[0], ast.Name)):
            chain.append(call.func)
            current, before = call.args[0].id, where
            continue
        model.problems.append(f"the tensor {current!r} is not one layer applied to one tensor "
                              f"(a branching model)")
        return


def _last_assignment(code: Code, var: str, before: int) -> tuple[int, ast.Call] | None:
    pattern = re.compile(rf"(?<![\w.]){re.escape(var)}\s*=\s*(?!=)")
    found = None
    for match in pattern.finditer(code.text, 0, before):
        call = _call_at(code.text, match.end())
        if call is not None:
            found = (match.start(), call[0])
    return found


def _methods(code: Code) -> None:
    for match in _METHOD.finditer(code.text):
        found = _call_at(code.text, match.start() + len(match.group("var")) + 1)
        if found is None:
            continue
        node, source = found
        if match.group("method") != "summary" and not (node.args or node.keywords):
            continue  # a prose mention such as "model.fit()"
        code.calls.append(Call(pos=match.start(), var=match.group("var"),
                               method=match.group("method"), node=node, source=source))


def _sequential_adds(code: Code) -> None:
    """Give each ``Sequential()`` its ``var.add(...)`` layers, up to the var's next other use."""
    for model in code.models:
        if model.kind != "sequential" or model.layers:
            continue
        for call in code.calls:
            if call.var != model.var or call.pos < model.pos:
                continue
            if call.method != "add":
                break
            if any(other.var == model.var and model.pos < other.pos < call.pos
                   for other in code.models):
                break
            if call.node.args and isinstance(call.node.args[0], ast.Call):
                model.layers.append(call.node.args[0])
                model.end = call.pos
    code.calls = [call for call in code.calls if call.method != "add"]
