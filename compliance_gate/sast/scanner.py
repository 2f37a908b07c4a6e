"""The worker side of the sast check: one batch of files through bandit, out as findings.

`scan_batch` is what the engine's `scan_files` runs in worker processes (pickled by reference,
so it lives at module level and imports bandit lazily). Each file's outcome carries every issue
bandit's tests raised for the policy's test selection, whatever its severity, with a `nosec`
property when a `# nosec` comment covers it; thresholds, per-path rules and the nosec policy are
applied afterwards (`sast.policy`), so the per-file result depends only on the file and the test
selection.
"""

from __future__ import annotations

import ast
import re
import sys
import warnings
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from compliance_gate.fingerprint import Fingerprinter, stamp
from compliance_gate.model import Finding, JSONValue, Severity
from compliance_gate.sast.options import SastOptions
from compliance_gate.scanning.jobs import FileJob, FileOutcome

if TYPE_CHECKING:
    from bandit.core.issue import Issue

CHECK_ID = "sast"
UNPARSED = "CG-SAST-UNPARSED"
PYTHON = ".".join(map(str, sys.version_info[:2]))
SEVERITY = {"UNDEFINED": Severity.INFO, "LOW": Severity.LOW, "MEDIUM": Severity.MEDIUM, "HIGH": Severity.HIGH}
FINGERPRINT_LINES = 5
"""A finding's fingerprint covers at most this many lines from its first: a webhook rule's node
is a whole function, and editing its body should not make the finding new."""
MIN_REASON_CHARS = 8
_NOSEC = re.compile(r"#\s*nosec\b:?(?P<rest>.*)$", re.IGNORECASE)
_REASON_SPLIT = re.compile(r"\s(?:--|—)\s?|#")
_QUOTED = re.compile(r"'[^']*'")
_DIGITS = re.compile(r"\d(?:[ -]?\d){11,18}")
VALUE_IN_TEXT = frozenset({"B105", "B106", "B107"})
"""bandit's hardcoded-password tests put the password into their message text."""


def scan_batch(jobs: Sequence[FileJob], options: SastOptions, key: bytes) -> list[FileOutcome]:
    # deferred: bandit (bandit_run subclasses its manager at import; only workers need it)
    from compliance_gate.sast.bandit_run import NOSEC_ATTR, run_bandit

    mgr = run_bandit([j.abspath for j in jobs], options.profile())
    issues: dict[str, list[Issue]] = defaultdict(list)
    for issue in mgr.results:
        issues[issue.fname].append(issue)
    skipped = dict(mgr.get_skipped())
    fingerprints = Fingerprinter(key)
    out = []
    for job in jobs:
        if job.abspath in skipped:
            unparsed = _unparsed(job, skipped[job.abspath])
            out.append(FileOutcome(job.path, tuple(stamp(fingerprints, [(unparsed, "unparsed")]))))
        elif mgr.test_errors.get(job.abspath):
            first = mgr.test_errors[job.abspath][0]
            out.append(FileOutcome(job.path, error=f"{job.path}:{first}; the file was not fully evaluated"))
        else:
            found = issues.get(job.abspath, [])
            findings = _findings(job, found, mgr.sources[job.abspath], fingerprints, NOSEC_ATTR) if found else ()
            out.append(FileOutcome(job.path, findings))
    return out


def _unparsed(job: FileJob, reason: str) -> Finding:
    """A file bandit could not scan, as a CG-SAST-UNPARSED finding naming the line and why."""
    line = 1
    try:
        with open(job.abspath, "rb") as fh:
            source = fh.read()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source, filename=job.path)
        why = f"bandit could not scan this file ({reason})"
    except SyntaxError as exc:  # the usual reason; name the line, never the source text
        line = exc.lineno or 1
        why = f"Python {PYTHON} cannot parse this file ({exc.msg})"
    except (OSError, ValueError) as exc:
        why = f"bandit could not scan this file ({type(exc).__name__}: {reason})"
    return Finding(
        check=CHECK_ID,
        rule=UNPARSED,
        severity=Severity.MEDIUM,
        message=f"{why}: it was not analysed. Run the gate on the Python version the code targets, "
        "or exclude the file from the sast check",
        path=job.path,
        line=line,
        column=1,
        properties={"confidence": "high"},
    )


def _findings(
    job: FileJob, issues: list[Issue], source: bytes, fingerprints: Fingerprinter, nosec_attr: str
) -> tuple[Finding, ...]:
    text = source.decode("utf-8", "replace")
    # Line numbers are the parser's: only \n, \r\n and \r end a line (not \f, as splitlines has it).
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    issues.sort(key=lambda i: (i.lineno or 0, i.col_offset, i.test_id))
    pairs = [(_finding(job, i, lines, nosec_attr), _content(i, lines)) for i in issues]
    return tuple(stamp(fingerprints, pairs))


def _finding(job: FileJob, issue: Issue, lines: list[str], nosec_attr: str) -> Finding:
    props: dict[str, JSONValue] = {
        "cwe": f"CWE-{issue.cwe.id}" if issue.cwe.id else None,
        "confidence": str(issue.confidence).lower(),
        "test_name": issue.test,
        "end_column": issue.end_col_offset or None,
        "line_range": [min(issue.linerange), max(issue.linerange)] if issue.linerange else None,
    }
    nosec = _nosec_state(issue, lines, nosec_attr)
    if nosec is not None:
        props["nosec"] = nosec
    return Finding(
        check=CHECK_ID,
        rule=issue.test_id,
        severity=SEVERITY.get(str(issue.severity), Severity.INFO),
        message=safe_message(issue.test_id, issue.text),
        path=job.path,
        line=issue.lineno,
        column=max(issue.col_offset, 0) + 1,
        properties=props,
    )


def _nosec_state(issue: Issue, lines: list[str], nosec_attr: str) -> str | None:
    """ "reason" / "bare" when a `# nosec` would make bandit drop this issue, else None."""
    found = getattr(issue, nosec_attr, None)
    if found is None:
        return None
    tests, comment_lines = found
    if tests and issue.test_id not in tests:
        return None  # a nosec naming other tests does not cover this one (bandit reports it)
    texts = [lines[n - 1] if 0 < n <= len(lines) else "" for n in comment_lines]
    return "reason" if texts and all(has_reason(t) for t in texts) else "bare"


def has_reason(line: str) -> bool:
    """`# nosec B602 -- only our own constant command` carries a reason; `# nosec B602` does not."""
    matches = list(_NOSEC.finditer(line))
    if not matches:
        return False
    parts = _REASON_SPLIT.split(matches[-1].group("rest"), maxsplit=1)
    return len(parts) == 2 and len(parts[1].strip()) >= MIN_REASON_CHARS


def safe_message(test_id: str, text: str) -> str:
    """bandit's text, minus values it interpolates (passwords for B105-B107, card-like digits)."""
    if test_id in VALUE_IN_TEXT:
        text = _QUOTED.sub("'<redacted>'", text)
    return _DIGITS.sub("<digits>", text)


def _content(issue: Issue, lines: list[str]) -> str:
    """What the fingerprint covers: the rule's lines, whitespace-normalised (survives moves)."""
    first = issue.lineno or 1
    last = max(issue.linerange) if issue.linerange else first
    chunk = lines[first - 1 : min(last, first + FINGERPRINT_LINES - 1)]
    return "\n".join(" ".join(line.split()) for line in chunk)
