"""Benchmark: `scan_text` over ~60 MB of generated mixed source, single process.

Generates Python, JavaScript, YAML, JSON and log files (timestamps, UUIDs, hex digests, floats,
order ids, a few planted card numbers) in a temporary folder, then times reading + scanning them
in this process. Prints MB/s and files/s overall, and the time of each detector alone.

    .venv/bin/python benchmarks/pii_scan.py [--mb 60] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from compliance_gate.checks.pii import read_text
from compliance_gate.pii import ScanOptions, scan_text
from compliance_gate.pii.cards import luhn_complete
from compliance_gate.pii.hit import ALL_DETECTORS

WORDS = [
    "order", "payment", "customer", "amount", "currency", "refund", "capture", "settle", "invoice", "merchant",
    "account", "status", "request", "response", "session", "user", "token", "client", "config", "settings",
    "handler", "service", "queue", "event", "retry",
    # substrings of sensitive names (pan, pin, cid, cc): the detectors must reject these cheaply
    "timeout", "mapping", "typing", "span", "company", "expand", "shipping", "spinner", "decide", "incident",
    "access", "success",
]  # fmt: skip


def ident(rng: random.Random) -> str:
    return "_".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))


def python_chunk(rng: random.Random) -> str:
    name, other = ident(rng), ident(rng)
    return (
        f"class {name.title().replace('_', '')}(models.Model):\n"
        f"    {other} = models.CharField(max_length={rng.randint(8, 255)})\n"
        f"    amount = models.DecimalField(max_digits=12, decimal_places=2, default={rng.random():.4f})\n"
        f"    created_ms = {rng.randint(1_500_000_000_000, 1_800_000_000_000)}\n\n"
        f"    def {ident(rng)}(self, {other}: str, retries: int = {rng.randint(0, 9)}) -> dict[str, int]:\n"
        f'        """Handle the {ident(rng)} for span {rng.randint(0, 10**6)}."""\n'
        f'        logger.info("processing %s", self.{other},\n'
        f'                    extra={{"order_id": "ORD{rng.randint(10**15, 10**16)}"}})\n'
        f'        result = {{"{ident(rng)}": {rng.randint(0, 10**9)}, "ratio": {rng.uniform(0, 1e6):.6e}}}\n'
        f"        if self.{other} and len(result) > {rng.randint(1, 99)}:\n"
        f'            raise ValueError(f"bad {{self.{other}!r}} at {{time.time()}}")\n'
        f"        return result\n\n"
    )


def js_chunk(rng: random.Random) -> str:
    return (
        f"export function {ident(rng).replace('_', '')}(req, res) {{\n"
        f"  const id = '{uuid.UUID(int=rng.getrandbits(128))}';\n"
        f"  const total = {rng.uniform(0, 99999):.2f} * {rng.randint(1, 100)};\n"
        f"  console.log(`order ${{id}} total ${{total}}`);\n"
        f"  return fetch(`/api/v1/{ident(rng)}/${{id}}?ts={rng.randint(1_600_000_000_000, 1_700_000_000_000)}`)\n"
        f"    .then((r) => r.json()).catch((e) => console.error(e));\n"
        f"}}\n\n"
    )


def yaml_chunk(rng: random.Random) -> str:
    return (
        f"{ident(rng)}:\n"
        f"  enabled: {rng.choice(['true', 'false'])}\n"
        f"  timeout_ms: {rng.randint(100, 60000)}\n"
        f"  image: registry.example.com/{ident(rng)}@sha256:{rng.getrandbits(256):064x}\n"
        f'  version: "{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 99)}"\n'
    )


def json_chunk(rng: random.Random) -> str:
    return (
        f'{{"id": "{uuid.UUID(int=rng.getrandbits(128))}", "amount": {rng.randint(0, 10**7)}, '
        f'"currency": "EUR", "created": {rng.randint(1_600_000_000_000, 1_800_000_000_000)}, '
        f'"sha": "{rng.getrandbits(160):040x}", "ratio": {rng.random()}, "{ident(rng)}": null}}\n'
    )


def log_chunk(rng: random.Random) -> str:
    return (
        f"2026-11-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:"
        f"{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d}Z INFO request_id={uuid.UUID(int=rng.getrandbits(128))} "
        f"ts={rng.randint(1_600_000_000_000, 1_800_000_000_000)} latency_ms={rng.uniform(0, 900):.3f} "
        f"path=/v1/{ident(rng)} status={rng.choice([200, 201, 404, 500])} bytes={rng.randint(0, 10**6)}\n"
    )


KINDS = ((".py", python_chunk, 40), (".js", js_chunk, 25), (".yaml", yaml_chunk, 10),
         (".json", json_chunk, 10), (".log", log_chunk, 15))  # fmt: skip


def generate(root: Path, total_mb: float, seed: int = 7) -> tuple[int, int]:
    rng = random.Random(seed)
    target = int(total_mb * 1024 * 1024)
    written = files = planted = 0
    pools = {ext: [fn(rng) for _ in range(400)] for ext, fn, _ in KINDS}
    weights = [w for *_, w in KINDS]
    while written < target:
        ext, _, _ = rng.choices(KINDS, weights)[0]
        size = rng.randint(4_000, 40_000)
        parts: list[str] = []
        n = 0
        while n < size:
            chunk = rng.choice(pools[ext])
            parts.append(chunk)
            n += len(chunk)
        if rng.random() < 0.02:  # a few planted card numbers
            parts.append(f'card = "{luhn_complete("4" + "".join(rng.choices("0123456789", k=14)))}"\n')
            planted += 1
        path = root / f"pkg{files % 50}" / f"mod{files}{ext}"
        path.parent.mkdir(exist_ok=True)
        text = "".join(parts)
        path.write_text(text)
        written += len(text)
        files += 1
    return files, planted


def time_scan(paths: list[Path], options: ScanOptions) -> tuple[float, Counter[str]]:
    counts: Counter[str] = Counter()
    start = time.perf_counter()
    for p in paths:
        counts.update(h.rule for h in scan_text(read_text(str(p)), options))
    return time.perf_counter() - start, counts


def _scan_chunk(paths: list[Path]) -> int:
    return sum(1 for p in paths for _ in scan_text(read_text(str(p))))


def time_pool(paths: list[Path], workers: int) -> float:
    """Wall time with `workers` processes over interleaved slices (pool start-up included)."""
    import multiprocessing

    start = time.perf_counter()
    with multiprocessing.get_context("forkserver").Pool(workers) as pool:
        pool.map(_scan_chunk, [paths[i :: workers * 8] for i in range(workers * 8)])
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=60.0)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        files, planted = generate(root, args.mb)
        paths = sorted(root.rglob("*.*"))
        size_mb = sum(p.stat().st_size for p in paths) / 1024 / 1024
        took = time.perf_counter() - t0
        print(f"generated {files} files, {size_mb:.1f} MB, {planted} planted cards in {took:.1f} s")
        elapsed, counts = time_scan(paths, ScanOptions())
        rate = f"{size_mb / elapsed:.1f} MB/s  {files / elapsed:.0f} files/s"
        print(f"all detectors, 1 process: {elapsed:.2f} s  {rate}")
        print(f"  hits: {dict(sorted(counts.items()))}")
        wall = time_pool(paths, 2)
        print(f"all detectors, 2 processes: {wall:.2f} s wall  {size_mb / wall:.1f} MB/s (target: < 3 s for 60 MB)")
        for det in ALL_DETECTORS:
            alone, _ = time_scan(paths, ScanOptions(detectors=(det,)))
            print(f"  {det:16s} alone {alone:.2f} s  {size_mb / alone:.1f} MB/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
