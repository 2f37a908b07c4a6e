"""The secrets check: suppression policy, bad input, end to end through the engine, no leaks."""

from __future__ import annotations

import io
import random
import string
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from gitutil import commit

sys.path.insert(0, str(Path(__file__).parents[1] / "secrets"))

from secretsutil import context

from compliance_gate.checks import secrets
from compliance_gate.cli import main
from compliance_gate.engine import parse_policy, run
from compliance_gate.errors import PolicyError
from compliance_gate.model import Outcome, Severity
from compliance_gate.render import json as render_json


def value(seed: int, n: int = 40) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def stripe(seed: int) -> str:
    rng = random.Random(seed)
    return "sk_" + "live_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(24))


SUPPRESSED = {
    "with_reason.py": f'a = "{value(1)}"  # pragma: allowlist secret -- fixture digest\n',
    "without_reason.py": f'b = "{value(2)}"  # pragma: allowlist secret\n',
}


@pytest.mark.parametrize(
    ("section", "findings", "honoured"),
    [
        ("{}", 0, 2),
        ("{require_suppression_reason: true}", 1, 1),
        ("{allow_inline_suppressions: false}", 2, 0),
    ],
    ids=["honoured", "reason-required", "refused"],
)
def test_suppression_policy(tmp_path: Path, section: str, findings: int, honoured: int) -> None:
    """Pragmas are counted; the policy can refuse them or require a reason."""
    for name, text in SUPPRESSED.items():
        (tmp_path / name).write_text(text)
    out = secrets.run(context(tmp_path, section))
    assert len(out.findings) == findings
    assert out.counts.get("inline-suppressions-honoured", 0) == honoured
    assert len([w for w in out.waived if w.by == "pragma: allowlist secret"]) == honoured
    if findings == 1:
        assert out.findings[0].path == "without_reason.py" and "no reason" in out.findings[0].message


def test_invalid_utf8_is_scanned_and_counted(tmp_path: Path) -> None:
    """A latin-1 file (which the engine silently skips) is scanned and counted."""
    (tmp_path / "legacy.py").write_bytes(f'# caf\xe9\nkey = "{value(3)}"\n'.encode("latin-1"))
    out = secrets.run(context(tmp_path))
    assert out.counts["invalid-utf8"] == 1
    assert [(f.path, f.line) for f in out.findings] == [("legacy.py", 2)]


def test_binary_and_huge_lines(tmp_path: Path) -> None:
    """Binary files are skipped and counted; a minified bundle's huge line is still scanned."""
    (tmp_path / "blob.bin.dat").write_bytes(b"\0\1\2" + value(4).encode())
    line = "var a=" + ";var b=".join(str(i) for i in range(60_000)) + f';var k="{stripe(5)}";\n'
    (tmp_path / "bundle.min.js").write_text(line)
    ctx = context(tmp_path)
    assert ctx.workspace.skipped.get("binary") == 1
    out = secrets.run(ctx)
    assert "StripeDetector" in [f.rule for f in out.findings]


def test_severity_defaults(tmp_path: Path) -> None:
    """Provider keys are critical, a secret assigned by name high, entropy alone low (reported,
    not blocking), a placeholder info."""
    (tmp_path / "a.py").write_text(
        f'k = "{stripe(6)}"\nh = "{value(6)}"\npassword = "q{value(7)[:12]}Z"\napi_key = "YourApiKey"\n'
    )
    out = secrets.run(context(tmp_path))
    severities = {f.rule: f.severity for f in out.findings}
    assert severities["StripeDetector"] is Severity.CRITICAL
    assert severities["KeywordDetector"] is Severity.HIGH
    assert severities["HexHighEntropyString"] is Severity.LOW
    assert severities["CG-SECRET-PLACEHOLDER"] is Severity.INFO


def test_unknown_plugin_is_a_policy_error() -> None:
    """A misspelt plugin name is reported with its line, not silently ignored."""
    with pytest.raises(PolicyError) as err:
        parse_policy("version: 1\nchecks:\n  secrets:\n    plugins: [AwsKeyDetector]\n")
    assert ":4" in err.value.diagnostics()


def test_end_to_end_without_leaks(repo: Path) -> None:
    """Through the engine and the CLI: FAIL, exit 1, and no raw value anywhere in the output."""
    raw = [stripe(7), value(8)]
    commit(repo, {"pay.py": f'STRIPE = "{raw[0]}"\nDIGEST = "{raw[1]}"\n', "README.md": "hello\n"})
    policy = parse_policy("version: 1\nchecks:\n  secrets: {}\n")
    verdict = run(policy, repo, use_cache=False)
    assert verdict.verdict is Outcome.FAIL
    text = render_json.render(verdict)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["run", str(repo), "--only", "secrets", "--format", "json"])
    assert code == 1
    for blob in (text, out.getvalue(), err.getvalue(), repr(verdict)):
        assert not any(r in blob for r in raw)
        assert "hashed_secret" not in blob
    cache = repo / ".compliance-gate" / "cache.sqlite3"
    assert cache.exists() and not any(r.encode() in cache.read_bytes() for r in raw)
