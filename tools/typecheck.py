"""Type-check cpkg with mypy, under the package names it installs as.

The folders ``kg/``, ``api/`` and ``ontology/`` install as ``cpkg``, ``cpkg.api`` and
``cpkg.ontology`` (``[tool.setuptools.package-dir]``), a mapping mypy cannot read from the source
tree. This builds that layout from symbolic links in a scratch folder, runs ``mypy -p cpkg`` on it
and reports each error at its path in the repository.

    python tools/typecheck.py            # exit status 1 if mypy finds errors
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Where each installed subpackage of cpkg lives in the repository (pyproject's package-dir).
SUBPACKAGES = {"api": ROOT / "api", "ontology": ROOT / "ontology"}


def _link_tree(target: Path) -> Path:
    package = target / "cpkg"
    package.mkdir()
    for entry in (ROOT / "kg").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    for name, folder in SUBPACKAGES.items():
        (package / name).symlink_to(folder, target_is_directory=True)
    return package


def _in_repository(line: str) -> str:
    """A mypy line with its ``cpkg/…`` path turned into the file's path in the repository."""
    path, colon, message = line.partition(":")
    if not colon or not path.startswith("cpkg/"):
        return line
    top, _, rest = path.removeprefix("cpkg/").partition("/")
    folder = SUBPACKAGES.get(top) if rest else None
    located = folder / rest if folder else ROOT / "kg" / path.removeprefix("cpkg/")
    return f"{located.relative_to(ROOT)}:{message}"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="cpkg-typecheck-") as scratch:
        _link_tree(Path(scratch))
        run = subprocess.run(
            [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), "-p", "cpkg"],
            cwd=scratch,
            capture_output=True,
            text=True,
            check=False,
        )
        for line in (run.stdout + run.stderr).splitlines():
            print(_in_repository(line))
    return run.returncode


if __name__ == "__main__":
    raise SystemExit(main())
