"""The audit over the real-advisory export: what fails, with which advisory, fix and line; what passes."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from depsutil import FRESH, LINUX, LOCKS, OSV_DIR, WINDOWS

from compliance_gate.deps import AuditResult, DepsOptions, StaleDatabaseError, advisory_source, audit, read_dependencies
from compliance_gate.model import Severity


def _audit(root: Path, lock: str, target: dict[str, str] = LINUX, **options: object) -> AuditResult:
    (root / "requirements.txt").write_text(lock)
    opts = DepsOptions(database=OSV_DIR, target=target, **options)  # type: ignore[arg-type]
    return audit(read_dependencies(root, opts), advisory_source(root, opts), opts, now=FRESH)


def _found(result: AuditResult) -> set[tuple[str, str, str, str | None]]:
    return {(v.package, v.version, v.advisory, v.fixed_in) for v in result.vulnerabilities}


def test_affected_pins_fail_with_the_advisory_and_the_fix(tmp_path: Path) -> None:
    """Each affected pin yields its advisories (aliases folded into one), the first fix and the lock file line."""
    result = _audit(tmp_path, "# service pins\nrequests==2.30.0\nDjango==4.2.2\ncryptography==41.0.5\n")
    assert _found(result) == {
        ("requests", "2.30.0", "GHSA-j8r2-6x86-q33q", "2.31.0"),
        ("requests", "2.30.0", "GHSA-9wx4-h78v-vm56", "2.32.2"),
        ("django", "4.2.2", "GHSA-jh3w-4vvf-mjgr", "4.2.3"),
        ("cryptography", "41.0.5", "GHSA-jfhm-5ghh-2f97", "41.0.6"),
    }
    proxy = next(v for v in result.vulnerabilities if v.advisory == "GHSA-j8r2-6x86-q33q")
    assert proxy.aliases == ("PYSEC-2023-74", "CVE-2023-32681")
    assert (proxy.path, proxy.line, proxy.severity, proxy.score) == ("requirements.txt", 2, Severity.MEDIUM, 6.1)
    assert proxy.link == "https://osv.dev/vulnerability/GHSA-j8r2-6x86-q33q"
    assert "Proxy-Authorization" in proxy.summary
    crypto = next(v for v in result.vulnerabilities if v.package == "cryptography")
    assert (crypto.severity, crypto.line) == (Severity.CRITICAL, 4)
    assert set(crypto.ids) == {"GHSA-jfhm-5ghh-2f97", "PYSEC-2023-254", "CVE-2023-49083"}
    django = next(v for v in result.vulnerabilities if v.package == "django")
    assert (django.severity, django.aliases) == (Severity.HIGH, ("PYSEC-2023-100", "CVE-2023-36053"))


def test_fixed_versions_pass(tmp_path: Path) -> None:
    """The first fixed release of every advisory in the export is clean."""
    result = _audit(
        tmp_path, "requests==2.32.2\ndjango==4.2.3\ncryptography==41.0.6\nurllib3==1.26.18\njinja2==3.1.4\n"
    )
    assert result.vulnerabilities == () and result.errors == ()
    assert result.scanned == 5


def test_a_marker_that_excludes_the_platform_is_honoured(tmp_path: Path) -> None:
    """pywin32 300 (affected) is not installed on Linux, so not reported; on Windows it is, fixed in 301."""
    lock = "pywin32==300 ; sys_platform == 'win32'\n"
    linux = _audit(tmp_path, lock, LINUX)
    assert linux.vulnerabilities == () and [s.name for s in linux.dependencies.skipped] == ["pywin32"]
    windows = _audit(tmp_path, lock, WINDOWS)
    assert _found(windows) == {("pywin32", "300", "PYSEC-2021-112", "301")}
    (vuln,) = windows.vulnerabilities
    assert vuln.severity is Severity.HIGH and vuln.severity_basis.startswith("unrated")


def test_an_advisory_without_a_fix_says_so(tmp_path: Path) -> None:
    """py 1.11.0 is affected up to its last release: no fixed version, last affected 1.11.0."""
    (vuln,) = _audit(tmp_path, "py==1.11.0\n").vulnerabilities
    assert (vuln.advisory, vuln.fixed_in, vuln.last_affected) == ("GHSA-w596-4wvx-j9j6", None, "1.11.0")
    assert vuln.severity is Severity.MEDIUM


def test_withdrawn_advisories_are_ignored(tmp_path: Path) -> None:
    """aiohttp 3.8.1's only advisory was withdrawn: no finding, and the withdrawn id is listed."""
    result = _audit(tmp_path, "aiohttp==3.8.1\n")
    assert result.vulnerabilities == () and result.withdrawn == ("PYSEC-2022-43059",)
    assert result.metrics["withdrawn_ignored"] == 1


def test_metrics_name_the_file_the_packages_and_the_severities(tmp_path: Path) -> None:
    """The verdict's metrics: file read, packages, not pinned, advisories per severity, the database used."""
    result = _audit(tmp_path, "requests==2.30.0\ndjango==4.2.2\npy==1.11.0\nflask>=2\n")
    metrics = result.metrics
    assert (metrics["file"], metrics["kind"], metrics["packages"], metrics["not_pinned"]) == (
        "requirements.txt",
        "requirements",
        3,
        1,
    )
    assert metrics["advisories"] == {"critical": 0, "high": 1, "medium": 3, "low": 0, "info": 0}
    assert metrics["vulnerable_packages"] == 3
    database = metrics["database"]
    assert (database["kind"], database["records"], database["records_read"]) == ("offline", 20, 10)  # type: ignore[index, call-overload]


def test_a_real_uv_lock_end_to_end(tmp_path: Path) -> None:
    """uv's lock of the test project: findings at the lock file lines uv wrote."""
    shutil.copy(LOCKS / "uv" / "uv.lock", tmp_path / "uv.lock")
    opts = DepsOptions(database=OSV_DIR, target=LINUX)
    result = audit(read_dependencies(tmp_path, opts), advisory_source(tmp_path, opts), opts, now=FRESH)
    lines = (LOCKS / "uv" / "uv.lock").read_text().splitlines()
    assert {(v.package, v.advisory) for v in result.vulnerabilities} >= {
        ("requests", "GHSA-j8r2-6x86-q33q"),
        ("django", "GHSA-jh3w-4vvf-mjgr"),
        ("urllib3", "PYSEC-2023-212"),
        ("py", "GHSA-w596-4wvx-j9j6"),
        ("jinja2", "GHSA-h5c8-rqwp-cp95"),
    }
    for vuln in result.vulnerabilities:
        assert vuln.line is not None and lines[vuln.line - 1] == f'name = "{vuln.package}"'


def test_a_stale_export_stops_the_audit(tmp_path: Path) -> None:
    """Past max_age_days the audit raises: a stale database never produces a result."""
    (tmp_path / "requirements.txt").write_text("requests==2.32.2\n")
    opts = DepsOptions(database=OSV_DIR, max_age_days=7)
    with pytest.raises(StaleDatabaseError):
        audit(read_dependencies(tmp_path, opts), advisory_source(tmp_path, opts), opts, now=FRESH + timedelta(days=7))


def test_a_version_that_cannot_be_compared_is_an_error(tmp_path: Path) -> None:
    """A pin that is not PEP 440 cannot be matched: an error naming its line, not a silent pass."""
    result = _audit(tmp_path, "requests==2.32.2\nlegacy-lib===2004d-final\n")
    assert result.errors == (
        "requirements.txt:2: legacy-lib '2004d-final' is not a PEP 440 version; cannot match advisories",
    )
