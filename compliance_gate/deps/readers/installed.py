"""The installed distributions of an environment (`checks.deps.environment`).

Read with `importlib.metadata` from the running interpreter's `sys.path` (`environment: true`),
or from the site directories of a virtual environment or a `site-packages` folder the policy
names (`environment: PATH`; nothing in it is run). When a name is installed twice the first on
the path wins, as for `import`. No markers apply: what is installed is what runs.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from compliance_gate.deps.errors import DepsError
from compliance_gate.deps.packages import DependencySet, InputFile, Package, Skipped, normalise

_SITE_GLOBS = ("lib/python3*/site-packages", "lib64/python3*/site-packages", "Lib/site-packages")


def site_directories(path: Path, shown: str) -> tuple[str, ...]:
    """The site directories of a virtual environment (or `path` itself, a `site-packages` folder)."""
    if path.is_dir() and any(path.glob("*.dist-info")):
        return (str(path),)
    found = sorted(str(p) for pattern in _SITE_GLOBS for p in path.glob(pattern) if p.is_dir())
    if not found:
        raise DepsError(
            f"checks.deps.environment: {shown} is not a virtual environment or a site-packages folder "
            "(no lib/python3*/site-packages, no *.dist-info); name the environment the release is built in"
        )
    return tuple(found)


def read_installed(paths: Sequence[str] | None = None, shown: str | None = None) -> DependencySet:
    """Installed distributions on `paths` (default: the running interpreter's `sys.path`);
    `shown` names the environment in the verdict."""
    where = list(paths) if paths is not None else list(sys.path)
    if shown is None:
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
