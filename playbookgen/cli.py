"""Command line: thin click commands over the pipeline."""

from __future__ import annotations

import contextlib
import gc
import importlib
import itertools
import os
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import click

from playbookgen import __version__, buildcache, report, warm
from playbookgen.clock import today
from playbookgen.layout import Layout, SettingsError
from playbookgen.results import AUDIENCES, AudienceView, Checked, Forbidden, Generated

# Commands defined in other modules are imported only when run: `playbookgen generate` on an unchanged
# playbook then starts without loading Jinja, pydantic or MkDocs (see buildcache).
LAZY_COMMANDS = {
    "init": "playbookgen.init_command:init",
    "new": "playbookgen.writer_commands:new",
    "eject": "playbookgen.writer_commands:eject",
    "schema": "playbookgen.writer_commands:schema",
    "export": "playbookgen.writer_commands:export",
    "serve": "playbookgen.serve:serve",
}


class LazyGroup(click.Group):
    """click's documented pattern for lazily loaded subcommands."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module, _, attribute = LAZY_COMMANDS[name].partition(":")
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


@cli.command()
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--format",
    "output",
    type=click.Choice(report.FORMATS),
    default="text",
    show_default=True,
    help="text: 'path:line: level: field: message' lines; github: workflow commands that annotate a pull "
    "request; json: a versioned list of diagnostics (path, line, level, code, rule, field, message).",
)
@click.pass_obj
def check(root: Path, strict: bool, output: str) -> None:
    """Validate every retro and the taxonomy; print every problem at once.

    Exit 0 when clean (warnings allowed), 1 on any error (or any warning with --strict).
    """
    from playbookgen import pipeline

    checked = pipeline.check(root)
    failed = report.emit(checked.diagnostics, strict, output)
    if checked.playbook is not None:
        valid, lessons = len(checked.playbook.retros), len(checked.playbook.entries)
        invalid = checked.files - valid
        broken = f" ({invalid} with errors)" if invalid else ""
        click.echo(
            f"checked {report.count(checked.files, 'retro file')}{broken}: {valid} valid with "
            f"{report.count(lessons, 'lesson')}",
            err=True,
        )
    sys.exit(1 if failed else 0)


AUDIENCE = click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    default=None,
    help="Who the build is for: team (everything), internal (accounts by codename, values as bands) or "
    "public (public retros only, no values, people by role). Default: default_audience in "
    "site_config/playbook.yml (shipped: internal).",
)


def _generate(root: Path, strict: bool, audience: str | None, keep_going: bool = False) -> Generated:
    layout = Layout(root)
    day = today()
    key = buildcache.fingerprint(layout, audience, day)
    guess = layout.docs_dir_guess()  # a cache found there with this key is right (see docs_dir_guess)
    if not keep_going and guess is not None and (hit := buildcache.load(layout, guess, key)) is not None:
        return _up_to_date(layout, hit, strict, guess)
    try:
        docs_dir = layout.docs_dir()
    except SettingsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    if not keep_going and docs_dir != guess and (hit := buildcache.load(layout, docs_dir, key)) is not None:
        return _up_to_date(layout, hit, strict, docs_dir)
    with _no_cyclic_collection():  # until the pages are written: writing allocates too
        return _generate_and_write(root, docs_dir, key, strict, audience, keep_going, day)


def _generate_and_write(
    root: Path, docs_dir: Path, key: str, strict: bool, audience: str | None, keep_going: bool, day: date
) -> Generated:
    # Only when something changed: the pipeline is the expensive part (and publish imports tempfile).
    from playbookgen import pipeline
    from playbookgen.publish import PublishError, discard, replace_file, template_code_cache, write_tree
    from playbookgen.render import code_cache_key

    generated = pipeline.generate(
        root, audience, keep_going, day, code_cache=template_code_cache(code_cache_key())
    )
    checked = generated.checked
    layout = checked.layout
    skipped = checked.skipped() if keep_going else []
    failed = report.emit(checked.diagnostics, strict)
    blocked = not generated.files or (failed and not (keep_going and _only_skipped(checked, skipped, strict)))
    if blocked:
        click.echo("nothing published: fix the errors above first", err=True)
        sys.exit(1)
    assert generated.view is not None
    try:
        # The cache goes first and comes back last: a run stopped half way leaves none to trust.
        discard(docs_dir, buildcache.CACHE_FILE)
        outcome = write_tree(docs_dir, generated.files)
        if not keep_going:
            cache = buildcache.encode(
                key,
                buildcache.place(layout, docs_dir),
                outcome.stamps,
                checked.diagnostics,
                generated.view,
                generated.nav,
            )
            replace_file(docs_dir, buildcache.CACHE_FILE, cache)
    except (PublishError, OSError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(
        f"generated {len(generated.files)} files for the {generated.view.audience} audience "
        f"({report.count(len(generated.view.retros), 'retro')}, {len(generated.view.excluded)} not visible "
        "to it) "
        f"in {layout.relative(docs_dir)}: {len(outcome.written)} written, "
        f"{len(outcome.unchanged)} unchanged, {len(outcome.removed)} removed",
        err=True,
    )
    return generated


_LEAVING_AFTER_COMMAND = False  # main() sets it: the process ends when the command does


@contextlib.contextmanager
def _no_cyclic_collection() -> Iterator[None]:
    """A run builds millions of objects that live until it ends; the cyclic garbage collector would walk
    them over and over (6-8% of generate at 5,000 retros). Reference counting still frees all other
    garbage; the few cycles wait for the next collection (about 30 MB more at peak at 5,000 retros).

    Re-enabling the collector would start a collection over everything made meanwhile at the next
    allocation (0.35 s at 5,000 retros). When the process ends with the command, those objects are first
    moved to the oldest generation in constant time (freeze, then unfreeze): `generate` exits without
    that collection, and `build` runs its one full collection itself. In a longer-lived process (tests
    through CliRunner) the collector simply resumes: moved there, cycles would wait for a full collection
    that may never come."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _LEAVING_AFTER_COMMAND:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


def _up_to_date(layout: Layout, hit: dict[str, Any], strict: bool, docs_dir: Path) -> Generated:
    """No input changed since the last run: report its diagnostics again and write nothing."""
    if warm.announce(layout, hit, strict, docs_dir):
        sys.exit(1)
    forbidden = [Forbidden(text, reason) for text, reason in hit["forbidden"]]
    view = AudienceView(hit["audience"], [], [], forbidden)
    return Generated(Checked(layout, hit["diagnostics"]), {}, view, hit["nav"])


def _only_skipped(checked: Checked, skipped: list[str], strict: bool) -> bool:
    """With --keep-going, the run may go on when every error belongs to a skipped retro file."""
    problems = checked.diagnostics.errors + (checked.diagnostics.warnings if strict else [])
    return all(d.path in skipped for d in problems)


@cli.command()
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@AUDIENCE
@click.pass_obj
def generate(root: Path, strict: bool, audience: str | None) -> None:
    """Write the playbook's Markdown pages into mkdocs.yml's docs_dir (no MkDocs run)."""
    _generate(root, strict, audience)


@cli.command()
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@AUDIENCE
@click.option(
    "--site-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the HTML site (default: site_dir in mkdocs.yml, usually site/).",
)
@click.option(
    "--keep-going",
    is_flag=True,
    help="Build from the valid retros and list every skipped file with its reason (exit 3 when any was "
    "skipped).",
)
@click.option(
    "--timings",
    is_flag=True,
    help="Print the CPU seconds of each phase (generate, MkDocs, leak check) when the build ends.",
)
@click.pass_obj
def build(
    root: Path, strict: bool, audience: str | None, site_dir: Path | None, keep_going: bool, timings: bool
) -> None:
    """Check, generate the pages, then build the site with MkDocs in strict mode.

    Refuses to publish when any retro has an error: exit 1 with every problem listed (with --keep-going:
    builds the rest and exits 3). After the build, every file in the site is scanned for what the
    audience may not see (account names, redacted people, excluded retros): a leak fails the build.
    """
    clock = [("start", time.process_time())]
    generated = _generate(root, strict, audience, keep_going)
    clock.append(("generate", time.process_time()))
    assert generated.view is not None
    layout, nav, view = generated.checked.layout, generated.nav, generated.view
    skipped = {
        path: [d.message for d in generated.checked.diagnostics.errors if d.path == path]
        for path in (generated.checked.skipped() if keep_going else [])
    }
    # The pages are written: free the model and the pages, and keep what is left out of the garbage
    # collector's way, so MkDocs builds the site in a small heap (faster, and a lower peak).
    del generated
    gc.collect()
    from playbookgen.mkdocs_site import build_site  # MkDocs is imported only when a site is built

    clock.append(("tidy", time.process_time()))
    gc.freeze()
    try:
        result = build_site(layout.mkdocs_yml, site_dir.resolve() if site_dir else None, nav)
    finally:
        gc.unfreeze()
    clock.append(("MkDocs", time.process_time()))
    for message in result.messages:
        click.echo(f"mkdocs: {message}", err=True)
    if not result.ok or result.site_dir is None:
        click.echo("site build failed", err=True)
        sys.exit(1)
    from playbookgen.leaks import UnreadableSite, scan_tree

    shown = layout.relative(result.site_dir)
    try:
        leaks = scan_tree(result.site_dir, view.forbidden)
    except UnreadableSite as exc:
        click.echo(
            f"{shown}/{exc.path}: error: leak check: cannot read it ({exc.reason}), so the site could not be "
            f"checked; do not publish {shown}/",
            err=True,
        )
        sys.exit(1)
    clock.append(("leak check", time.process_time()))
    if timings:
        steps = itertools.pairwise(clock)
        phases = ", ".join(f"{name} {end - begin:.2f}" for (_, begin), (name, end) in steps)
        click.echo(f"timings (CPU s, this process): {phases}; in all {time.process_time():.2f}", err=True)
    for leak in leaks:
        click.echo(
            f"{shown}/{leak.path}: error: leak: {leak.found!r} ({leak.forbidden.reason}) must not appear "
            f"in the {view.audience} build",
            err=True,
        )
    if leaks:
        click.echo(
            f"LEAK CHECK FAILED: {len(leaks)} forbidden string(s) in {shown}/; do not publish it", err=True
        )
        sys.exit(1)
    click.echo(f"site built in {shown}/ for the {view.audience} audience; leak check passed", err=True)
    if skipped:
        for path, reasons in skipped.items():
            click.echo(f"skipped: {path}: {len(reasons)} error(s), first: {reasons[0]}", err=True)
        click.echo(f"{len(skipped)} retro file(s) skipped: the site is incomplete", err=True)
        sys.exit(3)


def main() -> None:
    """The console entry point: run the command, then leave without tearing the heap down.

    Freeing every object of a large build one by one (MkDocs' pages, the playbook model) took most of a
    second at 5,000 retros, for memory the operating system reclaims at once; mypy exits the same way.
    Output is flushed and logging shut down first; files are all closed by then.
    """
    global _LEAVING_AFTER_COMMAND
    _LEAVING_AFTER_COMMAND = True
    try:
        cli(prog_name="playbookgen")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            click.echo(exc.code, err=True)
    if "logging" in sys.modules:  # MkDocs logs; a warm generate never imports logging at all
        sys.modules["logging"].shutdown()
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # closed when Python started (`2>&-`)
            continue
        try:
            stream.flush()
        except OSError:  # a closed pipe (`playbookgen export | head`): nothing more can be shown
            code = code or 1
    os._exit(code)
