"""The pytest plugin: claim files become test items, results become reports.

Loaded through the ``pytest11`` entry point of the installed harness, so any repository with
tutorial folders runs ``pytest`` on them. Every ``claims.yaml`` with a ``tutorial:`` under the
paths pytest collects is a collector (``ClaimFile``): one item per claim, its name the claim id
(``@fast``/``@full`` for each tier of a trained claim), its tiers and its group as markers,
and one ``invalid`` item for a file that does not load. A session that collects no claim file
leaves everything as it was: no environment change, no Keras import, no report.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.claims import Claim, ClaimFileError, is_claim_file
from harness.kinds import GROUPS
from harness.quiet import QUIET_ENV
from harness.runlog import claim_key
from harness.session import ClaimCase, HarnessState, collection_problem, outcome, usage_problem

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


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ClaimFile | None:
    return ClaimFile.from_parent(parent, path=file_path) if is_claim_file(file_path) else None


class ClaimFile(pytest.File):
    """A tutorial's ``claims.yaml``: its claims as items, or one ``invalid`` item naming the
    file, claim and field of what is wrong (the other files' claims still run)."""

    def collect(self) -> list[pytest.Item]:
        if problem := collection_problem(self.config):
            raise self.CollectError(problem)
        for name, value in QUIET_ENV.items():  # before any framework import of this process
            os.environ.setdefault(name, value)
        claims, error = self.config.stash[_STATE].claims_of(self.path)
        if error is not None:
            return [ClaimItem.from_parent(self, name="invalid", case=error,
                                          marks=("fast", "full", *GROUPS))]
        return [item for claim in claims for item in _items(self, claim)]


def _items(parent: ClaimFile, claim: Claim) -> list[ClaimItem]:
    """A structural claim is one item; a trained or timed claim one item per tier."""
    if claim.group == "structure":
        return [ClaimItem.from_parent(parent, name=claim.id, case=ClaimCase(claim, "structure"),
                                      marks=(*claim.tiers, claim.group))]
    return [ClaimItem.from_parent(parent, name=f"{claim.id}@{tier}", case=ClaimCase(claim, tier),
                                  marks=(tier, claim.group)) for tier in claim.tiers]


def _check_claim(verify_claim: Callable[..., None]) -> None:
    """Measure the claim, judge it against the tutorial and the baseline, record the result."""
    verify_claim()


def _check_timed_claim(verify_claim: Callable[..., None], benchmark: object) -> None:
    """Step times with pytest-benchmark: interleaved, warmed up, synchronized, per device."""
    verify_claim(benchmark)


class ClaimItem(pytest.Function):
    """One claim run in one profile (``case``), or a claim file that does not load; a test
    function's item, so that fixtures (pytest-benchmark's for timing claims) reach it."""

    def __init__(self, *, case: ClaimCase | ClaimFileError, marks: tuple[str, ...],
                 **kwargs: object) -> None:
        timed = isinstance(case, ClaimCase) and case.claim.group == "timing"
        super().__init__(callobj=_check_timed_claim if timed else _check_claim, **kwargs)
        self.case = case
        for mark in marks:
            self.add_marker(mark)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, self.name


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Structural claims first (they are judged while the workers start training), then the
    trained claims, longest training first (``HarnessState.schedule``)."""
    cases = [getattr(item, "case", None) for item in items]
    order = config.stash[_STATE].schedule(cases)
    items[:] = [items[index] for index in order]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start training every selected trained claim's first-look seeds at once, in claim order,
    so the workers are busy while the session judges the claims one by one."""
    state: HarnessState = session.config.stash[_STATE]
    if session.config.option.collectonly:
        return
    trained = [case for case in (getattr(item, "case", None) for item in session.items)
               if isinstance(case, ClaimCase) and case.claim.group == "training"
               and claim_key(case.claim.id, case.profile) not in state.finished]
    if trained:
        state.prefetch(trained)


@pytest.fixture(scope="session")
def harness_state(request: pytest.FixtureRequest) -> HarnessState:
    """The session's harness objects: tests of the harness share its trained recipes."""
    return request.config.stash[_STATE]


@pytest.fixture
def verify_claim(request: pytest.FixtureRequest) -> Callable[..., None]:
    """Measure the item's claim, judge it against the tutorial and the baseline, record the
    result."""
    state: HarnessState = request.config.stash[_STATE]

    def verify(benchmark: object = None) -> None:
        """``benchmark``: pytest-benchmark's fixture, for timing claims."""
        case = request.node.case
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
