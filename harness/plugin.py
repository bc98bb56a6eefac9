"""The pytest plugin: claim files become test items, results become reports.

A suite module declares one test function per claim group, marked with the group name and
taking the ``claim`` argument; this plugin parametrizes it with every claim of that group found
in ``claims/`` beside the module (one item per claim, its id the claim id, its tiers as
markers). Results are collected during the session and written as reports at its end.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.claims import Claim, ClaimFileError
from harness.kinds import GROUPS
from harness.quiet import QUIET_ENV
from harness.runlog import claim_key
from harness.session import ClaimCase, HarnessState, outcome, usage_problem

MARKERS = {
    "fast": "runs in the fast profile (CI, CPU, minutes, offline data)",
    "full": "runs in the full profile (nightly, the tutorials' exact recipes, real data)",
    "structure": "structural claim: built, never trained",
    "training": "claim that trains a model",
    "timing": "step-time claim measured with pytest-benchmark",
    "gpu": "needs a GPU",
}

_STATE = pytest.StashKey[HarnessState]()


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
    group.addoption("--smoke", action="store_true",
                    help="run every selected training and timing claim through its real code "
                         "path for a few steps on a few hundred samples (status SMOKE), "
                         "comparing nothing: proves the full profile's wiring on a CPU")
    group.addoption("--train-cache", default=None, metavar="DIR",
                    help="folder of the train cache, which keeps every trained (recipe, seed) "
                         "result by a content key of what decides its bits (recipe, seed, data, "
                         "training code, versions, CPU, threads), so an unchanged run re-judges "
                         "without training (default: <rootdir>/.harness-cache)")
    group.addoption("--no-train-cache", action="store_true",
                    help="train every seed, reading and writing no train cache")
    group.addoption("--store-durations", action="store_true",
                    help="write each trained recipe's seconds per seed to "
                         "<baselines>/durations.json (commit it: a fresh clone then starts its "
                         "longest trainings first, as a warm cache does)")
    group.addoption("--resume", default=None, metavar="RUN_ID",
                    help="continue the run in <reports>/runs/RUN_ID: claims with a stored "
                         "result keep it, the others run, and the report covers them all")
    group.addoption("--workers", type=int, default=None, metavar="N",
                    help="train (recipe, seed) tasks in N single-threaded worker processes "
                         "(default: one per GPU, else one per CPU core plus one, since a "
                         "single-threaded worker leaves its core idle while it waits on its "
                         "input pipeline; each worker takes one GPU; 0 trains in the pytest "
                         "process). A crash "
                         "or an out-of-memory kill of a worker is an ERROR of the claims "
                         "reading its recipe, and the session goes on")
    group.addoption("--task-timeout", type=float, default=None, metavar="SECONDS",
                    help="wall-clock limit of one (recipe, seed) training in a worker; an "
                         "overrun is that recipe's ERROR (default: none)")
    group.addoption("--engine", choices=("process", "ray"), default="process",
                    help="where (recipe, seed) tasks train: this machine's worker processes "
                         "(default) or Ray tasks (pip install -e .[ray]), one CPU or GPU each, "
                         "on a local Ray started with --workers CPUs or on --ray-address")
    group.addoption("--ray-address", default=None, metavar="ADDRESS",
                    help="with --engine ray: join this Ray cluster instead of starting one")
    group.addoption("--determinism-probe", action="store_true",
                    help="at the end, train the first seed of the cheapest trained recipe twice "
                         "more and report whether all three are bit-identical on this machine")
    group.addoption("--fast-data", choices=("proxy", "real"), default="proxy",
                    help="data of the fast profile: the offline proxies (default, hermetic: "
                         "whatever --data-dir or the Keras cache hold) or the real data sets "
                         "(opt-in; level claims then show the tutorial's figure, unjudged)")
    group.addoption("--seed-offset", type=int, default=0, metavar="K",
                    help="train every recipe on its check seeds shifted by K: another machine's "
                         "draw on this one, the A/A self-test (python -m harness aa)")
    group.addoption("--max-seeds", type=int, default=None, metavar="N",
                    help="most seeds a borderline verdict may train (default: 8 in the fast "
                         "profile, the recipe's own list in the full profile)")
    group.addoption("--baseline-seeds", type=int, default=8, metavar="N",
                    help="seeds a baseline write trains per recipe (default 8, at least 3); "
                         "the check seeds are never among them")


def pytest_configure(config: pytest.Config) -> None:
    for name, value in QUIET_ENV.items():  # before any framework import of this process
        os.environ.setdefault(name, value)
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")
    if problem := usage_problem(config):
        raise pytest.UsageError(problem)
    config.stash[_STATE] = state = HarnessState(config)
    config.pluginmanager.register(_ProgressLines(state), "harness-progress")


class _ProgressLines:
    """Between tests: a CI log's progress lines of the recipes finished meanwhile."""

    def __init__(self, state: HarnessState) -> None:
        self._state = state

    def pytest_runtest_logfinish(self) -> None:
        self._state.flush_progress()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Structural claims first (they are judged while the workers start training), then the
    trained claims, longest training first (``HarnessState.schedule``)."""
    cases = [item.callspec.params.get("claim") if hasattr(item, "callspec") else None
             for item in items]
    order = config.stash[_STATE].schedule(cases)
    items[:] = [items[index] for index in order]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start training every selected trained claim's first-look seeds at once, in claim order,
    so the workers are busy while the session judges the claims one by one."""
    state: HarnessState = session.config.stash[_STATE]
    if session.config.option.collectonly:
        return
    cases = [item.callspec.params.get("claim") for item in session.items
             if hasattr(item, "callspec")]
    trained = [case for case in cases if isinstance(case, ClaimCase)
               and case.claim.group == "training"
               and claim_key(case.claim.id, case.profile) not in state.finished]
    if trained:
        state.prefetch(trained)


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


@pytest.fixture(scope="session")
def harness_state(request: pytest.FixtureRequest) -> HarnessState:
    """The session's harness objects: tests of the harness share its trained recipes."""
    return request.config.stash[_STATE]


@pytest.fixture
def verify_claim(request: pytest.FixtureRequest) -> Callable[..., None]:
    """Measure a claim, judge it against the tutorial and the baseline, record the result."""
    state: HarnessState = request.config.stash[_STATE]

    def verify(case: ClaimCase | ClaimFileError, benchmark: object = None) -> None:
        """``benchmark``: pytest-benchmark's fixture, for timing claims."""
        if isinstance(case, ClaimFileError):
            pytest.fail(str(case), pytrace=False)
        result = state.verify(case, request.node.nodeid, benchmark)
        kept = result in state.finished.values()
        outcome(result, f"(kept from run {state.runlog.run_id}) " if kept and state.runlog
                 else "")

    return verify


def pytest_sessionfinish(session: pytest.Session) -> None:
    session.config.stash[_STATE].finish(session)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = terminalreporter.config.stash[_STATE].summary_lines()
    if lines:
        terminalreporter.section("tutorial claims")
    for line, is_error in lines:
        terminalreporter.write_line(line, red=is_error)
