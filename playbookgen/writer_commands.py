"""Commands for writers: `new` scaffolds a retro (prompts or flags); `eject` copies packaged defaults."""

from __future__ import annotations

import os
import sys
from datetime import date, datetime
from pathlib import Path

import click

from playbookgen import exports, pipeline
from playbookgen.editor_schema import schema_json
from playbookgen.evidence import build_evidence
from playbookgen.publish import PublishError, create_files
from playbookgen.results import AUDIENCES
from playbookgen.scaffold import EJECTABLE, NOTES, NewRetro, ejected_files, new_retro_path, new_retro_text
from playbookgen.taxonomy import Dimension, Taxonomy
from playbookgen.vocabulary import OUTCOMES, VISIBILITIES


@click.command()
@click.option("--title", help='The retro\'s title, e.g. "Lost Falcon to Lumaroute in procurement".')
@click.option("--codename", help="The deal's codename (shown wherever the customer's name may not be).")
@click.option("--outcome", help="won | lost | no-decision | open (aliases such as closed-won work).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="The day the retro was held [today].")
@click.option("--format", "retro_format", type=click.Choice(list(NOTES)), help="The retro format.")
@click.option("--visibility", type=click.Choice(VISIBILITIES), help="Who may read it [site default].")
@click.option(
    "--member",
    "members",
    multiple=True,
    metavar="NAME=ROLE",
    help='A deal team member, e.g. --member "Priya Raman=AE" (repeatable).',
)
@click.option("--no-input", is_flag=True, help="Never prompt: take everything from the flags.")
@click.pass_obj
def new(
    root: Path,
    title: str | None,
    codename: str | None,
    outcome: str | None,
    day: datetime | None,
    retro_format: str | None,
    visibility: str | None,
    members: tuple[str, ...],
    no_input: bool,
) -> None:
    """Create retros/<year>/<date>-<codename>.md, ready to fill in.

    Asks for what the flags leave out (unless --no-input). The body follows the retro format and holds a
    placeholder lesson with every attribute explained; `check` fails until every TODO is replaced, so an
    unfinished retro is never published. Never overwrites a file.
    """
    layout, config, taxonomy, diagnostics = pipeline.load_settings(root)
    if taxonomy is None:
        for diagnostic in diagnostics:
            click.echo(diagnostic.format(), err=True)
        sys.exit(1)
    if no_input:
        missing = [
            flag
            for flag, value in (("--title", title), ("--codename", codename), ("--outcome", outcome))
            if not value
        ]
        if missing:
            raise click.UsageError(f"--no-input needs {', '.join(missing)}")
    retro = NewRetro(
        title=title or click.prompt("Title (what happened, in a line)"),
        codename=codename or click.prompt("Deal codename"),
        outcome=_outcome(outcome)
        if outcome
        else click.prompt("Outcome", type=click.Choice(OUTCOMES.slugs), default="lost"),
        day=(day.date() if day else date.today())
        if no_input or day
        else click.prompt("Retro date", default=date.today().isoformat(), value_proc=_day),
        retro_format=retro_format
        or (
            "start-stop-continue"
            if no_input
            else click.prompt("Retro format", type=click.Choice(list(NOTES)), default="start-stop-continue")
        ),
        visibility=visibility
        or (
            config.default_visibility
            if no_input
            else click.prompt(
                "Visibility", type=click.Choice(VISIBILITIES), default=config.default_visibility
            )
        ),
        team=[_member(m, taxonomy.roles) for m in members] or ([] if no_input else _ask_team(taxonomy)),
    )
    path = new_retro_path(retro)
    try:
        create_files(layout.root, {path: new_retro_text(retro, taxonomy).encode("utf-8")})
    except PublishError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"created {path}")
    click.echo(
        "next: fill in the summary, the notes and the lessons (replace every TODO), then run "
        "'playbookgen check'"
    )


def _outcome(value: str) -> str:
    resolution = OUTCOMES.resolve(value)
    if resolution.slug is None:
        raise click.BadParameter(resolution.error or value, param_hint="--outcome")
    return resolution.slug


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD") from None


def _member(value: str, roles: Dimension) -> tuple[str, str]:
    name, _, role = value.partition("=")
    if not name.strip() or not role.strip():
        raise click.BadParameter(f"{value!r}: write NAME=ROLE, e.g. 'Priya Raman=AE'", param_hint="--member")
    return name.strip(), _role(role, roles)


def _role(value: str, roles: Dimension) -> str:
    resolution = roles.resolve(value)
    if resolution.slug is None:
        raise click.BadParameter(resolution.error or value)
    return resolution.slug


def _ask_team(taxonomy: Taxonomy) -> list[tuple[str, str]]:
    team: list[tuple[str, str]] = []
    click.echo(f"Deal team: one person at a time (roles: {', '.join(taxonomy.roles.slugs)}; aliases work).")
    while name := click.prompt(
        "Team member's name (Enter when done)", default="", show_default=False
    ).strip():
        role = click.prompt(f"{name}'s role", value_proc=lambda v: _role(v, taxonomy.roles))
        team.append((name, role))
    return team


@click.command()
@click.argument("what", type=click.Choice(EJECTABLE))
@click.argument("names", nargs=-1)
@click.pass_obj
def eject(root: Path, what: str, names: tuple[str, ...]) -> None:
    """Copy a packaged default into this playbook to edit it: the taxonomy, or page templates.

    \b
      playbookgen eject taxonomy                  -> site_config/taxonomy.yml
      playbookgen eject templates                 -> every template into templates/
      playbookgen eject templates stage.md.j2     -> just that one
    A playbook's own file wins over the packaged default. Never overwrites a file.
    """
    try:
        files = ejected_files(what, list(names))
        created = create_files(root, files)
    except (ValueError, PublishError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for path in created:
        click.echo(f"created {path}")


@click.command()
@click.pass_obj
def schema(root: Path) -> None:
    """Print a JSON Schema (draft 2020-12) of retro front matter, with this playbook's taxonomy.

    Generated from the definitions `check` uses; save it for your editor:
    playbookgen schema > .vscode/retro-front-matter.schema.json
    """
    _layout, _config, taxonomy, diagnostics = pipeline.load_settings(root)
    if taxonomy is None:
        for diagnostic in diagnostics:
            click.echo(diagnostic.format(), err=True)
        sys.exit(1)
    click.echo(schema_json(taxonomy), nl=False)


@click.command()
@click.option(
    "--format", "output_format", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    default=None,
    help="Whose view to export (default: default_audience in site_config/playbook.yml).",
)
@click.option(
    "--output",
    "output_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (never overwritten) instead of standard output.",
)
@click.pass_obj
def export(root: Path, output_format: str, audience: str | None, output_file: Path | None) -> None:
    """Export one row per published lesson, with its retro's fields, redacted for the audience.

    For spreadsheets and BI tools; the JSON has a versioned shape (see the README). Refuses when any
    retro has an error, like build.
    """
    checked = pipeline.check(root)
    if checked.diagnostics.errors or checked.playbook is None:
        for diagnostic in checked.diagnostics.sorted():
            click.echo(diagnostic.format(), err=True)
        click.echo("nothing exported: fix the errors above first", err=True)
        sys.exit(1)
    view, playbook = pipeline.for_audience_of(checked, audience)
    rows = exports.lesson_rows(
        playbook, build_evidence(playbook, pipeline.today(), playbook.config.stale_after_months)
    )
    text = exports.as_json(rows, view.audience) if output_format == "json" else exports.as_csv(rows)
    if output_file is None:
        click.echo(text, nl=False)
        return
    try:
        create_files(Path.cwd(), {os.path.relpath(output_file.resolve(), Path.cwd()): text.encode("utf-8")})
    except (PublishError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"exported {len(rows)} lessons for the {view.audience} audience to {output_file}", err=True)
