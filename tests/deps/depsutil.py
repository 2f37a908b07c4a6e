"""Shared by the deps tests: the fixture export, target platforms, tiny real wheels, loopback servers."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import sys
import threading
import time
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from packaging.version import Version

from compliance_gate.deps.osv import parse_time

DATA = Path(__file__).parent / "data"
OSV_DIR = DATA / "osv"
LOCKS = DATA / "locks"

LINUX = {
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "python_version": "3.11",
    "python_full_version": "3.11.7",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}
WINDOWS = {**LINUX, "sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"}


def records() -> list[dict[str, Any]]:
    """The fixture export: real PyPI advisories (facts from the public advisory databases, our wording)."""
    return [json.loads(p.read_text()) for p in sorted(OSV_DIR.glob("*.json"))]


def newest_modified() -> datetime:
    found = [parse_time(r["modified"]) for r in records()]
    return max(t for t in found if t)


FRESH = newest_modified() + timedelta(days=1)
"""A `now` at which the fixture export is one day old (tests never depend on today's date)."""

# The distributions the lock-file tests resolve: (name, version, Requires-Dist).
WHEELS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("requests", "2.30.0", ("urllib3<3,>=1.21.1", "idna<4,>=2.5")),
    ("urllib3", "1.26.17", ()),
    ("idna", "3.4", ()),
    ("jinja2", "3.1.2", ("MarkupSafe>=2.0",)),
    ("markupsafe", "2.1.3", ()),
    ("django", "4.2.2", ()),
    ("pywin32", "300", ()),
    ("py", "1.11.0", ()),
)


def make_wheel(dest: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    """A minimal but valid pure-Python wheel (METADATA, WHEEL, RECORD), enough for any installer."""
    dist = re.sub(r"[-_.]+", "_", name)
    path = dest / f"{dist}-{version}-py3-none-any.whl"
    info = f"{dist}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires
    )
    files = {
        f"{dist}/__init__.py": b"",
        f"{info}/METADATA": metadata.encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in files.items():
            archive.writestr(zipfile.ZipInfo(member, (2024, 1, 1, 0, 0, 0)), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{member},sha256={digest},{len(data)}")
        record.append(f"{info}/RECORD,,")
        archive.writestr(zipfile.ZipInfo(f"{info}/RECORD", (2024, 1, 1, 0, 0, 0)), "\n".join(record) + "\n")
    return path


def make_index(root: Path) -> Path:
    """`root/wheels/*.whl` plus a PEP 503 simple index over them at `root/simple/`."""
    wheels = root / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    for name, version, requires in WHEELS:
        make_wheel(wheels, name, version, requires)
    simple = root / "simple"
    for name, _, _ in WHEELS:
        page = simple / name
        page.mkdir(parents=True, exist_ok=True)
        links = "".join(
            f'<a href="../../wheels/{w.name}">{w.name}</a>\n'
            for w in sorted(wheels.glob("*.whl"))
            if _project(w) == name
        )
        (page / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n")
    (simple / "index.html").write_text("".join(f'<a href="{n}/">{n}</a>\n' for n, _, _ in WHEELS))
    return wheels


def _project(wheel: Path) -> str:
    return re.sub(r"[-_.]+", "-", wheel.name.split("-")[0]).lower()


@contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """A real HTTP server on loopback serving `directory`; yields its base URL."""
    handler = partial(_QuietFiles, directory=str(directory))
    with _serving(ThreadingHTTPServer(("127.0.0.1", 0), handler)) as url:
        yield url


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def _serving(server: ThreadingHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class OsvBehaviour:
    """How the loopback OSV server misbehaves: `fail` 5xx answers first (-1: always), `delay_s` per request."""

    fail: int = 0
    status: int = 503
    delay_s: float = 0.0
    inject: tuple[str, ...] = ()
    """Ids listed in every querybatch result whatever the query (an id the server cannot serve: a 404)."""
    requests: list[str] = field(default_factory=list)


@contextmanager
def osv_server(recs: list[dict[str, Any]], behaviour: OsvBehaviour | None = None) -> Iterator[tuple[str, OsvBehaviour]]:
    """An OSV-compatible API on loopback: `POST /v1/querybatch` and `GET /v1/vulns/{id}` over `recs`.

    It matches queries the simple way OSV documents (a `versions` list entry, or an ECOSYSTEM
    introduced/fixed/last_affected interval), independently of the engine's own evaluation.
    """
    state = behaviour or OsvBehaviour()
    by_id = {r["id"]: r for r in recs}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _gate(self) -> bool:
            with lock:
                state.requests.append(f"{self.command} {self.path}")
                failing = state.fail != 0
                if state.fail > 0:
                    state.fail -= 1
            if state.delay_s:
                time.sleep(state.delay_s)
            if failing:
                self._send(state.status, {"code": state.status, "message": "unavailable"})
            return not failing

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            if not self._gate():
                return
            if self.path != "/v1/querybatch":
                self._send(404, {"message": "not found"})
                return
            results = []
            for query in body["queries"]:
                name, version = _canon(query["package"]["name"]), query["version"]
                hits = [{"id": r["id"], "modified": r["modified"]} for r in recs if _affects(r, name, version)]
                hits += [{"id": i, "modified": "2024-01-01T00:00:00Z"} for i in state.inject]
                results.append({"vulns": hits} if hits else {})
            self._send(200, {"results": results})

        def do_GET(self) -> None:
            if not self._gate():
                return
            ident = self.path.removeprefix("/v1/vulns/")
            if ident in by_id:
                self._send(200, by_id[ident])
            else:
                self._send(404, {"code": 5, "message": "Bug not found."})

        def _send(self, status: int, body: Mapping[str, Any]) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

    with _serving(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as url:
        yield url, state


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _affects(record: Mapping[str, Any], name: str, version: str) -> bool:
    for affected in record.get("affected", []):
        if _canon(affected["package"]["name"]) != name:
            continue
        if version in affected.get("versions", []):
            return True
        v = Version(version)
        for rng in affected.get("ranges", []):
            if rng["type"] != "ECOSYSTEM":
                continue
            events = [(k, e) for ev in rng["events"] for k, e in ev.items()]
            opens = [Version(e) for k, e in events if k == "introduced"]
            closes = sorted(Version(e) for k, e in events if k in ("fixed", "last_affected"))
            for start in opens:
                end = next((c for c in closes if c > start), None)
                last = next((k for k, e in events if e and end and Version(e) == end), None)
                if v >= start and (end is None or v < end or (last == "last_affected" and v == end)):
                    return True
    return False


def tool_env(home: Path) -> dict[str, str]:
    """An environment for running uv, poetry and pipenv hermetically: no user config, no pip config."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")}
    home.mkdir(parents=True, exist_ok=True)
    return {
        **keep,
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INPUT": "1",
        "UV_NO_CONFIG": "1",
        "UV_CACHE_DIR": str(home / "uv-cache"),
        "POETRY_CACHE_DIR": str(home / "poetry-cache"),
        "POETRY_VIRTUALENVS_CREATE": "false",
        "POETRY_NO_INTERACTION": "1",
        # pipenv resolves with the test interpreter's environment instead of building a virtualenv
        # of its own (30 s here); `pipenv lock` installs nothing into it
        "VIRTUAL_ENV": sys.prefix,
        "PIPENV_NOSPIN": "1",
        "PIPENV_YES": "1",
        "PIPENV_CACHE_DIR": str(home / "pipenv-cache"),
        "WORKON_HOME": str(home / "venvs"),
    }


# One small project, declared natively for each tool: four runtime requirements (one only on
# Windows), one development requirement. Every tool must lock the same eight distributions.
PROJECT_DEPS = (
    "requests==2.30.0",
    "jinja2>=3",
    "django>=4.2,<5",
    "pywin32==300; sys_platform == 'win32'",
)
DEV_DEPS = ("py==1.11.0",)
ON_LINUX = {
    ("requests", "2.30.0"),
    ("urllib3", "1.26.17"),
    ("idna", "3.4"),
    ("jinja2", "3.1.2"),
    ("markupsafe", "2.1.3"),
    ("django", "4.2.2"),
    ("py", "1.11.0"),
}
ON_WINDOWS = {*ON_LINUX, ("pywin32", "300")}


def pyproject_text(extra: str = "") -> str:
    deps = "".join(f'    "{d}",\n' for d in PROJECT_DEPS)
    dev = "".join(f'    "{d}",\n' for d in DEV_DEPS)
    return (
        f'[project]\nname = "shop"\nversion = "1.0.0"\nrequires-python = ">=3.11"\ndependencies = [\n{deps}]\n\n'
        f"[dependency-groups]\ndev = [\n{dev}]\n{extra}"
    )


def poetry_pyproject_text(index_url: str) -> str:
    dev = "".join(f'{d.split("==")[0]} = "{d.split("==")[1]}"\n' for d in DEV_DEPS)
    deps = "".join(f'    "{d}",\n' for d in PROJECT_DEPS)
    return (
        f'[project]\nname = "shop"\nversion = "1.0.0"\nrequires-python = ">=3.11"\ndependencies = [\n{deps}]\n\n'
        f"[tool.poetry]\npackage-mode = false\n\n[tool.poetry.group.dev.dependencies]\n{dev}\n"
        f'[[tool.poetry.source]]\nname = "local"\nurl = "{index_url}/simple/"\npriority = "primary"\n'
    )


def pipfile_text(index_url: str) -> str:
    packages = (
        'requests = "==2.30.0"\njinja2 = ">=3"\ndjango = ">=4.2,<5"\n'
        'pywin32 = {version = "==300", markers = "sys_platform == \'win32\'"}\n'
    )
    return (
        f'[[source]]\nurl = "{index_url}/simple/"\nverify_ssl = false\nname = "local"\n\n'
        f'[packages]\n{packages}\n[dev-packages]\npy = "==1.11.0"\n\n[requires]\npython_version = "3.11"\n'
    )
