"""The draft's summary: what it found, what it could not place, and what to review.

Printed by the command and written as the folder's ``DRAFT.md``, so the person finishing the
draft reads the same list the command showed.
"""

from __future__ import annotations

from harness.draft.claims_writer import ClaimFile
from harness.draft.link import Draft


def render_summary(draft: Draft, claims: ClaimFile, folder: str) -> str:
    """Markdown: counts, per model and run what was found, then every item to review."""
    drafted = [model for model in draft.models if model.builder.drafted]
    lines = [f"# Draft of {draft.source}", "",
             f"Written to `{folder}`: {claims.count} claims, {claims.stubs} commented-out stubs "
             f"to review, {len(draft.models)} models ({len(drafted)} drafted from code), "
             f"{len(claims.recipes)} recipes "
             f"({sum(recipe.complete for recipe in claims.recipes.values())} complete).", "",
             "## Models", ""]
    for model in draft.models:
        summary = (f"summary at line {model.summary.start}, {len(model.summary.rows)} layers"
                   if model.summary else "no printed summary")
        code = ("drafted from the code at line " + str(model.line) if model.builder.drafted
                else f"NOT drafted: {model.builder.why}")
        lines.append(f"- `{model.name}`: {code}; {summary}")
    lines += ["", "## Runs", ""]
    for run in draft.runs:
        recipe = claims.recipes.get(run.name)
        state = ("no printed figure" if recipe is None else "recipe complete"
                 if recipe.complete else f"recipe needs {', '.join(recipe.missing)}")
        log = (f"fit log of {len(run.log.epochs)}/{run.log.epochs_planned} epochs"
               if run.log else "no fit log")
        figures = ", ".join(f"{metric} {scores[0].text}" for metric, scores in run.scores.items())
        lines.append(f"- `{run.name}` (model `{run.model}`, line {run.line}): {log}; "
                     f"{figures or 'no printed score'}; {state}")
    if draft.agreements:
        lines += ["", "## Prose that agrees with the output", ""]
        lines += [f"- {agreement}" for agreement in draft.agreements]
    lines += ["", "## To review", ""]
    contradicted = [review for review in draft.reviews if review.contradicted]
    for review in contradicted + [review for review in draft.reviews if not review.contradicted]:
        lines.append(f"- line {review.line}: {review.reason}: \"{review.quote[:160]}\"")
    lines += [f"- {problem}" for problem in draft.problems]
    lines += [f"- recipe `{name}`: {note}" for name, recipe in claims.recipes.items()
              for note in recipe.notes]
    if not (draft.reviews or draft.problems):
        lines.append("- nothing flagged; still check every claim against the page")
    lines += ["", "Every `tiers` and `compare` of a claim is a default for a person to "
              "confirm; training claims are `full` only."]
    return "\n".join(lines) + "\n"
