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
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from harness.claims import Claim, ClaimFileError, claim_files, load_claims
from harness.kinds import GROUPS
from harness.runlog import RunLog, RunLogError, claim_key, result_key

if TYPE_CHECKING:  # the real imports happen lazily, when a claim runs
    from harness.environment import Environment
    from harness.evaluate import RunSettings, UpdateMode
    from harness.measures.context import MeasureContext
    from harness.report import RunRecord
    from harness.results import ClaimResult
    from harness.training.runner import RecipeRun

MARKERS = {
    "fast": "runs in the fast profile (CI, CPU, minutes, offline data)",
    "full": "runs in the full profile (nightly, the tutorials' exact recipes, real data)",
    "structure": "structural claim: built, never trained",
    "training": "claim that trains a model",
    "timing": "step-time claim measured with pytest-benchmark",
    "gpu": "needs a GPU",
    "xdist_group": "pytest-xdist: claims of one tutorial share a worker, so a recipe trains once",
}

_STATE = pytest.StashKey["HarnessState"]()


class KnownFindingGone(UserWarning):
    """A claim recorded as failing on this backend held: its record may be out of date."""


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
    group.addoption("--train-cache", default=None,
                    help="folder keeping each trained seed's metrics by content hash, so a "
                         "report can be rebuilt without retraining (opt-in)")
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
    from harness.devices import pin_worker_to_gpu

    pin_worker_to_gpu()  # before any framework starts: one GPU per xdist worker
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")
    if config.getoption("--baseline-seeds") < 3:
        raise pytest.UsageError("--baseline-seeds must be at least 3: a baseline's spread is "
                                "what its rule's noise scale comes from")
    config.stash[_STATE] = HarnessState(config)


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
                                marks=[getattr(pytest.mark, tier),
                                       pytest.mark.xdist_group(claim.tutorial)])
                   for tier in claim.tiers]
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
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        if worker:  # under pytest-xdist each worker reports the claims it ran
            self.reports_dir /= worker
        self.run: RunRecord | None = None
        self.report_paths: list[Path] = []
        self.review_path: Path | None = None
        self.report_error = ""
        self.benchmark_json: Path | None = None
        self._claims: dict[Path, tuple[list[Claim], list[ClaimFileError]]] = {}
        self.command = " ".join(["pytest", *sys.argv[1:]])
        self.runlog: RunLog | None = None  # created when the first result is known
        self.stream_error = ""
        self.determinism: dict | None = None
        self.finished: dict[str, ClaimResult] = {}  # a resumed run's stored results
        resume = config.getoption("--resume")
        if resume:
            self._resume(resume)

    def _resume(self, run_id: str) -> None:
        try:
            self.runlog = RunLog.resume(self.reports_dir / "runs", run_id)
            self.finished = self.runlog.finished()
            meta = self.runlog.meta()
            meta.setdefault("sessions", []).append(
                {"command": self.command, "started": self.started.isoformat(timespec="seconds"),
                 "kept": len(self.finished)})
            self.runlog.write_meta(meta)
        except (RunLogError, OSError) as error:
            raise pytest.UsageError(str(error)) from None

    def record(self, result: ClaimResult) -> None:
        """Keep a fresh result and append it to the run folder at once, so a kill loses
        nothing already measured. A failed write is reported once and the session goes on."""
        self.results.append(result)
        if self.stream_error:
            return
        try:
            if self.runlog is None:
                self.runlog = RunLog.start(self.reports_dir / "runs", self.started, self.command)
            self.runlog.append(result)
        except OSError as error:
            self.stream_error = (f"could not save results under {self.reports_dir / 'runs'} "
                                 f"({error}); this run cannot be resumed; make the folder "
                                 f"writable or pass --reports-dir")

    def prefetch(self, cases: list[ClaimCase]) -> None:
        """Submit the seeds these trained claims read first (the baseline seeds when every
        baseline is being rewritten)."""
        from harness.evaluate import UpdateMode
        from harness.measures.training import recipes_of

        context = self.context
        rewriting = self.update_mode() is UpdateMode.ALL
        for case in cases:
            view = context.for_profile(case.profile)
            view = view.baseline_view() if rewriting else view
            for recipe in recipes_of(case.claim, case.profile):
                recipe = recipe.for_smoke() if context.smoke else recipe
                try:
                    context.bank.request(recipe, view.seeds_for(recipe))
                except Exception:  # e.g. a missing data set: its claims say so when they run
                    continue

    def run_results(self) -> list[ClaimResult]:
        """The whole run: a resumed run's stored results, then (replacing them) this session's."""
        merged = dict(self.finished)
        merged.update((result_key(result), result) for result in self.results)
        return list(merged.values())

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
        from harness.measures.context import MeasureContext, SeedPlan
        from harness.training import InlineEngine, SeedBank
        from harness.training.pool import WorkerPool
        from harness.training.worker import DataChoice

        option = self.config.getoption
        data_dir, cache = option("--data-dir"), option("--train-cache")
        data = DataChoice(Path(data_dir) if data_dir else None, option("--fast-data"))
        workers = option("--workers")
        if workers is None:  # one per GPU on a GPU machine, else one per core and one more
            from harness.devices import visible_gpu_count

            workers = visible_gpu_count() or (os.cpu_count() or 1) + 1
        engine = (WorkerPool(workers, option("--task-timeout")) if workers > 0 else
                  InlineEngine())
        bank = SeedBank(engine, data, self.environment, Path(cache) if cache else None)
        markexpr = self.config.getoption("markexpr") or ""
        return MeasureContext(data_dir=data.data_dir, environment=self.environment,
                              smoke=option("--smoke"), fast_data=data.fast_data, bank=bank,
                              seeds=SeedPlan(option("--seed-offset"), option("--max-seeds"),
                                             option("--baseline-seeds")),
                              real_data_claims=data.fast_data == "real" or (
                                  "full" in markexpr and "fast" not in markexpr))

    @functools.cached_property
    def environment(self) -> Environment:
        from harness.environment import current_environment

        return current_environment(str(self.config.rootpath))

    def update_mode(self) -> UpdateMode:
        """Which baselines this session writes."""
        from harness.evaluate import UpdateMode

        option = self.config.getoption
        return (UpdateMode.ALL if option("--regen-baselines") else
                UpdateMode.MISSING_OR_FAILING if option("--update-baselines") else
                UpdateMode.OFF)

    def settings(self, case: ClaimCase) -> RunSettings:
        """How this session treats a claim's baselines (--smoke leaves structure claims be:
        they are exact and cheap at any scale)."""
        from harness.evaluate import RunSettings

        option = self.config.getoption
        return RunSettings(profile=case.profile, update=self.update_mode(),
                           reason=option("--baseline-reason"),
                           smoke=option("--smoke") and case.claim.group != "structure")


def _update_command(nodeid: str) -> str:
    return f"pytest {shlex.quote(nodeid)} --update-baselines"


@pytest.fixture
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
        stored = state.finished.get(claim_key(case.claim.id, case.profile))
        if stored is not None:  # --resume: judged in an earlier session of this run
            state.results.append(stored)
            _outcome(stored, f"(kept from run {state.runlog.run_id if state.runlog else '?'}) ")
            return
        from harness.baselines import BaselineStore
        from harness.evaluate import evaluate_claim

        context = state.context.with_benchmark(benchmark) if benchmark else state.context
        result = evaluate_claim(case.claim, context, BaselineStore(state.baselines_dir),
                                state.environment, state.settings(case),
                                _update_command(request.node.nodeid))
        state.record(result)
        _outcome(result)

    return verify


def _outcome(result: ClaimResult, prefix: str = "") -> None:
    """The pytest outcome of a claim's result."""
    if result.status.value == "SKIPPED":
        pytest.skip(prefix + result.message)
    if result.status.value == "KNOWN-FINDING":  # reported as xfailed: seen, not failing
        pytest.xfail(prefix + result.message)
    if result.details.get("known_finding", {}).get("shows") is False:
        warnings.warn(KnownFindingGone(prefix + result.message), stacklevel=1)
    if result.status.fails_test:
        pytest.fail(f"{prefix}{result.status.value}: {result.message}", pytrace=False)


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
    try:
        _finish(session, state)
    finally:
        if "context" in state.__dict__:  # the workers, and the scratch folder of saved models
            state.context.bank.close()
            shutil.rmtree(state.context.scratch, ignore_errors=True)


def _finish(session: pytest.Session, state: HarnessState) -> None:
    if not state.results:
        return
    from harness.report import RunRecord, write_reports

    if session.config.getoption("--determinism-probe"):
        state.determinism = _probe(state)
    runlog = state.runlog
    meta = _finish_meta(state) if runlog else {}
    recipe_runs = _recipe_runs(state)
    run = RunRecord(run_id=runlog.run_id if runlog else state.started.strftime("%Y%m%dT%H%M%SZ"),
                    started=meta.get("started", state.started.isoformat(timespec="seconds")),
                    duration_s=round(time.perf_counter() - state.clock, 1),
                    command=state.command,
                    environment=state.environment.as_dict(), results=state.run_results(),
                    unused_baselines=_unused_baselines(state),
                    training=[recipe_run.summary() for recipe_run in recipe_runs],
                    determinism=state.determinism)
    drawing = time.perf_counter()
    run.figures = _figures(run, recipe_runs, state.reports_dir / "figures")
    run.figures_seconds = round(time.perf_counter() - drawing, 2)
    try:
        state.report_paths = write_reports(run, state.reports_dir)
        from harness.benchmarks import save_benchmark_json
        from harness.evaluate import UpdateMode

        state.benchmark_json = save_benchmark_json(
            session.config, state.reports_dir / "runs" / run.run_id / "benchmarks.json")
        if state.update_mode() is not UpdateMode.OFF:
            from harness.review import write_review

            state.review_path = write_review(run, state.reports_dir)
    except OSError as error:
        state.report_error = (f"could not write the report to {state.reports_dir} ({error}); "
                              f"make it writable or pass --reports-dir")
    state.run = run
    if (state.report_error or state.stream_error) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _probe(state: HarnessState) -> dict:
    """The determinism probe on the cheapest recipe this session trained, or why not."""
    from harness.determinism import cheapest, probe

    run = cheapest(_recipe_runs(state))
    if run is None:
        return {"error": "no recipe was trained in this session, nothing to probe"}
    try:
        return probe(run, state.context.bank)
    except Exception as error:  # the probe must not cost the run its report
        return {"error": f"failed on recipe {run.recipe.tutorial}/{run.recipe.name}: "
                         f"{type(error).__name__}: {error}".splitlines()[0]}


def _recipe_runs(state: HarnessState) -> list[RecipeRun]:
    """The recipes this session trained (a recipe that failed to train is not one)."""
    if "context" not in state.__dict__:
        return []
    return state.context.bank.recipe_runs()


def _finish_meta(state: HarnessState) -> dict:
    """Add what is known only at the end to the run's metadata; return it."""
    assert state.runlog is not None
    try:
        meta = state.runlog.meta()
        meta["environment"] = state.environment.as_dict()
        if state.determinism is not None:
            meta["determinism"] = state.determinism
        meta["sessions"][-1]["duration_s"] = round(time.perf_counter() - state.clock, 1)
        state.runlog.write_meta(meta)
    except (RunLogError, OSError, KeyError, IndexError) as error:
        state.stream_error = state.stream_error or f"could not update the run metadata: {error}"
        return {}
    return meta


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
    for error in (state.stream_error, state.report_error):
        if error:
            terminalreporter.write_line(f"ERROR: {error}", red=True)
    if run.determinism is not None:
        from harness.determinism import describe

        terminalreporter.write_line(describe(run.determinism))
    if state.runlog is not None:
        terminalreporter.write_line(f"run {state.runlog.run_id}: {state.runlog.folder}; "
                                    f"continue it with --resume {state.runlog.run_id}")
    for path in state.report_paths[:2]:
        terminalreporter.write_line(f"report: {path}")
    if state.benchmark_json:
        terminalreporter.write_line(f"pytest-benchmark JSON: {state.benchmark_json}")
    if run.figures:
        terminalreporter.write_line(f"figures: {len(run.figures)} in {state.reports_dir}/figures")
    if state.review_path:
        terminalreporter.write_line(f"baseline review: {state.review_path}")
