"""The preview's web server: MkDocs' LiveReloadServer over a temporary site, kept current by two builds.

- Quick: MkDocs' dirty build, in this process, re-renders only the pages whose Markdown changed, so an
  edited retro shows within a second or two even in a large playbook. A dirty build cannot keep the
  site-wide parts right: Material's search index expects one page per rebuild (several pages, or the home
  page, lose or duplicate entries), the tags page is not rendered again, and a page taken out of the docs
  folder stays in the site.
- Full: so after every change, once the docs folder has been quiet for FULL_BUILD_DELAY seconds, a complete
  MkDocs build runs in a child process (on another core: quick builds go on meanwhile) into a fresh folder,
  and the server then switches to that folder and the browsers reload. It reads the docs folder while the
  regenerator may write it: a build that fails after the docs changed is not reported, as the next one
  is due anyway (unless the build before failed too). Pages changed while it ran are
  rendered again into it right after the switch (the large ones in the build after, so that the switch
  stays quick), so it is not older than what was shown; a change never stops a running full build
  (steady editing would starve them), the next one starts when the docs are quiet again.

Pages are written into the docs folder only between quick builds (`docs_lock`): a dirty build that found a
page unchanged when it read the pages and changed when it renders them fails on it.

A page taken out of the docs folder is deleted from the served site, and its entries from the served search
index, before the next quick build: a retro the audience may no longer see must not stay reachable until
a full build ends. (Its title stays on the tags page until then.)

A build that fails (a broken mkdocs.yml) is reported in one line and the last good site stays served:
MkDocs' own serve command prints a traceback and holds every request until the file is fixed.

The site lives in a temporary folder that goes with the preview, however it stops (preview_folder.py).

This replaces `mkdocs.commands.serve.serve`, whose loop it follows (MkDocs 1.6); `_serve_url` is MkDocs'.
"""

from __future__ import annotations

import _thread
import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.livereload import LiveReloadServer, _serve_url
from mkdocs.structure.files import File

from playbookgen.buildcache import file_stamps
from playbookgen.preview_folder import hold, own_folder, remove_folder

log = logging.getLogger("mkdocs.playbookgen")  # under "mkdocs": serve.py's log handler prints it
FULL_BUILD_DELAY = 1.5  # seconds of quiet in the docs folder before a full build starts
FULL_BUILT = "Documentation built in"  # serve.Builds counts a build as ended on this (MkDocs' own words)


class PreviewSite:
    def __init__(
        self,
        config_file: Path,
        nav: list[dict[str, Any]] | None,
        host: str,
        port: int,
        say: Callable[[str], None],
        large_page_bytes: int = 64 * 1024,
    ) -> None:
        self.config_file = config_file
        self.nav = nav  # None: mkdocs.yml has its own; else the list the regenerator updates in place
        self.host, self.port = host, port
        self.say = say
        self.large_page_bytes = large_page_bytes  # pages MkDocs takes seconds to render (a large playbook's
        # stage, role and objection pages): caught up after a switch in a build of their own
        self.behind: set[str] = set()  # large pages the served full build holds older than shown
        self.holding_large = threading.Event()  # an edit's small pages are being built: large ones wait
        self.folder, self._ownership = own_folder()
        self.site_dir = self.folder / "site-0"
        self.trigger = self.folder / "trigger"  # the server watches it: a full build is ready to serve
        self.trigger.mkdir()
        self.serve_url = ""
        self.server: LiveReloadServer | None = None
        self.use_directory_urls = True
        self.lock = threading.Lock()
        self.docs_lock = threading.Lock()  # the regenerator writes pages holding it; quick builds hold it
        self.changes = 0  # docs changes so far, numbered
        self.removed: set[str] = set()  # docs paths taken out since the last quick build
        # (change number, paths taken out) since the change the served full build holds
        self.removals: list[tuple[int, set[str]]] = []
        self.ready: _FullBuild | None = None  # a finished full build, not served yet
        self.retired: list[Path] = []  # sites no longer served (deleted at the next switch: a request may
        # still be reading one)
        self.serving = threading.Event()  # set once the first build is done and requests are answered
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.child: subprocess.Popen[bytes] | None = None
        self.refresher = threading.Thread(target=self._refresh, name="playbookgen-full-build", daemon=True)

    def changed(self, removed: Iterable[str] = ()) -> None:
        """The docs folder changed (the regenerator wrote or removed pages)."""
        paths = set(removed)
        with self.lock:
            self.changes += 1
            self.removed |= paths
            if paths:
                self.removals.append((self.changes, paths))
        self.wake.set()

    def serve(self) -> None:
        """Build the site, then serve it until Ctrl-C. Raises MkDocs' errors if the first build fails."""
        try:
            config = self._config(self.site_dir)
            config.plugins.on_startup(command="serve", dirty=True)
        except BaseException:
            self.close()  # the folder goes at once, not with the next preview's start
            raise
        try:
            mount_path = urlsplit(config.site_url or "/").path
            self.serve_url = _serve_url(self.host, self.port, mount_path)
            config.site_url = self.serve_url
            server = self.server = LiveReloadServer(
                builder=self._build,
                host=self.host,
                port=self.port,
                root=str(self.site_dir),
                mount_path=mount_path,
            )
            server.error_handler = self._error_page
            self._quick_build(config, first=True)
            server.watch(config.docs_dir)
            server.watch(str(self.trigger))
            server = config.plugins.on_serve(server, config=config, builder=self._build)
            for item in config.watch:
                server.watch(item)
            self.refresher.start()
            self.serving.set()
            try:
                server.serve()
            except KeyboardInterrupt:
                log.info("Shutting down...")
            finally:
                server.shutdown()
        finally:
            self.close()
            config.plugins.on_shutdown()

    def close(self) -> None:
        self.stopping.set()
        self.wake.set()
        with self.lock:
            child = self.child
        if child is not None:
            child.kill()
            if child.stdin is not None:  # a build behind a launcher (Windows venvs) sees EOF and stops
                with contextlib.suppress(OSError, ValueError):
                    child.stdin.close()
        if self.refresher.is_alive():
            self.refresher.join(timeout=5)
        remove_folder(self.folder)
        if self._ownership is not None:
            os.close(self._ownership)  # after the removal: until then, no other preview may take the folder
            self._ownership = None

    # -- in the server's build thread ----------------------------------------------------------------------

    def _build(self, config: MkDocsConfig | None = None) -> None:
        log.info("Building documentation...")
        with self.lock:
            ready, self.ready = self.ready, None
        if ready is None:
            self._quick_build(config)
            return
        assert self.server is not None
        for old in self.retired:
            shutil.rmtree(old, ignore_errors=True)
        self.retired = [self.site_dir]
        self.site_dir = ready.site
        self.server.root = str(ready.site)  # read on every request
        log.info(
            f"{FULL_BUILT} {ready.seconds:.2f} seconds (full build: search, tags and removed pages current)"
        )
        with self.lock:
            behind = self.changes != ready.changes
            taken_out = set().union(*(paths for change, paths in self.removals if change > ready.changes))
            self.removals = [(change, paths) for change, paths in self.removals if change > ready.changes]
            self.removed |= taken_out
        if behind:  # pages changed while it ran: render them again into it
            self._catch_up(config, ready.started)

    def _catch_up(self, config: MkDocsConfig | None, since: float) -> None:
        """Render again into the site just switched to the pages changed since its build started: the small
        ones now, the large ones in the next build (requests wait while a build runs: seconds for them)."""
        try:
            config = config or self._config(self.site_dir)
        except BaseException as exc:
            self._failed(exc)
            return
        small, large = [], []
        for relative, size in _changed_since(Path(config.docs_dir), since):
            (large if relative.endswith(".md") and size > self.large_page_bytes else small).append(relative)
        self._delete_outputs(small, config.docs_dir)
        now = time.time()
        for relative in large:  # looks current to this dirty build; rendered by the next one
            output = Path(self._file(relative, config.docs_dir).abs_dest_path)
            if output.is_file():
                os.utime(output, (now, now))
        self._quick_build(config)
        if large:
            self.behind.update(large)
            (self.trigger / "behind").write_text(str(now), encoding="utf-8")  # starts the next build

    def _quick_build(self, config: MkDocsConfig | None, first: bool = False) -> None:
        """A dirty build (MkDocs renders the pages whose Markdown is newer than their HTML)."""
        with self.lock:
            removed, self.removed = self.removed, set()
        behind: set[str] = set()
        if not self.holding_large.is_set():
            behind, self.behind = self.behind, set()
        try:
            config = config or self._config(self.site_dir)
            self.use_directory_urls = config.use_directory_urls
            self._delete_outputs(removed | behind, config.docs_dir)
            # The search index of the last full build stays: a dirty build's would be wrong (see above).
            index = self.site_dir / "search" / "search_index.json"
            kept = None if first or not index.is_file() else index.read_bytes()
            with self.docs_lock:
                build(config, serve_url=self.serve_url, dirty=True)
            if kept is not None:
                index.write_bytes(self._without(kept, removed, config.docs_dir))
        except BaseException as exc:  # Abort is a SystemExit: nothing here may end or hang the preview
            if first:
                raise
            self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, KeyboardInterrupt):
            raise exc
        log.error(  # its wording ends serve.Builds' wait, as MkDocs' own message does
            f"An error happened during the rebuild: {_reason(exc)}; the preview keeps showing the last "
            "good build"
        )

    def _file(self, relative: str, docs_dir: str) -> File:
        return File(relative, docs_dir, str(self.site_dir), self.use_directory_urls)

    def _delete_outputs(self, paths: Iterable[str], docs_dir: str) -> None:
        for relative in sorted(paths):
            Path(self._file(relative, docs_dir).abs_dest_path).unlink(missing_ok=True)

    def _without(self, index: bytes, removed: set[str], docs_dir: str) -> bytes:
        """The search index without the entries of pages taken out of the docs folder."""
        urls = {self._file(relative, docs_dir).url for relative in removed if relative.endswith(".md")}
        if not urls:
            return index
        data = json.loads(index)
        data["docs"] = [entry for entry in data["docs"] if entry["location"].partition("#")[0] not in urls]
        return json.dumps(data, separators=(",", ":"), default=str).encode("utf-8")

    def _config(self, site_dir: Path) -> MkDocsConfig:
        overrides: dict[str, Any] = {"site_dir": str(site_dir), "dev_addr": f"{self.host}:{self.port}"}
        if self.nav is not None:
            overrides["nav"] = self.nav
        config = load_config(config_file=str(self.config_file), **overrides)
        if self.serve_url:
            config.site_url = self.serve_url
        return config

    def _error_page(self, code: int) -> bytes | None:
        page = self.site_dir / f"{code}.html"
        return page.read_bytes() if code in (404, 500) and page.is_file() else None

    # -- in the full-build thread ---------------------------------------------------------------------------

    def _refresh(self) -> None:
        serial = 0
        failing = False  # the last full build failed
        while True:
            self.wake.wait()
            self.wake.clear()
            if self.stopping.wait(FULL_BUILD_DELAY):
                return
            if self.wake.is_set():
                continue  # changed again: wait for quiet
            serial += 1
            with self.lock:
                changes = self.changes
            started = time.time() - 1.0  # file times may lag the clock a little (coarse timestamps)
            site = self.folder / f"site-{serial}"
            try:
                seconds, problem = self._full_build(site)
            except OSError as exc:  # cannot start a process or write its settings: quick builds go on
                seconds, problem = 0.0, f"{exc.strerror or exc}"
            with self.lock:
                usable = problem is None and not self.stopping.is_set() and (site / "index.html").is_file()
                if usable:
                    unused, self.ready = self.ready, _FullBuild(site, seconds, changes, started)
                superseded = self.changes != changes
            if not usable:
                shutil.rmtree(site, ignore_errors=True)
                if problem and not self.stopping.is_set():
                    # A build the docs changed under (a retro removed while MkDocs read the pages) may fail
                    # on that alone: the next one, due since that change, tells whether the problem stays.
                    # Only after a success: steady editing must not hide a problem that stays.
                    hide = superseded and not failing
                    failing = True
                    if not hide:
                        self.say(f"full build of the preview failed, the last good build stays: {problem}")
                continue
            failing = False
            if unused is not None:  # finished before the server switched to it: this one is newer
                shutil.rmtree(unused.site, ignore_errors=True)
            try:
                (self.trigger / "ready").write_text(str(serial), encoding="utf-8")
            except OSError:  # the preview is stopping and its folder is gone
                return

    def _full_build(self, site: Path) -> tuple[float, str | None]:
        spec = site.with_suffix(".json")
        spec.write_text(
            json.dumps(
                {
                    "config_file": str(self.config_file),
                    "nav": self.nav,
                    "site_url": self.serve_url,
                }
            ),
            encoding="utf-8",
        )
        started = time.monotonic()
        with self.lock:
            if self.stopping.is_set():
                return 0.0, None
            child = self.child = subprocess.Popen(
                [sys.executable, "-m", "playbookgen.preview_server", str(spec), str(site)],
                stdin=subprocess.PIPE,  # kept open while the preview lives: the child ends at its end
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,  # a terminal's Ctrl-C is for the preview, which stops the child
            )
        assert child.stdin is not None and child.stderr is not None
        errors = child.stderr.read()
        child.wait()
        with contextlib.suppress(OSError, ValueError):  # close() may be closing it too
            child.stdin.close()
        child.stderr.close()
        with self.lock:
            self.child = None
        spec.unlink(missing_ok=True)
        if child.returncode == 0:
            return time.monotonic() - started, None
        if self.stopping.is_set():  # stopped with the preview
            return 0.0, None
        if child.returncode < 0:
            if self.stopping.wait(2.0):  # the same signal reached the preview too (pkill, systemd)
                return 0.0, None
            # killed from outside (the kernel's out-of-memory killer, a user)
            return 0.0, f"the build process was ended by signal {-child.returncode}"
        lines = errors.decode(errors="replace").strip().splitlines()
        said = [line for line in lines if line.startswith("ERROR: ")] or lines[-1:]
        said = said or [f"the build process ended with exit code {child.returncode} and no message"]
        return 0.0, said[-1].removeprefix("ERROR: ")


class _FullBuild(NamedTuple):
    site: Path
    seconds: float
    changes: int  # the docs changes it holds
    started: float  # wall-clock time: pages changed since may be missing from it


def _changed_since(docs_dir: Path, since: float) -> list[tuple[str, int]]:
    """The docs files (with their sizes) modified since `since`: playbookgen writes every one of them, so
    their times are its write times."""
    since_ns = int(since * 1e9)
    return [(path, size) for path, (size, mtime) in file_stamps(docs_dir).items() if mtime >= since_ns]


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())


_ORPHANED = threading.Event()  # set in the child once its preview is gone


def _stop_with_the_preview(folder: Path) -> None:
    """In the child: end when the preview does. Its end closes the pipe on our stdin (kill -9 and crashes
    included, on every system, whatever process tree a venv launcher makes), and a preview stopped that way
    cannot stop its full build or remove its folder: the child stops building, then removes the folder."""
    while True:  # the descriptor, not sys.stdin: a daemon thread blocked holding sys.stdin's lock makes
        try:  # the interpreter abort when the build ends
            if not os.read(0, 4096):
                break  # EOF: the preview is gone
        except BlockingIOError:  # something made the shared descriptor non-blocking
            time.sleep(0.5)
        except OSError:  # no pipe to watch: never take a read error for the preview's end
            return
    _ORPHANED.set()
    _thread.interrupt_main()  # the build stops at its next Python step; the main thread removes the folder
    time.sleep(10)  # stuck in C code for that long: remove it from here, and end
    remove_folder(folder)
    os._exit(1)


def _full_build_main(spec_file: str, site_dir: str) -> int:
    """The child process: one complete MkDocs build, as the preview's quick builds configure it."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    spec = json.loads(Path(spec_file).read_text(encoding="utf-8"))
    # interrupt_main does nothing while SIGINT is ignored, as it is in a job a script started with `&`;
    # no terminal's Ctrl-C reaches this process (a session of its own), only _stop_with_the_preview's.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    folder = Path(site_dir).parent
    hold(folder)  # until this process ends: a new preview's sweep leaves the folder alone meanwhile
    overrides: dict[str, Any] = {"site_dir": site_dir}
    if spec["nav"] is not None:
        overrides["nav"] = spec["nav"]
    try:
        threading.Thread(target=_stop_with_the_preview, args=(folder,), daemon=True).start()
        config = load_config(config_file=spec["config_file"], **overrides)
        config.site_url = spec["site_url"]
        config.plugins.on_startup(command="serve", dirty=False)
        try:
            build(config, serve_url=spec["site_url"], dirty=False)
        finally:
            config.plugins.on_shutdown()
        if _ORPHANED.is_set():  # the preview went as the build ended
            raise KeyboardInterrupt
    except BaseException as exc:  # one line for the parent, no traceback
        if _ORPHANED.is_set():  # the preview is gone: so is what it would have served
            remove_folder(folder)
            return 1
        if isinstance(exc, KeyboardInterrupt):
            return 130
        print(_reason(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_full_build_main(*sys.argv[1:3]))
