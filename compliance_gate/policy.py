"""The policy: loaded, validated and typed in this one place.

`load_policy(path, checks)` reads YAML, validates it against the published JSON Schema
(`policies/schemas/policy.schema.json`, which YAML files reference for editor completion) and
returns a frozen `Policy`. Every problem names the file, line and key path:

    policies/payments.yaml:14 checks.sast.min_severity: 'hihg' is not one of ['low', ...]

Unknown keys are errors (a typo must not silently disable a control). `version:` must come
first. The digest is the sha256 of the policy's RFC 8785 canonical JSON
(`compliance_gate.canonical`), so two files that mean the same thing have the same digest and any
change of meaning changes it. Earlier versions hashed `json.dumps(sort_keys=True)`, which differs
only for numbers written with a fraction or an exponent (`24.0`, `1e3`); where it differs, the
older digest is kept as `legacy_digest` so that deploy jobs that pinned it keep verifying.

The policy knows nothing of the checks themselves: the caller passes each check's `CheckSpec`
(its options type and default threshold), so this layer sits below the checks and the registry.
`compliance_gate.load_policy` binds the registry's checks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from compliance_gate import bundled, paths, typed, yamlmap
from compliance_gate.canonical import NotCanonical, sha256_digest
from compliance_gate.errors import PolicyError
from compliance_gate.model import JSONValue, Severity

if TYPE_CHECKING:  # jsonschema is imported on first use: most runs load one policy, some none
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError
    from referencing.jsonschema import Schema

COMMON_CHECK_KEYS = frozenset({"enabled", "fail_on", "timeout_s", "paths", "severity", "tiers"})
DEFAULT_TIMEOUT_S = 900.0
PRODUCTION = "production"
"""The tier of every path no declared tier matches."""
ANY_RULE = "*"
"""In a check's tier table: every rule the table does not name."""
DEFAULT_TIERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "test",
        (
            "test/**",
            "tests/**",
            "**/test/**",
            "**/tests/**",
            "**/test_*.py",
            "**/*_test.py",
            "**/conftest.py",
            "**/mocks/**",
            "**/fixtures/**",
            "**/testdata/**",
        ),
    ),
    ("docs", ("docs/**", "**/*.md", "**/*.rst", "**/examples/**")),
)
"""The tiers of a policy without a `tiers` section (the issue-13 defaults)."""
DEFAULT_BASELINE = ".compliance-gate-baseline.json"


class CheckSpec(Protocol):
    """What the policy needs to know of a check: its options type and its default threshold."""

    @property
    def options(self) -> type[object]: ...

    @property
    def default_fail_on(self) -> Severity: ...

    @property
    def prepare(self) -> Callable[[Mapping[str, object]], Mapping[str, object]] | None:
        """Completes the check's section before it is typed (a replay preset), or None."""

    @property
    def rules(self) -> Callable[[], Mapping[str, Severity | None]]:
        """The rules the check reports (empty: the check does not list them)."""

    @property
    def rule_family(self) -> str | None:
        """A regular expression for rule names its catalog does not list one by one."""


@dataclass(frozen=True, slots=True)
class PathRules:
    """The policy's `paths` section: which files any check sees, and the size limit."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_file_bytes: int = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CheckPolicy:
    id: str
    enabled: bool
    fail_on: Severity
    timeout_s: float
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    severity: Mapping[str, Severity]
    options: object
    """The check's own options, of the type its `CheckSpec` names."""
    digest: str
    tiers: Mapping[str, Mapping[str, Severity]] = field(default_factory=dict)
    """Per tier, the severity of each rule there (`*`: every rule not named)."""

    def severity_in(self, rules: Sequence[str], tier: str, reported: Severity) -> Severity:
        """The severity a finding of `rules` (its rule and the rule's other names) gets in `tier`:
        the tier's table (a rule, else `*`), else the check's `severity` override, else what the
        engine reported."""
        table = self.tiers.get(tier)
        if table is not None:
            named = next((table[r] for r in rules if r in table), None)
            if named is not None:
                return named
            if ANY_RULE in table:
                return table[ANY_RULE]
        return next((self.severity[r] for r in rules if r in self.severity), reported)


@dataclass(frozen=True, slots=True)
class Tier:
    """A named set of paths whose findings the checks' tier tables rate differently."""

    name: str
    paths: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BaselinePolicy:
    """The gate's baseline: findings recorded by `compliance-gate baseline`, per check, that no
    longer block. `never_hides` are rules a baseline entry can never hide (live credentials)."""

    path: str = DEFAULT_BASELINE
    never_hides: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Waiver:
    id: str
    check: str
    reason: str
    approver: str
    expires: dt.date
    rule: str | None = None
    path: str | None = None
    fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class FingerprintPolicy:
    key_env: str = "COMPLIANCE_GATE_FINGERPRINT_KEY"
    require_key: bool = False


@dataclass(frozen=True, slots=True)
class EnginePolicy:
    jobs: int = 0
    cache: bool = True


@dataclass(frozen=True, slots=True)
class SignoffPolicy:
    required: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VerdictPolicy:
    algorithm: str = "ecdsa-p256"
    key_env: str = "COMPLIANCE_GATE_SIGNING_KEY"
    validity_hours: float = 24.0


@dataclass(frozen=True, slots=True)
class Policy:
    path: str
    digest: str
    name: str
    description: str
    paths: PathRules
    fingerprints: FingerprintPolicy
    engine: EnginePolicy
    checks: Mapping[str, CheckPolicy]
    waivers: tuple[Waiver, ...]
    signoff: SignoffPolicy
    verdict: VerdictPolicy
    legacy_digest: str = ""
    """The pre-RFC 8785 digest, only where it differs from `digest` (see the module docstring)."""
    tiers: tuple[Tier, ...] = tuple(Tier(n, p) for n, p in DEFAULT_TIERS)
    """In order: a path belongs to the first tier whose globs match it, else to `production`."""
    baseline: BaselinePolicy = field(default_factory=BaselinePolicy)

    def tier_of(self, path: str | None) -> str:
        """The tier of a repo-relative path (`production` when none matches, or for no path)."""
        if path:
            for tier in self.tiers:
                if paths.matches(path, tier.paths):
                    return tier.name
        return PRODUCTION

    def tier_names(self) -> tuple[str, ...]:
        return (PRODUCTION, *(t.name for t in self.tiers))


def builtin_policy_path(name: str) -> Path:
    """`default` or `pci-dss` (or any other policy shipped under the gate's `policies/`)."""
    return bundled.policies_dir() / f"{name}.yaml"


def load_policy(path: str | Path, checks: Mapping[str, CheckSpec]) -> Policy:
    """Load and validate a policy file; raise `PolicyError` listing every problem."""
    p = Path(path)
    display = str(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError([f"{display}: no such policy file (try `compliance-gate init`)"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError([f"{display}: cannot read policy ({exc})"]) from None
    return parse_policy(text, checks, display)


def parse_policy(text: str, checks: Mapping[str, CheckSpec], display: str = "<policy>") -> Policy:
    """Parse and validate policy text; `display` names it in problems (a path, or `file@commit`)."""
    try:
        data, lines = yamlmap.load(text)
    except yamlmap.YamlProblem as exc:
        raise PolicyError([f"{display}:{exc.line} {exc}"]) from None
    if not isinstance(data, dict):
        raise PolicyError([f"{display}:1 the policy must be a mapping starting with `version: 1`"])
    if next(iter(data), None) != "version":
        raise PolicyError([f"{display}:1 version: must be the first key (add `version: 1`)"])
    found = _schema_problems(data, lines) or _semantic_problems(data, lines, checks)
    problems = [f"{display}:{line} {msg}" for line, msg in found]
    if problems:
        raise PolicyError(problems)
    try:
        return _build(data, display, checks)
    except NotCanonical as exc:
        raise PolicyError([f"{display}:1 {exc}; write the number within +-2^53"]) from None


def canonical_digest(data: JSONValue) -> str:
    """`sha256:` of the RFC 8785 canonical JSON of the parsed policy (or of one section)."""
    return sha256_digest(data)


def legacy_digest(data: JSONValue) -> str:
    """The digest as versions before RFC 8785 computed it (`json.dumps` with sorted keys)."""
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    import jsonschema
    import referencing
    from referencing.jsonschema import DRAFT202012

    root = bundled.policies_dir() / "schemas"

    def retrieve(uri: str) -> referencing.Resource[Schema]:
        path = Path(uri.removeprefix("file://"))
        return DRAFT202012.create_resource(json.loads(path.read_text()))

    main_uri = (root / "policy.schema.json").as_uri()
    schema = {**json.loads((root / "policy.schema.json").read_text()), "$id": main_uri}
    registry: referencing.Registry[Schema] = referencing.Registry(retrieve=retrieve)  # type: ignore[call-arg]
    return jsonschema.Draft202012Validator(schema, registry=registry)


def default_section(check_id: str, spec: CheckSpec) -> CheckPolicy:
    """The section of a check the policy does not mention: disabled, every option at its default."""
    return CheckPolicy(
        id=check_id,
        enabled=False,
        fail_on=spec.default_fail_on,
        timeout_s=DEFAULT_TIMEOUT_S,
        include=(),
        exclude=(),
        severity={},
        options=typed.build(spec.options, {}),
        digest=canonical_digest({}),
    )


def _schema_problems(data: JSONValue, lines: dict[yamlmap.KeyPath, int]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for err in _validator().iter_errors(data):
        path = tuple(err.absolute_path)
        for problem_path, message in _explain(err, path):
            key = ".".join(map(str, problem_path)) or "(top level)"
            out.append((yamlmap.line_of(lines, problem_path), f"{key}: {message}"))
    return sorted(set(out))


def _explain(err: ValidationError, path: yamlmap.KeyPath) -> list[tuple[yamlmap.KeyPath, str]]:
    if err.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(err.instance, dict):
        allowed = sorted(_allowed_keys(err))
        extra = [k for k in err.instance if k not in allowed] if allowed else list(err.instance)
        hint = f"; allowed here: {', '.join(allowed)}" if allowed else ""
        return [((*path, k), f"unknown key{hint}") for k in extra] or [(path, err.message)]
    if err.validator in ("anyOf", "oneOf") and err.context:
        best = min(err.context, key=lambda e: len(list(e.absolute_path)))
        return [(path, best.message)]
    return [(path, err.message)]


def _allowed_keys(err: ValidationError) -> set[str]:
    schema = err.schema if isinstance(err.schema, dict) else {}
    keys = set(schema.get("properties", {}))
    if schema.get("$ref", "").endswith("common.schema.json") or "unevaluatedProperties" in schema:
        keys |= COMMON_CHECK_KEYS
    return keys


def _knows(spec: CheckSpec, rule: str) -> bool | None:
    """Does the check report `rule`? None when it does not list its rules."""
    catalog = spec.rules()
    if not catalog:
        return None
    family = spec.rule_family
    return rule in catalog or (family is not None and re.fullmatch(family, rule) is not None)


def _mapping(value: object) -> Mapping[str, object]:
    """A validated policy's mapping, or an empty one where the key is absent."""
    return value if isinstance(value, dict) else {}


def _unknown_rules(
    data: Mapping[str, object], lines: dict[yamlmap.KeyPath, int], checks: Mapping[str, CheckSpec]
) -> list[tuple[int, str]]:
    """Rule names in tier tables and `baseline.never_hides` must be rules a check reports: a typo
    there would silently rate a live credential down, or let a baseline hide it."""
    out: list[tuple[int, str]] = []
    for check_id, section in _mapping(data.get("checks")).items():
        if check_id not in checks:
            continue
        for tier, table in _mapping(_mapping(section).get("tiers")).items():
            for rule in _mapping(table):
                if rule != "*" and _knows(checks[check_id], rule) is False:
                    where: yamlmap.KeyPath = ("checks", check_id, "tiers", tier, rule)
                    message = f"checks.{check_id}.tiers.{tier}.{rule}: the {check_id} check has no such rule"
                    out.append((yamlmap.line_of(lines, where), message))
    never = _mapping(data.get("baseline")).get("never_hides")
    for i, rule in enumerate(never if isinstance(never, list) else ()):
        answers = [_knows(spec, str(rule)) for spec in checks.values()]
        if True not in answers and False in answers:
            where = ("baseline", "never_hides", i)
            out.append((yamlmap.line_of(lines, where), f"baseline.never_hides.{i}: no check reports a rule {rule!r}"))
    return out


def _semantic_problems(
    data: dict[str, Any], lines: dict[yamlmap.KeyPath, int], checks: Mapping[str, CheckSpec]
) -> list[tuple[int, str]]:
    """What the schema cannot say: sections and waivers name known checks, waiver ids are unique."""
    out: list[tuple[int, str]] = []
    for check_id in data.get("checks") or ():
        if check_id not in checks:
            message = f"checks.{check_id}: this gate has no such check; known: {', '.join(checks)}"
            out.append((yamlmap.line_of(lines, ("checks", check_id)), message))
    tiers = {PRODUCTION, *(data["tiers"] if "tiers" in data else dict(DEFAULT_TIERS))}
    if PRODUCTION in (data.get("tiers") or {}):
        out.append(
            (
                yamlmap.line_of(lines, ("tiers", PRODUCTION)),
                f"tiers.{PRODUCTION}: is every path no tier matches; do not declare it",
            )
        )
    for check_id, section in (data.get("checks") or {}).items():
        for tier in (section or {}).get("tiers") or {}:
            if tier not in tiers:
                where: yamlmap.KeyPath = ("checks", check_id, "tiers", tier)
                known = ", ".join(sorted(tiers))
                out.append(
                    (yamlmap.line_of(lines, where), f"checks.{check_id}.tiers.{tier}: no such tier; known: {known}")
                )
    out += _unknown_rules(data, lines, checks)
    seen: set[str] = set()
    for i, waiver in enumerate(data.get("waivers") or ()):
        if waiver["check"] not in checks:
            path: yamlmap.KeyPath = ("waivers", i, "check")
            known = ", ".join(checks)
            message = f"waivers.{i}.check: unknown check {waiver['check']!r}; known: {known}"
            out.append((yamlmap.line_of(lines, path), message))
        if waiver["id"] in seen:
            message = f"waivers.{i}.id: duplicate waiver id {waiver['id']!r}"
            out.append((yamlmap.line_of(lines, ("waivers", i, "id")), message))
        seen.add(waiver["id"])
        out += _waiver_problems(i, waiver, lines)
    return out


CATCH_ALL_PROBES = ("z", "q9.w", "a/b/c/d/e/f.txt", ".hidden/x", "src/payments/charge.py", "docs/README.md")
"""Unrelated paths: a waiver path pattern that matches every one of them waives everything."""


def _waiver_problems(i: int, waiver: Mapping[str, object], lines: dict[yamlmap.KeyPath, int]) -> list[tuple[int, str]]:
    """A waiver names a real expiry date and a scope narrower than the whole repository."""
    out: list[tuple[int, str]] = []
    expires = waiver["expires"]
    try:
        dt.date.fromisoformat(str(expires))
    except ValueError:
        out.append(
            (yamlmap.line_of(lines, ("waivers", i, "expires")), f"waivers.{i}.expires: {expires!r} is not a date")
        )
    path = waiver.get("path")
    if isinstance(path, str) and all(paths.matches(p, [path]) for p in CATCH_ALL_PROBES):
        message = (
            f"waivers.{i}.path: {path!r} matches every file, so the waiver would accept every finding "
            "of the check; name the folders or files it covers, or one finding by `fingerprint`"
        )
        out.append((yamlmap.line_of(lines, ("waivers", i, "path")), message))
    return out


def _prepared(spec: CheckSpec, section: Mapping[str, object]) -> Mapping[str, object]:
    """The check's options as its `prepare` hook completes them (a replay preset), if it has one."""
    return spec.prepare(section) if spec.prepare is not None else section


def _build(data: dict[str, Any], display: str, specs: Mapping[str, CheckSpec]) -> Policy:
    checks: dict[str, CheckPolicy] = {}
    for check_id, section in (data.get("checks") or {}).items():
        section = section or {}
        spec = specs[check_id]
        specific = {k: v for k, v in section.items() if k not in COMMON_CHECK_KEYS}
        paths = section.get("paths") or {}
        checks[check_id] = CheckPolicy(
            id=check_id,
            enabled=section.get("enabled", True),
            fail_on=Severity(section.get("fail_on", spec.default_fail_on)),
            timeout_s=float(section.get("timeout_s", DEFAULT_TIMEOUT_S)),
            include=tuple(paths.get("include", ())),
            exclude=tuple(paths.get("exclude", ())),
            severity={k: Severity(v) for k, v in (section.get("severity") or {}).items()},
            options=typed.build(spec.options, _prepared(spec, specific)),
            digest=canonical_digest(section),
            tiers={
                tier: {rule: Severity(v) for rule, v in (table or {}).items()}
                for tier, table in (section.get("tiers") or {}).items()
            },
        )
    digest = canonical_digest(data)
    tiers = data["tiers"] if "tiers" in data else dict(DEFAULT_TIERS)
    legacy = legacy_digest(data)
    return Policy(
        path=display,
        digest=digest,
        name=data.get("name", Path(display).stem),
        description=data.get("description", ""),
        paths=typed.build(PathRules, data.get("paths")),
        fingerprints=typed.build(FingerprintPolicy, data.get("fingerprints")),
        engine=typed.build(EnginePolicy, data.get("engine")),
        checks=checks,
        waivers=tuple(typed.build(Waiver, w) for w in data.get("waivers") or ()),
        signoff=typed.build(SignoffPolicy, data.get("signoff")),
        verdict=typed.build(VerdictPolicy, data.get("verdict")),
        legacy_digest=legacy if legacy != digest else "",
        tiers=tuple(Tier(name, tuple(globs)) for name, globs in (tiers or {}).items()),
        baseline=typed.build(BaselinePolicy, data.get("baseline")),
    )
