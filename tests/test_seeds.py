"""Which seeds a run trains: check seeds, their extension while a verdict is borderline, the
A/A offset, the confirmation block, and baseline seeds that never meet the check seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.claims import claim_files, load_claims
from harness.measures.context import MeasureContext, SeedPlan
from harness.recipes import (
    BASELINE_SEED_BASE,
    CONFIRMATION_SEED_SHIFT,
    MAX_SEED_OFFSET,
    baseline_seeds,
)
from harness.session import seed_layout_problem

pytestmark = pytest.mark.fast

CLAIMS = {claim.id: claim for claim in
          load_claims(claim_files(Path(__file__).resolve().parent.parent / "suites"))}
RECIPE = CLAIMS["mnist-intro/cnn/test-accuracy"].recipes[("cnn", "fast")]


def test_check_seeds_extend_past_the_list_and_shift_with_the_offset() -> None:
    assert RECIPE.seeds == (0, 1, 2, 3)
    assert RECIPE.check_seeds(4) == (0, 1, 2, 3)
    assert RECIPE.check_seeds(6) == (0, 1, 2, 3, 4, 5)
    assert RECIPE.check_seeds(2) == (0, 1)
    assert RECIPE.check_seeds(6, offset=100) == (100, 101, 102, 103, 104, 105)


def test_baseline_seeds_are_the_same_for_every_recipe_and_never_check_seeds() -> None:
    assert baseline_seeds(3) == (BASELINE_SEED_BASE, BASELINE_SEED_BASE + 1,
                                 BASELINE_SEED_BASE + 2)
    every_check_seed = {seed for claim in CLAIMS.values() for recipe in claim.recipes.values()
                        for seed in recipe.check_seeds(8, offset=300)}
    assert not every_check_seed & set(baseline_seeds(8))


def test_views_train_the_seeds_they_say() -> None:
    context = MeasureContext(seeds=SeedPlan(offset=200, baseline_seeds=5)).for_profile("fast")
    assert context.seeds_for(RECIPE) == (200, 201, 202, 203)
    assert context.with_seed_count(8).seeds_for(RECIPE) == tuple(range(200, 208))
    assert context.baseline_view().seeds_for(RECIPE) == baseline_seeds(5)
    assert context.confirmation_view(4).seeds_for(RECIPE) == tuple(range(5200, 5204))
    assert context.confirmation_view(4).with_seed_count(4).seeds_for(RECIPE) == (200, 201,
                                                                                 202, 203)


def test_check_confirmation_and_baseline_seeds_never_meet_at_any_allowed_offset() -> None:
    recipes = [recipe for claim in CLAIMS.values() for recipe in claim.recipes.values()]
    room = CONFIRMATION_SEED_SHIFT - MAX_SEED_OFFSET
    for offset in (0, MAX_SEED_OFFSET - 1):
        check = {seed for recipe in recipes for seed in recipe.check_seeds(room, offset)}
        fresh = {seed for recipe in recipes
                 for seed in recipe.check_seeds(room, offset + CONFIRMATION_SEED_SHIFT)}
        assert not check & fresh and not (check | fresh) & set(baseline_seeds(64))


def test_offsets_that_would_mix_the_seed_blocks_are_usage_errors() -> None:
    assert seed_layout_problem(0, None) is None
    assert seed_layout_problem(MAX_SEED_OFFSET - 1, 8) is None
    assert "--seed-offset must be from 0 to" in seed_layout_problem(MAX_SEED_OFFSET, None)
    assert "--seed-offset" in seed_layout_problem(-1, None)
    assert "--max-seeds must be from 1 to" in seed_layout_problem(0, 5000)


def test_the_seed_cap_is_eight_in_the_fast_profile_and_the_list_in_the_full_one() -> None:
    assert SeedPlan().cap("fast", 4) == 8
    assert SeedPlan().cap("full", 3) == 3
    assert SeedPlan(max_seeds=6).cap("full", 3) == 6
    assert SeedPlan(max_seeds=2).cap("fast", 4) == 4
