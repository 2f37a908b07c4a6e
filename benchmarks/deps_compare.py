"""Our deps engine against pip-audit on the same lock files and the same OSV records.

pip-audit asks an OSV API (`--osv-url`) one package at a time and trusts the server's matching;
our engine evaluates the records' ranges itself. Both are pointed at the same records: a loopback
OSV server started here (`POST /v1/query` for pip-audit, `/v1/querybatch` + `/v1/vulns/{id}` for
our online source) serving an export, which our offline source also reads directly. The server
matches the way OSV documents it (an enumerated `versions` entry, or an ECOSYSTEM interval), in
code independent of the engine's. Per lock file it prints the advisories each tool reports per
(package, version), grouped by alias, and every difference: missed, extra, the id shown, the
fixed version given. Nothing leaves this machine.

    pip install pip-audit   # into any environment; pass its executable with --pip-audit
    python benchmarks/deps_compare.py --export EXPORT [--pip-audit PATH] LOCK [LOCK ...]

EXPORT is a folder or zip of OSV JSON records, or a checkout of pypa/advisory-database (its
`vulns/**/*.yaml` are read as OSV records). A LOCK is a pinned requirements file, or a folder
with a `pylock.toml` (pip-audit `--locked`). `--make-lock N FILE` writes a requirements file of N
real packages from the export, each at a version its records name (affected or fixed).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compliance_gate.deps import DepsOptions, OsvApi, OsvExport, audit, read_dependencies  # noqa: E402
from compliance_gate.deps.osv import parse_time  # noqa: E402

LINUX = {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix", "python_version": "3.11"}


def load_records(path: Path) -> list[dict[str, object]]:
    """OSV records from a zip, a folder of JSON, or a pypa/advisory-database checkout (YAML)."""
    import zipfile

    import yaml

    if path.is_file():
        with zipfile.ZipFile(path) as archive:
            return [json.loads(archive.read(n)) for n in archive.namelist() if n.endswith(".json")]
    found = [json.loads(p.read_text()) for p in sorted(path.rglob("*.json"))]
    for p in sorted(path.rglob("*.yaml")):
        if "vulns" in p.parts:
            record = yaml.safe_load(p.read_text())
            for key in ("modified", "published", "withdrawn"):  # YAML may read them as datetimes
                if isinstance(record.get(key), datetime):
                    record[key] = record[key].isoformat().replace("+00:00", "Z")
            found.append(record)
    by_id: dict[str, dict[str, object]] = {}
    for record in found:
        by_id.setdefault(str(record["id"]), record)
    return list(by_id.values())


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _affects(record: Mapping[str, object], name: str, version: str) -> bool:
    """OSV's documented matching: a `versions` entry, or inside an ECOSYSTEM introduced..fixed /
    ..last_affected interval (events sorted by version)."""
    try:
        v = Version(version)
    except InvalidVersion:
        return False
    for affected in record.get("affected") or []:  # type: ignore[attr-defined]
        package = affected.get("package") or {}
        if package.get("ecosystem") != "PyPI" or _canon(str(package.get("name"))) != name:
            continue
        if version in (affected.get("versions") or []):
            return True
        for rng in affected.get("ranges") or []:
            if rng.get("type") != "ECOSYSTEM":
                continue
            try:
                events = sorted(
                    ((Version("0") if e == "0" else Version(e)), k) for ev in rng["events"] for k, e in ev.items()
                )
            except InvalidVersion:
                continue
            inside = False
            for at, kind in events:
                closes = {"fixed": v >= at, "last_affected": v > at, "limit": v >= at}
                if kind == "introduced" and v >= at:
                    inside = True
                elif closes.get(kind, False):
                    inside = False
            if inside:
                return True
    return False


@contextmanager
def osv_server(records: list[dict[str, object]]) -> Iterator[str]:
    by_id = {str(r["id"]): r for r in records}
    by_name: dict[str, list[dict[str, object]]] = {}
    for r in records:
        for a in r.get("affected") or []:  # type: ignore[attr-defined]
            by_name.setdefault(_canon(str((a.get("package") or {}).get("name"))), []).append(r)

    def matching(name: str, version: str) -> list[dict[str, object]]:
        seen: dict[str, dict[str, object]] = {}
        for r in by_name.get(_canon(name), []):
            if _affects(r, _canon(name), version):
                seen[str(r["id"])] = r
        return list(seen.values())

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            if self.path == "/v1/query":
                hits = matching(body["package"]["name"], body["version"])
                self._send({"vulns": hits} if hits else {})
            elif self.path == "/v1/querybatch":
                results = []
                for q in body["queries"]:
                    hits = matching(q["package"]["name"], q["version"])
                    found = [{"id": h["id"], "modified": h["modified"]} for h in hits]
                    results.append({"vulns": found} if found else {})
                self._send({"results": results})
            else:
                self._send({"message": "not found"}, 404)

        def do_GET(self) -> None:
            ident = self.path.removeprefix("/v1/vulns/")
            self._send(by_id[ident]) if ident in by_id else self._send({"message": "not found"}, 404)

        def _send(self, body: object, status: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class Found:
    """One vulnerability as a tool reports it for one (package, version)."""

    shown: str
    ids: frozenset[str]
    fixed: str


def ours(lock: Path, source: object, now: datetime) -> dict[tuple[str, str], list[Found]]:
    root, options = (lock if lock.is_dir() else lock.parent), DepsOptions(target=LINUX)
    if lock.is_file() and lock.name != "requirements.txt":
        tmp = Path(tempfile.mkdtemp())
        (tmp / "requirements.txt").write_text(lock.read_text())
        root = tmp
    result = audit(read_dependencies(root, options), source, options, now=now)  # type: ignore[arg-type]
    out: dict[tuple[str, str], list[Found]] = {}
    for v in result.vulnerabilities:
        out.setdefault((v.package, _norm(v.version)), []).append(Found(v.advisory, frozenset(v.ids), v.fixed_in or "-"))
    if result.errors:
        print(f"  our errors: {result.errors[:3]}")
    return out


def pip_audit(exe: str, lock: Path, url: str, cache: Path) -> dict[tuple[str, str], list[Found]]:
    args = [exe, "-s", "osv", "--osv-url", f"{url}/v1/query", "-f", "json", "--aliases", "on"]
    args += ["--progress-spinner", "off", "--cache-dir", str(cache)]
    args += [str(lock), "--locked"] if lock.is_dir() else ["-r", str(lock), "--no-deps", "--disable-pip"]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"pip-audit failed ({done.returncode}): {done.stderr.strip()[-800:]}")
    data = json.loads(done.stdout)
    out: dict[tuple[str, str], list[Found]] = {}
    for dep in data.get("dependencies", []):
        for v in dep.get("vulns", []):
            key = (_canon(dep["name"]), _norm(dep["version"]))
            ids = frozenset([v["id"], *v.get("aliases", [])])
            out.setdefault(key, []).append(Found(v["id"], ids, ", ".join(v.get("fix_versions") or []) or "-"))
    return out


def compare(a: dict[tuple[str, str], list[Found]], b: dict[tuple[str, str], list[Found]]) -> dict[str, list[str]]:
    """Differences between our findings (`a`) and pip-audit's (`b`), matched by alias."""
    diff: dict[str, list[str]] = {"missed": [], "extra": [], "shown": [], "fixed": [], "fixed-other": [], "same": []}
    for key in sorted(set(a) | set(b)):
        mine, theirs = list(a.get(key, [])), list(b.get(key, []))
        for f in mine:
            match = next((t for t in theirs if t.ids & f.ids), None)
            if match is None:
                diff["extra"].append(f"{key[0]} {key[1]}: {f.shown} (only ours)")
                continue
            theirs.remove(match)
            diff["same"].append(f"{key[0]} {key[1]}: {f.shown}")
            if match.shown != f.shown:
                diff["shown"].append(f"{key[0]} {key[1]}: ours {f.shown}, pip-audit {match.shown}")
            if match.fixed != f.fixed:
                # pip-audit lists every `fixed` event of the first range; ours is the one that
                # closes the interval holding the installed version: "fixed" when ours is among
                # theirs, "fixed-other" when it is not (a disagreement to look at)
                kind = "fixed" if f.fixed in match.fixed.split(", ") else "fixed-other"
                diff[kind].append(f"{key[0]} {key[1]} {f.shown}: ours {f.fixed}, pip-audit {match.fixed}")
        diff["missed"] += [f"{key[0]} {key[1]}: {t.shown} (only pip-audit)" for t in theirs]
    return diff


def make_lock(records: list[dict[str, object]], count: int, dest: Path, seed: int = 17) -> None:
    """N real packages, each pinned at a version its records name: affected (from `versions`) or
    an event version (often a fix), half and half."""
    rng = random.Random(seed)
    versions: dict[str, set[str]] = {}
    for r in records:
        if r.get("withdrawn"):
            continue
        for a in r.get("affected") or []:  # type: ignore[attr-defined]
            name = _canon(str((a.get("package") or {}).get("name")))
            pool = versions.setdefault(name, set())
            pool.update(a.get("versions") or [])
            for rg in a.get("ranges") or []:
                pool.update(e for ev in rg.get("events", []) for e in ev.values() if e != "0")
    names = sorted(n for n, vs in versions.items() if vs)
    lines = []
    for name in rng.sample(names, k=min(count, len(names))):
        good = sorted(v for v in versions[name] if _valid(v))
        if good:
            lines.append(f"{name}=={rng.choice(good)}")
    dest.write_text("\n".join(lines) + "\n")


def _norm(version: str) -> str:
    """PEP 440's normal form (`0.2.0-beta1` is `0.2.0b1`): pip-audit prints versions normalised."""
    try:
        return str(Version(version))
    except InvalidVersion:
        return version


def _valid(v: str) -> bool:
    try:
        Version(v)
    except InvalidVersion:
        return False
    return True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--export", type=Path, required=True)
    ap.add_argument("--pip-audit", default="pip-audit", help="the pip-audit executable")
    ap.add_argument("--make-lock", nargs=2, metavar=("N", "FILE"))
    ap.add_argument("--zip", type=Path, help="also write the records as an OSV export zip here")
    ap.add_argument("locks", nargs="*", type=Path)
    args = ap.parse_args()
    records = load_records(args.export)
    print(f"export: {args.export} ({len(records)} records)")
    if args.make_lock:
        make_lock(records, int(args.make_lock[0]), Path(args.make_lock[1]))
        print(f"wrote {args.make_lock[1]}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "osv"
        folder.mkdir()
        for r in records:
            (folder / f"{r['id']}.json").write_text(json.dumps(r))
        if args.zip:
            import zipfile

            with zipfile.ZipFile(args.zip, "w", zipfile.ZIP_DEFLATED) as z:
                for p in sorted(folder.glob("*.json")):
                    z.write(p, p.name)
        newest = max(t for r in records if (t := parse_time(r.get("modified"))))
        now = newest + timedelta(days=1)
        totals = {"missed": 0, "extra": 0, "shown": 0, "fixed": 0, "fixed-other": 0, "same": 0}
        with osv_server(records) as url:
            for lock in args.locks:
                offline = ours(lock, OsvExport(folder, max_age_days=100_000), now)
                online = ours(lock, OsvApi(url), datetime.now(UTC))
                theirs = pip_audit(args.pip_audit, lock, url, Path(tmp) / "pa-cache")
                counts = sum(map(len, offline.values())), sum(map(len, theirs.values()))
                print(f"\n== {lock}: ours {counts[0]}, pip-audit {counts[1]}")
                if online != offline:
                    print("  ONLINE AND OFFLINE DIFFER:", set(online) ^ set(offline))
                diff = compare(offline, theirs)
                for kind in ("missed", "extra", "shown", "fixed-other", "fixed"):
                    totals[kind] += len(diff[kind])
                    for line in diff[kind][:25]:
                        print(f"  {kind:<6} {line}")
                    if len(diff[kind]) > 25:
                        print(f"  {kind:<6} ... {len(diff[kind]) - 25} more")
                totals["same"] += len(diff["same"])
    print(f"\ntotal: {totals}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
