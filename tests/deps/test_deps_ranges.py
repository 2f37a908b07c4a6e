"""OSV range evaluation on real advisories: affected or not, and the first fixed version."""

from __future__ import annotations

import json

import pytest
from depsutil import OSV_DIR
from packaging.version import Version

from compliance_gate.deps.osv import parse_advisory
from compliance_gate.deps.ranges import RangeError, match

# (record, package, version, affected, first fixed version or None)
CASES = [
    ("PYSEC-2023-74", "requests", "2.30.0", True, "2.31.0"),
    ("PYSEC-2023-74", "requests", "2.31.0", False, None),
    ("PYSEC-2023-74", "requests", "2.2.1", False, None),  # introduced in 2.3.0
    ("PYSEC-2023-74", "requests", "2.3.0", True, "2.31.0"),
    ("PYSEC-2018-28", "requests", "2.19.1", True, "2.20.0"),
    ("PYSEC-2018-28", "requests", "0.2.0", True, "2.20.0"),  # introduced "0": from the first release
    ("PYSEC-2015-17", "requests", "2.5.3", True, "2.6.0"),  # a GIT range beside the ECOSYSTEM one
    ("PYSEC-2015-17", "requests", "2.0.1", False, None),
    # Django's record lists three branches, newest first: events are evaluated in version order
    ("PYSEC-2023-100", "django", "4.2.2", True, "4.2.3"),
    ("PYSEC-2023-100", "django", "4.1.9", True, "4.1.10"),
    ("PYSEC-2023-100", "django", "3.2.19", True, "3.2.20"),
    ("PYSEC-2023-100", "django", "4.2.3", False, None),
    ("PYSEC-2023-100", "django", "4.1.10", False, None),
    ("PYSEC-2023-100", "django", "3.1.14", False, None),
    ("GHSA-jh3w-4vvf-mjgr", "django", "4.0.0", True, "4.1.10"),  # "Django" in the record, normalised
    ("GHSA-jh3w-4vvf-mjgr", "django", "4.2", True, "4.2.3"),  # 4.2 == 4.2.0
    # urllib3: two branches given out of order (2.0.0-2.0.7 first, then 0-1.26.18)
    ("PYSEC-2023-212", "urllib3", "1.26.17", True, "1.26.18"),
    ("PYSEC-2023-212", "urllib3", "2.0.6", True, "2.0.7"),
    ("PYSEC-2023-212", "urllib3", "1.26.18", False, None),
    ("PYSEC-2023-212", "urllib3", "2.0.7", False, None),
    ("PYSEC-2023-212", "urllib3", "2.0.0a1", False, None),  # a pre-release before the 2.0.0 branch opens
    # last_affected: affected up to and including 1.11.0, and no fix
    ("PYSEC-2022-42969", "py", "1.11.0", True, None),
    ("PYSEC-2022-42969", "py", "1.4.34", True, None),
    ("GHSA-w596-4wvx-j9j6", "py", "1.11.0", True, None),
    # certifi's calendar versions, written zero-padded by GitHub and plain by PyPA
    ("GHSA-xqr8-7jwr-rhp7", "certifi", "2022.12.7", True, "2023.7.22"),
    ("PYSEC-2023-135", "certifi", "2023.7.22", False, None),
    ("PYSEC-2023-135", "certifi", "2015.4.28", True, "2023.7.22"),
    ("PYSEC-2023-135", "certifi", "2015.4.1", False, None),
    # a `versions` list and no ranges (a malicious release)
    ("PYSEC-2024-1", "gratient", "0.5", True, None),
    ("PYSEC-2024-1", "gratient", "0.4", False, None),
    ("PYSEC-2021-112", "pywin32", "300", True, "301"),
    ("PYSEC-2021-112", "pywin32", "301", False, None),
    ("PYSEC-2023-254", "cryptography", "41.0.5", True, "41.0.6"),
    ("PYSEC-2023-254", "cryptography", "3.0", False, None),
    ("PYSEC-2023-254", "requests", "2.30.0", False, None),  # another package
]


def _advisory(ident: str):  # type: ignore[no-untyped-def]
    return parse_advisory(json.loads((OSV_DIR / f"{ident}.json").read_text()))


@pytest.mark.parametrize(("ident", "package", "version", "affected", "fixed"), CASES)
def test_range_evaluation(ident: str, package: str, version: str, affected: bool, fixed: str | None) -> None:
    """Whether a real advisory affects a version, and the first release that fixes it."""
    found = match(_advisory(ident), package, Version(version))
    assert (found is not None) is affected
    if found:
        assert (str(found.fixed) if found.fixed else None) == fixed


def test_last_affected_is_reported() -> None:
    """An interval closed by `last_affected` has no fix and says which release was last affected."""
    found = match(_advisory("PYSEC-2022-42969"), "py", Version("1.10.0"))
    assert found is not None and found.fixed is None and str(found.last_affected) == "1.11.0"


def test_limit_event_bounds_the_range() -> None:
    """A `limit` event puts the versions at or above it outside the range."""
    record = json.loads((OSV_DIR / "PYSEC-2018-28.json").read_text())
    record["affected"][0]["ranges"][0]["events"] = [{"introduced": "0"}, {"limit": "1.0.0"}]
    advisory = parse_advisory(record)
    assert match(advisory, "requests", Version("0.14.2")) is not None
    assert match(advisory, "requests", Version("2.19.1")) is None


def test_unreadable_range_without_versions_is_an_error() -> None:
    """A range whose versions are not PEP 440, with no `versions` list to fall back on, cannot be evaluated."""
    record = json.loads((OSV_DIR / "PYSEC-2018-28.json").read_text())
    record["affected"][0]["ranges"][0]["events"] = [{"introduced": "0"}, {"fixed": "not a version"}]
    with pytest.raises(RangeError, match="PYSEC-2018-28"):
        match(parse_advisory(record), "requests", Version("2.19.1"))
    record["affected"][0]["versions"] = ["2.19.1"]
    assert match(parse_advisory(record), "requests", Version("2.19.1")) is not None
