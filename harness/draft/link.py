"""Tie what the page printed to the models and runs its code builds, in page order.

A summary table belongs to the model of the oldest ``summary()`` call not yet answered (a new
model definition drops unanswered calls: a prose mention of ``model.summary()`` is not a call);
a fit log to the oldest ``fit`` without one; an ``evaluate`` bar or a printed score to the last
``evaluate``. Prose figures are compared with the figures printed for the run they follow.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from harness.draft.code import Call, Code, ModelDef
from harness.draft.fitlog import FitLog, MetricsLine
from harness.draft.models_writer import Builder, draft_builder, stub
from harness.draft.prose import HYPOTHETICAL, Figure, Sentence
from harness.draft.pycode import kebab
from harness.draft.results import Printed
from harness.draft.summary import Summary

GENERIC = {"model", "m", "net", "network", "clf", "classifier"}


@dataclass
class DraftModel:
    """A model of the page: its builder and its printed summary."""

    name: str
    builder: Builder
    line: int
    summary: Summary | None = None


@dataclass(frozen=True)
class Score:
    """A printed figure of a run, as a runner metric."""

    metric: str
    value: float
    text: str
    quote: str
    line: int
    origin: str  # "log" | "evaluate" | "print" | "prose"


@dataclass
class Run:
    """One ``fit`` (or ``evaluate`` of a model never fitted on the page) and its figures."""

    name: str
    model: str
    line: int
    fit: Call | None = None
    compile: Call | None = None
    dataset: str = ""
    log: FitLog | None = None
    scores: dict[str, list[Score]] = field(default_factory=dict)
    eval_splits: list[str] = field(default_factory=list)  # each evaluate's data, in order
    ensemble: int = 1

    @property
    def eval_split(self) -> str:
        """The data the last evaluate read (test when none is shown)."""
        return self.eval_splits[-1] if self.eval_splits else "test"

    def add(self, score: Score) -> None:
        self.scores.setdefault(score.metric, []).append(score)

    def printed(self, family: str) -> list[Score]:
        """Every printed (not prose) figure of a metric family: final epoch, best, scores."""
        found = [score for metric, scores in self.scores.items() for score in scores
                 if metric.endswith(family) and score.origin != "prose"]
        if self.log and family == "accuracy":
            values = [(line.metrics["val_accuracy"], line) for _, line in self.log.epochs
                      if "val_accuracy" in line.metrics]
            if values:
                best, line = max(values, key=lambda pair: pair[0])
                found.append(Score("val_accuracy_best", best, line.printed["val_accuracy"],
                                   line.quote, line.line, "log"))
        return found


@dataclass(frozen=True)
class Review:
    """A sentence or figure for a person: a stub, never a baselined claim."""

    line: int
    quote: str
    reason: str
    kind: str  # the claim kind a person might write ("metric-level", "paired-difference", ...)
    value: float | None = None
    run: str = ""
    contradicted: bool = False
    metric: str = "METRIC"


@dataclass
class Draft:
    """Everything the draft found, placed or not."""

    source: str
    models: list[DraftModel] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    agreements: list[str] = field(default_factory=list)  # prose that agrees with the output
    problems: list[str] = field(default_factory=list)

    def model(self, name: str) -> DraftModel:
        return next(model for model in self.models if model.name == name)


def _unique(name: str, taken: set[str]) -> str:
    candidate, count = name, 1
    while candidate in taken:
        count += 1
        candidate = f"{name}-{count}"
    taken.add(candidate)
    return candidate


class _Linker:
    def __init__(self, draft: Draft, code: Code) -> None:
        self.draft, self.code = draft, code
        self.bindings: list[tuple[int, str, str, int]] = []  # (pos, var, model, copies)
        self.signatures: dict[str, str] = {}  # builder body → model name
        self.taken: set[str] = set()

    def instance(self, pos: int, var: str, model: ModelDef, params: dict[str, ast.AST],
                 ensemble: int, hint: str) -> None:
        origin = f"line {self.code.line_of(model.pos)}"
        name = kebab(hint)
        builder = draft_builder(name, model, self.code, params, origin)
        known = self.signatures.get(builder.body) if builder.drafted else None
        if known is None:
            name = _unique(name, self.taken)
            builder = draft_builder(name, model, self.code, params, origin)
            self.draft.models.append(DraftModel(name, builder, self.code.line_of(model.pos)))
            if builder.drafted:
                self.signatures[builder.body] = name
            known = name
        self.bindings.append((pos, var, known, ensemble))

    def resolve(self, var: str, pos: int) -> tuple[str, int] | None:
        """The model ``var`` names at ``pos`` and how many copies (a loop over a list of
        models names the list's model)."""
        over = self.code.loop_source(var, pos)
        if over and over != var:
            found = self.resolve(over, pos)
            if found:
                return found
        names = [(name, copies) for at, bound, name, copies in self.bindings
                 if bound == var and at <= pos]
        return names[-1] if names else None


def build_instances(draft: Draft, code: Code) -> _Linker:
    """Name every model the code builds (a builder function's models by their call sites)."""
    linker = _Linker(draft, code)
    for model in code.models:
        if model.function:
            sites = [site for site in code.instances if site[2] == model.function]
            for pos, var, function, params, count in sites or [
                    (model.pos, model.var, model.function,
                     dict(code.functions[model.function][2]), 1)]:
                hint = function if var.lower() in GENERIC or count > 1 else var
                linker.instance(pos, var, model, params, count, hint)
            linker.bindings.append((model.pos, model.var, linker.bindings[-1][2], 1))
        else:
            linker.instance(model.pos, model.var, model, {}, 1, model.var)
    linker.bindings.sort()
    return linker


def _split(call: Call) -> str:
    first = ast.unparse(call.node.args[0]) if call.node.args else ""
    return "train" if "train" in first.lower() else "test"


def link(draft: Draft, code: Code, summaries: list[Summary], logs: list[FitLog],
         bars: list[MetricsLine], printed: list[Printed], sentences: list[Sentence]) -> None:
    """Fill ``draft`` with the models and runs of the page and what belongs to them."""
    linker = build_instances(draft, code)
    events: list[tuple[int, int, str, object]] = []
    for model in code.models:
        events.append((code.line_of(model.pos), 0, "define", model))
    for call in code.calls:
        events.append((code.line_of(call.pos), 1, call.method, call))
    events += [(summary.start, 2, "table", summary) for summary in summaries]
    events += [(log.start, 2, "log", log) for log in logs]
    events += [(bar.line, 2, "bar", bar) for bar in bars]
    events += [(item.line, 2, "printed", item) for item in printed]
    events += [(sentence.line, 3, "sentence", sentence) for sentence in sentences]
    events.sort(key=lambda event: (event[0], event[1]))

    pending_summaries: list[str] = []
    pending_fits: list[Run] = []
    pending_evals: list[Run] = []  # one entry per evaluate call, N for a loop over N models
    answered: Run | None = None  # the run whose evaluate bar was the last output read
    current: Run | None = None
    compiles: dict[str, Call] = {}
    for _, _, what, item in events:
        if what == "define":
            pending_summaries.clear()
        elif what == "summary":
            assert isinstance(item, Call)
            found = linker.resolve(item.var, item.pos)
            if found:
                pending_summaries.append(found[0])
        elif what == "table":
            assert isinstance(item, Summary)
            _place_summary(draft, item, pending_summaries)
        elif what == "compile":
            assert isinstance(item, Call)
            found = linker.resolve(item.var, item.pos)
            if found:
                compiles[found[0]] = item
        elif what in ("fit", "fit_generator"):
            assert isinstance(item, Call)
            found = linker.resolve(item.var, item.pos)
            if found is None:
                continue
            name, copies = found
            current = Run(name=_unique(name, {run.name for run in draft.runs}), model=name,
                          line=code.line_of(item.pos), fit=item, compile=compiles.get(name),
                          dataset=_dataset(code, item.pos), ensemble=copies)
            draft.runs.append(current)
            pending_fits.append(current)
        elif what == "evaluate":
            assert isinstance(item, Call)
            found = linker.resolve(item.var, item.pos)
            if found is None:
                continue
            name, copies = found
            runs = [run for run in draft.runs if run.model == name]
            if not runs:
                runs = [Run(name=_unique(name, {run.name for run in draft.runs}), model=name,
                            line=code.line_of(item.pos), dataset=_dataset(code, item.pos))]
                draft.runs.append(runs[0])
            current = runs[-1]
            current.eval_splits.append(_split(item))
            pending_evals += [current] * copies
        elif what == "log":
            assert isinstance(item, FitLog)
            answered = None
            if pending_fits:
                pending_fits.pop(0).log = item
            else:
                draft.problems.append(f"the fit log at line {item.start} follows no fit call "
                                      f"read in the code: not placed")
        elif what == "bar":
            assert isinstance(item, MetricsLine)
            answered = pending_evals.pop(0) if pending_evals else None
            if answered is None:
                continue
            for metric in ("loss", "accuracy"):
                if metric in item.metrics:
                    answered.add(Score(f"{answered.eval_split}_{metric}", item.metrics[metric],
                                       item.printed[metric], item.quote, item.line,
                                       "evaluate"))
        elif what == "printed":
            assert isinstance(item, Printed)
            run = answered or (pending_evals.pop(0) if pending_evals else current)
            _place_printed(draft, item, run, replaces_bar=answered is not None)
            answered = None
        elif what == "sentence":
            assert isinstance(item, Sentence)
            _place_sentence(draft, item, current)


def _dataset(code: Code, pos: int) -> str:
    loads = [name for at, name in code.loads if at < pos]
    return loads[-1] if loads else ""


def _place_summary(draft: Draft, summary: Summary, pending: list[str]) -> None:
    if pending:
        name = pending.pop(0)
    else:
        name = _unique(kebab(summary.keras_name or "printed-model"),
                       {model.name for model in draft.models})
        draft.models.append(DraftModel(name, stub(name, (
            f"the page prints this model's summary (line {summary.start}) but not the code "
            f"that builds it: write the model so that it matches the summary")),
            summary.start))
    model = draft.model(name)
    if model.summary is None:
        model.summary = summary
    draft.problems += summary.problems


def _place_printed(draft: Draft, item: Printed, run: Run | None, replaces_bar: bool) -> None:
    """A printed score of ``run``; printed right after its evaluate bar, it is the same
    figure at full precision, and replaces the bar's."""
    if not item.family or run is None:
        draft.reviews.append(Review(item.line, item.quote, "a printed figure not tied to a "
                                    "run or a known metric", "metric-level", item.value,
                                    metric=item.family or "METRIC"))
        return
    split = item.split if item.split in ("test", "train") else run.eval_split
    metric = item.family if item.family == "wrong_count" else f"{split}_{item.family}"
    scores = run.scores.get(metric, [])
    if replaces_bar and scores and scores[-1].origin == "evaluate":
        scores.pop()
    run.add(Score(metric, item.value, item.text, item.quote, item.line, "print"))


def _agrees(figure: Figure, value: float) -> bool:
    """Whether a printed value reads as the prose figure, at the figure's own precision."""
    unit = 10 ** -figure.digits / (100 if figure.percent else 1)
    tolerance = max(unit / 2, 0.01 if figure.hedged else 0) + 1e-12
    if figure.bound == "lower":
        return value >= figure.value - tolerance
    if figure.bound == "upper":
        return value <= figure.value + tolerance
    return abs(value - figure.value) <= tolerance


def _place_sentence(draft: Draft, sentence: Sentence, run: Run | None) -> None:
    for figure in sentence.figures:
        if figure.kind == "params":
            sizes = [model.summary.model_size() for model in draft.models if model.summary]
            if figure.value in sizes:
                draft.agreements.append(f"line {sentence.line}: {figure.text} matches a "
                                        f"printed summary")
            else:
                draft.reviews.append(Review(sentence.line, sentence.text, "a parameter count "
                                            "in prose, not tied to a printed summary",
                                            "param-count", figure.value))
            continue
        clause = figure.clause.lower()
        family = ("error" if "error" in clause else "loss" if "loss" in clause
                  and "accura" not in clause else "accuracy")
        if run is None or HYPOTHETICAL.search(figure.clause):
            reason = ("a figure about another run, a hypothesis or another source"
                      if run is not None else "a figure not tied to a run")
            draft.reviews.append(Review(sentence.line, sentence.text, reason, "metric-level",
                                        figure.value, run.name if run else "",
                                        metric=f"?_{family}"))
            continue
        if family == "error":
            draft.reviews.append(Review(sentence.line, sentence.text, "an error rate in prose",
                                        "metric-level", figure.value, run.name))
            continue
        printed = run.printed(family)
        if printed:
            if any(_agrees(figure, score.value) for score in printed):
                draft.agreements.append(f"line {sentence.line}: {figure.text!r} agrees with "
                                        f"the output of run {run.name}")
            else:
                shown = ", ".join(sorted({score.text for score in printed}))
                draft.reviews.append(Review(
                    sentence.line, sentence.text, f"CONTRADICTED by the page's own output for "
                    f"run {run.name} ({shown})", "metric-level", figure.value, run.name, True,
                    f"?_{family}"))
            continue
        split = ("train" if "train" in clause else "val" if "validation" in clause
                 else "test" if "test" in clause or "test" in run.eval_splits
                 else run.eval_split)
        run.add(Score(f"{split}_{family}", figure.value, figure.text, sentence.text,
                      sentence.line, "prose"))
    if sentence.relation and not sentence.figures:
        draft.reviews.append(Review(sentence.line, sentence.text, "a relation between runs",
                                    "paired-difference", None, run.name if run else ""))
