"""Claims as data: load and validate the claim files, one YAML file per tutorial.

A claim file is ``<tutorial>/claims.yaml``, in the tutorial's own folder beside its models
module (``models: models.py``). Every field is checked on load, and a bad
field raises one ``ClaimFileError`` that names the file, the claim and the field, so a typo never
turns into a confusing failure deep inside a measurement.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness.errors import ClaimFileError
from harness.kinds import KINDS, TIERS, KindSpec
from harness.metrics import METRICS
from harness.models import ModelsModule, UnknownModelError, declared_models
from harness.paths import shown
from harness.recipes import Recipe, parse_recipes
from harness.verdicts.comparators import Comparator, ComparatorError, parse_comparator

__all__ = ["TIERS", "Claim", "ClaimFileError", "claim_files", "is_claim_file", "load_claim_file",
           "load_claims"]
_ID_SEGMENT = r"[a-z0-9][a-z0-9.]*(?:-[a-z0-9.]+)*"
_ID_PATTERN = re.compile(rf"^{_ID_SEGMENT}(?:/{_ID_SEGMENT})*$")
# seed: the tutorial's text in the shared seeds folder (tests/test_quotes.py finds every quote
# in it); models: the file that builds the tutorial's models, relative to the claim file's folder
_FILE_FIELDS = {"tutorial", "seed", "title", "models", "claims"}
_OPTIONAL_FILE_FIELDS = {"recipes"}
_REQUIRED_CLAIM_FIELDS = ("id", "quote", "kind", "expected", "tiers", "version")
_OPTIONAL_CLAIM_FIELDS = ("args", "compare", "note", "known_backend_findings",
                          "reproduction_allowance")
# kinds whose tutorial figure is judged as one run of today's recipe (harness.verdicts.one_run)
_ONE_RUN_JUDGES = ("level", "curve")
BACKENDS = ("tensorflow", "torch", "jax")


@dataclass(frozen=True)
class Claim:
    """One checkable statement of a tutorial."""

    id: str
    tutorial: str
    quote: str
    kind: str
    expected: Any
    comparator: Comparator
    tiers: tuple[str, ...]
    version: int
    args: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""
    source: str = ""  # the claim file it was declared in
    models: ModelsModule | None = None  # the module building the tutorial's models
    # backend → why the claim does not hold there: that backend's FAIL is KNOWN-FINDING
    known_backend_findings: Mapping[str, str] = field(default_factory=dict)
    # widens the one-run interval around today's seeds (metric units), e.g. for what Keras 1/2
    # did differently from Keras 3; argued in the note
    reproduction_allowance: float = 0.0
    # the recipes of the claim's file, {(name, profile): Recipe}; training claims read them
    recipes: Mapping[tuple[str, str], Recipe] = field(default_factory=dict, repr=False,
                                                      compare=False)

    @property
    def spec(self) -> KindSpec:
        return KINDS[self.kind]

    @property
    def group(self) -> str:
        return self.spec.group


def _check_claim(raw: Any, tutorial: str, path: Path, index: int, models: ModelsModule,
                 recipes: Mapping[tuple[str, str], Recipe], models_label: str) -> Claim:
    if not isinstance(raw, dict):
        raise ClaimFileError(path, f"claim #{index + 1} must be a mapping, "
                             f"got {type(raw).__name__}")
    local_id = raw.get("id")
    label = f"{tutorial}/{local_id}" if isinstance(local_id, str) else f"#{index + 1}"

    def fail(field_name: str, message: str) -> ClaimFileError:
        return ClaimFileError(path, message, claim=label, field_name=field_name)

    for name in _REQUIRED_CLAIM_FIELDS:
        if name not in raw or (raw[name] is None and name != "expected"):
            raise fail(name, "missing required field")
    unknown = set(raw) - set(_REQUIRED_CLAIM_FIELDS) - set(_OPTIONAL_CLAIM_FIELDS)
    if unknown:
        raise fail(sorted(unknown)[0], f"unknown field; allowed: "
                   f"{', '.join(_REQUIRED_CLAIM_FIELDS + _OPTIONAL_CLAIM_FIELDS)}")
    if not isinstance(local_id, str) or not _ID_PATTERN.match(local_id):
        raise fail("id", f"{local_id!r} is not a kebab-case path like 'dense/params'")
    if not isinstance(raw["quote"], str) or not raw["quote"].strip():
        raise fail("quote", "must be the tutorial's own words, a non-empty string")
    kind = raw["kind"]
    if kind not in KINDS:
        raise fail("kind", f"unknown kind {kind!r}; known: {', '.join(sorted(KINDS))}")
    spec = KINDS[kind]
    if raw["expected"] is None and spec.judge == "comparator":
        raise fail("expected", f"kind {kind!r} needs the tutorial's value")
    args = raw.get("args") or {}
    if not isinstance(args, dict):
        raise fail("args", f"must be a mapping, got {type(args).__name__}")
    missing = [name for name in spec.required if name not in args]
    if missing:
        raise fail("args", f"kind {kind!r} needs {', '.join(missing)}")
    extra = sorted(set(args) - set(spec.required) - set(spec.optional))
    if extra:
        raise fail("args", f"kind {kind!r} does not take {', '.join(extra)}")
    tiers = raw["tiers"]
    if (not isinstance(tiers, list) or not tiers
            or any(tier not in TIERS for tier in tiers) or len(set(tiers)) != len(tiers)):
        raise fail("tiers", f"must be a non-empty list of {', '.join(TIERS)}; got {tiers!r}")
    version = raw["version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise fail("version", f"must be an integer >= 1, got {version!r}")
    try:
        comparator = parse_comparator(raw.get("compare"))
    except ComparatorError as error:
        raise fail("compare", str(error)) from None
    note = raw.get("note", "")
    if not isinstance(note, str):
        raise fail("note", "must be a string")
    findings = raw.get("known_backend_findings") or {}
    if not isinstance(findings, dict) or any(
            backend not in BACKENDS or not isinstance(why, str) or not why.strip()
            for backend, why in findings.items()):
        raise fail("known_backend_findings", f"must map a backend ({', '.join(BACKENDS)}) to "
                   f"why the claim does not hold there, got {findings!r}")
    allowance = _allowance(raw, spec, note, fail)
    for recipe in spec.recipe_refs(args):
        if (recipe, tiers[0]) not in recipes:
            known = sorted({name for name, _ in recipes})
            raise fail("args", f"unknown recipe {recipe!r}; this file declares: "
                       f"{', '.join(known) or 'none'}")
    unknown_metrics = [name for name in spec.metric_refs(args) if name not in METRICS]
    if unknown_metrics:
        raise fail("args", f"unknown metric {unknown_metrics[0]!r}; the runner measures: "
                   f"{', '.join(sorted(METRICS))}")
    if "model" in args and args["model"] not in declared_models(models):
        raise fail("args", f"unknown model {args['model']!r}; {models_label} declares: "
                   f"{', '.join(declared_models(models))}")
    return Claim(id=label, tutorial=tutorial, quote=raw["quote"].strip(), kind=kind,
                 expected=raw["expected"], comparator=comparator, tiers=tuple(tiers),
                 version=version, args=args, note=note, source=str(path), models=models,
                 known_backend_findings=findings, reproduction_allowance=allowance,
                 recipes=recipes)


def _allowance(raw: Mapping[str, Any], spec: KindSpec, note: str,
               fail: Callable[[str, str], ClaimFileError]) -> float:
    """A claim's reproduction allowance: a finite number >= 0 on a kind judged as one run,
    and only with its argument in the note (a widened rule nobody can read is a loosened one)."""
    if "reproduction_allowance" not in raw:
        return 0.0
    value = raw["reproduction_allowance"]
    if (not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value)
            or value < 0):
        raise fail("reproduction_allowance", f"must be a number >= 0 in the metric's units, "
                   f"got {value!r}")
    if spec.judge not in _ONE_RUN_JUDGES:
        raise fail("reproduction_allowance", f"kind {spec.name!r} does not compare a figure "
                   f"as one run; only metric-level and learning-curve claims take it")
    if not note.strip():
        raise fail("reproduction_allowance", "needs its argument and evidence in the claim's "
                   "note")
    return float(value)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key written twice (YAML would keep the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # '<<: *anchor' may be overridden
                continue
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"field {key!r} is given twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_claim_file(path: Path | str, project_root: Path | None = None) -> list[Claim]:
    """Load and validate one tutorial's claim file; errors and ``Claim.source`` name it
    relative to ``project_root`` when given."""
    real = Path(path)
    path = Path(shown(real, project_root))
    try:
        document = yaml.load(real.read_text(encoding="utf-8"), Loader=_StrictLoader)
    except UnicodeDecodeError as error:
        raise ClaimFileError(path, f"not UTF-8 (byte {error.start}); save it as UTF-8") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ClaimFileError(
            path, f"not valid YAML{where}: {getattr(error, 'problem', error)}") from None
    except OSError as error:
        raise ClaimFileError(path, f"cannot read: {error.strerror}") from None
    if not isinstance(document, dict):
        raise ClaimFileError(path, "must be a mapping with tutorial, seed, title, models and "
                                   "claims")
    missing = sorted(_FILE_FIELDS - set(document))
    if missing:
        raise ClaimFileError(path, "missing required field", field_name=missing[0])
    unknown = sorted(set(document) - _FILE_FIELDS - _OPTIONAL_FILE_FIELDS)
    if unknown:
        allowed = sorted(_FILE_FIELDS | _OPTIONAL_FILE_FIELDS)
        raise ClaimFileError(path, f"unknown top-level field; allowed: {allowed}",
                             field_name=unknown[0])
    tutorial = document["tutorial"]
    if tutorial != real.parent.name:
        raise ClaimFileError(path, f"tutorial {tutorial!r} must match its folder's name "
                             f"{real.parent.name!r}", field_name="tutorial")
    raw_claims = document["claims"]
    if not isinstance(raw_claims, list) or not raw_claims:
        raise ClaimFileError(path, "must be a non-empty list", field_name="claims")
    models = _models_module(document["models"], tutorial, real, path)
    recipes = parse_recipes(document.get("recipes"), tutorial, models, path)
    models_label = _label(path, document["models"])
    _check_recipe_models(recipes, path, models_label)
    claims: list[Claim] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_claims):
        claim = _check_claim(raw, tutorial, path, index, models, recipes, models_label)
        if claim.id in seen:
            raise ClaimFileError(path, "duplicate id", claim=claim.id, field_name="id")
        seen.add(claim.id)
        claims.append(claim)
    return claims


def _models_module(value: Any, tutorial: str, real: Path, path: Path) -> ModelsModule:
    """The claim file's models module, a ``.py`` file named relative to the claim file's folder,
    which must be found (its source is read, not run)."""
    if not isinstance(value, str) or not value.endswith(".py") or Path(value).is_absolute():
        raise ClaimFileError(path, f"must name the file that builds the models, relative to "
                             f"the claim file's folder, like models.py; got {value!r}",
                             field_name="models")
    models = ModelsModule.of(tutorial, real.parent / value)
    if not models.path.is_file():
        raise ClaimFileError(path, f"{_label(path, value)} not found", field_name="models")
    try:
        declared_models(models)
    except UnknownModelError as error:
        raise ClaimFileError(path, str(error).replace(str(models.path), _label(path, value)),
                             field_name="models") from None
    return models


def _label(path: Path, models: str) -> str:
    """The models file as messages name it: beside the claim file as that one is named."""
    return (path.parent / models).as_posix()


def _check_recipe_models(recipes: Mapping[tuple[str, str], Recipe], path: Path,
                         models_label: str) -> None:
    """Every model a recipe trains or reads its inputs from is one the module declares."""
    for (name, profile), recipe in recipes.items():
        known = declared_models(recipe.models)
        for field_name in ("model", "features"):
            value = getattr(recipe, field_name)
            if value is not None and value not in known:
                raise ClaimFileError(path, f"unknown model {value!r} (profile {profile}); "
                                     f"{models_label} declares: {', '.join(known)}",
                                     claim=f"recipe {name}", field_name=field_name)


def load_claims(paths: Iterable[Path | str], project_root: Path | None = None) -> list[Claim]:
    """Load several claim files; ids must be unique across all of them."""
    claims: list[Claim] = []
    seen: dict[str, str] = {}
    for path in sorted(Path(p) for p in paths):
        for claim in load_claim_file(path, project_root):
            if claim.id in seen:
                raise ClaimFileError(claim.source, f"duplicate id, also declared in "
                                     f"{seen[claim.id]}", claim=claim.id, field_name="id")
            seen[claim.id] = claim.source
            claims.append(claim)
    return claims


CLAIM_FILE_NAME = "claims.yaml"
_TUTORIAL_LINE = re.compile(r"^tutorial\s*:", re.MULTILINE)


def is_claim_file(path: Path) -> bool:
    """A ``claims.yaml`` whose document has a top-level ``tutorial:`` (read as text, so a file
    broken further down is still one, and fails as one item naming its error)."""
    if path.name != CLAIM_FILE_NAME:
        return False
    try:
        return bool(_TUTORIAL_LINE.search(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return False


def claim_files(directory: Path | str) -> list[Path]:
    """The claim files of a suites folder, one per tutorial folder in it, in a stable order."""
    return sorted(path for path in Path(directory).glob(f"*/{CLAIM_FILE_NAME}")
                  if is_claim_file(path))
