"""Load and validate every retro of a playbook, with the checks that span files (unique ids)."""

from __future__ import annotations

from pathlib import Path

from playbookgen.diagnostics import Diagnostic, Diagnostics
from playbookgen.layout import Layout
from playbookgen.model import Retro
from playbookgen.settings import SiteConfig
from playbookgen.sources import discover, read_source
from playbookgen.taxonomy import Taxonomy
from playbookgen.validate import validate_retro

_Key = tuple[str, int, int, int, int]


class RetroCache:
    """Validated retros kept by a long-running process (serve), keyed by file, size, modification and
    change time and inode (`touch -r` can put a modification time back, not a change time).

    Valid only for one taxonomy and one configuration: `bind` clears it when either changes.
    """

    def __init__(self) -> None:
        self._token: str | None = None
        self._entries: dict[_Key, tuple[Retro | None, list[Diagnostic]]] = {}

    def bind(self, token: str) -> None:
        if token != self._token:
            self._entries.clear()
            self._token = token

    def get(self, key: _Key) -> tuple[Retro | None, list[Diagnostic]] | None:
        return self._entries.get(key)

    def put(self, key: _Key, retro: Retro | None, diagnostics: list[Diagnostic]) -> None:
        self._entries[key] = (retro, diagnostics)


def load_retros(
    layout: Layout,
    taxonomy: Taxonomy,
    config: SiteConfig,
    diagnostics: Diagnostics,
    cache: RetroCache | None = None,
) -> tuple[list[Retro], int]:
    """The valid retros, and how many retro files were found."""
    retros: list[Retro] = []
    owners: dict[str, str] = {}
    paths = discover(layout.root, layout.retros, diagnostics)
    for path in paths:
        key = _key(path) if cache is not None else None
        hit = cache.get(key) if cache is not None and key is not None else None
        if hit is None:
            found = Diagnostics()
            retro = _load_one(layout, path, taxonomy, config, found)
            if cache is not None and key is not None:
                cache.put(key, retro, list(found))
        else:
            retro, found = hit
        diagnostics.extend(found)
        if retro is None:
            continue
        if retro.id in owners:
            diagnostics.error(
                retro.path,
                retro.id_line,
                "id",
                f"duplicate retro id {retro.id!r}: {owners[retro.id]} has the same id; "
                "set a distinct 'id:' in one of them or rename a file",
                "duplicate-id",
            )
            continue
        owners[retro.id] = retro.path
        retros.append(retro)
    return retros, len(paths)


def _load_one(
    layout: Layout, path: Path, taxonomy: Taxonomy, config: SiteConfig, diagnostics: Diagnostics
) -> Retro | None:
    source = read_source(layout.root, path, diagnostics, config.max_file_size)
    if source is None:
        return None
    try:
        return validate_retro(source, taxonomy, config, diagnostics)
    except Exception as exc:  # one bad file must never hide the others
        diagnostics.error(
            source.path,
            None,
            None,
            f"could not be read ({type(exc).__name__}: {exc}); "
            "this is a playbookgen bug, please report it with the file",
            "internal",
        )
        return None


def _key(path: Path) -> _Key | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (str(path), stat.st_mtime_ns, stat.st_size, stat.st_ctime_ns, stat.st_ino)
