"""The pytest plugin: claim files become test items, results become reports.

A suite module declares one test function per claim group, marked with the group name and
taking the ``claim`` argument; this plugin parametrizes it with every claim of that group found
in ``claims/`` beside the module (one item per claim, its id the claim id, its tiers as
markers). Results are collected during the session and written as reports at its end.
"""

from __future__ import annotations

import datetime
import functools
import logging
import os
import shlex
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from harness.claims import Claim, ClaimFileError, claim_files, load_claims
from harness.kinds import GROUPS

if TYPE_CHECKING:  # the real imports happen lazily, when a claim runs
    from harness.environment import Environment
    from harness.evaluate import RunSettings
    from harness.measures.context import MeasureContext
    from harness.report import RunRecord
    from harness.results import ClaimResult

MARKERS = {
    "fast": "runs in the fast profile (CI, CPU, minutes, offline data)",
    "full": "runs in the full profile (nightly, the tutorials' exact recipes, real data)",
    "structure": "structural claim: built, never trained",
    "training": "claim that trains a model",
    "timing": "step-time claim measured with pytest-benchmark",
    "gpu": "needs a GPU",
}

_STATE = pytest.StashKey["HarnessState"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "tutorial-claims harness")
    group.addoption("--update-baselines", action="store_true",
                    help="write baselines that are missing or that the measurement no longer "
                         "matches")
    group.addoption("--regen-baselines", action="store_true",
                    help="rewrite every selected claim's baseline (after a framework upgrade)")
    group.addoption("--baseline-reason", default="",
                    help="why baselines are being written; stored in their provenance")
    group.addoption("--baselines-dir", default=None,
                    help="baseline folder (default: <rootdir>/baselines)")
    group.addoption("--reports-dir", default=None,
                    help="report folder (default: <rootdir>/reports)")
    group.addoption("--data-dir", default=os.environ.get("HARNESS_DATA_DIR"),
                    help="folder with local copies of the data sets (MNIST IDX or mnist.npz, "
                         "cifar-10-batches-py, imdb.npz, cats-vs-dogs); default "
                         "$HARNESS_DATA_DIR")
    group.addoption("--train-cache", default=None,
                    help="folder keeping each trained seed's metrics by content hash, so a "
                         "report can be rebuilt without retraining (opt-in)")


def pytest_configure(config: pytest.Config) -> None:
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")
    config.stash[_STATE] = HarnessState(config)


@dataclass(frozen=True)
class ClaimCase:
    """One test item: a claim, run in one profile (structure claims run in one, 'structure')."""

    claim: Claim
    profile: str


def _params(claims: list[Claim], group: str) -> list:
    """Structural claims are one item each; trained claims one item per tier (claim@fast)."""
    params = []
    for claim in claims:
        if claim.group != group:
            continue
        if group == "structure":
            params.append(pytest.param(ClaimCase(claim, "structure"), id=claim.id,
                                       marks=[getattr(pytest.mark, t) for t in claim.tiers]))
            continue
        params += [pytest.param(ClaimCase(claim, tier), id=f"{claim.id}@{tier}",
                                marks=[getattr(pytest.mark, tier)]) for tier in claim.tiers]
    return params


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "claim" not in metafunc.fixturenames:
        return
    groups = [name for name in GROUPS if metafunc.definition.get_closest_marker(name)]
    if len(groups) != 1:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: a claim test needs exactly one "
                                f"group marker of {', '.join(GROUPS)}")
    state: HarnessState = metafunc.config.stash[_STATE]
    claims, errors = state.claims_in(Path(metafunc.module.__file__).parent / "claims")
    params = _params(claims, groups[0])
    # A malformed file becomes one failing item naming the file, claim and field; the other
    # files' claims still run.
    params += [pytest.param(error, id=f"{Path(error.path).name}:invalid",
                            marks=[pytest.mark.fast, pytest.mark.full]) for error in errors]
    metafunc.parametrize("claim", params)


class HarnessState:
    """Session-wide harness objects, created lazily so collection never imports Keras."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.results: list[ClaimResult] = []
        self.started = datetime.datetime.now(datetime.UTC)
        self.clock = time.perf_counter()
        root = Path(config.rootpath)
        self.baselines_dir = Path(config.getoption("--baselines-dir") or root / "baselines")
        self.reports_dir = Path(config.getoption("--reports-dir") or root / "reports")
        self.run: RunRecord | None = None
        self.report_paths: list[Path] = []
        self.report_error = ""
        self._claims: dict[Path, tuple[list[Claim], list[ClaimFileError]]] = {}

    def claims_in(self, directory: Path) -> tuple[list[Claim], list[ClaimFileError]]:
        """Every valid claim of a claims folder, and one error per malformed file (cached for
        this session only, so a second session in one process sees edited files)."""
        if directory not in self._claims:
            claims: list[Claim] = []
            errors: list[ClaimFileError] = []
            for path in claim_files(directory):
                try:
                    claims.extend(load_claims([path]))
                except ClaimFileError as error:
                    errors.append(error)
            self._claims[directory] = (claims, errors)
        return self._claims[directory]

    @functools.cached_property
    def context(self) -> MeasureContext:
        from harness.measures.context import MeasureContext

        option = self.config.getoption
        data_dir, cache = option("--data-dir"), option("--train-cache")
        return MeasureContext(data_dir=Path(data_dir) if data_dir else None,
                              train_cache=Path(cache) if cache else None,
                              environment=self.environment)

    @functools.cached_property
    def environment(self) -> Environment:
        from harness.environment import current_environment

        return current_environment(str(self.config.rootpath))

    def settings(self, profile: str) -> RunSettings:
        from harness.evaluate import RunSettings, UpdateMode

        option = self.config.getoption
        update = (UpdateMode.ALL if option("--regen-baselines") else
                  UpdateMode.MISSING_OR_FAILING if option("--update-baselines") else
                  UpdateMode.OFF)
        return RunSettings(profile=profile, update=update, reason=option("--baseline-reason"))


def _update_command(nodeid: str) -> str:
    return f"pytest {shlex.quote(nodeid)} --update-baselines"


@pytest.fixture
def harness_state(request: pytest.FixtureRequest) -> HarnessState:
    """The session's harness objects: tests of the harness share its trained recipes."""
    return request.config.stash[_STATE]


@pytest.fixture
def verify_claim(request: pytest.FixtureRequest) -> Callable[[ClaimCase | ClaimFileError], None]:
    """Measure a claim, judge it against the tutorial and the baseline, record the result."""
    state: HarnessState = request.config.stash[_STATE]

    def verify(case: ClaimCase | ClaimFileError) -> None:
        if isinstance(case, ClaimFileError):
            pytest.fail(str(case), pytrace=False)
        from harness.baselines import BaselineStore
        from harness.evaluate import evaluate_claim

        result = evaluate_claim(case.claim, state.context, BaselineStore(state.baselines_dir),
                                state.environment, state.settings(case.profile),
                                _update_command(request.node.nodeid))
        state.results.append(result)
        if result.status.value == "SKIPPED":
            pytest.skip(result.message)
        if result.status.fails_test:
            pytest.fail(f"{result.status.value}: {result.message}", pytrace=False)

    return verify


def _unused_baselines(state: HarnessState) -> list[str]:
    """Stored entries whose claim no loaded file declares. A tutorial whose claim file failed
    to load is left out: its baselines are not unused, its file is broken."""
    from harness.baselines import BaselineStore

    known_ids: set[str] = set()
    broken: set[str] = set()
    for claims, errors in state._claims.values():
        known_ids.update(claim.id for claim in claims)
        broken.update(f"{Path(error.path).stem}/" for error in errors)
    stored = BaselineStore(state.baselines_dir).stored_claim_ids()
    return [f"`{claim_id}` in {', '.join(str(p) for p in paths)}"
            for claim_id, paths in sorted(stored.items())
            if claim_id not in known_ids and not claim_id.startswith(tuple(broken))]


def pytest_sessionfinish(session: pytest.Session) -> None:
    state: HarnessState = session.config.stash[_STATE]
    if "context" in state.__dict__:  # the scratch folder of saved models
        shutil.rmtree(state.context.scratch, ignore_errors=True)
    if not state.results:
        return
    from harness.report import RunRecord, write_reports

    recipe_runs = state.context.memoized("recipe") if "context" in state.__dict__ else []
    run = RunRecord(run_id=state.started.strftime("%Y%m%dT%H%M%SZ"),
                    started=state.started.isoformat(timespec="seconds"),
                    duration_s=round(time.perf_counter() - state.clock, 1),
                    command=shlex.join(["pytest", *sys.argv[1:]]),
                    environment=state.environment.as_dict(), results=state.results,
                    unused_baselines=_unused_baselines(state),
                    training=[recipe_run.summary() for recipe_run in recipe_runs])
    run.figures = _figures(run, recipe_runs, state.reports_dir / "figures")
    try:
        state.report_paths = write_reports(run, state.reports_dir)
        from harness.evaluate import UpdateMode

        if state.settings(profile="").update is not UpdateMode.OFF:
            from harness.review import write_review

            state.report_paths.append(write_review(run, state.reports_dir))
    except OSError as error:
        state.report_error = f"could not write the report to {state.reports_dir}: {error}"
    state.run = run


def _figures(run: RunRecord, recipe_runs: list, directory: Path) -> list[dict[str, str]]:
    """The report's figures; drawing them must never cost the report itself."""
    try:
        from harness.plots import write_figures

        return [figure.as_json() for figure in write_figures(run, recipe_runs, directory)]
    except Exception as error:
        logging.getLogger(__name__).warning("figures not drawn: %s: %s",
                                            type(error).__name__, error)
        return []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    state: HarnessState = terminalreporter.config.stash[_STATE]
    run = state.run
    if run is None:
        return
    terminalreporter.section("tutorial claims")
    terminalreporter.write_line(run.summary_line())
    for result in run.results:
        if result.status.fails_test:
            terminalreporter.write_line(f"  {result.status.value:<14} {result.claim_id}")
    if run.unused_baselines:
        terminalreporter.write_line(f"{len(run.unused_baselines)} stored baseline(s) no claim "
                                    f"uses: see the report")
    if state.report_error:
        terminalreporter.write_line(f"ERROR: {state.report_error}", red=True)
    for path in state.report_paths[:2]:
        terminalreporter.write_line(f"report: {path}")
    if run.figures:
        terminalreporter.write_line(f"figures: {len(run.figures)} in {state.reports_dir}/figures")
    for path in state.report_paths[4:]:
        terminalreporter.write_line(f"baseline review: {path}")
