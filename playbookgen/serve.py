"""`playbookgen serve`: a live preview that regenerates the pages when a source changes.

Two pieces, both libraries:

- MkDocs' development server (preview_server.py: MkDocs' LiveReloadServer) serves the site, watches the
  generated docs folder, rebuilds the pages whose Markdown changed (a dirty build: quick) and reloads the
  browser; a full build in a child process then brings search, tags and removed pages up to date.
- watchfiles threads watch the playbook's sources (retros/, site_config/, templates/, pages/ and
  mkdocs.yml). On a change, the pipeline generates every page and `write_tree` updates the docs folder; it
  rewrites only the files whose content changed, so MkDocs rebuilds only those pages. When the sources have
  errors, the diagnostics are printed and nothing is written: the preview keeps showing the last good
  build.

The navigation is handed to MkDocs as a list that is updated in place when it changes (a new stage in the
taxonomy): MkDocs re-reads its configuration with that same list on every rebuild. A dirty build re-renders
only modified pages: a change to the navigation or to mkdocs.yml reaches every page with the full build.

In a large playbook the stage, role and objection pages are megabytes each and take MkDocs seconds to render,
so an edit is written in two steps: first every changed page up to QUICK_PAGE_BYTES (the edited retro's own
page), then, once MkDocs' log says that rebuild is done, the large pages, unless the writer has saved again
meanwhile: then they come with that save, which would otherwise wait seconds for them.

Registered as a command by cli.py (`cli.add_command(serve)`).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from playbookgen import pipeline, report
from playbookgen.diagnostics import summary
from playbookgen.layout import Layout, SettingsError
from playbookgen.publish import PublishError, template_code_cache, write_tree
from playbookgen.render import code_cache_key
from playbookgen.results import AUDIENCES

if TYPE_CHECKING:
    from playbookgen.preview_server import PreviewSite

WATCHED_DIRS = ("retros", "site_config", "templates", "pages")
PLUGIN = "playbookgen"
# Generated pages larger than this (the stage, role and objection pages of a large playbook: megabytes of
# lesson cards) take MkDocs seconds each to render. An edit writes the smaller pages first (the edited retro's
# own page) and the larger ones after MkDocs has rebuilt and reloaded those.
QUICK_PAGE_BYTES = 64 * 1024


KEPT_SHORT = "the preview keeps showing the last good build"
KEPT = f"nothing written: {KEPT_SHORT}; fix the errors above"


def _say(message: str) -> None:
    _echo(f"serve: {message}")


def _echo(line: str) -> None:
    """A line on stderr; nothing when the terminal is gone (a hang-up): the preview still stops cleanly."""
    with contextlib.suppress(OSError):
        click.echo(line, err=True)


class Regenerator:
    """Generate the pages and write the ones that changed; never write when the sources have errors."""

    def __init__(self, root: Path, audience: str | None, strict: bool, nav: list[dict[str, Any]]) -> None:
        self.root = root
        self.audience = audience
        self.strict = strict
        self.nav = nav  # the very list MkDocs' configuration holds: updated in place
        self.served: Path | None = None  # the docs folder the server watches, resolved at the first run
        self.wrote = False  # the current run has written pages
        self.lock = threading.Lock()
        self.builds: Builds | None = None  # set once MkDocs serves: then large pages are written last
        self.site: PreviewSite | None = None  # told of every change to the docs folder
        self.retro_cache = pipeline.RetroCache()  # unchanged retros are not parsed and validated again
        self.code_cache = template_code_cache(code_cache_key())  # unchanged templates are not compiled again
        self.newer_change: Callable[[], bool] = lambda: False  # the watcher's: another run is already due
        # The pages of a run whose large pages were left to the next run, until a run writes them all.
        self.owed: tuple[Path, dict[str, bytes]] | None = None

    def run(self, refresh_all: bool = False) -> bool:
        """One regeneration; True when the docs folder now holds the current sources' pages."""
        with self.lock:
            done = self.wrote = False
            try:
                done = self._run(refresh_all)
            finally:
                if not done and self.wrote:
                    # It failed after writing newer pages than the owed ones (a full disk): no going back.
                    self.owed = None
                elif not done:  # the last good build is the one whose large pages were left to this run
                    self._write_owed()
            return done

    def finish(self) -> None:
        """When the preview stops: write what a run left to a run that will not come."""
        if not self.lock.acquire(timeout=5.0):  # a run still going, past the watcher's wait too
            _say(
                "stopped during a regeneration: the docs folder may lack the last save's pages; "
                "playbookgen generate writes them"
            )
            return
        try:
            self._write_owed()
        finally:
            self.lock.release()

    def _write_owed(self) -> None:
        if self.owed is None:
            return
        docs_dir, files = self.owed
        self.owed = None
        try:
            with self._docs_lock():
                written = write_tree(docs_dir, files)
        except (PublishError, OSError) as exc:
            _say(f"error: {exc}")
            return
        if self.site is not None and (written.written or written.removed):
            self.site.changed(written.removed)

    def _run(self, refresh_all: bool) -> bool:
        started = time.monotonic()
        generated = pipeline.generate(
            self.root, self.audience, cache=self.retro_cache, code_cache=self.code_cache
        )
        took = time.monotonic() - started
        diagnostics = generated.checked.diagnostics
        for line in report.as_text(diagnostics.sorted()):
            _echo(line)
        if diagnostics:
            _echo(summary(diagnostics))
        first = self.served is None
        if diagnostics.failed(self.strict) or not generated.files:
            if not first:  # at the start there is no build yet: serve says so
                _say(KEPT)
            return False
        layout = generated.checked.layout
        try:
            docs_dir = layout.docs_dir()
            if not layout.mkdocs_yml.is_file():
                kept = "" if first else f": {KEPT_SHORT}"
                _say(f"error: {layout.relative(layout.mkdocs_yml)} is missing; nothing written{kept}")
                return False
            if self.served is not None and _resolved(docs_dir) != self.served:
                # Never write where the server does not look: the pages would go unseen, into a
                # folder nobody asked for.
                _say(
                    f"error: docs_dir is now {layout.relative(docs_dir)}, but this preview serves "
                    f"{layout.relative(self.served)}; "
                    f"nothing written: {KEPT_SHORT}. Restart playbookgen serve to preview the new "
                    "folder, or set docs_dir back"
                )
                return False
            held_back = (
                not first
                and self.builds is not None
                and self.site is not None
                and self.site.serving.is_set()
                and self._write_quick_pages_first(docs_dir, generated.files)
            )
            if held_back and not refresh_all and self.nav == generated.nav and self.newer_change():
                # Saved again meanwhile: MkDocs would spend seconds on large pages that the next run
                # rewrites anyway, and the next edit would wait for them.
                _say("saved again meanwhile: the large pages follow that change")
                self.owed = (docs_dir, generated.files)
                return True
            self.wrote = True
            with self._docs_lock():
                written = write_tree(docs_dir, generated.files)
            self.owed = None
            rebuild_all = not first and (refresh_all or self.nav != generated.nav)
            self.nav[:] = generated.nav  # in place: MkDocs' next rebuild reads this very list
            if self.site is not None and (written.written or written.removed or rebuild_all):
                self.site.changed(written.removed)
        except (PublishError, SettingsError, OSError) as exc:
            _say(f"error: {exc}")
            return False
        self.served = self.served or _resolved(docs_dir)
        assert generated.view is not None
        view = generated.view
        done = written.written, written.removed
        what = f"{len(done[0])} written, {len(done[1])} removed" if any(done) else "no change"
        extra = "; every page follows with the full build" if rebuild_all else ""
        _say(
            f"generated {len(view.retros)} retros for the {view.audience} audience in "
            f"{took:.2f}s: {what}{extra}"
        )
        return True

    def _docs_lock(self) -> contextlib.AbstractContextManager[object]:
        """Held while pages are written, and by MkDocs while it builds: a dirty build that saw a page
        unchanged when it read the pages and changed when it renders them fails on it."""
        return self.site.docs_lock if self.site is not None else contextlib.nullcontext()

    def _write_quick_pages_first(self, docs_dir: Path, files: dict[str, bytes]) -> bool:
        """Write every change except to the large pages; return when MkDocs has rebuilt and shown it.
        True when large pages were held back (they are still to be written)."""
        assert self.builds is not None and self.site is not None
        quick = dict(files)
        held = 0
        for relative, content in files.items():
            if len(content) > QUICK_PAGE_BYTES:
                try:
                    quick[relative] = (docs_dir / relative).read_bytes()  # unchanged for now
                except OSError:
                    del quick[relative]  # a new large page: it comes with the rest
                held += quick.get(relative) != content
        if not held:
            return False
        before = self.builds.started
        self.site.holding_large.set()  # this quick build is for the edited pages alone: large ones wait
        try:
            self.wrote = True
            with self._docs_lock():
                written = write_tree(docs_dir, quick)
            if not (written.written or written.removed):
                return True
            self.site.changed(written.removed)
            _say(
                f"{len(written.written)} page(s) written first, {held} large page(s) after MkDocs shows them"
            )
            self.builds.wait_for_one_after(before, timeout=20.0)
            time.sleep(0.5)  # let the reloading browsers fetch the page before the next, longer rebuild
        finally:
            self.site.holding_large.clear()
        return True


def _resolved(folder: Path) -> Path:
    """The folder with symlinks and '..' resolved; as written when that fails (a symlink loop)."""
    try:
        return folder.resolve()
    except (OSError, RuntimeError):
        return folder


class Builds:
    """MkDocs' (re)builds as its log reports them: how many started and how many ended."""

    STARTED = "Building documentation..."
    ENDED = ("Documentation built in ", "An error happened during the rebuild")

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.started = 0
        self.ended = 0
        self.closed = False

    def note(self, message: str) -> None:
        with self.condition:
            if message == self.STARTED:
                self.started += 1
            elif message.startswith(self.ENDED[0]) or self.ENDED[1] in message:
                self.ended += 1
                self.condition.notify_all()

    def wait_for_one_after(self, started: int, timeout: float) -> bool:
        """Wait until a build that started after the count `started` has ended (False on timeout or once
        the server has stopped)."""
        with self.condition:
            done = self.condition.wait_for(
                lambda: self.closed or (self.started > started and self.ended >= self.started),
                timeout=timeout,
            )
            return done and not self.closed

    def close(self) -> None:
        with self.condition:
            self.closed = True
            self.condition.notify_all()


class Watcher:
    """watchfiles threads over the playbook's sources; a worker thread regenerates after every burst.

    One thread watches the source folders recursively, another the root folder alone (mkdocs.yml, and the
    source folders appearing or disappearing: then the first thread is restarted on the new set).
    """

    def __init__(self, layout: Layout, regenerate: Callable[[bool], bool]) -> None:
        self.layout = layout
        self.regenerate = regenerate
        self.stop = threading.Event()
        self.pending = threading.Event()
        self.refresh_all = False
        self.tree_stop = threading.Event()
        self.tree_folders: list[Path] | None = None  # None: not started yet
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        self._spawn(self._work, "playbookgen-regenerate")
        self._spawn(self._watch_root, "playbookgen-watch-root")
        self._start_tree()

    def close(self, timeout: float = 3.0) -> None:
        self.stop.set()
        self.tree_stop.set()
        self.pending.set()
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _spawn(self, target: Callable[..., None], name: str, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self.threads.append(thread)
        thread.start()

    def _start_tree(self) -> bool:
        """(Re)start the source watcher when the set of source folders changed; True when it did."""
        folders = [self.layout.root / name for name in WATCHED_DIRS if (self.layout.root / name).is_dir()]
        if folders == self.tree_folders:
            return False
        self.tree_folders = folders
        self.tree_stop.set()
        self.tree_stop = threading.Event()
        if folders:
            self._spawn(self._watch_tree, "playbookgen-watch-sources", folders, self.tree_stop)
        return True

    def _request(self, refresh_all: bool = False) -> None:
        self.refresh_all = self.refresh_all or refresh_all
        self.pending.set()

    def _watch_tree(self, folders: list[Path], stop: threading.Event) -> None:
        from watchfiles import watch

        for _changes in watch(*folders, stop_event=stop, debounce=400, step=50, raise_interrupt=False):
            self._request()

    def _watch_root(self) -> None:
        from watchfiles import watch

        names = {*WATCHED_DIRS, "mkdocs.yml"}
        for changes in watch(
            self.layout.root,
            watch_filter=lambda _change, path: Path(path).name in names,
            recursive=False,
            stop_event=self.stop,
            debounce=400,
            step=50,
            raise_interrupt=False,
        ):
            changed = {Path(path).name for _change, path in changes}
            moved = bool(changed & set(WATCHED_DIRS)) and self._start_tree()  # a folder came or went
            if moved or "mkdocs.yml" in changed:
                self._request(refresh_all="mkdocs.yml" in changed)

    def _work(self) -> None:
        while True:
            self.pending.wait()
            if self.stop.is_set():
                return
            self.pending.clear()
            refresh_all, self.refresh_all = self.refresh_all, False
            try:
                self.regenerate(refresh_all)
            except Exception as exc:  # a bug must not end the preview: report it, keep watching
                _say(f"regeneration failed: {type(exc).__name__}: {exc}")


class _MkDocsLog(logging.Handler):
    """MkDocs' messages on stderr, prefixed like `playbookgen build` prints them."""

    QUIET = "A 'dirty' build is being performed"  # said on every rebuild; dirty builds are the design

    def __init__(self, builds: Builds) -> None:
        super().__init__(logging.INFO)
        self.builds = builds

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.builds.note(message)
        if self.QUIET in message:
            return
        level = "" if record.levelno == logging.INFO else f"{record.levelname.lower()}: "
        _echo(f"mkdocs: {level}{message}")


@contextmanager
def _mkdocs_logging(builds: Builds) -> Iterator[None]:
    logger = logging.getLogger("mkdocs")
    handler = _MkDocsLog(builds)
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


@contextmanager
def _stop_signals_as_interrupt() -> Iterator[None]:
    """`kill`, or closing the terminal (SIGHUP), stops the preview as cleanly as Ctrl-C does: the full
    build is stopped and the temporary site removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    names = [name for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]  # no SIGHUP on Windows
    # An ignored signal stays ignored: `nohup playbookgen serve &` must outlive its terminal.
    names = [name for name in names if signal.getsignal(getattr(signal, name)) is not signal.SIG_IGN]
    previous = {name: signal.signal(getattr(signal, name), interrupt) for name in names}
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)


def _port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port, found before the (long) first build."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"unknown host {host!r}: {exc.strerror}"
    family, _type, _proto, _name, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server itself does
        try:
            probe.bind(address)
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


def _mkdocs_nav_and_plugin(config_file: Path) -> tuple[bool, bool]:
    """(mkdocs.yml sets its own nav, the sanitiser plugin is active); raises on a broken configuration."""
    from mkdocs.config import load_config

    config = load_config(config_file=str(config_file))
    return bool(config.nav), PLUGIN in config.plugins


@click.command()
@click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    default=None,
    help="Who the preview is for: team, internal or public (default: default_audience in "
    "site_config/playbook.yml).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors: a warning keeps the last good build.")
@click.pass_obj
def serve(root: Path, audience: str | None, host: str, port: int, strict: bool) -> None:
    """Preview the playbook at http://HOST:PORT/, regenerated and reloaded on every change.

    Watches retros/, site_config/, templates/, pages/ and mkdocs.yml. A change with errors prints them and
    leaves the preview on the last good build. Not for publishing: no leak check, no strict MkDocs build
    (use `playbookgen build`). Ctrl-C stops it.
    """
    try:
        with _stop_signals_as_interrupt():
            _serve(Path(root), audience, host, port, strict)
    except KeyboardInterrupt:
        pass  # MkDocs stops its server on Ctrl-C; an interrupt before or during the first build lands here
    _say("stopped")
    sys.exit(0)


def _serve(root: Path, audience: str | None, host: str, port: int, strict: bool) -> None:
    layout = Layout(root)
    problem = _port_problem(host, port)
    if problem is not None:
        _say(f"error: cannot listen on {host}:{port}: {problem}")
        sys.exit(1)
    nav: list[dict[str, Any]] = []
    regenerator = Regenerator(root, audience, strict, nav)
    if not regenerator.run():
        _say("nothing to serve yet: fix the errors above, then run playbookgen serve again")
        sys.exit(1)

    from mkdocs.exceptions import Abort, ConfigurationError

    from playbookgen.preview_server import PreviewSite

    builds = Builds()
    with _mkdocs_logging(builds):
        try:
            own_nav, sanitised = _mkdocs_nav_and_plugin(layout.mkdocs_yml)
        except (Abort, ConfigurationError) as exc:
            _say(f"error: mkdocs.yml: {exc}")
            sys.exit(1)
        if not sanitised:
            _say(
                f"warning: mkdocs.yml does not list the '{PLUGIN}' plugin, so raw HTML in retros is NOT "
                f"sanitised in this preview; add '- {PLUGIN}' under plugins: (playbookgen build adds it)"
            )
        site = PreviewSite(layout.mkdocs_yml, None if own_nav else nav, host, port, _say, QUICK_PAGE_BYTES)
        regenerator.builds = builds
        regenerator.site = site
        watcher = Watcher(layout, regenerator.run)
        # close() sets `pending` too, to wake the worker: that is no newer change
        regenerator.newer_change = lambda: watcher.pending.is_set() and not watcher.stop.is_set()
        watcher.start()
        _say(f"watching {', '.join(WATCHED_DIRS)} and mkdocs.yml; first build of the site...")
        try:
            site.serve()
        except (Abort, ConfigurationError) as exc:
            _say(f"error: {exc}")
            sys.exit(1)
        except OSError as exc:
            _say(f"error: cannot serve on {host}:{port}: {exc}")
            sys.exit(1)
        finally:
            builds.close()
            watcher.close()
            regenerator.finish()
            site.close()
