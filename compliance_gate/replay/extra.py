"""The replay's third-party engines come with an extra: `pip install 'compliance-gate[replay]'`.

DuckDB (staging and folding), SQLAlchemy (a reporting database by URL) and maxminddb (geo rules)
are not in the default install, which a pre-commit hook pulls. A check that needs one that is
missing is an error naming the extra: it can never pass without them.
"""

from __future__ import annotations

from compliance_gate.errors import CheckFailure

EXTRA = "replay"
INSTALL = "pip install 'compliance-gate[replay]'"


class MissingExtra(CheckFailure):
    """A package of the `replay` extra is not installed."""

    def __init__(self, package: str) -> None:
        super().__init__(f"the replay engine needs {package}, which is not installed: {INSTALL}")
