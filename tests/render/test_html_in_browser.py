"""The HTML report as a person sees it: opened in headless Chromium (WebDriver), read off the page.

Both reports come from real runs (a git repository, a signing key, signed approvals). The test
reads what is rendered, not the markup: the banner's text and colour, the sign-off table's
rows, the masked card number; and keeps a screenshot of each page in the test's tmp folder.
"""

from __future__ import annotations

from pathlib import Path

from browser import webdriver
from gitutil import commit, git, init_repo

from compliance_gate.cli import main
from compliance_gate.pii.cards import luhn_complete

POLICY = """version: 1
checks:
  pii: {}
  change-scope:
    rules:
      - {name: payments-code, paths: ["src/payments/**"], require: {security: 1}}
"""
GREEN = "rgba(26, 127, 55, 1)"  # the PASS banner's #1a7f37


def _release(tmp: Path, files: dict[str, str]) -> tuple[Path, Path]:
    """A signed verdict of a release touching payments code, and bob's reject of it."""
    repo = init_repo(tmp / "repo")
    commit(repo, {"src/payments/charge.py": "x = 1\n"}, "base")
    git(repo, "checkout", "-q", "-b", "release")
    commit(repo, {"src/payments/charge.py": "x = 2\n", **files}, "release")
    (tmp / "policy.yaml").write_text(POLICY)
    for who in ("gate", "bob"):
        assert main(["keygen", "--out", str(tmp / who)]) == 0
    (tmp / "roster.yaml").write_text("version: 1\npeople:\n  bob:\n    roles: [security]\n    keys: [bob.pub]\n")
    out = tmp / "out"
    run = ["run", str(repo), "--since", "main", "--policy", str(tmp / "policy.yaml"), "--out", str(out)]
    assert main([*run, "--sign-key", str(tmp / "gate.key"), "--no-cache", "--format", "json"]) in (0, 1)
    env = out / "verdict.dsse.json"
    signoff = ["sign-off", str(env), "--key", str(tmp / "bob.key"), "--as", "bob", "--role", "security", "--reject"]
    assert main([*signoff, "--comment", "refund path untested", "--out", str(tmp / "approvals" / "bob.json")]) == 0
    page = tmp / "report.html"
    report = ["report", str(env), "--format", "html", "-o", str(page), "--roster", str(tmp / "roster.yaml")]
    assert main([*report, "--approvals", str(tmp / "approvals")]) == 0
    return page, out


def test_a_rejected_release_shows_blocked_with_who_and_why(tmp_path: Path) -> None:
    """A PASS verdict whose sign-off bob rejected: the banner reads BLOCKED and is not green; the
    sign-off table shows bob's reject with its time and comment."""
    page, _ = _release(tmp_path, {"README.md": "docs\n"})
    with webdriver(tmp_path / "profile") as driver:
        driver.get(page.as_uri())
        banner = driver.find_element("id", "banner")
        assert banner.text.splitlines()[0] == "BLOCKED (verdict: PASS)"
        assert "rejected by bob as security" in banner.text and "refund path untested" in banner.text
        assert banner.value_of_css_property("background-color") != GREEN
        rows = [r.text for r in driver.find_elements("css selector", "#signoffs ~ table tr")]
        decision = next(r for r in rows if r.startswith("security bob reject"))
        assert "refund path untested" in decision and "T" in decision.split()[3]  # When: an ISO time
        assert "BLOCKED: rejected by bob" in driver.find_element("id", "signoff-state").text
        driver.save_screenshot(str(tmp_path / "blocked.png"))
    assert (tmp_path / "blocked.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_card_number_shows_only_masked_and_the_next_steps(tmp_path: Path) -> None:
    """A FAIL for a planted card number: the page shows FAIL in red, the masked number, never the
    raw one (neither in the text a person reads nor anywhere in the page), and what to do next."""
    pan = luhn_complete("453201" + "3" * 9)
    page, _ = _release(tmp_path, {"app/pay.py": f'CARD = "{pan}"\n'})
    with webdriver(tmp_path / "profile") as driver:
        driver.get(page.as_uri())
        banner = driver.find_element("id", "banner")
        assert banner.text.splitlines()[0] == "Verdict: FAIL"
        assert banner.value_of_css_property("background-color") == "rgba(207, 34, 46, 1)"
        body = driver.find_element("tag name", "body").text
        assert f"{pan[:6]}******{pan[-4:]}" in body
        assert pan not in body and pan not in driver.page_source
        assert "What to do next" in body and "Waive one finding" in body and "fingerprint:" in body
        driver.save_screenshot(str(tmp_path / "fail.png"))
    assert (tmp_path / "fail.png").stat().st_size > 10_000
