"""Write the draft's ``claims.yaml``: placed figures as claims, the rest as commented stubs.

Every claim's expected value is a figure the page printed, with the printed line as its quote.
Structural claims are exact on both tiers; a trained figure is the tutorial's full recipe, so
its claim is ``full`` only until a person gives the recipe a fast budget (a ``REVIEW`` comment
says so). A stub is commented out: it is never baselined.
"""

from __future__ import annotations

import json
from typing import Any

from harness.draft.code import Code
from harness.draft.link import Draft, Review, Run, Score
from harness.draft.recipe import DraftRecipe, draft_recipe

_RUNNER_METRICS = {"test_accuracy", "test_loss", "train_accuracy", "train_loss",
                   "val_accuracy", "val_loss", "member_best_accuracy", "member_worst_accuracy",
                   "wrong_count"}


def _text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    if isinstance(value, str):
        return value if value.replace("-", "").replace("_", "").isalnum() else _text(value)
    if value is None:
        return "null"
    return repr(value)


def _claim(claim_id: str, quote: str, kind: str, args: dict[str, Any], expected: Any,
           tiers: str, note: str = "", prefix: str = "") -> list[str]:
    lines = [f"- id: {claim_id}", f"  quote: {_text(quote)}", f"  kind: {kind}",
             f"  args: {_flow(args)}", f"  expected: {_flow(expected)}", f"  tiers: {tiers}",
             "  version: 1"]
    if note:
        lines.append(f"  note: {_text(note)}")
    return [f"  {prefix}{line}" for line in lines]


class ClaimFile:
    """The claims and stubs of a draft, rendered as YAML text."""

    def __init__(self, draft: Draft, code: Code) -> None:
        self.draft, self.code = draft, code
        self.lines: list[str] = []
        self.count = 0
        self.stubs = 0
        self.recipes: dict[str, DraftRecipe] = {
            run.name: draft_recipe(run, code) for run in draft.runs if self._scored(run)}

    @staticmethod
    def _scored(run: Run) -> bool:
        return bool(run.scores) or bool(run.log and run.log.final())

    def add(self, *args: Any, **kwargs: Any) -> None:
        self.lines += _claim(*args, **kwargs)
        self.count += 1

    def stub(self, review: Review, claim_id: str, args: dict[str, Any]) -> None:
        self.lines.append(f"  # REVIEW (line {review.line}): {review.reason}")
        self.lines += _claim(claim_id, review.quote, review.kind, args, review.value,
                             "[full]", prefix="# ")
        self.stubs += 1

    def structure(self) -> None:
        for model in self.draft.models:
            summary = model.summary
            if summary is None:
                continue
            structural = "[fast, full]"
            size = summary.model_size()
            if size is not None:
                note = ("trainable + non-trainable: the printed Total params includes the "
                        "optimizer's variables" if "optimizer" in summary.counts else "")
                self.add(f"{model.name}/params", summary.size_quote(), "param-count",
                         {"model": model.name}, size, structural, note)
            for part in ("trainable", "non-trainable"):
                if part in summary.counts:
                    self.add(f"{model.name}/{part}-params", summary.quotes[part],
                             "param-count", {"model": model.name, "part": part},
                             summary.counts[part], structural)
            rows = summary.rows
            if summary.truncated or not rows:
                continue
            if all(row.params is not None for row in rows):
                biggest = max(rows, key=lambda row: row.params or 0)
                self.add(f"{model.name}/layer-params", biggest.quote, "layer-params",
                         {"model": model.name}, [row.params for row in rows], structural)
            if all(row.shape is not None for row in rows):
                self.add(f"{model.name}/output-shapes", rows[0].quote, "output-shapes",
                         {"model": model.name}, [row.shape for row in rows], structural)

    def training(self) -> None:
        for run in self.draft.runs:
            if run.name not in self.recipes:
                continue
            active = self.recipes[run.name].complete
            figures = self._figures(run)
            for metric, score, note in figures:
                claim_id = f"{run.name}/{metric.replace('_', '-')}"
                args = {"recipe": run.name, "metric": metric}
                if not active:
                    self.stub(Review(score.line, score.quote, f"recipe {run.name} is not "
                                     f"complete (see recipes below)", "metric-level",
                                     score.value, run.name), claim_id, args)
                    continue
                self.lines.append("  # REVIEW: tiers: the tutorial's full recipe; add fast "
                                  "once the recipe has a fast budget")
                self.add(claim_id, score.quote, "metric-level", args,
                         float(score.text) / (100 if score.text.endswith("%") else 1)
                         if score.origin != "prose" else score.value, "[full]", note)
            if run.log and run.log.final():
                final = run.log.final()
                assert final is not None
                for metric in ("accuracy", "loss"):
                    if metric in final.metrics:
                        self.stub(Review(final.line, final.quote, f"the last epoch's training "
                                         f"{metric} (dropout on) has no runner metric: a person "
                                         f"decides", "metric-level", final.metrics[metric],
                                         run.name), f"{run.name}/fit-{metric}",
                                  {"recipe": run.name, "metric": f"train_{metric}"})

    def _figures(self, run: Run) -> list[tuple[str, Score, str]]:
        """(metric, score, note) of each figure a claim is written for, first printed first."""
        chosen: list[tuple[str, Score, str]] = []
        if run.log and run.log.final():
            final = run.log.final()
            assert final is not None
            for metric in ("val_accuracy", "val_loss"):
                if metric in final.metrics:
                    chosen.append((metric, Score(metric, final.metrics[metric],
                                                 final.printed[metric], final.quote,
                                                 final.line, "log"),
                                   f"the last epoch ({run.log.epochs[-1][0]} of "
                                   f"{run.log.epochs_planned}) of the fit log"))
        for metric, scores in run.scores.items():
            values = {score.value for score in scores}
            if run.ensemble > 1 and len(scores) == run.ensemble and metric.endswith("accuracy"):
                best = max(scores, key=lambda score: score.value)
                worst = min(scores, key=lambda score: score.value)
                chosen.append(("member_best_accuracy", best, "the best of the printed members"))
                chosen.append(("member_worst_accuracy", worst,
                               "the worst of the printed members"))
                continue
            if metric not in _RUNNER_METRICS:
                continue
            first = scores[0]
            note = "from the prose: the page prints no figure for this run" \
                if first.origin == "prose" else ""
            chosen.append((metric, first, note))
            for other in scores[1:]:
                if other.value != first.value and len(values) > 1:
                    self.draft.reviews.append(Review(other.line, other.quote, f"a second "
                                                     f"{metric} for run {run.name}",
                                                     "metric-level", other.value, run.name,
                                                     metric=metric))
        return chosen

    def reviews(self) -> None:
        for index, review in enumerate(self.draft.reviews, start=1):
            args = ({"recipe": review.run or "RECIPE", "metric": review.metric}
                    if review.kind == "metric-level" else
                    {"model": "MODEL"} if review.kind == "param-count" else
                    {"a": "RECIPE.METRIC", "b": "RECIPE.METRIC", "direction": "greater"})
            self.stub(review, f"review/line-{review.line}-{index}", args)


def render_claims(draft: Draft, code: Code, tutorial: str, title: str) -> tuple[str, ClaimFile]:
    """The claim file's text, and what was written (for the summary)."""
    claims = ClaimFile(draft, code)
    claims.structure()
    claims.training()
    claims.reviews()
    head = [f"tutorial: {tutorial}", f"seed: {_text(draft.source)}",
            f"title: {_text(title)}  # REVIEW: a title for the report",
            "models: models.py", "# Drafted by python -m harness draft: every expected value is "
            "a figure the page printed; lines starting '# REVIEW' need a person.", "claims:"]
    body = head + claims.lines + _recipes(claims.recipes)
    return "\n".join(body) + "\n", claims


def _recipes(recipes: dict[str, DraftRecipe]) -> list[str]:
    if not recipes:
        return []
    lines = ["", "recipes:"]
    for name, recipe in recipes.items():
        prefix = "" if recipe.complete else "# "
        if recipe.missing:
            lines.append(f"  # REVIEW: recipe {name} needs {', '.join(recipe.missing)}")
        for note in recipe.notes:
            lines.append(f"  # note: {note}")
        lines.append(f"  {prefix}{name}:")
        lines += [f"  {prefix}  {key}: {_flow(value)}" for key, value in recipe.fields.items()]
    if all(not recipe.complete for recipe in recipes.values()):
        lines[1] = "# recipes:"
    return lines
