"""`playbookgen init [DIR]`: scaffold a new playbook repository that builds at once.

The scaffold's files live in the package, under defaults/init/. The taxonomy and the page templates are not
copied: the packaged defaults apply until the repository adds its own site_config/taxonomy.yml or
templates/<name>. Nothing is ever overwritten: when any scaffold file exists, nothing is written.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import click

from playbookgen import __version__
from playbookgen.layout import DEFAULTS
from playbookgen.publish import PublishError, create_files

SCAFFOLD = DEFAULTS / "init"
DEFAULT_NAME = "Sales playbook"
# Dot files are packaged as dot-<name> (dot-gitignore, dot-github/): package-data globs skip hidden files,
# and a real .gitignore inside the package's source tree would apply to playbookgen's own files.
_DOT = "dot-"
_SITE_NAME = "__SITE_NAME__"
_VERSION = "__PLAYBOOKGEN_VERSION__"


def scaffold_files(name: str = DEFAULT_NAME, version: str = __version__) -> dict[str, bytes]:
    """The new repository's files ({relative posix path: content}), with the name and version filled in."""
    files: dict[str, bytes] = {}
    for path in sorted(SCAFFOLD.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        parts = path.relative_to(SCAFFOLD).parts
        relative = "/".join("." + part[len(_DOT) :] if part.startswith(_DOT) else part for part in parts)
        text = path.read_text(encoding="utf-8")
        # A JSON string is a valid YAML double-quoted scalar: any name is safe in mkdocs.yml and playbook.yml.
        text = text.replace(_SITE_NAME, json.dumps(name, ensure_ascii=False)).replace(_VERSION, version)
        files[relative] = text.encode("utf-8")
    return files


def conflicts(target: Path, files: dict[str, bytes]) -> list[str]:
    """The scaffold paths that already exist in `target`, or whose folder is taken by a file."""
    found = []
    for relative in sorted(files):
        path = target / relative
        if path.exists() or path.is_symlink():
            found.append(relative)
            continue
        for parent in list(Path(relative).parents)[:-1]:
            folder = target / parent
            if (folder.exists() or folder.is_symlink()) and not folder.is_dir():
                found.append(f"{parent.as_posix()} (a file where a folder is needed)")
                break
    return sorted(set(found))


def _shown(path: Path) -> str:
    """`path` as the user will type it: relative to the current folder when below it."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(resolved)


@click.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--name",
    default=DEFAULT_NAME,
    show_default=True,
    help="The playbook's name: the site name in mkdocs.yml and the title in site_config/playbook.yml.",
)
@click.pass_context
def init(ctx: click.Context, directory: Path, name: str) -> None:
    """Create a new playbook repository in DIRECTORY (default: the current folder; created if missing).

    \b
    Writes mkdocs.yml, site_config/playbook.yml, retros/README.md (the
    writer's guide), pages/confidentiality.md, .gitignore, and CI:
    .github/workflows/playbook.yml (GitHub Actions) and .gitlab-ci.yml
    (GitLab CI) check pull/merge requests and publish the main branch.
    The taxonomy and page templates ship with playbookgen: add
    site_config/taxonomy.yml or templates/<name> to override them.

    Never overwrites anything: when any of these files exists, it lists them, writes nothing and exits 1.
    """
    if not name.strip():
        raise click.BadParameter("must not be empty", ctx, param_hint="'--name'")
    root = ctx.obj if isinstance(ctx.obj, Path) else None  # under `playbookgen -C ROOT`, DIR is below ROOT
    target = directory if root is None or directory.is_absolute() else root / directory
    shown = _shown(target)
    files = scaffold_files(name.strip(), __version__)
    existing = conflicts(target, files)
    if existing:
        click.echo(f"error: refusing to overwrite existing files in {shown}:", err=True)
        for relative in existing:
            click.echo(f"  {relative}", err=True)
        click.echo("nothing was written: move them away, or pick another folder", err=True)
        ctx.exit(1)
    try:
        created = create_files(target, files)
    except (PublishError, OSError) as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(1)
    click.echo(f"created a playbook in {shown}:")
    for relative in created:
        click.echo(f"  {relative}")
    steps = [] if shown == "." else [f"cd {shlex.quote(shown)}"]
    steps += [
        "playbookgen new        # write the first retro",
        "playbookgen check      # validate every retro",
        "playbookgen build      # build the site into site/",
    ]
    click.echo("\nNext steps:")
    for step in steps:
        click.echo(f"  {step}")
    click.echo(
        "\nThen put the folder under git and push it. CI checks every pull request and publishes the public\n"
        "build from main: .github/workflows/playbook.yml on GitHub, .gitlab-ci.yml on GitLab (delete the\n"
        "one you don't use). retros/README.md is the writer's guide."
    )
