"""The deps check through the engine: findings, skip and require_manifest, waivers, online and offline."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from depsutil import OSV_DIR, OsvBehaviour, make_wheel, osv_server, records
from gitutil import commit, init_repo

from compliance_gate.cli import main
from compliance_gate.engine import load_policy, parse_policy, run, run_check
from compliance_gate.model import CheckResult, Outcome, Severity, Status, Verdict
from compliance_gate.policy import builtin_policy_path
from compliance_gate.render import html, junit, markdown, sarif

LOCK = "# pins\nrequests==2.30.0\npy==1.11.0\ncertifi==2022.12.7\npywin32==300 ; sys_platform == 'win32'\n"
LINUX = "{sys_platform: linux, platform_system: Linux, os_name: posix}"


def _policy(extra: str = "", waivers: str = "[]", database: Path | None = OSV_DIR) -> str:
    source = f"database: {database}\n    max_age_days: 36500\n" if database else ""
    return f"version: 1\nchecks:\n  deps:\n    {source}    target: {LINUX}\n{extra}waivers: {waivers}\n"


def _deps(verdict: Verdict) -> CheckResult:
    return next(r for r in verdict.checks if r.check == "deps")


def _run(repo: Path, text: str) -> Verdict:
    return run(parse_policy(text), repo, use_cache=False)


def test_affected_pins_block_at_their_lock_file_line(repo: Path) -> None:
    """requests 2.30.0 and py 1.11.0 are affected: one finding per advisory, at the line of the pin,
    with installed and fixed versions, aliases and the advisory's link; pywin32 is not on Linux."""
    commit(repo, {"requirements.txt": LOCK})
    result = _deps(_run(repo, _policy()))
    assert result.status is Status.FAILED
    found = {(f.rule, f.path, f.line, f.severity) for f in result.findings}
    assert found == {
        ("GHSA-j8r2-6x86-q33q", "requirements.txt", 2, Severity.MEDIUM),
        ("GHSA-9wx4-h78v-vm56", "requirements.txt", 2, Severity.MEDIUM),
        ("GHSA-w596-4wvx-j9j6", "requirements.txt", 3, Severity.MEDIUM),
        ("GHSA-xqr8-7jwr-rhp7", "requirements.txt", 4, Severity.HIGH),
    }
    proxy = next(f for f in result.findings if f.rule == "GHSA-j8r2-6x86-q33q")
    assert proxy.properties["aliases"] == ["PYSEC-2023-74", "CVE-2023-32681"]
    assert (proxy.properties["installed"], proxy.properties["fixed_in"]) == ("2.30.0", "2.31.0")
    assert proxy.properties["more_info"] == "https://osv.dev/vulnerability/GHSA-j8r2-6x86-q33q"
    assert "requests 2.30.0" in proxy.message and "fixed in 2.31.0" in proxy.message
    py = next(f for f in result.findings if f.properties["package"] == "py")
    assert py.properties["fixed_in"] is None and "no fixed version published" in py.message
    assert [f.rule for f in result.blocking] == ["GHSA-xqr8-7jwr-rhp7"]
    assert result.metrics["packages"] == 3 and result.metrics["skipped_entries"] == 1
    assert [(i.path, i.kind) for i in result.inputs] == [
        ("requirements.txt", "dependencies"),
        (str(OSV_DIR), "osv-export"),
    ]
    assert set(result.engines) == {"packaging", "cvss", "osv-export"}


def test_fixed_pins_pass_and_fingerprints_follow_the_package(repo: Path) -> None:
    """Upgrading to the fixed releases passes; a finding's fingerprint survives a moved line."""
    commit(repo, {"requirements.txt": LOCK})
    before = {f.rule: f.fingerprint for f in _deps(_run(repo, _policy())).findings}
    commit(repo, {"requirements.txt": "idna==3.7\n" + LOCK})
    moved = _deps(_run(repo, _policy()))
    assert {f.rule: f.fingerprint for f in moved.findings} == before
    assert {f.line for f in moved.findings} == {3, 4, 5}
    commit(repo, {"requirements.txt": "requests==2.32.2\ncertifi==2023.7.22\n"})
    fixed = _deps(_run(repo, _policy()))
    assert (fixed.status, fixed.findings, fixed.metrics["scanned"]) == (Status.PASSED, (), 2)


def test_no_manifest_is_skipped_with_its_reason_under_the_default_policy(repo: Path) -> None:
    """A repository without a dependency manifest: the default policy skips deps and says why;
    nothing asks the network (the guard in conftest would make it an error)."""
    commit(repo, {"app/main.py": "def handler():\n    return 1\n", "README.md": "service\n"})
    verdict = run(load_policy(builtin_policy_path("default")), repo, use_cache=False)
    result = _deps(verdict)
    assert result.status is Status.SKIPPED and result.findings == ()
    assert result.skipped is not None and "no dependency manifest found" in result.skipped
    assert "nothing to audit" in result.skipped
    assert verdict.verdict is Outcome.PASS, verdict.reasons
    assert "deps** skipped: no dependency manifest found" in markdown.render(verdict)
    assert "Skipped: no dependency manifest found" in html.render(verdict)
    assert 'skipped message="no dependency manifest found' in junit.render(verdict)


def test_no_manifest_fails_under_pci_dss_naming_the_policy_key(repo: Path) -> None:
    """The pci-dss policy requires a manifest: a blocking CG-DEPS-NO-MANIFEST that names the keys."""
    commit(repo, {"app/main.py": "x = 1\n"})
    result = run_check("deps", load_policy(builtin_policy_path("pci-dss")), repo, fingerprint_secret=b"k" * 32)
    assert result.status is Status.FAILED
    (finding,) = result.blocking
    assert finding.rule == "CG-DEPS-NO-MANIFEST" and finding.fingerprint
    assert "checks.deps.require_manifest" in finding.message and "checks.deps.environment" in finding.message


def test_the_default_policy_asks_the_osv_api_and_errors_when_it_fails(repo: Path) -> None:
    """The default policy with a manifest uses the API (here a loopback OSV server standing in for
    api.osv.dev): the same finding as offline; a server that keeps failing is an ERROR naming the
    URL and the offline alternative, never a pass."""
    commit(repo, {"requirements.txt": "certifi==2022.12.7\n"})
    default = builtin_policy_path("default").read_text()
    with osv_server(records()) as (url, _):
        text = default.replace("    require_manifest: false", f"    require_manifest: false\n    api_url: {url}")
        result = run_check("deps", parse_policy(text), repo, use_cache=False)
    assert [f.rule for f in result.blocking] == ["GHSA-xqr8-7jwr-rhp7"]
    assert [(i.path, i.kind) for i in result.inputs][-1] == (url, "osv-api")
    with osv_server(records(), OsvBehaviour(fail=-1)) as (url, _):
        text = default.replace("    require_manifest: false", f"    api_url: {url}\n    api_retries: 1")
        verdict = run(parse_policy(text), repo, use_cache=False, only=("deps",))
    assert verdict.verdict is Outcome.ERROR and _deps(verdict).status is Status.ERROR
    assert url in (_deps(verdict).error or "") and "checks.deps.database" in (_deps(verdict).error or "")


def test_a_stale_export_is_an_error(repo: Path) -> None:
    """The fixture export is years old: at the default max_age_days (7) the check errors, naming it."""
    commit(repo, {"requirements.txt": LOCK})
    text = f"version: 1\nchecks:\n  deps:\n    database: {OSV_DIR}\n"
    result = _deps(_run(repo, text))
    assert result.status is Status.ERROR
    assert "days old" in (result.error or "") and "checks.deps.max_age_days (7)" in (result.error or "")


def test_an_unreadable_lock_file_is_an_error_naming_its_line(repo: Path) -> None:
    """A requirement that does not parse: ERROR with file and line, never a pass."""
    commit(repo, {"requirements.txt": "requests==2.30.0\nnot a requirement ===\n"})
    result = _deps(_run(repo, _policy()))
    assert result.status is Status.ERROR and "requirements.txt:2" in (result.error or "")


@pytest.mark.parametrize("rule", ["CVE-2023-37920", "PYSEC-2023-135", "GHSA-xqr8-7jwr-rhp7"])
def test_a_waiver_by_any_alias_applies_until_it_expires(repo: Path, rule: str) -> None:
    """A waiver naming the advisory by its CVE, PYSEC or GHSA id (reason, approver, expiry) waives it
    and the check passes; once expired it no longer applies, blocks again and is reported expired."""
    commit(repo, {"requirements.txt": "certifi==2022.12.7\n"})
    for expires, state, status in (
        (date.today() + timedelta(days=30), "applied", Status.PASSED),
        (date.today() - timedelta(days=1), "expired", Status.FAILED),
    ):
        waiver = (
            f"[{{id: etugra, check: deps, rule: {rule}, reason: 'no TLS client uses certifi; upgrade in 2.4', "
            f"approver: security@example.com, expires: {expires.isoformat()}}}]"
        )
        verdict = _run(repo, _policy(waivers=waiver))
        result = _deps(verdict)
        assert ([w.state for w in verdict.waivers], result.status) == ([state], status)
        waived = [w.finding.rule for w in result.waived]
        assert waived == (["GHSA-xqr8-7jwr-rhp7"] if state == "applied" else [])
        assert [f.rule for f in result.blocking] == ([] if state == "applied" else ["GHSA-xqr8-7jwr-rhp7"])


def test_a_rule_only_waiver_is_for_deps_only() -> None:
    """An advisory id alone is precise enough to waive for deps; other checks still need a path or fingerprint."""
    waiver = "[{id: w, check: %s, rule: B608, reason: 'reviewed and accepted', approver: a, expires: 2999-01-01}]"
    parse_policy(_policy(waivers=waiver % "deps"))
    with pytest.raises(Exception, match="waivers"):
        parse_policy("version: 1\nchecks:\n  sast: {}\nwaivers: " + waiver % "sast" + "\n")


def test_ranges_are_not_pinned_findings_and_the_policy_decides(repo: Path) -> None:
    """pyproject.toml ranges cannot be audited: CG-DEPS-NOT-PINNED, medium (not blocking at high);
    a severity override makes them block."""
    commit(repo, {"pyproject.toml": '[project]\nname = "svc"\nversion = "1"\ndependencies = ["requests>=2.31"]\n'})
    result = _deps(_run(repo, _policy()))
    (finding,) = result.findings
    assert (finding.rule, finding.severity, finding.path, finding.line) == (
        "CG-DEPS-NOT-PINNED",
        Severity.MEDIUM,
        "pyproject.toml",
        4,
    )
    assert result.status is Status.PASSED and "requests >=2.31" in finding.message
    strict = _deps(_run(repo, _policy("    severity: {CG-DEPS-NOT-PINNED: high}\n")))
    assert strict.status is Status.FAILED and [f.rule for f in strict.blocking] == ["CG-DEPS-NOT-PINNED"]


def test_an_environment_folder_is_audited(repo: Path, tmp_path: Path) -> None:
    """`environment: PATH` audits the distributions installed there (by pip, here), not the gate's own."""
    wheel = make_wheel(tmp_path, "certifi", "2022.12.7")
    site = repo / "build" / "site-packages"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--target", str(site), str(wheel)]
    subprocess.run(pip, check=True, capture_output=True)
    commit(repo, {"app.py": "x = 1\n"})
    result = _deps(_run(repo, _policy("    environment: build/site-packages\n")))
    (finding,) = result.findings
    assert finding.rule == "GHSA-xqr8-7jwr-rhp7" and finding.path is None
    assert finding.properties["environment"] == "environment:build/site-packages"
    missing = _deps(_run(repo, _policy("    environment: no-such-venv\n")))
    assert missing.status is Status.ERROR and "no-such-venv is not a virtual environment" in (missing.error or "")


def test_reports_show_the_deps_table_and_sarif_points_at_the_lock_line(repo: Path) -> None:
    """Markdown and HTML draw the deps table; SARIF has one rule per advisory with the OSV link as
    helpUri and results at the lock file line."""
    commit(repo, {"requirements.txt": LOCK})
    verdict = _run(repo, _policy())
    md = markdown.render(verdict)
    assert "### Vulnerable dependencies (requirements.txt)" in md
    assert "| certifi | 2022.12.7 | 2023.7.22 | GHSA-xqr8-7jwr-rhp7 (PYSEC-2023-135, CVE-2023-37920) | high |" in md
    assert "no fixed version published" in md and "no fixed version published" in html.render(verdict)
    log = json.loads(sarif.render(verdict))
    (deps_run,) = [r for r in log["runs"] if r["tool"]["driver"]["name"] == "compliance-gate deps"]
    rules = {r["id"]: r for r in deps_run["tool"]["driver"]["rules"]}
    assert rules["GHSA-j8r2-6x86-q33q"]["helpUri"] == "https://osv.dev/vulnerability/GHSA-j8r2-6x86-q33q"
    located = {(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in deps_run["results"]}
    assert ("GHSA-j8r2-6x86-q33q", 2) in located and ("GHSA-w596-4wvx-j9j6", 3) in located


def test_the_cli_caches_the_export_index_and_answers_the_same(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With the engine cache on, the second run reads the export's index from .compliance-gate/deps.sqlite3."""
    commit(repo, {"requirements.txt": LOCK, "policies/compliance-gate.yaml": _policy()})
    out = repo.parent / "out"
    codes = [main(["run", str(repo), "--only", "deps", "--out", str(out), "--format", "json"]) for _ in range(2)]
    capsys.readouterr()
    assert codes == [1, 1] and (repo / ".compliance-gate" / "deps.sqlite3").is_file()
    data = json.loads((out / "verdict.json").read_text())
    (result,) = data["checks"]
    assert result["metrics"]["database"]["cache"] == "hit"
    assert {f["rule"] for f in result["findings"]} >= {"GHSA-j8r2-6x86-q33q", "GHSA-w596-4wvx-j9j6"}


def test_a_baseline_hides_todays_advisories_and_new_ones_block(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`compliance-gate baseline --check deps` records today's advisories; the next run waives them
    (by: baseline), counts them, and blocks only an advisory that is new; entries nothing matches
    any more are listed as stale."""
    commit(repo, {"requirements.txt": "certifi==2022.12.7\npy==1.11.0\n", "policies/compliance-gate.yaml": _policy()})
    assert main(["baseline", str(repo), "--check", "deps"]) == 0
    assert "wrote 2 accepted advisories" in capsys.readouterr().out
    written = json.loads((repo / ".deps-baseline.json").read_text())
    assert [(e["package"], e["advisory"]) for e in written["entries"]] == [
        ("certifi", "GHSA-xqr8-7jwr-rhp7"),
        ("py", "GHSA-w596-4wvx-j9j6"),
    ]
    assert written["entries"][0]["aliases"] == ["CVE-2023-37920", "PYSEC-2023-135"]
    commit(repo, message="adopt the deps check with a baseline")
    adopted = _deps(_run(repo, _policy()))
    assert adopted.status is Status.PASSED and adopted.findings == ()
    assert {w.by for w in adopted.waived} == {"baseline:.deps-baseline.json"}
    assert adopted.counts["baselined"] == 2 and adopted.metrics["baseline"] == {
        "file": ".deps-baseline.json",
        "hidden": 2,
        "stale": [],
    }
    commit(repo, {"requirements.txt": "certifi==2023.7.22\npy==1.11.0\ncryptography==41.0.5\n"})
    later = _deps(_run(repo, _policy()))
    assert [f.rule for f in later.blocking] == ["GHSA-jfhm-5ghh-2f97"]
    assert later.metrics["baseline"]["stale"] == ["certifi GHSA-xqr8-7jwr-rhp7"]  # type: ignore[index]


def test_a_broken_baseline_is_an_error_and_so_is_baselining_what_cannot_be_audited(repo: Path) -> None:
    """A baseline file that is not the format makes the check ERROR; `baseline --check deps` refuses
    to write one when the check could not evaluate (here: no manifest)."""
    commit(repo, {"requirements.txt": "certifi==2022.12.7\n", ".deps-baseline.json": '{"entries": []}'})
    broken = _deps(_run(repo, _policy()))
    assert broken.status is Status.ERROR and ".deps-baseline.json: not a version 1 deps baseline" in (
        broken.error or ""
    )
    empty = repo.parent / "empty"
    commit(init_repo(empty), {"README.md": "x\n", "policies/compliance-gate.yaml": _policy()})
    assert main(["baseline", str(empty), "--check", "deps"]) == 2
    assert not (empty / ".deps-baseline.json").exists()


def test_an_api_answer_the_records_do_not_confirm_is_shown(repo: Path) -> None:
    """The records decide, online as offline; an advisory the API lists for a version its own ranges
    do not hold is no finding, but is listed in the metrics (a disagreement is never silent)."""
    commit(repo, {"requirements.txt": "requests==2.32.2\n"})
    with osv_server(records(), OsvBehaviour(inject=("PYSEC-2024-1",))) as (url, _):
        text = f"version: 1\nchecks:\n  deps:\n    api_url: {url}\n    target: {LINUX}\n"
        result = _deps(_run(repo, text))
    assert result.status is Status.PASSED and result.findings == ()
    assert result.metrics["api_unconfirmed"] == ["requests 2.32.2 PYSEC-2024-1"]
