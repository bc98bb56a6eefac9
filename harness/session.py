"""The harness's pytest session: its state, one claim's verification, and the end-of-session
pipeline (determinism probe, figures, reports, pytest-benchmark JSON, baseline review).

The plugin (``harness/plugin.py``) keeps to options and hooks and delegates here. Objects that
need Keras are created lazily, when the first claim runs, so collection never imports it.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import logging
import os
import shlex
import shutil
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from harness.claims import Claim, ClaimFileError, load_claim_file
from harness.paths import shown
from harness.runlog import RunLog, RunLogError, claim_key, result_key

if TYPE_CHECKING:  # the real imports happen lazily, when a claim runs
    from harness.baselines import BaselineStore
    from harness.environment import Environment
    from harness.measures.context import MeasureContext
    from harness.reporting.report import RunRecord
    from harness.results import ClaimResult
    from harness.training.cache import TrainCache
    from harness.training.durations import Durations
    from harness.training.runner import RecipeRun
    from harness.verdicts.evaluate import RunSettings, UpdateMode


class KnownFindingGone(UserWarning):
    """A claim recorded as failing on this backend held: its record may be out of date."""


def outcome(result: ClaimResult, prefix: str = "") -> None:
    """The pytest outcome of a claim's result: a skip, an xfail for a known backend finding
    (with a warning when the finding no longer shows), a failure, or nothing (a pass)."""
    if result.status.value == "SKIPPED":
        pytest.skip(prefix + result.message)
    if result.status.value == "KNOWN-FINDING":  # reported as xfailed: seen, not failing
        pytest.xfail(prefix + result.message)
    if result.details.get("known_finding", {}).get("shows") is False:
        warnings.warn(KnownFindingGone(prefix + result.message), stacklevel=1)
    if result.status.fails_test:
        pytest.fail(f"{prefix}{result.status.value}: {result.message}", pytrace=False)


def collection_problem(config: pytest.Config) -> str | None:
    """Why claims cannot be collected in this session, in one line (None when they can): asked
    when a claim file is found, so a session without one is left alone."""
    if getattr(config.option, "numprocesses", None):  # pytest-xdist's -n
        return ("pytest-xdist (-n) splits a run into reports per process; train in parallel "
                "with --workers N or --engine ray instead: one session, one report")
    return None


def usage_problem(config: pytest.Config) -> str | None:
    """What is wrong with the harness's options, in one line (None when nothing is)."""
    if config.getoption("--baseline-seeds") < 3:
        return ("--baseline-seeds must be at least 3: a baseline's spread is what its rule's "
                "noise scale comes from")
    if problem := seed_layout_problem(config.getoption("--seed-offset"),
                                       config.getoption("--max-seeds")):
        return problem
    engine, address = config.getoption("--engine"), config.getoption("--ray-address")
    if engine == "process" and address is None:
        return None
    from harness.training.ray_engine import usage_problem as engine_problem

    return engine_problem(engine, config.getoption("--workers"), address)


def seed_layout_problem(offset: int, max_seeds: int | None) -> str | None:
    """Check seeds, their confirmation block and the baseline's seeds must stay apart, or a
    check would compare seeds with themselves."""
    from harness.recipes import CONFIRMATION_SEED_SHIFT, MAX_SEED_OFFSET

    if not 0 <= offset < MAX_SEED_OFFSET:
        return (f"--seed-offset must be from 0 to {MAX_SEED_OFFSET - 1}: larger offsets reach "
                f"the confirmation seeds (+{CONFIRMATION_SEED_SHIFT}) or the baseline's")
    room = CONFIRMATION_SEED_SHIFT - MAX_SEED_OFFSET
    if max_seeds is not None and not 1 <= max_seeds <= room:
        return (f"--max-seeds must be from 1 to {room}: more would run into the confirmation "
                f"seeds")
    return None


@dataclass(frozen=True)
class ClaimCase:
    """One test item: a claim, run in one profile (structure claims run in one, 'structure')."""

    claim: Claim
    profile: str


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
        self.review_path: Path | None = None
        self.report_error = ""
        self.benchmark_json: Path | None = None
        self.benchmark_stats: list[Any] = []  # pytest-benchmark's stats of the timing claims
        self._claims: dict[Path, tuple[list[Claim], ClaimFileError | None]] = {}
        self.command = " ".join(["pytest", *sys.argv[1:]])
        self.runlog: RunLog | None = None  # created when the first result is known
        self.stream_error = ""
        self.determinism: dict | None = None
        self.finished: dict[str, ClaimResult] = {}  # a resumed run's stored results
        self.collected: dict[str, int] = {}  # claim id → its place in the claim files
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
            self._start_runlog().append(result)
        except OSError as error:
            self.stream_error = (f"could not save results under {self.reports_dir / 'runs'} "
                                 f"({error}); this run cannot be resumed; make the folder "
                                 f"writable or pass --reports-dir")

    def _start_runlog(self) -> RunLog:
        """The run's folder, made when the session first needs it (``OSError`` if it cannot)."""
        if self.runlog is None:
            self.runlog = RunLog.start(self.reports_dir / "runs", self.started, self.command)
        return self.runlog

    def _worker_logs(self) -> Path | None:
        """Where the training workers' output goes: ``workers/`` in the run folder (None
        where it cannot be made: their lines then reach the terminal)."""
        try:
            return self._start_runlog().folder / "workers"
        except OSError:
            return None

    def schedule(self, cases: list[object]) -> list[int]:
        """The order to run these items in (indexes): anything not a trained claim first, as
        collected, then trained claims by the estimated training time of their first look,
        longest first, so the queue starts the long trainings first and every claim is
        judged (and asks for its borderline seeds) soon after its seeds finish. The report
        keeps the claim files' order (``collected``)."""
        from harness.measures.training import recipes_of

        self.collected = {case.claim.id: index for index, case in enumerate(cases)
                          if isinstance(case, ClaimCase)}
        durations = self.durations

        def cost(case: object) -> float:
            if not isinstance(case, ClaimCase) or case.claim.group != "training":
                return 0.0
            recipes = recipes_of(case.claim, case.profile)
            return max((durations.estimate(recipe) for recipe in recipes), default=0.0)

        costs = [cost(case) for case in cases]
        return sorted(range(len(cases)), key=lambda index: (costs[index] > 0, -costs[index]))

    @functools.cached_property
    def durations(self) -> Durations:
        """Seconds per seed of each recipe: learned in the train cache, then the committed
        ``baselines/durations.json``."""
        from harness.training.durations import Durations

        paths = [self.baselines_dir / "durations.json"]
        if self.train_cache is not None:
            paths.insert(0, self.train_cache.directory / "durations.json")
        return Durations(paths)

    def prefetch(self, cases: list[ClaimCase]) -> None:
        """Submit the seeds these trained claims read first (the baseline seeds when every
        baseline is being rewritten)."""
        from harness.measures.training import recipes_of
        from harness.verdicts.evaluate import UpdateMode

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

    def flush_progress(self) -> None:
        """Write the progress lines waiting to be shown (training runs in other processes)."""
        if "context" in self.__dict__:
            self.context.bank.progress.flush()

    def run_results(self) -> list[ClaimResult]:
        """The whole run: a resumed run's stored results, then (replacing them) this session's."""
        merged = dict(self.finished)
        merged.update((result_key(result), result) for result in self.results)
        last = len(self.collected)
        return sorted(merged.values(), key=lambda result: self.collected.get(result.claim_id,
                                                                              last))

    def claims_of(self, path: Path) -> tuple[list[Claim], ClaimFileError | None]:
        """A claim file's claims, or why it does not load: malformed, or declaring a claim id
        that an earlier file of the session declares too (cached for this session only, so a
        second session in one process sees edited files)."""
        if path not in self._claims:
            try:
                claims = load_claim_file(path, Path(self.config.rootpath))
                self._check_unique(claims)
                self._claims[path] = (claims, None)
            except ClaimFileError as error:
                self._claims[path] = ([], error)
        return self._claims[path]

    def _check_unique(self, claims: list[Claim]) -> None:
        declared = {claim.id: claim.source for loaded, _ in self._claims.values()
                    for claim in loaded}
        for claim in claims:
            if claim.id in declared:
                raise ClaimFileError(claim.source, f"duplicate id, also declared in "
                                     f"{declared[claim.id]}", claim=claim.id, field_name="id")

    @functools.cached_property
    def context(self) -> MeasureContext:
        from harness.measures.context import MeasureContext, SeedPlan
        from harness.terminal import display_for
        from harness.training import Engine, InlineEngine, SeedBank
        from harness.training.datasets import DataChoice
        from harness.training.pool import WorkerPool
        from harness.training.progress import Progress
        from harness.training.worker import WORKER_THREADS

        option = self.config.getoption
        data_dir = option("--data-dir")
        data = DataChoice(Path(data_dir) if data_dir else None, option("--fast-data"))
        workers = option("--workers")
        if workers is None:  # one per GPU on a GPU machine, else one per core and one more
            from harness.devices import visible_gpu_count

            workers = visible_gpu_count() or (os.cpu_count() or 1) + 1
        progress = Progress(display_for(self.config))
        if option("--engine") == "ray":
            from harness.training.ray_engine import RayEngine

            engine: Engine = RayEngine(workers, option("--task-timeout"),
                                       option("--ray-address"), notify=progress.note)
        else:
            engine = (WorkerPool(workers, option("--task-timeout"), WORKER_THREADS,
                                 self._worker_logs()) if workers > 0 else InlineEngine())
        threads = WORKER_THREADS if workers > 0 or option("--engine") == "ray" else None
        progress.slots = max(1, getattr(engine, "slots", 1))
        bank = SeedBank(engine, data, self.environment, self.train_cache, threads, progress)
        markexpr = self.config.getoption("markexpr") or ""
        return MeasureContext(data_dir=data.data_dir, environment=self.environment,
                              smoke=option("--smoke"), fast_data=data.fast_data, bank=bank,
                              seeds=SeedPlan(option("--seed-offset"), option("--max-seeds"),
                                             option("--baseline-seeds")),
                              real_data_claims=data.fast_data == "real" or (
                                  "full" in markexpr and "fast" not in markexpr))

    @functools.cached_property
    def train_cache(self) -> TrainCache | None:
        """The session's train cache (None with ``--no-train-cache``)."""
        from harness.training.cache import TrainCache

        option = self.config.getoption
        if option("--no-train-cache"):
            return None
        return TrainCache(Path(option("--train-cache") or
                               Path(self.config.rootpath) / ".harness-cache"))

    @functools.cached_property
    def environment(self) -> Environment:
        """This process's fingerprint; its first import of the framework logs to the run
        folder's ``session.log``, not to the terminal."""
        from harness.environment import current_environment
        from harness.quiet import output_to

        log = None
        with contextlib.suppress(OSError):
            log = self._start_runlog().folder / "session.log"
        with output_to(log):
            return current_environment(str(self.config.rootpath))

    def update_mode(self) -> UpdateMode:
        """Which baselines this session writes."""
        from harness.verdicts.evaluate import UpdateMode

        option = self.config.getoption
        return (UpdateMode.ALL if option("--regen-baselines") else
                UpdateMode.MISSING_OR_FAILING if option("--update-baselines") else
                UpdateMode.OFF)

    def settings(self, case: ClaimCase) -> RunSettings:
        """How this session treats a claim's baselines (--smoke leaves structure claims be:
        they are exact and cheap at any scale)."""
        from harness.verdicts.evaluate import RunSettings

        option = self.config.getoption
        return RunSettings(profile=case.profile, update=self.update_mode(),
                           reason=option("--baseline-reason"),
                           smoke=option("--smoke") and case.claim.group != "structure")

    def verify(self, case: ClaimCase, nodeid: str, benchmark: Any = None) -> ClaimResult:
        """Measure and judge one claim and record its result; a resumed run's stored result
        is returned as it was (``kept``)."""
        stored = self.finished.get(claim_key(case.claim.id, case.profile))
        if stored is not None:  # --resume: judged in an earlier session of this run
            self.results.append(stored)
            return stored
        from harness.verdicts.evaluate import evaluate_claim

        context = self.context.with_benchmark(benchmark) if benchmark else self.context
        result = evaluate_claim(case.claim, context, self.baseline_store(),
                                self.environment, self.settings(case),
                                f"pytest {shlex.quote(nodeid)} --update-baselines")
        if benchmark is not None and getattr(benchmark, "stats", None) is not None:
            self.benchmark_stats.append(benchmark.stats)
        self.record(result)
        return result

    def baseline_store(self) -> BaselineStore:
        """The baselines folder, its files named relative to the project root."""
        from harness.baselines import BaselineStore

        return BaselineStore(self.baselines_dir, Path(self.config.rootpath))

    def shown(self, path: Path) -> str:
        """A file's name in the terminal summary: relative to the project root."""
        return shown(path, Path(self.config.rootpath))

    def finish(self, session: pytest.Session) -> None:
        """The end of the session: the reports of the whole run, then the workers closed."""
        try:
            if self.results:
                self._write_reports(session)
        finally:
            if "context" in self.__dict__:  # the workers, and the scratch folder of saved models
                self.context.bank.close()
                shutil.rmtree(self.context.scratch, ignore_errors=True)
                self._store_durations()

    def _store_durations(self) -> None:
        """Keep what this session's trainings took: in the train cache always, in the
        baselines folder with ``--store-durations``."""
        from harness.training.durations import store

        learned = self.durations.learn(self.context.bank.timeline)
        targets = [self.train_cache.directory] if self.train_cache is not None else []
        if self.config.getoption("--store-durations"):
            targets.append(self.baselines_dir)
        for folder in targets if learned else []:
            try:
                store(folder / "durations.json", learned)
            except OSError as error:
                self.report_error = self.report_error or (
                    f"could not write {folder / 'durations.json'} ({error})")

    def _write_reports(self, session: pytest.Session) -> None:
        from harness.reporting.report import RunRecord, write_reports

        if session.config.getoption("--determinism-probe"):
            self.determinism = self._probe()
        runlog = self.runlog
        meta = self._finish_meta() if runlog else {}
        recipe_runs = self._recipe_runs()
        run = RunRecord(run_id=runlog.run_id if runlog else self.started.strftime("%Y%m%dT%H%M%SZ"),
                        started=meta.get("started", self.started.isoformat(timespec="seconds")),
                        duration_s=round(time.perf_counter() - self.clock, 1),
                        command=self.command,
                        environment=self.environment.as_dict(), results=self.run_results(),
                        unused_baselines=self._unused_baselines(),
                        training=[recipe_run.summary() for recipe_run in recipe_runs],
                        determinism=self.determinism)
        drawing = time.perf_counter()
        run.figures = _figures(run, recipe_runs, self.reports_dir / "figures")
        run.timeline = self._timeline(run.run_id)
        run.figures_seconds = round(time.perf_counter() - drawing, 2)
        try:
            self.report_paths = write_reports(run, self.reports_dir)
            from harness.benchmarks import save_benchmark_json
            from harness.verdicts.evaluate import UpdateMode

            self.benchmark_json = save_benchmark_json(
                session.config, self.benchmark_stats,
                self.reports_dir / "runs" / run.run_id / "benchmarks.json")
            if self.update_mode() is not UpdateMode.OFF:
                from harness.reporting.review import write_review

                self.review_path = write_review(run, self.reports_dir)
        except OSError as error:
            self.report_error = (f"could not write the report to {self.reports_dir} ({error}); "
                                 f"make it writable or pass --reports-dir")
        self.run = run
        if (self.report_error or self.stream_error) and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _timeline(self, run_id: str) -> dict | None:
        """The training timeline, saved in the run folder and drawn beside the figures."""
        if "context" not in self.__dict__ or not self.context.bank.timeline:
            return None
        from harness.training.timeline import draw_timeline, write_timeline

        bank = self.context.bank
        try:
            summary = write_timeline(bank.timeline, bank.progress.slots,
                                     self.reports_dir / "runs" / run_id / "timeline.json",
                                     bank.progress.notes)
            if summary["trained"]:
                draw_timeline(bank.timeline, self.reports_dir / "figures" / "timeline.png")
                summary["figure"] = "timeline.png"
        except Exception as error:  # the timeline must never cost the report
            logging.getLogger(__name__).warning("timeline not written: %s: %s",
                                                type(error).__name__, error)
            return None
        return summary

    def _probe(self) -> dict:
        """The determinism probe on the cheapest recipe this session trained, or why not."""
        from harness.determinism import cheapest, probe

        run = cheapest(self._recipe_runs())
        if run is None:
            return {"error": "no recipe was trained in this session, nothing to probe"}
        try:
            return probe(run, self.context.bank)
        except Exception as error:  # the probe must not cost the run its report
            return {"error": f"failed on recipe {run.recipe.tutorial}/{run.recipe.name}: "
                             f"{type(error).__name__}: {error}".splitlines()[0]}

    def _recipe_runs(self) -> list[RecipeRun]:
        """The recipes this session trained (a recipe that failed to train is not one)."""
        if "context" not in self.__dict__:
            return []
        return self.context.bank.recipe_runs()

    def _finish_meta(self) -> dict:
        """Add what is known only at the end to the run's metadata; return it."""
        assert self.runlog is not None
        try:
            meta = self.runlog.meta()
            meta["environment"] = self.environment.as_dict()
            if self.determinism is not None:
                meta["determinism"] = self.determinism
            meta["sessions"][-1]["duration_s"] = round(time.perf_counter() - self.clock, 1)
            self.runlog.write_meta(meta)
        except (RunLogError, OSError, KeyError, IndexError) as error:
            self.stream_error = self.stream_error or f"could not update the run metadata: {error}"
            return {}
        return meta

    def _unused_baselines(self) -> list[str]:
        """Stored entries whose claim no loaded file declares. A tutorial whose claim file
        failed to load is left out: its baselines are not unused, its file is broken."""
        known_ids: set[str] = set()
        broken: set[str] = set()
        for path, (claims, error) in self._claims.items():
            known_ids.update(claim.id for claim in claims)
            if error is not None:
                broken.add(f"{path.parent.name}/")
        store = self.baseline_store()
        stored = store.stored_claim_ids()
        return [f"`{claim_id}` in {', '.join(store.shown(p) for p in paths)}"
                for claim_id, paths in sorted(stored.items())
                if claim_id not in known_ids and not claim_id.startswith(tuple(broken))]

    def summary_lines(self) -> list[tuple[str, bool]]:
        """The terminal summary: (line, whether it is an error)."""
        run = self.run
        if run is None:
            return []
        lines = [(run.summary_line(), False)]
        lines += self._training_summary()
        lines += [(f"  {result.status.value:<14} {result.claim_id}", False)
                  for result in run.results if result.status.fails_test]
        if run.unused_baselines:
            lines.append((f"{len(run.unused_baselines)} stored baseline(s) no claim uses: see "
                          f"the report", False))
        lines += [(f"ERROR: {error}", True) for error in (self.stream_error, self.report_error)
                  if error]
        if run.determinism is not None:
            from harness.determinism import describe

            lines.append((describe(run.determinism), False))
        if self.runlog is not None:
            lines.append((f"run {self.runlog.run_id}: {self.shown(self.runlog.folder)}; "
                          f"continue it with --resume {self.runlog.run_id}", False))
        lines += [(f"report: {self.shown(path)}", False) for path in self.report_paths[:2]]
        if self.benchmark_json:
            lines.append((f"pytest-benchmark JSON: {self.shown(self.benchmark_json)}", False))
        if run.figures:
            lines.append((f"figures: {len(run.figures)} in "
                          f"{self.shown(self.reports_dir / 'figures')}", False))
        if self.review_path:
            lines.append((f"baseline review: {self.shown(self.review_path)}", False))
        return lines

    def _training_summary(self) -> list[tuple[str, bool]]:
        """How many seeds trained and how many came from the train cache, and its problems."""
        if "context" not in self.__dict__:
            return []
        bank = self.context.bank
        _done, asked, cached = bank.progress.counts()
        lines = []
        if asked:
            where = (f" ({self.shown(bank.cache.directory)}; --no-train-cache retrains all)"
                     if bank.cache is not None and cached else "")
            lines.append((f"{bank.progress.summary()}{where}", False))
        lines += [(note, False) for note in bank.progress.notes]
        if bank.cache is not None:
            lines += [(problem, True) for problem in bank.cache.problems]
        return lines


def _figures(run: RunRecord, recipe_runs: list, directory: Path) -> list[dict[str, str]]:
    """The report's figures; drawing them must never cost the report itself."""
    try:
        from harness.reporting.plots import write_figures

        return [figure.as_json() for figure in write_figures(run, recipe_runs, directory)]
    except Exception as error:
        logging.getLogger(__name__).warning("figures not drawn: %s: %s",
                                            type(error).__name__, error)
        return []
