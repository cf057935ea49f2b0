"""Command line: thin click commands over the pipeline."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from playbookgen import __version__, pipeline
from playbookgen.diagnostics import Diagnostics, summary
from playbookgen.publish import PublishError, write_tree
from playbookgen.render import navigation
from playbookgen.settings import SettingsError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="playbookgen")
@click.option(
    "-C",
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The playbook root: the folder holding mkdocs.yml, retros/ and site_config/.",
)
@click.pass_context
def cli(ctx: click.Context, root: Path) -> None:
    """Turn deal retrospectives in retros/ into a searchable sales playbook site.

    \b
    Typical use:
      playbookgen check          validate every retro, list every problem
      playbookgen build          check, generate pages, build the site into site/
    """
    if not root.is_dir():
        raise click.UsageError(f"playbook root {str(root)!r} is not a folder", ctx)
    ctx.obj = root.resolve()


def _report(diagnostics: Diagnostics, strict: bool) -> bool:
    """Print every diagnostic and a summary to stderr; True when the run must fail."""
    for diagnostic in diagnostics.sorted():
        click.echo(diagnostic.format(), err=True)
    failed = diagnostics.failed(strict)
    if diagnostics:
        note = (
            " (--strict: warnings fail)" if strict and diagnostics.warnings and not diagnostics.errors else ""
        )
        click.echo(f"{summary(diagnostics)}{note}", err=True)
    return failed


@cli.command()
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.pass_obj
def check(root: Path, strict: bool) -> None:
    """Validate every retro and the taxonomy; print every problem at once.

    Exit 0 when clean (warnings allowed), 1 on any error (or any warning with --strict).
    """
    checked = pipeline.check(root)
    failed = _report(checked.diagnostics, strict)
    if checked.playbook is not None:
        valid, lessons = len(checked.playbook.retros), len(checked.playbook.entries)
        invalid = checked.files - valid
        broken = f" ({invalid} with errors)" if invalid else ""
        click.echo(
            f"checked {checked.files} retro files{broken}: {valid} valid with {lessons} lessons", err=True
        )
    sys.exit(1 if failed else 0)


def _generate(root: Path, strict: bool) -> pipeline.Generated:
    generated = pipeline.generate(root)
    checked = generated.checked
    if _report(checked.diagnostics, strict) or not generated.files:
        click.echo("nothing published: fix the errors above first", err=True)
        sys.exit(1)
    try:
        docs_dir = checked.layout.docs_dir()
        report = write_tree(docs_dir, generated.files)
    except (PublishError, SettingsError, OSError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(
        f"generated {len(generated.files)} pages in {checked.layout.relative(docs_dir)}: "
        f"{len(report.written)} written, {len(report.unchanged)} unchanged, {len(report.removed)} removed",
        err=True,
    )
    return generated


@cli.command()
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.pass_obj
def generate(root: Path, strict: bool) -> None:
    """Write the playbook's Markdown pages into mkdocs.yml's docs_dir (no MkDocs run)."""
    _generate(root, strict)


@cli.command()
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--site-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the HTML site (default: site_dir in mkdocs.yml, usually site/).",
)
@click.pass_obj
def build(root: Path, strict: bool, site_dir: Path | None) -> None:
    """Check, generate the pages, then build the site with MkDocs in strict mode.

    Refuses to publish when any retro has an error: exit 1 with every problem listed.
    """
    generated = _generate(root, strict)
    from playbookgen.mkdocs_site import build_site  # MkDocs is imported only when a site is built

    layout = generated.checked.layout
    assert generated.checked.playbook is not None
    result = build_site(
        layout.mkdocs_yml, site_dir.resolve() if site_dir else None, navigation(generated.checked.playbook)
    )
    for message in result.messages:
        click.echo(f"mkdocs: {message}", err=True)
    if not result.ok:
        click.echo("site build failed", err=True)
        sys.exit(1)
    click.echo(f"site built in {site_dir or 'site'}/", err=True)


def main() -> None:
    cli(prog_name="playbookgen")
