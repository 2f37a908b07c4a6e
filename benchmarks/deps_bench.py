"""The deps engine offline: a 300-package lock file against a full-size OSV export, against the 2 s target.

Generates (in a temporary folder, nothing committed) an OSV export zip shaped like osv.dev's
`PyPI/all.zip` (default 25,000 records over 8,000 packages: PYSEC records with `versions` lists,
GHSA aliases with CVSS vectors, several branches per record) and a `uv.lock` of 300 packages, a
fifth of them at affected versions, some behind platform markers. Then times, in this process:

1. cold: lock file read + export indexed into a new warm cache + audit;
2. warm: the same with the cache in place (the case of every run after the first);
3. uncached: every run indexes the export again (no cache configured);

and, for the warm case, the whole thing as a fresh `python` process (imports included).

    python benchmarks/deps_bench.py [--records 25000] [--packages 8000] [--lock 300] [--repeat 5]
                                    [--export PATH]   # a real OSV export (zip or folder) instead
                                    [--requirements FILE]   # a real pinned lock instead of uv.lock

Cold runs are the first run after an export changes (daily, for a fresh osv.dev download); warm
runs are every other run. The load average is printed before and after: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compliance_gate.deps import DepsOptions, OsvExport, audit, read_dependencies  # noqa: E402
from compliance_gate.deps.osv import pypi_packages  # noqa: E402

TARGET_S = 2.0
INDEX = "https://example.invalid/simple"
NOW = datetime(2026, 12, 1, tzinfo=UTC)
VECTORS = (
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
    "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
    "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:H/I:H/A:N",
)


def versions_of(rng: random.Random) -> list[str]:
    majors = rng.randint(1, 4)
    return [f"{a}.{b}.{c}" for a in range(majors) for b in range(rng.randint(1, 6)) for c in range(rng.randint(1, 5))]


def make_export(dest: Path, records: int, packages: int, rng: random.Random) -> dict[str, list[str]]:
    """Write `dest` (a zip of OSV records); return each package's release list."""
    releases = {f"pkg-{i:05d}": versions_of(rng) for i in range(packages)}
    names = list(releases)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(records // 2):
            name = rng.choice(names)
            history = releases[name]
            branches = sorted(rng.sample(range(len(history)), k=min(len(history), 2 * rng.randint(1, 2))))
            events = []
            for lo, hi in zip(branches[::2], branches[1::2], strict=False):
                events += [{"introduced": "0" if lo == 0 else history[lo]}, {"fixed": history[hi]}]
            affected_versions = [
                v for lo, hi in zip(branches[::2], branches[1::2], strict=False) for v in history[lo:hi]
            ]
            modified = (NOW - timedelta(days=rng.randint(0, 2000), seconds=rng.randint(0, 86400))).isoformat()
            cve = f"CVE-20{rng.randint(10, 26)}-{i:05d}"
            ghsa = f"GHSA-{i:04x}-{rng.randint(0, 0xFFFF):04x}-{rng.randint(0, 0xFFFF):04x}"
            pysec = {
                "id": f"PYSEC-20{rng.randint(10, 26)}-{i}",
                "modified": modified.replace("+00:00", "Z"),
                "aliases": [cve, ghsa],
                "details": f"A synthetic advisory number {i} for {name}. " * 4,
                "affected": [
                    {
                        "package": {"ecosystem": "PyPI", "name": name, "purl": f"pkg:pypi/{name}"},
                        "ranges": [{"type": "ECOSYSTEM", "events": events}],
                        "versions": affected_versions,
                    }
                ],
                "references": [{"type": "WEB", "url": f"https://example.invalid/{i}"}] * 5,
            }
            ghsa_record = {
                "id": ghsa,
                "modified": modified.replace("+00:00", "Z"),
                "aliases": [cve],
                "summary": f"Synthetic issue {i} in {name}",
                "details": "Long text. " * 60,
                "severity": [{"type": "CVSS_V3", "score": rng.choice(VECTORS)}],
                "affected": [
                    {
                        "package": {"ecosystem": "PyPI", "name": name},
                        "ranges": [{"type": "ECOSYSTEM", "events": events}],
                    }
                ],
                "database_specific": {"severity": rng.choice(["LOW", "MODERATE", "HIGH", "CRITICAL"])},
            }
            archive.writestr(f"{pysec['id']}.json", json.dumps(pysec, indent=2))
            archive.writestr(f"{ghsa}.json", json.dumps(ghsa_record, indent=2))
    return releases


def make_uv_lock(dest: Path, releases: dict[str, list[str]], count: int, rng: random.Random) -> None:
    chosen = rng.sample(sorted(releases), k=count)
    blocks = ['version = 1\nrevision = 3\nrequires-python = ">=3.11"\n']
    edges = []
    for i, name in enumerate(chosen):
        marker = ", marker = \"sys_platform == 'win32'\"" if i % 25 == 0 else ""
        edges.append(f'    {{ name = "{name}"{marker} }},')
    blocks.append(
        '[[package]]\nname = "service"\nversion = "1.0.0"\nsource = { virtual = "." }\ndependencies = [\n'
        + "\n".join(edges)
        + "\n]\n"
    )
    for name in chosen:
        version = rng.choice(releases[name])
        digest = "".join(rng.choice("0123456789abcdef") for _ in range(64))
        url = f"{INDEX}/{name}-{version}"
        blocks.append(
            f'[[package]]\nname = "{name}"\nversion = "{version}"\nsource = {{ registry = "{INDEX}" }}\n'
            f'sdist = {{ url = "{url}.tar.gz", hash = "sha256:{digest}", size = 1000 }}\n'
            f'wheels = [\n    {{ url = "{url}-py3-none-any.whl", hash = "sha256:{digest}", size = 900 }},\n]\n'
        )
    dest.write_text("\n".join(blocks))


def run_once(root: Path, export: Path, cache: Path | None) -> tuple[float, int, int]:
    started = time.perf_counter()
    options = DepsOptions(target={"sys_platform": "linux"}, cache=cache)
    deps = read_dependencies(root, options)
    result = audit(deps, OsvExport(export, max_age_days=100_000, cache=cache), options, now=NOW)
    return time.perf_counter() - started, len(deps.packages), len(result.vulnerabilities)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=25_000)
    ap.add_argument("--packages", type=int, default=8_000)
    ap.add_argument("--lock", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--export", type=Path, help="a real OSV export (zip or folder) instead of the generated one")
    ap.add_argument("--requirements", type=Path, help="a pinned requirements file instead of the generated uv.lock")
    args = ap.parse_args()
    rng = random.Random(17)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        root = base / "repo"
        root.mkdir()
        t0 = time.perf_counter()
        if args.export:
            export = args.export.resolve()
            releases = _releases_of(export)
        else:
            export = base / "all.zip"
            releases = make_export(export, args.records, args.packages, rng)
        if args.requirements:
            (root / "requirements.txt").write_text(args.requirements.read_text())
        else:
            make_uv_lock(root / "uv.lock", releases, min(args.lock, len(releases)), rng)
        size = sum(f.stat().st_size for f in ([export] if export.is_file() else export.rglob("*.json")))
        locked = len(read_dependencies(root, DepsOptions(target={"sys_platform": "linux"})).packages)
        print(f"export: {export.name}, {size / 1e6:.1f} MB; lock: {locked} packages ({time.perf_counter() - t0:.1f} s)")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (shared: timings are noisy)")

        timings: dict[str, list[float]] = {"cold (index + cache write)": [], "warm (cache)": [], "uncached": []}
        shape = (0, 0)
        for i in range(args.repeat):
            cache = base / f"cache-{i}.sqlite3"
            cold = run_once(root, export, cache)
            warm = run_once(root, export, cache)
            bare = run_once(root, export, None)
            assert cold[1:] == warm[1:] == bare[1:], (cold, warm, bare)
            shape = cold[1:]
            timings["cold (index + cache write)"].append(cold[0])
            timings["warm (cache)"].append(warm[0])
            timings["uncached"].append(bare[0])
        process = []
        script = (
            "import sys, time; from pathlib import Path; from datetime import UTC, datetime; "
            "from compliance_gate.deps import DepsOptions, OsvExport, audit, read_dependencies; "
            f"o = DepsOptions(target={{'sys_platform': 'linux'}}, cache=Path({str(base / 'cache-0.sqlite3')!r})); "
            f"d = read_dependencies(Path({str(root)!r}), o); "
            f"x = OsvExport(Path({str(export)!r}), max_age_days=100000, cache=o.cache); "
            "r = audit(d, x, o, now=datetime(2026, 12, 1, tzinfo=UTC)); "
            "print(len(r.vulnerabilities))"
        )
        for _ in range(args.repeat):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, cwd=ROOT)
            process.append(time.perf_counter() - started)
        timings["warm, whole python process"] = process
        cold_process = []
        for i in range(args.repeat):
            fresh = base / f"cold-{i}.sqlite3"
            started = time.perf_counter()
            cold_script = script.replace(str(base / "cache-0.sqlite3"), str(fresh))
            subprocess.run([sys.executable, "-c", cold_script], check=True, capture_output=True, cwd=ROOT)
            cold_process.append(time.perf_counter() - started)
        timings["cold, whole python process"] = cold_process

    print(f"audited {shape[0]} packages, {shape[1]} vulnerabilities found (same in every mode)")
    print(f"load average after: {os.getloadavg()[0]:.2f}\n")
    print(f"{'measurement':<30} {'median s':>9} {'min s':>7} {'max s':>7} {'vs 2 s target':>14}")
    for label, values in timings.items():
        med = statistics.median(values)
        print(f"{label:<30} {med:>9.3f} {min(values):>7.3f} {max(values):>7.3f} {med / TARGET_S:>13.2f}x")
    return 0


def _releases_of(export: Path) -> dict[str, list[str]]:
    """For a real export: each package's versions named in its records (to pick pins that hit and miss)."""
    releases: dict[str, set[str]] = {}
    if export.is_file():
        with zipfile.ZipFile(export) as archive:
            members = [(n, archive.read(n)) for n in archive.namelist() if n.endswith(".json")]
    else:
        members = [(p.name, p.read_bytes()) for p in export.rglob("*.json")]
    for _, blob in members:
        record = json.loads(blob)
        for name in pypi_packages(record):
            for affected in record.get("affected", []):
                releases.setdefault(name, set()).update(affected.get("versions") or [])
                for rng in affected.get("ranges") or []:
                    if rng.get("type") == "ECOSYSTEM":
                        releases[name].update(v for e in rng.get("events", []) for v in e.values() if v != "0")
    return {name: sorted(v) or ["1.0.0"] for name, v in releases.items()}


if __name__ == "__main__":
    raise SystemExit(main())
