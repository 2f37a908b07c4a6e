"""The real-code corpus of `real_repos.py`: read the manifest, then get, verify and extract each entry.

Each entry becomes a git repository with one commit (fixed author and date, so its commit id is
the same on every machine) in `CACHE/trees/NAME`, rebuilt whenever its pin changes or its tree
was touched. Source distributions are downloaded with pip (`--require-hashes`: pip checks the
sha256 of the manifest, and so do we); GitHub entries are checked out from a local bare mirror
with `read-tree` + `checkout-index`, not `git archive`, which would drop `export-ignore` paths
(some projects export-ignore their tests, which is where the noise is).

Nothing here is specific to compliance-gate: it only builds folders.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

GIT_ENV = {
    "GIT_AUTHOR_NAME": "corpus",
    "GIT_AUTHOR_EMAIL": "corpus@example.invalid",
    "GIT_COMMITTER_NAME": "corpus",
    "GIT_COMMITTER_EMAIL": "corpus@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+00:00",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+00:00",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


@dataclass(frozen=True, slots=True)
class Entry:
    """One corpus repository as the manifest pins it."""

    name: str
    source: str  # "pypi" or "github"
    ident: str  # the PyPI project, or owner/name on GitHub
    pin: str  # exact version, or commit
    sha256: str | None  # of the sdist (pypi only)
    package_dir: str  # the production package, relative to the tree
    stress: bool  # run only when named with --repos
    why: str

    @property
    def optional(self) -> bool:
        """GitHub entries exist only where someone mirrored them; sdists can always be rebuilt."""
        return self.source == "github"

    @property
    def label(self) -> str:
        return f"{self.ident}=={self.pin}" if self.source == "pypi" else f"github:{self.ident}@{self.pin[:12]}"


class CorpusError(Exception):
    """An entry that cannot be built here; the message says why and what to do."""


def load_manifest(path: Path) -> list[Entry]:
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("repos"), list):
        raise CorpusError(f"{path}: expected `version: 1` and a `repos:` list")
    entries = []
    for i, raw in enumerate(data["repos"]):
        where = f"{path}: repos[{i}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise CorpusError(f"{where}: each entry needs a `name`")
        # pins must be quoted strings: unquoted YAML reads `version: 2.10` as the float 2.1
        if "pypi" in raw:
            source, ident, pin, sha = "pypi", raw["pypi"], raw.get("version"), raw.get("sha256")
            if not isinstance(pin, str) or not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{64}", sha):
                raise CorpusError(
                    f"{where} ({raw['name']}): a pypi entry needs a quoted `version` and a quoted 64-hex `sha256`"
                )
        elif "github" in raw:
            source, ident, pin, sha = "github", raw["github"], raw.get("commit"), None
            if not isinstance(pin, str) or not re.fullmatch(r"[0-9a-f]{40}", pin):
                raise CorpusError(f"{where} ({raw['name']}): a github entry needs a quoted full 40-hex `commit`")
        else:
            raise CorpusError(f"{where} ({raw['name']}): needs `pypi:` or `github:`")
        entries.append(
            Entry(
                name=raw["name"],
                source=source,
                ident=str(ident),
                pin=pin,
                sha256=sha,
                package_dir=str(raw.get("package_dir", ".")),
                stress=bool(raw.get("stress", False)),
                why=str(raw.get("why", "")),
            )
        )
    names = [e.name for e in entries]
    if len(set(names)) != len(names):
        raise CorpusError(f"{path}: repository names must be unique")
    return entries


def git(tree: Path, *args: str, capture: bool = False) -> str:
    proc = subprocess.run(
        ["git", *args],
        cwd=tree,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise CorpusError(f"git {' '.join(args[:2])} in {tree} failed: {proc.stderr.strip()[-300:]}")
    return proc.stdout if capture else ""


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch_sdist(entry: Entry, dist: Path) -> Path:
    """The verified sdist archive, downloaded by pip unless already in `dist`."""
    for have in dist.glob("*"):
        if have.is_file() and sha256_of(have) == entry.sha256:
            return have
    with tempfile.TemporaryDirectory(prefix="cg-corpus-") as tmp:
        req = Path(tmp) / "requirements.txt"
        req.write_text(f"{entry.ident}=={entry.pin} --hash=sha256:{entry.sha256}\n", encoding="utf-8")
        out = Path(tmp) / "dl"
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:"]
        proc = subprocess.run(
            [*cmd, "--require-hashes", "-r", str(req), "-d", str(out)], capture_output=True, text=True, check=False
        )
        got = [p for p in out.glob("*") if p.is_file()] if out.is_dir() else []
        if proc.returncode != 0 or len(got) != 1:
            tail = " ".join(" ".join(ln for ln in proc.stderr.splitlines() if "WARNING" not in ln).split())[-300:]
            raise CorpusError(f"pip could not download {entry.label} (sdist): {tail or 'no archive'}")
        if sha256_of(got[0]) != entry.sha256:
            raise CorpusError(f"{got[0].name}: sha256 differs from the manifest; refusing to use it")
        dist.mkdir(parents=True, exist_ok=True)
        return Path(shutil.move(str(got[0]), dist / got[0].name))


def extract_sdist(archive: Path, tree: Path) -> None:
    """Unpack the sdist's single top folder as `tree` (tar filter `data`: no links out, no devices)."""
    with tempfile.TemporaryDirectory(prefix="cg-corpus-", dir=tree.parent) as tmp:
        if not archive.name.endswith((".tar.gz", ".tgz", ".tar.bz2", ".tar")):
            raise CorpusError(f"{archive.name}: only tar sdists are supported")
        with tarfile.open(archive) as t:
            t.extractall(tmp, filter="data")
        tops = list(Path(tmp).iterdir())
        if len(tops) != 1 or not tops[0].is_dir():
            raise CorpusError(f"{archive.name}: expected one top-level folder, found {len(tops)}")
        tops[0].rename(tree)


def checkout_mirror(entry: Entry, mirror: Path, tree: Path) -> None:
    owner_name = entry.ident.replace("/", "+")
    git_dir = mirror / owner_name / "repo"
    if not git_dir.is_dir():
        raise CorpusError(
            f"no mirror at {git_dir} (optional entry; to include it: "
            f"git clone --bare https://github.com/{entry.ident} {git_dir})"
        )
    tree.mkdir(parents=True)
    index = tree.parent / f".{entry.name}.index"
    env = {**os.environ, **GIT_ENV, "GIT_INDEX_FILE": str(index)}
    base = ["git", f"--git-dir={git_dir}", f"--work-tree={tree}"]
    try:
        for args in (["read-tree", entry.pin], ["checkout-index", "-a", "-f"]):
            proc = subprocess.run([*base, *args], env=env, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise CorpusError(f"{git_dir}: git {args[0]} {entry.pin[:12]} failed: {proc.stderr.strip()[-300:]}")
    finally:
        index.unlink(missing_ok=True)


def stamp_for(entry: Entry) -> str:
    return f"{entry.source} {entry.ident} {entry.pin} {entry.sha256 or ''}\n"


def is_current(entry: Entry, tree: Path, stamp: Path) -> bool:
    if not (tree / ".git").is_dir() or not stamp.is_file() or stamp.read_text(encoding="utf-8") != stamp_for(entry):
        return False
    try:
        status = git(tree, "status", "--porcelain", "--ignored=no", "--untracked-files=all", capture=True)
    except CorpusError:
        return False
    # the gate's own cache and outputs are the only thing allowed to appear after a build
    return all(line[3:].startswith(".compliance-gate/") for line in status.splitlines())


def build(entry: Entry, cache: Path, mirror: Path) -> Path:
    """The entry's git repository, built (or reused when current); raises CorpusError when it cannot be."""
    trees = cache / "trees"
    trees.mkdir(parents=True, exist_ok=True)
    tree, stamp = trees / entry.name, trees / f"{entry.name}.pin"
    if is_current(entry, tree, stamp):
        return tree
    shutil.rmtree(tree, ignore_errors=True)
    stamp.unlink(missing_ok=True)
    if entry.source == "pypi":
        extract_sdist(fetch_sdist(entry, cache / "dist"), tree)
    else:
        checkout_mirror(entry, mirror, tree)
    git(tree, "init", "-q", "-b", "main")
    git(tree, "add", "-A")
    git(tree, "-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", f"{entry.name} {entry.label}")
    stamp.write_text(stamp_for(entry), encoding="utf-8")
    return tree
