"""The installed distributions of an environment (`checks.deps.environment: true`).

Read with `importlib.metadata` from the running interpreter's `sys.path`, or from the given
site directories. When a name is installed twice the first on the path wins, as for `import`.
No markers apply: what is installed is what runs.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from importlib import metadata

from compliance_gate.deps.packages import DependencySet, InputFile, Package, Skipped, normalise


def read_installed(paths: Sequence[str] | None = None) -> DependencySet:
    where = list(paths) if paths is not None else list(sys.path)
    shown = f"environment:{sys.prefix}" if paths is None else "environment:" + ":".join(where)
    packages: dict[str, Package] = {}
    skipped: list[Skipped] = []
    for dist in metadata.distributions(path=where):
        raw_name = dist.metadata["Name"] if dist.metadata else None
        if not raw_name:
            skipped.append(Skipped(str(dist.locate_file("")), "distribution metadata without a Name", shown))
            continue
        name = normalise(raw_name)
        if name not in packages:
            packages[name] = Package(name, dist.version, shown)
    listing = "\n".join(f"{p.name}=={p.version}" for p in sorted(packages.values(), key=lambda p: p.name))
    digest = hashlib.sha256(listing.encode()).hexdigest()
    return DependencySet(
        "environment",
        shown,
        (InputFile(shown, digest),),
        tuple(sorted(packages.values(), key=lambda p: p.name)),
        (),
        tuple(skipped),
    )
