"""A sweep of bad inputs of every kind the gate reads, through the real command line.

Kinds: policy, repository, recorded events, reporting snapshot, settlement, audit logs, signed
envelopes, keys, approvals (and the roster), and dependency manifests (against the offline OSV
records under tests/deps/data, never the network). Each case runs `compliance-gate` as its own process
with JSON logs at verbose level and every report format, and asserts what must hold for any input:

- bad input never exits 0 (cases whose input is valid but carries sensitive text only check leaks);
- never a traceback;
- no planted card number, IBAN, SSN or secret, in any of its forms, in stdout, stderr, the logs,
  any report, the verdict, or anything in the gate's state folder (every table of every cache).

Planted values are generated when the tests run (random, Luhn/mod-97-completed), never written
as literals. The cases of envelopes, keys and approvals start from a copy of one signed release.
A case for an item still open can be marked xfail(strict): the day it is fixed the mark fails
and must be removed.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from gitutil import commit, git, init_repo, write

sys.path.insert(0, str(Path(__file__).parents[1] / "auditlog"))
from auditlogs import write_log

from compliance_gate.pii.cards import luhn_complete
from compliance_gate.replay import generate as gen

SETPRIV = shutil.which("setpriv")
FORMATS = "text,json,html,markdown,sarif,junit,csv,github"


@dataclass(frozen=True)
class Planted:
    """Sensitive values made at run time; `forms` are every way one could leak."""

    pan: str
    iban: str
    ssn: str
    secret: str

    @property
    def forms(self) -> tuple[str, ...]:
        p = self.pan
        return (
            p,
            "-".join(p[i : i + 4] for i in range(0, 16, 4)),
            " ".join(p[i : i + 4] for i in range(0, 16, 4)),
            self.iban,
            " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4)),
            self.ssn,
            self.secret,
        )


def _planted() -> Planted:
    rng = secrets.SystemRandom()
    pan = luhn_complete("4" + "".join(rng.choice("0123456789") for _ in range(14)))
    bban = "".join(rng.choice("0123456789") for _ in range(18))  # DE: 8-digit bank code, 10-digit account
    check = 98 - int("".join(str(int(c, 36)) for c in bban + "DE00")) % 97
    ssn = f"{rng.randint(100, 665):03d}-{rng.randint(10, 99):02d}-{rng.randint(1000, 9999):04d}"
    secret = "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
    return Planted(pan, f"DE{check:02d}{bban}", ssn, secret)


P = _planted()


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    build: Callable[[Path], list[str]]
    """Prepares files under the case's folder and returns the arguments after `compliance-gate`."""
    exits: frozenset[int] = frozenset({1, 2, 3, 4})
    unprivileged: bool = False
    xfail: str = ""
    timeout: float = 300


# -- shared builders ------------------------------------------------------------------------------


def repo_with(tmp: Path, files: dict[str, str | bytes] | None = None) -> Path:
    root = init_repo(tmp / "repo")
    commit(root, {"app.py": "x = 1\n", **(files or {})})
    return root


def run(tmp: Path, root: Path, policy: str | None = None, *extra: str) -> list[str]:
    args = ["run", str(root), "--out", str(tmp / "out"), "--format", FORMATS]
    if policy is not None:
        (tmp / "p.yaml").write_text(policy)
        args += ["--policy", str(tmp / "p.yaml")]
    return [*args, *extra]


def policy_case(text: str) -> Callable[[Path], list[str]]:
    return lambda tmp: run(tmp, repo_with(tmp), text)


REPLAY = "version: 1\nchecks:\n  pii: {{}}\n  replay:\n    events: {{path: data/events.jsonl}}\n"
REPLAY += '    reported: {{path: data/report.csv, as_of: "{as_of}"}}\n    settlement: {{path: data/settlement.csv}}\n'


def replay_case(spoil: Callable[[Path], None]) -> Callable[[Path], list[str]]:
    def build(tmp: Path) -> list[str]:
        root = init_repo(tmp / "repo")
        g = gen.generate(root / "data", payments=12)
        spoil(root / "data")
        commit(root, {"app.py": "x = 1\n"})
        return run(tmp, root, REPLAY.format(as_of=g.as_of))

    return build


def _append_line(path: Path, line: str) -> None:
    with path.open("a") as fh:
        fh.write(line + "\n")


def _replace_cell(path: Path, column: int, value: str) -> None:
    lines = path.read_text().splitlines()
    cells = lines[1].split(",")
    cells[column] = value
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")


AUDIT = "version: 1\nchecks:\n  audit-log:\n    logs: [audit/*.jsonl]\n"


def audit_case(spoil: Callable[[Path], None]) -> Callable[[Path], list[str]]:
    def build(tmp: Path) -> list[str]:
        root = init_repo(tmp / "repo")
        (root / "audit").mkdir()
        write_log(root / "audit" / "api.jsonl", 4)
        spoil(root / "audit" / "api.jsonl")
        commit(root, {"app.py": "x = 1\n"})
        return run(tmp, root, AUDIT)

    return build


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _rewrite(path: Path, records: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


# -- signed verdicts, keys and approvals ---------------------------------------------------------


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A signed PASS of a release that needs a security sign-off, keys, a roster: copied per case."""
    from compliance_gate.cli import main

    base = tmp_path_factory.mktemp("signed")
    root = init_repo(base / "repo")
    commit(root, {"src/payments/a.py": "x = 1\n"}, "base")
    git(root, "checkout", "-q", "-b", "release")
    commit(root, {"src/payments/a.py": "x = 2\n"}, "change")
    (base / "p.yaml").write_text(
        "version: 1\nchecks:\n  pii: {}\n  change-scope:\n    rules:\n"
        '      - {name: pay, paths: ["src/payments/**"], require: {security: 1}}\n'
    )
    for who in ("gate", "bob"):
        assert main(["keygen", "--out", str(base / who)]) == 0
    (base / "roster.yaml").write_text("version: 1\npeople:\n  bob:\n    roles: [security]\n    keys: [bob.pub]\n")
    run_args = ["run", str(root), "--since", "main", "--policy", str(base / "p.yaml"), "--out", str(base / "v")]
    assert main([*run_args, "--sign-key", str(base / "gate.key"), "--format", "json"]) == 0
    (base / "head").write_text(git(root, "rev-parse", "HEAD").strip())
    return base


def verify_args(tmp: Path, env: Path | None = None, *extra: str) -> list[str]:
    head = (tmp / "head").read_text()
    envelope = env or tmp / "v" / "verdict.dsse.json"
    return ["verify", str(envelope), "--key", str(tmp / "gate.pub"), "--commit", head, *extra]


def _tampered_envelope(tmp: Path) -> Path:
    env = json.loads((tmp / "v" / "verdict.dsse.json").read_text())
    statement = json.loads(base64.b64decode(env["payload"]))
    statement["predicate"]["reasons"] = [f"card {P.pan} iban {P.iban}"]
    statement["predicate"]["verdict"] = "FAIL"
    env["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    out = tmp / "tampered.dsse.json"
    out.write_text(json.dumps(env))
    return out


def _approval_with(tmp: Path, comment: str, name: str = "bob.json", reject: bool = False) -> list[str]:
    from compliance_gate.cli import main

    args = ["sign-off", str(tmp / "v" / "verdict.dsse.json"), "--key", str(tmp / "bob.key"), "--as", "bob"]
    args += ["--role", "security", "--comment", comment, "--out", str(tmp / "approvals" / name)]
    assert main([*args, *(["--reject"] if reject else [])]) == 0
    return ["--roster", str(tmp / "roster.yaml"), "--approvals", str(tmp / "approvals")]


def _bomb() -> str:
    lines = ["version: 1", 'l0: &l0 ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


def _text(tmp: Path, name: str, text: str) -> Path:
    (tmp / name).write_text(text)
    return tmp / name


def _bytes(tmp: Path) -> Path:
    (tmp / "p.yaml").write_bytes(b"version: 1\n\xff\xfe" + P.pan.encode() + b"\n")
    return tmp / "p.yaml"


def _locked(path: Path) -> Path:
    path.mkdir()
    path.chmod(0)
    return path


def _locked_inside(tmp: Path) -> Path:
    root = repo_with(tmp, {"svc/a.py": "x = 1\n"})
    (root / "svc").chmod(0)
    return root


def _ignored(tmp: Path) -> Path:
    parent = init_repo(tmp / "mono")
    commit(parent, {".gitignore": "build/\n", "README.md": "x\n"})
    write(parent, {"build/svc/a.py": "x = 1\n"})
    return parent / "build" / "svc"


def _outside(tmp: Path) -> Path:
    (tmp / "elsewhere.py").write_text("x = 1\n")
    return tmp / "elsewhere.py"


def _only_symlink(tmp: Path) -> Path:
    root = init_repo(tmp / "repo")
    (root / "loop").symlink_to(root / "loop")
    return root


def _pan_payment_id(path: Path) -> None:
    lines = path.read_text().splitlines()
    first = json.loads(lines[0])
    lines = [line.replace(first["payment_id"], P.pan) for line in lines]
    path.write_text("\n".join(lines) + "\n")


def _empty_recordings(data: Path) -> None:
    (data / "events.jsonl").write_text("")
    (data / "report.csv").write_text("payment_id,status,amount,currency\n")
    (data / "settlement.csv").write_text("payment_id,status,amount,currency\n")


def _garbage_approvals(tmp: Path) -> Path:
    folder = tmp / "junk"
    folder.mkdir()
    (folder / f"{P.pan}.json").write_text(f'{{"payloadType": "{P.iban}"}}')
    return folder


LEAKS_ONLY = frozenset({0, 1, 2, 3, 4})


OSV = Path(__file__).parents[1] / "deps" / "data" / "osv"
DEPS = f"version: 1\nchecks:\n  deps: {{database: {OSV}, max_age_days: 36500}}\n"


def deps_case(files: dict[str, str | bytes]) -> Callable[[Path], list[str]]:
    return lambda tmp: run(tmp, repo_with(tmp, files), DEPS)


def _machine_bomb(tmp: Path) -> list[str]:
    args = replay_case(lambda d: None)(tmp)
    (tmp / "repo" / "machine.yaml").write_text(_bomb())
    policy = (tmp / "p.yaml").read_text() + "    state_machine: machine.yaml\n"
    (tmp / "p.yaml").write_text(policy)
    return args


CASES = [
    # policy
    Case("policy-broken-yaml-with-pan", "policy", policy_case(f"version: 1\nchecks: [{P.pan}\n")),
    Case("policy-unknown-key-is-a-pan", "policy", policy_case(f"version: 1\n{P.pan}: 1\nchecks: {{pii: {{}}}}\n")),
    Case("policy-bad-value-is-a-pan", "policy", policy_case(f"version: 1\nchecks:\n  pii: {{fail_on: '{P.pan}'}}\n")),
    Case(
        "policy-name-holds-an-iban",
        "policy",
        policy_case(f"version: 1\nname: {P.iban}\nchecks: {{pii: {{}}}}\n"),
        LEAKS_ONLY,
    ),
    Case("policy-alias-bomb", "policy", policy_case(_bomb())),
    Case("policy-deep-nesting", "policy", policy_case("version: 1\nx: " + "[" * 3000 + "]" * 3000 + "\n")),
    Case(
        "policy-waiver-impossible-date",
        "policy",
        policy_case(
            "version: 1\nchecks: {pii: {}}\nwaivers:\n  - {id: W, check: pii, path: 'docs/**', "
            f"reason: 'owner {P.ssn} agreed', approver: a, expires: 2099-13-45}}\n"
        ),
    ),
    Case(
        "policy-waiver-waives-everything",
        "policy",
        policy_case(
            "version: 1\nchecks: {pii: {}}\nwaivers:\n  - {id: W, check: pii, path: '**', "
            "reason: 'everything is fine', approver: a, expires: 2030-01-01}\n"
        ),
    ),
    Case("policy-no-checks", "policy", policy_case("version: 1\nchecks: {}\n")),
    Case("policy-not-utf8", "policy", lambda tmp: [*run(tmp, repo_with(tmp)), "--policy", str(_bytes(tmp))]),
    Case("policy-is-a-folder", "policy", lambda tmp: [*run(tmp, repo_with(tmp)), "--policy", str(tmp)]),
    Case("policy-unknown-bundled-name", "policy", lambda tmp: [*run(tmp, repo_with(tmp)), "--policy", "nosuch"]),
    # repository
    Case("repo-missing", "repo", lambda tmp: run(tmp, tmp / "nope")),
    Case("repo-unreadable-root", "repo", lambda tmp: run(tmp, _locked(tmp / "locked")), unprivileged=True),
    Case("repo-unreadable-folder", "repo", lambda tmp: run(tmp, _locked_inside(tmp)), unprivileged=True),
    Case("repo-ignored-by-its-parent", "repo", lambda tmp: run(tmp, _ignored(tmp))),
    Case("repo-pan-in-file-name", "repo", lambda tmp: run(tmp, repo_with(tmp, {f"docs/r_{P.pan}.txt": "x\n"}))),
    Case("repo-ssn-in-folder-name", "repo", lambda tmp: run(tmp, repo_with(tmp, {f"d/{P.ssn}/a.txt": "x\n"}))),
    Case(
        "repo-values-in-content",
        "repo",
        lambda tmp: run(tmp, repo_with(tmp, {"cfg.py": f'CARD = "{P.pan}"\nIBAN = "{P.iban}"\nK = "{P.secret}"\n'})),
    ),
    Case("repo-bad-since", "repo", lambda tmp: [*run(tmp, repo_with(tmp)), "--since", f"v{P.pan}"]),
    Case("repo-file-outside", "repo", lambda tmp: [*run(tmp, repo_with(tmp)), str(_outside(tmp))]),
    Case("repo-jobs-negative", "repo", lambda tmp: [*run(tmp, repo_with(tmp)), "--jobs", "-3"]),
    Case("repo-only-a-symlink", "repo", lambda tmp: run(tmp, _only_symlink(tmp))),
    Case(
        "repo-secrets-baseline-garbage-with-secret",
        "repo",
        lambda tmp: run(
            tmp, repo_with(tmp, {".secrets.baseline": f'{{"version": "1.5.0", "results": {{"{P.secret}": 5}}}}'})
        ),
    ),
    Case(
        "repo-secrets-baseline-from-the-future",
        "repo",
        lambda tmp: run(tmp, repo_with(tmp, {".secrets.baseline": '{"version": "9.0.0", "results": {}}'})),
    ),
    # recorded events
    Case("events-missing", "events", replay_case(lambda d: (d / "events.jsonl").unlink())),
    Case(
        "events-broken-line-with-pan",
        "events",
        replay_case(lambda d: _append_line(d / "events.jsonl", f'{{"x": {P.pan}')),
    ),
    Case("events-payment-id-is-a-pan", "events", replay_case(lambda d: _pan_payment_id(d / "events.jsonl"))),
    Case(
        "events-corrupt-gzip",
        "events",
        replay_case(lambda d: (d / "events.jsonl").write_bytes(b"\x1f\x8b" + os.urandom(64))),
    ),
    Case("events-empty-report-header-only", "events", replay_case(_empty_recordings)),
    Case("events-state-machine-alias-bomb", "events", _machine_bomb, timeout=60),
    # reporting snapshot
    Case("report-status-cell-is-a-pan", "reports", replay_case(lambda d: _replace_cell(d / "report.csv", 1, P.pan))),
    Case("report-missing-columns", "reports", replay_case(lambda d: (d / "report.csv").write_text(f"id\n{P.ssn}\n"))),
    Case("report-not-text", "reports", replay_case(lambda d: (d / "report.csv").write_bytes(os.urandom(256)))),
    # settlement
    Case(
        "settlement-iban-in-amount", "settlement", replay_case(lambda d: _replace_cell(d / "settlement.csv", 2, P.iban))
    ),
    Case("settlement-missing", "settlement", replay_case(lambda d: (d / "settlement.csv").unlink())),
    # audit logs
    Case("audit-empty", "audit", audit_case(lambda p: p.write_bytes(b""))),
    Case("audit-truncated", "audit", audit_case(lambda p: p.write_text("".join(p.read_text().splitlines(True)[:2])))),
    Case("audit-pan-in-record", "audit", audit_case(lambda p: _rewrite(p, [*_records(p), {"card": P.pan}]))),
    Case("audit-garbage-with-ssn", "audit", audit_case(lambda p: p.write_text(f"not json {P.ssn}\n"))),
    Case(
        "audit-stream-named-by-a-pan",
        "audit",
        audit_case(lambda p: _rewrite(p, [{**r, "stream": P.pan} for r in _records(p)])),
    ),
    Case("audit-corrupt-gzip", "audit", audit_case(lambda p: p.write_bytes(b"\x1f\x8b" + os.urandom(64)))),
    # signed envelopes
    Case(
        "envelope-not-json",
        "envelopes",
        lambda tmp: verify_args(tmp, _text(tmp, "e.json", f"{{{P.pan}")),
    ),
    Case("envelope-tampered-payload", "envelopes", lambda tmp: verify_args(tmp, _tampered_envelope(tmp))),
    Case(
        "envelope-report-of-tampered",
        "envelopes",
        lambda tmp: [
            "report",
            str(_tampered_envelope(tmp)),
            "--format",
            "html",
            "-o",
            str(tmp / "out" / "r.html"),
        ],
        LEAKS_ONLY,
    ),
    Case(
        "envelope-report-truncated",
        "envelopes",
        lambda tmp: ["report", str(_text(tmp, "t.json", (tmp / "v" / "verdict.dsse.json").read_text()[:90]))],
    ),
    Case(
        "envelope-commit-is-a-pan",
        "envelopes",
        lambda tmp: [
            "verify",
            str(tmp / "v" / "verdict.dsse.json"),
            "--key",
            str(tmp / "gate.pub"),
            "--commit",
            P.pan,
        ],
    ),
    # keys
    Case(
        "key-garbage-public",
        "keys",
        lambda tmp: [
            *verify_args(tmp)[:3],
            "--key",
            str(_text(tmp, "k.pem", f"-----BEGIN PUBLIC KEY-----\n{P.secret}\n")),
            *verify_args(tmp)[5:],
        ],
    ),
    Case(
        "key-private-where-public",
        "keys",
        lambda tmp: [*verify_args(tmp)[:3], "--key", str(tmp / "bob.key"), *verify_args(tmp)[5:]],
    ),
    Case("key-missing-sign-key", "keys", lambda tmp: [*run(tmp, repo_with(tmp)), "--sign-key", str(tmp / "nope.key")]),
    Case("key-keygen-into-missing-folder", "keys", lambda tmp: ["keygen", "--out", str(tmp / "nodir" / "k")]),
    Case(
        "key-checkpoint-into-missing-folder",
        "keys",
        lambda tmp: [
            "audit-checkpoint",
            str(_text(tmp, "a.jsonl", "")),
            "--key",
            str(tmp / "bob.key"),
            "--out",
            str(tmp / "nodir" / "cp.json"),
        ],
    ),
    # approvals and the roster
    Case(
        "approvals-garbage-named-by-a-pan",
        "approvals",
        lambda tmp: verify_args(
            tmp, None, "--roster", str(tmp / "roster.yaml"), "--approvals", str(_garbage_approvals(tmp))
        ),
    ),
    Case(
        "approvals-reject-with-ssn-comment",
        "approvals",
        lambda tmp: verify_args(tmp, None, *_approval_with(tmp, f"owner {P.ssn}", reject=True)),
    ),
    Case(
        "approvals-report-with-pan-comment",
        "approvals",
        lambda tmp: [
            "report",
            str(tmp / "v" / "verdict.dsse.json"),
            "--format",
            "markdown",
            "-o",
            str(tmp / "out" / "r.md"),
            *_approval_with(tmp, f"card {P.pan}"),
        ],
        LEAKS_ONLY,
    ),
    Case(
        "approvals-roster-alias-bomb",
        "approvals",
        lambda tmp: verify_args(tmp, None, "--roster", str(_text(tmp, "r.yaml", _bomb())), "--approvals", str(tmp)),
    ),
    Case(
        "approvals-roster-unknown-key",
        "approvals",
        lambda tmp: verify_args(
            tmp, None, "--roster", str(_text(tmp, "r.yaml", f"version: 1\n{P.pan}: x\n")), "--approvals", str(tmp)
        ),
    ),
    # dependency manifests
    Case("deps-lock-broken-with-pan", "deps", deps_case({"uv.lock": f'version = 1\n[[package]]\nname = "{P.pan}\n'})),
    Case(
        "deps-requirement-named-by-a-pan",
        "deps",
        deps_case({"requirements.txt": f"pkg{P.pan}==1.0\nrequests==2.30.0\n"}),
        LEAKS_ONLY,
    ),
    Case(
        "deps-baseline-garbage-with-iban",
        "deps",
        deps_case({"requirements.txt": "certifi==2024.7.4\n", ".deps-baseline.json": f'{{"{P.iban}": ['}),
    ),
    Case("deps-pyproject-not-toml", "deps", deps_case({"pyproject.toml": f"[project\nname = '{P.ssn}'\n"})),
    Case(
        "approvals-not-a-folder",
        "approvals",
        lambda tmp: verify_args(
            tmp, None, "--roster", str(tmp / "roster.yaml"), "--approvals", str(tmp / "roster.yaml")
        ),
    ),
]


def _outputs(tmp: Path, done: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """Everything the run wrote that a person or a machine could read back: stdout, stderr, the
    output folders, and every file of the gate's state folders (SQLite files table by table)."""
    out = {"stdout": done.stdout, "stderr": done.stderr}
    written = [f for folder in (tmp / "out", tmp / "v") if folder.is_dir() for f in folder.rglob("*")]
    written += [f for state in tmp.rglob(".compliance-gate") for f in state.rglob("*")]
    for f in written:
        if not f.is_file():
            continue
        data = f.read_bytes()
        out[str(f.relative_to(tmp))] = _tables(f) if data.startswith(b"SQLite format 3") else data.decode("latin-1")
    return out


def _tables(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        names = [n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = [row for name in names for row in con.execute(f'SELECT * FROM "{name}"')]  # noqa: S608 - our own names
    finally:
        con.close()
    return "\n".join("\x1f".join(_cell(v) for v in row) for row in rows)


def _cell(value: object) -> str:
    return bytes(value).decode("latin-1") if isinstance(value, bytes | memoryview) else str(value)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, signed: Path, request: pytest.FixtureRequest) -> None:
    """Bad input: a non-zero exit, one message and no traceback, and no planted value anywhere."""
    if case.xfail:
        request.applymarker(pytest.mark.xfail(reason=case.xfail, strict=True))
    if case.kind in ("envelopes", "keys", "approvals"):
        shutil.copytree(signed, tmp_path, dirs_exist_ok=True)
    (tmp_path / "out").mkdir(exist_ok=True)
    args = case.build(tmp_path)
    prefix: list[str] = []
    if case.unprivileged and os.geteuid() == 0:
        if SETPRIV is None:
            pytest.skip("root without setpriv: file permissions cannot be enforced")
        caps = "-dac_override,-dac_read_search"
        prefix = [SETPRIV, f"--bounding-set={caps}", f"--inh-caps={caps}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLIANCE_GATE_")}
    try:
        done = subprocess.run(
            [*prefix, sys.executable, "-m", "compliance_gate", "--log-format", "json", "-v", *args],
            capture_output=True,
            text=True,
            timeout=case.timeout,
            check=False,
            cwd=tmp_path,
            env=env,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {case.timeout:g} s (a hang)")
    for folder in tmp_path.rglob("*"):
        if folder.is_dir() and not os.access(folder, os.R_OK):
            folder.chmod(0o755)
    assert done.returncode in case.exits, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr[-3000:]
    for where, text in _outputs(tmp_path, done).items():
        leaked = [form for form in P.forms if form in text]
        assert not leaked, f"{where} holds a planted value ({len(leaked)} form(s))"


def test_every_input_kind_is_swept() -> None:
    """The sweep covers each kind of input the gate reads."""
    kinds = {c.kind for c in CASES}
    assert kinds == {
        "policy", "repo", "events", "reports", "settlement", "audit", "envelopes", "keys", "approvals", "deps"
    }  # fmt: skip
