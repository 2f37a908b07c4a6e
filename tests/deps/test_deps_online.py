"""The OSV API path against a real OSV-compatible server on loopback, serving the fixture's records."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from depsutil import FRESH, LINUX, OSV_DIR, WINDOWS, OsvBehaviour, osv_server, records

from compliance_gate.deps import (
    AdvisoryApiError,
    AuditResult,
    DepsOptions,
    OsvApi,
    OsvExport,
    advisory_source,
    audit,
    read_dependencies,
)

LOCK = (
    "requests==2.30.0\ndjango==4.2.2\ncryptography==41.0.5\npy==1.11.0\naiohttp==3.8.1\n"
    "urllib3==2.0.6\ncertifi==2022.12.7\ngratient==0.5\npywin32==300 ; sys_platform == 'win32'\n"
    "jinja2==3.1.4\nidna==3.7\n"
)

ON_LINUX = {
    ("requests", "GHSA-j8r2-6x86-q33q"),
    ("requests", "GHSA-9wx4-h78v-vm56"),
    ("django", "GHSA-jh3w-4vvf-mjgr"),
    ("cryptography", "GHSA-jfhm-5ghh-2f97"),
    ("py", "GHSA-w596-4wvx-j9j6"),
    ("urllib3", "PYSEC-2023-212"),
    ("certifi", "GHSA-xqr8-7jwr-rhp7"),
    ("gratient", "PYSEC-2024-1"),
}


def _api(url: str, **kwargs: object) -> OsvApi:
    return OsvApi(url, backoff_s=0.01, **kwargs)  # type: ignore[arg-type]


def _run(root: Path, source: object, target: dict[str, str] = LINUX) -> AuditResult:
    (root / "requirements.txt").write_text(LOCK)
    opts = DepsOptions(target=target)
    return audit(read_dependencies(root, opts), source, opts, now=FRESH)  # type: ignore[arg-type]


@pytest.mark.parametrize("target", [LINUX, WINDOWS])
def test_online_and_offline_give_the_same_findings(tmp_path: Path, target: dict[str, str]) -> None:
    """The API and the export, holding the same records, report exactly the same vulnerabilities."""
    offline = _run(tmp_path, OsvExport(OSV_DIR), target)
    with osv_server(records()) as (url, state):
        online = _run(tmp_path, _api(url), target)
    assert online.vulnerabilities == offline.vulnerabilities
    assert online.withdrawn == offline.withdrawn == ("PYSEC-2022-43059",)
    expected = ON_LINUX if target is LINUX else {*ON_LINUX, ("pywin32", "PYSEC-2021-112")}
    assert {(v.package, v.advisory) for v in online.vulnerabilities} == expected
    assert online.source.kind == "online" and online.source.location == url
    assert state.requests[0] == "POST /v1/querybatch"


def test_the_policy_options_reach_the_api(tmp_path: Path) -> None:
    """Without `database`, `advisory_source` asks the API at `api_url`."""
    with osv_server(records()) as (url, _):
        opts = DepsOptions(api_url=url, target=LINUX)
        source = advisory_source(tmp_path, opts)
        assert isinstance(source, OsvApi)
        assert {v.package for v in _run(tmp_path, source).vulnerabilities} >= {"requests", "django"}


def test_transient_5xx_answers_are_retried(tmp_path: Path) -> None:
    """Two 503s, then answers: the retries succeed and the findings are complete."""
    with osv_server(records(), OsvBehaviour(fail=2)) as (url, state):
        result = _run(tmp_path, _api(url, retries=3))
    assert {(v.package, v.advisory) for v in result.vulnerabilities} == ON_LINUX
    assert state.requests[:3] == ["POST /v1/querybatch"] * 3


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_persistent_5xx_is_an_error_never_a_pass(tmp_path: Path, status: int) -> None:
    """An API that keeps failing is an error naming the URL and the offline alternative, after the retries."""
    with (
        osv_server(records(), OsvBehaviour(fail=-1, status=status)) as (url, state),
        pytest.raises(AdvisoryApiError) as caught,
    ):
        _run(tmp_path, _api(url, retries=2))
    message = str(caught.value)
    assert message.startswith(f"OSV API {url}/v1/querybatch: HTTP {status}")
    assert "after 3 attempts" in message and "checks.deps.database" in message
    assert len(state.requests) == 3


def test_a_timeout_is_an_error(tmp_path: Path) -> None:
    """An API slower than the timeout is an error (each attempt times out), not an empty answer."""
    expected = r"no answer within 0.2 s after 2 attempts"
    with osv_server(records(), OsvBehaviour(delay_s=1.5)) as (url, _), pytest.raises(AdvisoryApiError, match=expected):
        _run(tmp_path, _api(url, timeout_s=0.2, retries=1))


def test_an_unreachable_api_is_an_error(tmp_path: Path) -> None:
    """Nothing listening: an error with the URL and what to do offline."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(
        AdvisoryApiError, match=rf"OSV API {url}/v1/querybatch: unreachable .* set checks.deps.database"
    ):
        _run(tmp_path, _api(url, retries=1))


def test_a_listed_advisory_that_cannot_be_fetched_is_an_error(tmp_path: Path) -> None:
    """A record the API lists but will not serve (404) is an error, not a finding quietly dropped."""
    expected = r"/v1/vulns/GHSA-0000-0000-0000: HTTP 404"
    behaviour = OsvBehaviour(inject=("GHSA-0000-0000-0000",))
    with osv_server(records(), behaviour) as (url, _), pytest.raises(AdvisoryApiError, match=expected):
        _run(tmp_path, _api(url))


def test_warm_cache_fetches_only_the_batch_query(tmp_path: Path) -> None:
    """Records already fetched at the same `modified` come from the cache; only querybatch is asked again."""
    cache = tmp_path / ".compliance-gate" / "deps.sqlite3"
    with osv_server(records()) as (url, state):
        first = _run(tmp_path, _api(url, cache=cache))
        fetched = sum(r.startswith("GET") for r in state.requests)
        state.requests.clear()
        second = _run(tmp_path, _api(url, cache=cache))
    assert fetched >= 10 and state.requests == ["POST /v1/querybatch"]
    assert second.vulnerabilities == first.vulnerabilities
