"""Where a playbook's files live: the playbook root's layout and the packaged defaults.

Light on purpose (no pydantic, no Jinja): the warm path of `generate` and `build` imports only this.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a warm run never needs it)
if TYPE_CHECKING:
    from typing import Any

# A plain `docs_dir: some/path` line, the way mkdocs.yml files write it (see Layout.docs_dir_guess).
_DOCS_DIR_LINE = re.compile(r"""^docs_dir:[ \t]*(["']?)([^"'#\r\n]*?)\1[ \t]*(?:#.*)?$""", re.MULTILINE)

DEFAULTS = Path(__file__).resolve().parent / "defaults"  # the packaged taxonomy, templates and scaffolds


class Layout:
    """The files of one playbook, relative to its root folder. (A plain class, not a dataclass: importing
    dataclasses costs a warm run 5 ms.)"""

    __slots__ = ("root",)
    root: Path

    def __init__(self, root: Path) -> None:
        object.__setattr__(self, "root", root)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Layout is read-only: cannot set {name!r}")

    def __eq__(self, other: object) -> bool:
        return type(other) is Layout and other.root == self.root

    def __hash__(self) -> int:
        return hash(self.root)

    def __repr__(self) -> str:
        return f"Layout(root={self.root!r})"

    @property
    def retros(self) -> Path:
        return self.root / "retros"

    @property
    def site_config(self) -> Path:
        return self.root / "site_config" / "playbook.yml"

    @property
    def own_taxonomy(self) -> Path:
        return self.root / "site_config" / "taxonomy.yml"

    @property
    def taxonomy(self) -> Path:
        """The playbook's own taxonomy when it has one, else the packaged default."""
        return self.own_taxonomy if self.own_taxonomy.is_file() else DEFAULTS / "taxonomy.yml"

    @property
    def templates(self) -> list[Path]:
        """Template folders, first match wins: the playbook's own templates/, then the packaged defaults."""
        return [self.root / "templates", DEFAULTS / "templates"]

    def template_label(self, name: str) -> str:
        own = self.root / "templates" / name
        return f"templates/{name}" if own.is_file() else f"templates/{name} (packaged default)"

    def looks_like_a_playbook(self) -> bool:
        return self.mkdocs_yml.is_file() or self.retros.is_dir()

    @property
    def pages(self) -> Path:
        """Hand-written pages and assets, copied into the generated docs as they are."""
        return self.root / "pages"

    @property
    def mkdocs_yml(self) -> Path:
        return self.root / "mkdocs.yml"

    def site_url(self) -> str | None:
        value = _mkdocs_setting(self.mkdocs_yml, "site_url")
        return str(value) if value else None

    def docs_dir(self) -> Path:
        """The generated folder: mkdocs.yml's docs_dir, read as plain YAML (MkDocs is not imported here)."""
        return self.root / str(_mkdocs_setting(self.mkdocs_yml, "docs_dir") or "docs")

    def docs_dir_guess(self) -> Path | None:
        """Where docs_dir most likely is, from a plain `docs_dir: path` line, without loading PyYAML.

        Only for finding the build cache of a warm run. That cache is trusted only when its fingerprint
        matches and it records this same docs_dir relative to its playbook root (buildcache.load); the
        fingerprint covers mkdocs.yml byte for byte and playbookgen's code, so the run that wrote it read
        this same mkdocs.yml as YAML and found docs_dir where the guess points.
        """
        if not self.mkdocs_yml.is_file():  # a named pipe would block the read
            return None
        try:
            text = self.mkdocs_yml.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        line = _DOCS_DIR_LINE.search(text)
        return self.root / ((line.group(2) if line else "") or "docs")

    def relative(self, path: Path) -> str:
        if path == DEFAULTS / "taxonomy.yml":
            return "the packaged taxonomy.yml"
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()


@functools.cache
def _tolerant_loader() -> Any:
    """A safe loader that reads past mkdocs.yml's tags (!!python/name, !ENV): docs_dir and site_url do not
    need them. Built on first use, so that a warm run never imports PyYAML."""
    import yaml

    class TolerantLoader(yaml.SafeLoader):
        pass

    TolerantLoader.add_multi_constructor("", lambda loader, suffix, node: None)
    return TolerantLoader


class SettingsError(Exception):
    """mkdocs.yml cannot be read; the message names the file and line."""


def _mkdocs_setting(path: Path, key: str) -> Any:
    import yaml

    if not path.is_file():
        if path.exists():  # a folder or a named pipe (reading one would block)
            raise SettingsError(f"{path.name}: cannot read MkDocs settings: not a regular file")
        if path.is_symlink():
            raise SettingsError(f"{path.name}: cannot read MkDocs settings: a symlink to a missing file")
        return None
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_tolerant_loader())
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path.name}:{mark.line + 1}" if mark is not None else path.name
        problem = getattr(exc, "problem", None) or str(exc)
        raise SettingsError(f"{where}: cannot read MkDocs settings: {problem}") from None
    return data.get(key) if isinstance(data, dict) else None
