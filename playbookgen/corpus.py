"""Load and validate every retro of a playbook, with the checks that span files (unique ids)."""

from __future__ import annotations

from playbookgen.diagnostics import Diagnostics
from playbookgen.layout import Layout
from playbookgen.model import Retro
from playbookgen.settings import SiteConfig
from playbookgen.sources import discover, read_source
from playbookgen.taxonomy import Taxonomy
from playbookgen.validate import validate_retro


def load_retros(
    layout: Layout, taxonomy: Taxonomy, config: SiteConfig, diagnostics: Diagnostics
) -> tuple[list[Retro], int]:
    """The valid retros, and how many retro files were found."""
    retros: list[Retro] = []
    owners: dict[str, str] = {}
    paths = discover(layout.root, layout.retros, diagnostics)
    for path in paths:
        source = read_source(layout.root, path, diagnostics, config.max_file_size)
        if source is None:
            continue
        try:
            retro = validate_retro(source, taxonomy, config, diagnostics)
        except Exception as exc:  # one bad file must never hide the others
            diagnostics.error(
                source.path,
                None,
                None,
                f"could not be read ({type(exc).__name__}: {exc}); "
                "this is a playbookgen bug, please report it with the file",
                "internal",
            )
            continue
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
