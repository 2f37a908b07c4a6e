"""Reports tell what `verify` would decide: a rejected or short sign-off is BLOCKED, a partial run is
PARTIAL, and a FAIL ends with what to do next. End to end: real runs, keys, signed approvals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gitutil import commit, git

from compliance_gate.cli import main
from compliance_gate.pii.cards import luhn_complete

POLICY = """version: 1
checks:
  pii: {}
  change-scope:
    rules:
      - {name: payments-code, paths: ["src/payments/**"], require: {compliance: 1, security: 1}}
"""


def signed_release(repo: Path, tmp: Path) -> dict[str, Path | str]:
    """A release touching payments code (needs compliance and security), signed; alice and bob in the roster."""
    commit(repo, {"src/payments/charge.py": "x = 1\n"}, "base")
    git(repo, "checkout", "-q", "-b", "release")
    head = commit(repo, {"src/payments/charge.py": "x = 2\n"}, "change payments")
    (tmp / "policy.yaml").write_text(POLICY)
    for who in ("gate", "alice", "bob"):
        assert main(["keygen", "--out", str(tmp / who)]) == 0
    roster = "version: 1\npeople:\n"
    roster += "  alice:\n    roles: [compliance]\n    keys: [alice.pub]\n"
    roster += "  bob:\n    roles: [security]\n    keys: [bob.pub]\n"
    (tmp / "roster.yaml").write_text(roster)
    out = tmp / "out"
    run = ["run", str(repo), "--since", "main", "--policy", str(tmp / "policy.yaml"), "--out", str(out)]
    assert main([*run, "--sign-key", str(tmp / "gate.key"), "--no-cache", "--format", "json"]) == 0
    return {"env": out / "verdict.dsse.json", "head": head}


def sign(tmp: Path, env: Path | str, who: str, role: str, *extra: str) -> None:
    args = ["sign-off", str(env), "--key", str(tmp / f"{who}.key"), "--as", who, "--role", role]
    assert main([*args, *extra, "--out", str(tmp / "approvals" / f"{who}.json")]) == 0


def report(tmp: Path, env: Path | str, fmt: str) -> str:
    out = tmp / f"report.{fmt}"
    args = ["report", str(env), "--format", fmt, "-o", str(out)]
    assert main([*args, "--roster", str(tmp / "roster.yaml"), "--approvals", str(tmp / "approvals")]) == 0
    return out.read_text()


def verify(tmp: Path, r: dict[str, Path | str]) -> int:
    args = ["verify", str(r["env"]), "--key", str(tmp / "gate.pub"), "--commit", str(r["head"])]
    return main([*args, "--roster", str(tmp / "roster.yaml"), "--approvals", str(tmp / "approvals")])


def test_a_rejected_sign_off_is_blocked_in_every_report_as_in_verify(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Alice approves, bob rejects with a reason: verify exits 4, and HTML and Markdown say BLOCKED with
    who rejected, why, and when; the sign-off table's When and Comment columns are filled."""
    r = signed_release(repo, tmp_path)
    sign(tmp_path, r["env"], "alice", "compliance", "--comment", "reviewed the diff")
    sign(tmp_path, r["env"], "bob", "security", "--reject", "--comment", "card data logged in charge()")
    capsys.readouterr()
    assert verify(tmp_path, r) == 4 and "rejected by bob" in capsys.readouterr().err
    html = report(tmp_path, r["env"], "html")
    assert 'data-headline="BLOCKED"' in html and 'class="banner BLOCKED"' in html
    assert "banner PASS" not in html and "Verdict: PASS" not in html
    assert "rejected by bob as security" in html and "card data logged in charge()" in html
    assert "<td>reviewed the diff</td>" in html and "<td>approve</td>" in html
    when = json.loads(_predicate(tmp_path / "approvals" / "bob.json"))["time"]
    assert f"<td>{when}</td>" in html
    md = report(tmp_path, r["env"], "markdown")
    assert md.splitlines()[0] == "## ⛔ compliance-gate: BLOCKED (verdict: PASS)"
    assert "**BLOCKED: rejected**" in md and "card data logged in charge()" in md and when in md


def test_an_incomplete_sign_off_is_blocked_and_a_complete_one_passes(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With only compliance signed, the reports say BLOCKED (security needs 1) like verify; with both, PASS."""
    r = signed_release(repo, tmp_path)
    sign(tmp_path, r["env"], "alice", "compliance", "--comment", "ok")
    capsys.readouterr()
    assert verify(tmp_path, r) == 4 and "security needs 1, has 0" in capsys.readouterr().err
    for fmt in ("html", "markdown"):
        text = report(tmp_path, r["env"], fmt)
        assert "BLOCKED" in text and "security needs 1, has 0" in text
    sign(tmp_path, r["env"], "bob", "security", "--comment", "fine")
    assert verify(tmp_path, r) == 0
    html = report(tmp_path, r["env"], "html")
    assert 'class="banner PASS"' in html and "Sign-off complete" in html
    assert report(tmp_path, r["env"], "markdown").startswith("## ✅ compliance-gate: PASS")


def test_a_run_that_needs_sign_off_is_not_a_green_pass(repo: Path, tmp_path: Path) -> None:
    """The report written by `run` itself (no approvals yet) says AWAITING SIGN-OFF, never a bare PASS."""
    signed_release(repo, tmp_path)
    out = tmp_path / "out2"
    run = ["run", str(repo), "--since", "main", "--policy", str(tmp_path / "policy.yaml"), "--out", str(out)]
    assert main([*run, "--format", "html,markdown", "--no-cache"]) == 0
    html = (out / "report.html").read_text()
    assert 'data-headline="AWAITING SIGN-OFF"' in html and "banner PASS" not in html
    assert "compliance=1, security=1" in (out / "summary.md").read_text()


def test_report_refuses_approvals_for_a_plain_verdict(repo: Path, tmp_path: Path) -> None:
    """Approvals sign the envelope, so `--roster/--approvals` with a verdict.json is a usage error, not ignored."""
    signed_release(repo, tmp_path)
    (tmp_path / "approvals").mkdir()
    args = ["report", str(tmp_path / "out" / "verdict.json"), "--roster", str(tmp_path / "roster.yaml")]
    assert main([*args, "--approvals", str(tmp_path / "approvals")]) == 2


def test_a_partial_run_prints_partial_and_verify_refuses_it(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--only pii` prints PARTIAL naming what did not run (never a bare PASS); verify refuses it, saying so."""
    commit(repo, {"app.py": "x = 1\n"})
    assert main(["keygen", "--out", str(tmp_path / "gate")]) == 0
    out = tmp_path / "out"
    policy = "version: 1\nchecks:\n  pii: {}\n  sast: {}\n  secrets: {}\n"
    (tmp_path / "p.yaml").write_text(policy)
    capsys.readouterr()
    args = ["run", str(repo), "--only", "pii", "--policy", str(tmp_path / "p.yaml"), "--out", str(out)]
    assert main([*args, "--sign-key", str(tmp_path / "gate.key"), "--format", "text,markdown,html"]) == 0
    printed = capsys.readouterr().out
    assert "PARTIAL (verdict PASS)" in printed and "not run: sast, secrets (--only)" in printed
    assert not any(line.strip() == "PASS" for line in printed.splitlines())
    assert (out / "summary.md").read_text().startswith("## 🟡 compliance-gate: PARTIAL")
    assert 'data-headline="PARTIAL"' in (out / "report.html").read_text()
    head = git(repo, "rev-parse", "HEAD").strip()
    verify_args = ["verify", str(out / "verdict.dsse.json"), "--key", str(tmp_path / "gate.pub"), "--commit", head]
    assert main(verify_args) == 4
    assert "partial run: not run: sast, secrets (--only)" in capsys.readouterr().err


def test_a_fail_ends_with_what_to_do_next(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The console, Markdown and HTML end a FAIL with the top findings and the fix, waive and baseline steps."""
    pan = luhn_complete("453201" + "5" * 9)
    commit(repo, {"app/pay.py": f'CARD = "{pan}"\nAWS_KEY = "AKIA' + "Q7X3M9K2W8P4R6TZ" + '"\n'})
    out = tmp_path / "out"
    capsys.readouterr()
    assert main(["run", str(repo), "--out", str(out), "--format", "text,markdown,html", "--no-cache"]) == 1
    printed = capsys.readouterr().out
    tail = printed[printed.index("What to do next") :]
    assert "critical pii/CG-PII-PAN at app/pay.py:1" in tail and pan not in printed
    assert "Fix: pii:" in tail and "compliance-gate run ." in tail
    assert "waivers:" in tail and "check: secrets" in tail and "fingerprint: " in tail and "expires: " in tail
    assert "Baseline (secrets)" in tail and "compliance-gate baseline ." in tail
    for name in ("summary.md", "report.html"):
        text = (out / name).read_text()
        assert "What to do next" in text and "compliance-gate baseline ." in text and pan not in text


def _predicate(path: Path) -> str:
    import base64

    statement = json.loads(base64.b64decode(json.loads(path.read_text())["payload"]))
    return json.dumps(statement["predicate"])
