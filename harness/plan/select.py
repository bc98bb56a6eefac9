"""Which recipes a plan covers: those the selected trained claims of a profile read.

``-k EXPR`` means what it means to pytest (``pytest suites -m full -k EXPR``): each name in the
expression matches a claim's test item id (``<claim id>@full``) as a case-insensitive substring,
so ``plan -k X`` plans exactly the trainings that pytest run would start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from harness.claims import Claim
from harness.measures.training import recipes_of
from harness.recipes import Recipe


class SelectionError(ValueError):
    """A ``-k`` expression that does not parse, or that selects no trained claim."""


def _matcher(expression: str | None) -> Callable[[str], bool]:
    """A test of item ids for ``expression`` (None or empty: every id), by pytest's own -k
    grammar; a ``SelectionError`` when it does not parse."""
    if not expression:
        return lambda item_id: True
    from _pytest.mark.expression import Expression

    try:
        compiled = Expression.compile(expression)
    except Exception as error:  # SyntaxError (pytest 9), ParseError before it
        raise SelectionError(f"-k {expression!r} is not a valid expression: {error}") from None

    def matches(item_id: str) -> bool:
        return compiled.evaluate(lambda name, **_kwargs: name.lower() in item_id.lower())

    return matches


def selected_recipes(claims: Iterable[Claim], profile: str,
                     expression: str | None = None) -> list[Recipe]:
    """The recipes read by the trained claims of ``profile`` that ``expression`` selects, each
    once, in claim order; a ``SelectionError`` when none is selected."""
    matches = _matcher(expression)
    recipes: dict[tuple[str, str], Recipe] = {}
    for claim in claims:
        if (claim.group == "training" and profile in claim.tiers
                and matches(f"{claim.id}@{profile}")):
            for recipe in recipes_of(claim, profile):
                recipes.setdefault((recipe.tutorial, recipe.name), recipe)
    if not recipes:
        what = f" matching -k {expression!r}" if expression else ""
        raise SelectionError(f"no {profile} trained claim{what}: nothing to plan (list the "
                             f"claims with: pytest --collect-only -q suites -m {profile})")
    return list(recipes.values())
