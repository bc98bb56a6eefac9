"""The rules' stated false-FAIL rates hold by simulation, and ``python -m harness rules`` gates
the claim files on them.

Seeds and a tutorial's figure are drawn from one normal distribution (the figure is then, by
construction, a plausible run of the recipe): the share of draws the rule fails must agree with
the rate the rule states, within binomial error. A fixed generator keeps the test deterministic.
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from harness.__main__ import main
from harness.baselines import BaselineEntry
from harness.claims import claim_files, load_claims
from harness.measures.context import Measurement
from harness.reporting.rules import TRAINED
from harness.verdicts.judges import JUDGES
from harness.verdicts.one_run import TUTORIAL_ALPHA, judge_one_run, one_run_mde_in_sd

pytestmark = pytest.mark.fast

ROOT = Path(__file__).resolve().parents[1]
CLAIMS = {claim.id: claim for claim in load_claims(claim_files(ROOT / "suites"))}
LEVEL, CURVE = "mnist-intro/cnn/test-loss", "mnist-intro/cnn/val-accuracy-by-epoch"
MEAN, SD = 0.11, 0.02  # a test loss and its seed spread; the rule is scale-free


def _agrees(failures: int, draws: int, stated: float) -> bool:
    """The simulated rate is within four binomial standard errors of the stated one."""
    return abs(failures / draws - stated) <= 4 * math.sqrt(stated * (1 - stated) / draws)


def _level(values: list[float]) -> Measurement:
    return Measurement(sum(values) / len(values), data_source="data-dir",
                       details={"values": values, "profile": "full"})


def test_a_levels_false_fail_rate_by_simulation_is_the_stated_one() -> None:
    """3 seeds pooled with an 8-seed baseline (9 df), through the judge a night runs."""
    claim, judge = CLAIMS[LEVEL], JUDGES["level"]
    generator, draws, failures = np.random.default_rng(20261204), 8000, 0
    for _ in range(draws):
        seeds, stored = generator.normal(MEAN, SD, 3).tolist(), generator.normal(MEAN, SD, 8)
        figure = float(generator.normal(MEAN, SD))
        verdict = judge.against_tutorial(dataclasses.replace(claim, expected=figure),
                                         _level(seeds), BaselineEntry(1, None, {},
                                                                      values=tuple(stored)))
        failures += not verdict.ok
    assert _agrees(failures, draws, TUTORIAL_ALPHA), failures / draws


def test_without_a_baseline_the_seeds_alone_carry_the_stated_rate() -> None:
    """4 seeds, 3 df: the t quantile, not the normal's, keeps the rate (z would fail ~3%)."""
    generator, draws = np.random.default_rng(7), 10_000
    failures = sum(not judge_one_run(generator.normal(MEAN, SD, 4).tolist(), (),
                                     float(generator.normal(MEAN, SD))).ok for _ in range(draws))
    assert _agrees(failures, draws, TUTORIAL_ALPHA), failures / draws


def test_a_curves_false_fail_rate_stays_at_or_below_the_stated_one() -> None:
    """Six independent epochs share the rate (Bonferroni): 1 − (1 − α/6)⁶ ≈ α, never above."""
    claim, judge = CLAIMS[CURVE], JUDGES["curve"]
    epochs = len(claim.expected)
    generator, draws, failures = np.random.default_rng(11), 2000, 0
    centres = np.asarray(claim.expected)
    for _ in range(draws):
        curves = (centres + generator.normal(0, 0.003, (3, epochs))).tolist()
        stored = tuple((centres + generator.normal(0, 0.003, (8, epochs))).tolist())
        figure = (centres + generator.normal(0, 0.003, epochs)).tolist()
        measured = Measurement(np.mean(curves, axis=0).tolist(), data_source="data-dir",
                               details={"values": curves, "profile": "full"})
        failures += not judge.against_tutorial(dataclasses.replace(claim, expected=figure),
                                               measured, BaselineEntry(1, None, {},
                                                                       values=stored)).ok
    independent = 1 - (1 - TUTORIAL_ALPHA / epochs) ** epochs
    assert _agrees(failures, draws, independent), failures / draws


def test_the_stated_mde_is_caught_in_80_percent_of_nights() -> None:
    mde = one_run_mde_in_sd(3, 8)
    assert mde is not None and 4 < mde < 5  # 3 vs 8 seeds: one run is told apart at ~4.7 sd
    generator, draws = np.random.default_rng(3), 3000
    caught = sum(not judge_one_run(generator.normal(mde, 1, 3).tolist(),
                                   generator.normal(mde, 1, 8).tolist(), 0.0).ok
                 for _ in range(draws))
    assert abs(caught / draws - 0.8) <= 4 * math.sqrt(0.16 / draws)
    assert one_run_mde_in_sd(1, 0) is None  # one seed, no baseline: no interval at all


def test_rules_lists_every_full_trained_claim_within_the_limit_without_keras(
        tmp_path: Path) -> None:
    output = tmp_path / "rules.md"
    script = ("import sys; from harness.__main__ import main; "
              f"code = main(['rules', '-m', 'full', '-o', {str(output)!r}]); "
              "assert not {'keras', 'tensorflow'} & set(sys.modules), 'imported Keras'; "
              "sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    text = output.read_text(encoding="utf-8")
    full = [claim.id for claim in CLAIMS.values()
            if claim.spec.judge in TRAINED and "full" in claim.tiers]
    assert all(f"`{claim_id}`" in text for claim_id in full)
    assert f"{len(full)} trained claims in the full profile" in text and "0 above 1.00%" in text
    # the tutorial's rule spends 0.8% of the 1%: a stricter limit finds every level too loose
    assert main(["rules", "-m", "full", "--max-false-fail", "0.005", "-o",
                 str(tmp_path / "strict.md")]) == 1


RELATION = "lessons/wrong-predictions-less-confident"


def _suite(tmp_path: Path, margin: float) -> list[str]:
    """mnist-intro's claim file with its relation's margin changed, and a full baseline whose
    8 seeds show an effect of 0.05 ± 0.01: the arguments of a ``rules`` run on them."""
    data = yaml.safe_load((ROOT / "suites" / "mnist-intro" / "claims.yaml").read_text(
        encoding="utf-8"))
    claim = next(raw for raw in data["claims"] if raw["id"] == RELATION)
    claim["args"]["margin"] = margin
    claims = tmp_path / "suites"
    (claims / "mnist-intro").mkdir(parents=True, exist_ok=True)
    (claims / "mnist-intro" / "claims.yaml").write_text(yaml.safe_dump(data, sort_keys=False),
                                                        encoding="utf-8")
    shutil.copy(ROOT / "suites" / "mnist-intro" / "models.py", claims / "mnist-intro")
    stored = tmp_path / "baselines" / "mnist-intro" / "full"
    stored.mkdir(parents=True, exist_ok=True)
    effect = (0.05 + 0.01 * np.random.default_rng(5).standard_normal(8)).tolist()
    document = {"schema": 1, "key": {"backend": "tensorflow"},
                "claims": {f"mnist-intro/{RELATION}": {"claim_version": claim["version"],
                                                       "value": float(np.mean(effect)),
                                                       "provenance": {}, "values": effect}}}
    (stored / "k.json").write_text(json.dumps(document), encoding="utf-8")
    return ["rules", "-m", "full", "--claims-dir", str(claims), "--baselines-dir",
            str(tmp_path / "baselines"), "--backend", "tensorflow", "-o",
            str(tmp_path / "rules.md")]


def test_rules_exits_non_zero_for_a_claim_whose_rule_is_too_strict(tmp_path: Path) -> None:
    """A margin of 0.1 on an effect the recipe measures at 0.05: it fails every unchanged
    night; the same claim at margin 0 passes the gate."""
    assert main(_suite(tmp_path, 0.1)) == 1
    text = (tmp_path / "rules.md").read_text(encoding="utf-8")
    assert f"too strict: `mnist-intro/{RELATION}` fails 100.00%" in text
    assert main(_suite(tmp_path, 0.0)) == 0
