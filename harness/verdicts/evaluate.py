"""One claim, from measurement to verdict: measure, compare with the tutorial and the baseline.

The same path serves every claim group; only the measurement differs. Baseline writes happen
here too, so ``--update-baselines`` stores exactly what a normal run compares with.
"""

from __future__ import annotations

import datetime
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from harness.baselines import BaselineEntry, BaselineFileError, BaselineKey, BaselineStore
from harness.claims import Claim
from harness.environment import Environment
from harness.errors import MeasurementSkipped, TrainingFailed
from harness.measures.context import MeasureContext, Measurement
from harness.results import ClaimResult, Status
from harness.verdicts.comparators import ComparatorError, Verdict, normalize
from harness.verdicts.judges import FINAL_LOOK, JUDGES, Look, better_direction

if TYPE_CHECKING:
    from harness.verdicts.calibration import Calibration


class UpdateMode(StrEnum):
    """Which baselines a run writes."""

    OFF = "off"
    MISSING_OR_FAILING = "missing-or-failing"  # --update-baselines
    ALL = "all"  # --regen-baselines


@dataclass(frozen=True)
class RunSettings:
    """How this session treats baselines."""

    profile: str
    update: UpdateMode = UpdateMode.OFF
    reason: str = ""
    smoke: bool = False  # --smoke: measure through the real code path, compare nothing


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


def _provenance(environment: Environment, measurement: Measurement, reason: str) -> dict[str, Any]:
    return {
        "written": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "git_commit": environment.git_commit,
        "keras": environment.keras,
        "backend": f"{environment.backend} {environment.backend_version}",
        "tensorflow": environment.tensorflow,
        "python": environment.python,
        "device": environment.device,
        "data_source": measurement.data_source,
        "data_checksum": measurement.data_checksum,
        "reason": reason or "baseline recorded",
        **({"seeds": seeds} if (seeds := measurement.details.get("paired_seeds")
                                or measurement.details.get("seeds")) else {}),
    }


def _baseline_key(claim: Claim, settings: RunSettings, environment: Environment,
                  measurement: Measurement) -> BaselineKey:
    fields = {**environment.as_dict(), "data_source": measurement.data_source}
    return BaselineKey.build(claim.tutorial, settings.profile, claim.spec.scope, fields)


def evaluate_claim(claim: Claim, ctx: MeasureContext, store: BaselineStore,
                   environment: Environment, settings: RunSettings,
                   update_command: str) -> ClaimResult:
    """Measure one claim and judge it; never raises for a claim's own failure."""
    result = ClaimResult(claim_id=claim.id, tutorial=claim.tutorial, kind=claim.kind,
                         group=claim.group, tiers=list(claim.tiers), profile=settings.profile,
                         quote=claim.quote, expected=normalize(claim.expected),
                         status=Status.ERROR, note=claim.note, rule=claim.comparator.describe())
    started = time.perf_counter()
    try:
        _judge(claim, ctx, store, environment, settings, update_command, result)
    except MeasurementSkipped as skip:
        result.status, result.message = Status.SKIPPED, str(skip)
    except (BaselineFileError, ComparatorError, TrainingFailed) as error:
        result.status, result.message = Status.ERROR, str(error)
    except Exception as error:  # a crash in one measurement is that claim's ERROR, not the run's
        result.status, result.message = Status.ERROR, f"measurement failed: {_one_line(error)}"
    _known_finding(claim, environment.backend, result)
    result.duration_s = round(time.perf_counter() - started, 3)
    return result


# Verdicts that say whether the claim held: a recorded finding that no longer shows is news.
_JUDGED = (Status.PASS, Status.PROXY, Status.REGRESSED, Status.IMPROVED, Status.DRIFT,
           Status.NEW)


def _known_finding(claim: Claim, backend: str, result: ClaimResult) -> None:
    """A FAIL recorded as this backend's finding (``known_backend_findings``) is KNOWN-FINDING:
    the backend passes its test run and the finding stays in the report. Strict: where the
    claim holds again, the result says so (``details["known_finding"]["shows"]`` false)."""
    why = claim.known_backend_findings.get(backend)
    if why is None or result.status not in (Status.FAIL, *_JUDGED):
        return
    shows = result.status is Status.FAIL
    result.details["known_finding"] = {"backend": backend, "why": why, "shows": shows}
    if shows:
        result.status = Status.KNOWN_FINDING
        result.message = f"known {backend} finding ({why}): {result.message}"
    else:
        result.message = (f"the known {backend} finding recorded in {claim.source} did not show: "
                          f"the claim held ({result.status.value}); if it keeps holding, remove "
                          f"known_backend_findings.{backend}" + (f"; {result.message}"
                                                                 if result.message else ""))


def _judge(claim: Claim, ctx: MeasureContext, store: BaselineStore, environment: Environment,
           settings: RunSettings, update_command: str, result: ClaimResult) -> None:
    if claim.spec.judge in TRAINED_JUDGES and not settings.smoke:
        _judge_trained(claim, ctx, store, environment, settings, update_command, result)
        return
    measurement = claim.spec.load_measure()(claim, ctx.for_profile(settings.profile))
    measured = normalize(measurement.value)
    result.measured, result.details = measured, normalize(measurement.details)
    result.data_source, result.data_checksum = measurement.data_source, measurement.data_checksum
    if settings.smoke:
        result.status, result.message = Status.SMOKE, _smoke_message(measurement)
        return
    judge = JUDGES[claim.spec.judge]
    if claim.spec.judge != "comparator":  # compare, review and plots read these
        result.details["better"] = better_direction(claim)
        result.details["metric"] = _metric_name(claim)

    key = _baseline_key(claim, settings, environment, measurement)
    result.baseline_file = store.shown(store.path(key))
    try:
        entry = store.get(key, claim.id)
    except BaselineFileError:
        if settings.update is not UpdateMode.ALL:
            raise
        entry = None  # regeneration replaces an unreadable file (moved aside as .corrupt)
    comparable = _comparable(claim, entry, measurement)
    against_baseline = judge.against_baseline(claim, measurement, entry) if comparable else None

    wanted = settings.update is UpdateMode.ALL or (
        settings.update is UpdateMode.MISSING_OR_FAILING
        and (against_baseline is None or not against_baseline.ok))
    if wanted:
        result.details["previous_baseline"] = _previous(store, key, claim.id, entry)
        entry = BaselineEntry(claim.version, measured,
                              _provenance(environment, measurement, settings.reason),
                              values=judge.stored_values(measurement))
        store.put(key, claim.id, entry, replace_corrupt=settings.update is UpdateMode.ALL)
        comparable = True
        against_baseline = judge.against_baseline(claim, measurement, entry)
        result.details["baseline_written"] = True
        result.details["baseline_reason"] = entry.provenance["reason"]

    against_tutorial = judge.against_tutorial(claim, measurement, entry if comparable else None)
    _fill(result, against_tutorial, entry, against_baseline)
    result.status, result.message = _verdict(claim, result, against_tutorial, entry, comparable,
                                             against_baseline, update_command)


TRAINED_JUDGES = ("level", "paired", "curve")


def _read_entry(store: BaselineStore, key: BaselineKey, claim_id: str,
                settings: RunSettings) -> BaselineEntry | None:
    try:
        return store.get(key, claim_id)
    except BaselineFileError:
        if settings.update is not UpdateMode.ALL:
            raise
        return None  # regeneration replaces an unreadable file (moved aside as .corrupt)


def _judge_trained(claim: Claim, ctx: MeasureContext, store: BaselineStore,
                   environment: Environment, settings: RunSettings, update_command: str,
                   result: ClaimResult) -> None:
    """A trained claim, look by look: its first look on the recipes' own seeds, more seeds
    while the verdict is borderline (up to the cap), then the calibrated gate.

    A baseline write trains the baseline seeds instead (``--baseline-seeds``, never the check
    seeds, so a later check on this very machine is a fresh draw as on any other)."""
    from harness.measures.training import recipes_of
    from harness.verdicts.stats import looks_for

    judge = JUDGES[claim.spec.judge]
    view = ctx.for_profile(settings.profile)
    counts = [len(recipe.seeds) for recipe in recipes_of(claim, settings.profile)]
    looks = looks_for(max(counts), ctx.seeds.cap(settings.profile, max(counts))) if counts else (
        0,)  # a claim without recipes (a stand-in measurement): one look at what it measures
    measure = claim.spec.load_measure()

    def key_of(measurement: Measurement) -> BaselineKey:
        key = _baseline_key(claim, settings, environment, measurement)
        result.baseline_file = store.shown(store.path(key))
        return key

    against_baseline: Verdict | None = None
    if settings.update is UpdateMode.ALL:
        measurement = measure(claim, view.baseline_view())
        key = key_of(measurement)
        entry = _read_entry(store, key, claim.id, settings)
    else:
        measurement = measure(claim, view.with_seed_count(looks[0]) if looks[0] else view)
        key = key_of(measurement)
        entry = _read_entry(store, key, claim.id, settings)
        comparable = _comparable(claim, entry, measurement)
        for index, count in enumerate(looks):
            look = Look(index, looks)
            if index:
                measurement = measure(claim, view.with_seed_count(count))
            against_tutorial = judge.against_tutorial(claim, measurement,
                                                      entry if comparable else None, look)
            against_baseline = (judge.against_baseline(claim, measurement, entry, look)
                                if comparable and entry is not None else None)
            if not (against_tutorial.more or (against_baseline and against_baseline.more)):
                break
        if against_tutorial.ok and against_baseline is not None and not against_baseline.ok:
            against_baseline = _confirm_alarm(claim, measure, view, entry, measurement,
                                              against_baseline, result)
    if settings.update is UpdateMode.ALL or (
            settings.update is UpdateMode.MISSING_OR_FAILING
            and (against_baseline is None or not against_baseline.ok)):
        result.details["previous_baseline"] = _previous(store, key, claim.id, entry)
        if settings.update is not UpdateMode.ALL:
            measurement = measure(claim, view.baseline_view())
        entry = BaselineEntry(claim.version, normalize(measurement.value),
                              _provenance(environment, measurement, settings.reason),
                              values=judge.stored_values(measurement))
        store.put(key, claim.id, entry, replace_corrupt=settings.update is UpdateMode.ALL)
        against_tutorial = judge.against_tutorial(claim, measurement, None, FINAL_LOOK)
        against_baseline = judge.against_baseline(claim, measurement, entry, FINAL_LOOK)
        result.details["baseline_written"] = True
        result.details["baseline_reason"] = entry.provenance["reason"]
    comparable = _comparable(claim, entry, measurement)

    result.measured, result.details = normalize(measurement.value), {
        **normalize(measurement.details), **result.details}
    result.data_source, result.data_checksum = measurement.data_source, measurement.data_checksum
    result.details["better"] = better_direction(claim)
    result.details["metric"] = _metric_name(claim)
    if looks[0]:
        result.details["looks"] = list(looks)
    calibration = _calibration(claim, entry, looks) if comparable else None
    if calibration is not None:
        result.details["calibration"] = calibration.as_json()
    _fill(result, against_tutorial, entry, against_baseline)
    result.status, result.message = _verdict(claim, result, against_tutorial, entry, comparable,
                                             against_baseline, update_command)
    if calibration is not None and not calibration.gating and result.status in _GATED:
        mde = "none found" if calibration.mde is None else f"{calibration.mde:.3g}"
        result.message = (f"not gated ({calibration.reason}); MDE {mde}; the rule said "
                          f"{result.status.value}" + (f": {result.message}" if result.message
                                                       else ""))
        result.status = Status.INFO


def _confirm_alarm(claim: Claim, measure: Callable[[Claim, MeasureContext], Measurement],
                   view: MeasureContext, entry: BaselineEntry | None, alarmed: Measurement,
                   alarm: Verdict, result: ClaimResult) -> Verdict:
    """A shift alarm stands only when as many fresh seeds, fixed in advance, show it too: the
    check seeds are one fixed draw per machine, a real change moves every draw."""
    judge, count = JUDGES[claim.spec.judge], len(alarmed.details.get("values") or ())
    if entry is None or not count:
        return alarm
    fresh = functools.cache(lambda: measure(claim, view.confirmation_view(count)))
    confirmation = judge.confirm(claim, fresh, entry, alarm)
    if confirmation is None:
        return alarm
    fresh_run = fresh()  # measured once, by the judge
    seeds = list(fresh_run.details.get("paired_seeds") or fresh_run.details.get("seeds") or ())
    shown = f"fresh seeds {_span(seeds)}: {confirmation.detail}"
    summary = (f"confirmed on {shown}" if not confirmation.ok else
               f"the check seeds' alarm ({alarm.detail}) was not confirmed on {shown}; "
               f"rule: {confirmation.rule}")
    result.details["confirmation"] = {
        "seeds": seeds, "values": normalize(fresh_run.details["values"]),
        "delta": confirmation.delta, "rule": confirmation.rule,
        "confirmed": not confirmation.ok, "summary": summary}
    if confirmation.ok:
        return Verdict(True, alarm.delta, alarm.rule, summary)
    return Verdict(False, alarm.delta, alarm.rule, f"{alarm.detail}; {summary}",
                   improved=alarm.improved, directional=alarm.directional)


def _span(seeds: list[int]) -> str:
    """Seeds as a reader takes them in: 5000–5005 when consecutive."""
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}–{seeds[-1]}"
    return ", ".join(str(seed) for seed in seeds)


def _calibration(claim: Claim, entry: BaselineEntry | None,
                 looks: tuple[int, ...]) -> Calibration | None:
    """The claim's gate from its baseline's seeds (None without a spread to work from)."""
    from harness.verdicts.calibration import calibrate_level, calibrate_relation
    from harness.verdicts.stats import RELATION_ALPHA

    if entry is None or len(entry.values) < 2 or not looks[0] or claim.spec.judge == "curve":
        return None  # a curve's gate is its per-epoch shift rule, not simulated here
    stored = [float(value) for value in entry.values]
    if claim.spec.judge == "level":
        return calibrate_level(stored, looks)
    return calibrate_relation(stored, looks, claim.args["direction"],
                              float(claim.args.get("margin", 0.0)),
                              float(claim.args.get("alpha", RELATION_ALPHA)))


_GATED = (Status.PASS, Status.FAIL, Status.REGRESSED, Status.IMPROVED, Status.DRIFT,
          Status.PROXY)


def _fill(result: ClaimResult, against_tutorial: Verdict, entry: BaselineEntry | None,
          against_baseline: Verdict | None) -> None:
    """Copy the comparisons' figures into the result."""
    result.delta_expected = against_tutorial.delta
    result.rule = against_tutorial.rule
    if against_tutorial.judged and against_tutorial.detail:  # the figure among today's seeds
        result.details["tutorial_position"] = against_tutorial.detail
    if entry is not None:
        result.baseline = entry.value
        if entry.values:
            result.details["baseline_values"] = list(entry.values)
    if against_baseline is not None:
        result.delta_baseline = against_baseline.delta
        result.details["baseline_rule"] = against_baseline.rule


def _metric_name(claim: Claim) -> str:
    """What a non-structural claim's value is, in a few words, for compare, review and plots."""
    return claim.spec.value_label.format(**claim.args)


def _smoke_message(measurement: Measurement) -> str:
    details = measurement.details
    recipe = f"recipe {details['recipe']}, " if "recipe" in details else ""
    return (f"{recipe}data {measurement.data_source}: the code path ran and measured "
            f"{normalize(measurement.value)!r} (not compared at smoke scale)")


def _short(value: Any) -> str:
    """A long float (a mean of seeds) as 4 significant digits, anything else as is."""
    text = repr(value)
    return f"{value:.4g}" if isinstance(value, float) and len(text) > 8 else text


def _previous(store: BaselineStore, key: BaselineKey, claim_id: str,
              entry: BaselineEntry | None) -> dict[str, Any] | None:
    """The entry a baseline write replaces, for the regeneration review: this environment's own,
    or after an upgrade the newest one stored for the previous versions."""
    path = store.path(key)
    if entry is None:
        found = store.predecessor(key, claim_id)
        if found is None:
            return None
        path, entry = found
    return {"file": store.shown(path), **entry.as_json()}


def _comparable(claim: Claim, entry: BaselineEntry | None, measurement: Measurement) -> bool:
    """A baseline counts only for the claim version it was written for and for the very data
    it was measured on (a regenerated proxy has a new checksum under the same source name)."""
    if entry is None or entry.claim_version != claim.version:
        return False
    stored = entry.provenance.get("data_checksum")
    return not stored or not measurement.data_checksum or stored == measurement.data_checksum


def _plain(value: Any) -> str:
    """A value as a message shows it: a float to 6 significant digits, short yet enough to tell
    it from the expectation."""
    return f"{value:.6g}" if isinstance(value, float) else repr(value)


def _verdict(claim: Claim, result: ClaimResult, against_tutorial: Verdict,
             entry: BaselineEntry | None, comparable: bool, against_baseline: Verdict | None,
             update_command: str) -> tuple[Status, str]:
    if not against_tutorial.ok:
        detail = f" ({against_tutorial.detail})" if against_tutorial.detail else ""
        missing = (f"; no baseline in {result.baseline_file} either, create it with: "
                   f"{update_command}" if entry is None else "")
        return Status.FAIL, (
            f"measured {_plain(result.measured)} but the tutorial says "
            f"{_plain(result.expected)}{detail}; "
            f"rule: {against_tutorial.rule}; expectation from {claim.source} "
            f"(\"{claim.quote[:80]}\"){missing}")
    if entry is None:
        if claim.spec.judge == "paired":  # a relation is judged on today's seeds alone
            return Status.PASS, (f"no baseline in {result.baseline_file} (data "
                                 f"{result.data_source}): the relation was judged on today's "
                                 f"seeds alone; create one with: {update_command}")
        return Status.NEW, (f"no baseline in {result.baseline_file}; create it with: "
                            f"{update_command}")
    if not comparable:
        stored = entry.provenance.get("data_checksum")
        why = (f"was written for claim version {entry.claim_version}, the claim is now version "
               f"{claim.version}" if entry.claim_version != claim.version else
               f"was measured on data with checksum {stored}, this run's "
               f"{result.data_source} has checksum {result.data_checksum}")
        return Status.NOT_COMPARABLE, (f"the baseline in {result.baseline_file} {why}; "
                                       f"review and rewrite it with: {update_command}")
    assert against_baseline is not None
    if not against_baseline.ok:
        detail = f" ({against_baseline.detail})" if against_baseline.detail else ""
        status = (Status.DRIFT if not against_baseline.directional else
                  Status.IMPROVED if against_baseline.improved else Status.REGRESSED)
        return status, (
            f"measured {_short(result.measured)} but the baseline says {_short(entry.value)}"
            f"{detail}; "
            f"rule: {against_baseline.rule}; expectation from {result.baseline_file}; "
            f"if the change is expected, rewrite it with: {update_command}")
    confirmation = result.details.get("confirmation", {})
    unconfirmed = "" if confirmation.get("confirmed", True) else confirmation["summary"]
    if against_tutorial.undecided:
        return Status.INFO, "; ".join(filter(None, (
            f"the tutorial's figure is not judged: {against_tutorial.rule}", unconfirmed)))
    if not against_tutorial.judged and result.details.get("data_is_proxy"):
        return Status.PROXY, "; ".join(filter(None, (against_tutorial.rule, unconfirmed)))
    return Status.PASS, unconfirmed
