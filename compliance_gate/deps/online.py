"""The OSV API (https://google.github.io/osv.dev/api/): `POST /v1/querybatch`, then `GET /v1/vulns/{id}`.

The batch query names the advisories OSV matches to each (package, version), with their
`modified` times; the full records come from `/v1/vulns/{id}` (from the warm cache when the same
`modified` was fetched before) and are evaluated by the engine like an export's. Every request
has a timeout; connection failures, timeouts, 429 and 5xx answers are retried with exponential
backoff; what still fails is an `AdvisoryApiError` naming the URL and the offline alternative,
never an empty (passing) answer.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import orjson

from compliance_gate.deps.cache import AdvisoryCache
from compliance_gate.deps.errors import AdvisoryApiError
from compliance_gate.deps.options import DEFAULT_API_URL
from compliance_gate.deps.osv import ECOSYSTEM, Advisory, RecordError, parse_advisory
from compliance_gate.deps.source import Lookup, Query, SourceInfo
from compliance_gate.model import JSONValue

BATCH_SIZE = 1000  # OSV's limit of queries per querybatch request
MAX_PAGES = 50
MAX_BODY = 64 << 20


class OsvApi:
    """`AdvisorySource` over an OSV-compatible HTTP API (osv.dev by default)."""

    def __init__(
        self,
        url: str = DEFAULT_API_URL,
        *,
        timeout_s: float = 10.0,
        retries: int = 3,
        backoff_s: float = 0.5,
        cache: Path | None = None,
        workers: int = 8,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.workers = workers
        self._sleep = sleep
        self._cache = AdvisoryCache(cache) if cache else None

    def open(self, now: datetime) -> SourceInfo:
        if urllib.parse.urlsplit(self.url).scheme not in ("http", "https"):
            raise AdvisoryApiError(self.url, "not an http(s) URL")
        state = "on" if self._cache and self._cache.usable else "off"
        return SourceInfo("online", self.url, cache=state)

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()

    def lookup(self, queries: Sequence[Query]) -> Lookup:
        matched = self._query_batch(list(queries))
        wanted = sorted({pair for pairs in matched for pair in pairs})
        cached = self._cache.api_records(wanted) if self._cache else {}
        missing = [ident for ident, _ in wanted if ident not in cached]
        with ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(missing)))) as pool:
            fetched = dict(zip(missing, pool.map(self._fetch_record, missing), strict=True))
        if self._cache and fetched:
            modified = dict(wanted)
            self._cache.store_api_records((i, modified[i], blob) for i, blob in fetched.items())
        advisories = {ident: self._advisory(ident, blob) for ident, blob in {**cached, **fetched}.items()}
        candidates = {q: tuple(advisories[i] for i, _ in pairs) for q, pairs in zip(queries, matched, strict=True)}
        return Lookup(candidates, {"fetched": len(fetched), "cached": len(cached), "queries": len(queries)})

    def _query_batch(self, queries: list[Query]) -> list[list[tuple[str, str]]]:
        """For each query, the (id, modified) pairs OSV lists, following `next_page_token`s."""
        found: list[list[tuple[str, str]]] = [[] for _ in queries]
        pending: list[tuple[int, str | None]] = [(i, None) for i in range(len(queries))]
        for _ in range(MAX_PAGES):
            if not pending:
                return found
            following: list[tuple[int, str | None]] = []
            for start in range(0, len(pending), BATCH_SIZE):
                chunk = pending[start : start + BATCH_SIZE]
                body: JSONValue = {"queries": [_query_json(queries[i], token) for i, token in chunk]}
                results = self._post_json("/v1/querybatch", body).get("results")
                if not isinstance(results, list) or len(results) != len(chunk):
                    raise AdvisoryApiError(self.url + "/v1/querybatch", "answer does not hold one result per query")
                for (i, _), result in zip(chunk, results, strict=True):
                    vulns, token = _result(result, self.url + "/v1/querybatch")
                    found[i].extend(vulns)
                    if token:
                        following.append((i, token))
            pending = following
        raise AdvisoryApiError(self.url + "/v1/querybatch", f"more than {MAX_PAGES} pages of results")

    def _fetch_record(self, ident: str) -> bytes:
        return self._request("GET", f"/v1/vulns/{urllib.parse.quote(ident, safe='')}", None)

    def _advisory(self, ident: str, blob: bytes) -> Advisory:
        try:
            advisory = parse_advisory(orjson.loads(blob))
        except (orjson.JSONDecodeError, RecordError) as exc:
            raise AdvisoryApiError(f"{self.url}/v1/vulns/{ident}", f"not an OSV record ({exc})") from exc
        if advisory.id != ident:
            raise AdvisoryApiError(f"{self.url}/v1/vulns/{ident}", f"answered with record {advisory.id!r}")
        return advisory

    def _post_json(self, path: str, body: JSONValue) -> Mapping[str, object]:
        raw = self._request("POST", path, orjson.dumps(body))
        try:
            answer: object = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise AdvisoryApiError(self.url + path, f"answer is not JSON ({exc})") from exc
        if not isinstance(answer, dict):
            raise AdvisoryApiError(self.url + path, "answer is not a JSON object")
        return answer

    def _request(self, method: str, path: str, body: bytes | None) -> bytes:
        # urllib's HTTP stack (http.client, email, ssl) is imported only when the API is asked
        import http.client
        import urllib.error
        import urllib.request

        url = self.url + path
        headers = {"User-Agent": "compliance-gate-deps", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(self.backoff_s * 2 ** (attempt - 1))
            request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310 - scheme checked in open()
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:  # noqa: S310 - scheme checked in open()
                    data: bytes = answer.read(MAX_BODY + 1)
                if len(data) > MAX_BODY:
                    raise AdvisoryApiError(url, f"answer larger than {MAX_BODY >> 20} MiB")
                return data
            except urllib.error.HTTPError as exc:
                if exc.code < 500 and exc.code != 429:
                    raise AdvisoryApiError(url, f"HTTP {exc.code} {exc.reason}") from exc
                problem = f"HTTP {exc.code} {exc.reason}"
            except TimeoutError:
                problem = f"no answer within {self.timeout_s:g} s"
            except urllib.error.URLError as exc:
                reason = exc.reason
                timed_out = isinstance(reason, TimeoutError)
                problem = f"no answer within {self.timeout_s:g} s" if timed_out else f"unreachable ({reason})"
            except (OSError, http.client.HTTPException) as exc:
                problem = f"connection failed ({exc.__class__.__name__}: {exc})"
        raise AdvisoryApiError(url, f"{problem} after {self.retries + 1} attempts")


def _result(result: object, url: str) -> tuple[list[tuple[str, str]], str | None]:
    """The (id, modified) pairs and the next page token of one querybatch result."""
    result = result or {}
    vulns = (result.get("vulns") or []) if isinstance(result, dict) else None
    if not isinstance(vulns, list):
        raise AdvisoryApiError(url, "a result is not a list of vulnerabilities with ids")
    pairs: list[tuple[str, str]] = []
    for vuln in vulns:
        ident = vuln.get("id") if isinstance(vuln, dict) else None
        if not isinstance(ident, str):
            raise AdvisoryApiError(url, "a result is not a list of vulnerabilities with ids")
        pairs.append((ident, str(vuln.get("modified", ""))))
    token = result.get("next_page_token") if isinstance(result, dict) else None
    return pairs, str(token) if token else None


def _query_json(query: Query, token: str | None) -> dict[str, JSONValue]:
    name, version = query
    body: dict[str, JSONValue] = {"package": {"name": name, "ecosystem": ECOSYSTEM}, "version": version}
    if token:
        body["page_token"] = token
    return body
