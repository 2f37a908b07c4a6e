"""Regenerate the committed lock files with the real tools (uv, poetry, pipenv), offline.

    .venv/bin/python tests/deps/data/locks/regenerate.py

Each tool locks the same small project (`depsutil.PROJECT_DEPS`, `DEV_DEPS`) against tiny local
wheels: uv from a find-links folder, poetry and pipenv from a PEP 503 index served on loopback.
The outputs are committed beside this script (with the loopback port and the temporary folder
written as `127.0.0.1:8000` and `/tmp/locks`) so the reader tests pin down exact line numbers;
`test_deps_tools.py` runs the same commands live and checks the readers agree.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from depsutil import make_index, serve_directory  # noqa: E402
from locktools import lock_pipenv, lock_poetry, lock_uv  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        wheels = make_index(base)
        with serve_directory(base) as url:
            outputs = {
                "uv": lock_uv(base / "uv", wheels),
                "poetry": lock_poetry(base / "poetry", url),
                "pipenv": lock_pipenv(base / "pipenv", url),
            }
            for tool, files in outputs.items():
                dest = HERE / tool
                shutil.rmtree(dest, ignore_errors=True)
                dest.mkdir()
                for file in files:
                    text = file.read_text().replace(url, "http://127.0.0.1:8000").replace(str(base), "/tmp/locks")
                    (dest / file.name).write_text(text)
                print(tool, sorted(p.name for p in dest.iterdir()))


if __name__ == "__main__":
    main()
