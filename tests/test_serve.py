"""`playbookgen serve`, end to end: a real server on a free port, a real edit, a bounded wait for the page."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.conftest import REPO, copy_skeleton

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT to the server")

# Registers the command the way cli.py will (cli.add_command(serve)). SIGINT is set to raise
# KeyboardInterrupt as at an interactive terminal, in case the test runner was started in the background
# (a shell starts background jobs with SIGINT ignored, and children inherit that).
LAUNCH = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from playbookgen.cli import cli; from playbookgen.serve import serve; cli.add_command(serve); "
    "cli(sys.argv[1:], prog_name='playbookgen')"
)
RETRO = "retros/2025/2025-03-11-falcon.md"
OLD_TITLE = "### L1 Trade the POC for access to the economic buyer"
NEW_TITLE = "Trade the free POC for a meeting with the signer"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except OSError:
        return 0, ""


def _wait_for(condition: Callable[[], bool], timeout: float, step: float = 0.1) -> float | None:
    """Seconds until `condition()` held, or None when it did not within `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(step)
    return None


def _start(
    root: Path,
    log: Path,
    port: int,
    *options: str,
    temp: Path | None = None,
    nohup: bool = False,
    background: bool = False,
    launch: str = LAUNCH,
) -> subprocess.Popen:
    """`playbookgen serve` in a process of its own (with its own temporary folder when `temp` is given;
    with hang-ups ignored, as `nohup` starts it, when `nohup` is set; with Ctrl-C ignored, as a script's
    `playbookgen serve &` starts it, when `background` is set)."""
    env = {**os.environ, "TMPDIR": str(temp)} if temp is not None else None
    ignored = ([signal.SIGHUP] if nohup else []) + ([signal.SIGINT] if background else [])
    if background:
        launch = launch.replace("signal.signal(signal.SIGINT, signal.default_int_handler); ", "")
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", launch, "-C", str(root), "serve", "--port", str(port), *options],
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=(lambda: [signal.signal(s, signal.SIG_IGN) for s in ignored]) if ignored else None,
        )


def _answering(port: int) -> None:
    assert _wait_for(lambda: _get(f"http://127.0.0.1:{port}/")[0] == 200, timeout=60, step=0.2) is not None


def _stop(server: subprocess.Popen, signum: int) -> int | None:
    """Send `signum`; the exit code, or None when the server had to be killed after 15 s."""
    server.send_signal(signum)
    try:
        return server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
        return None


@contextlib.contextmanager
def _serving(root: Path, log: Path, *options: str, temp: Path | None = None) -> Iterator[str]:
    """A preview of `root` on a free port: yields its address; on leaving, Ctrl-C must stop it cleanly."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    server = _start(root, log, port, *options, temp=temp)
    try:
        up = _wait_for(lambda: _get(base)[0] == 200, timeout=60, step=0.2)
        assert up is not None, f"the server never answered:\n{log.read_text()}"
        time.sleep(1.0)  # MkDocs' watcher takes its first snapshot of the docs folder after serving
        yield base
    finally:
        code = _stop(server, signal.SIGINT)
    output = log.read_text()
    assert code == 0 and "Traceback" not in output and "serve: stopped" in output, output


def _search_entries(base: str) -> list[dict[str, str]]:
    status, body = _get(base + "search/search_index.json")
    assert status == 200
    return json.loads(body)["docs"]


def test_serve_regenerates_on_edit_keeps_last_good_build_and_stops_on_ctrl_c(tmp_path):
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    retro = root / RETRO
    original = retro.read_text(encoding="utf-8")
    assert OLD_TITLE in original and "  outcome: lost\n" in original
    log = tmp_path / "serve.log"
    with _serving(root, log) as base:  # on leaving: Ctrl-C, exit 0, no traceback
        page = base + "retros/2025-03-11-falcon/"
        status, html = _get(page)
        assert status == 200 and "Trade the POC for access to the economic buyer" in html

        retro.write_text(original.replace(OLD_TITLE, f"### L1 {NEW_TITLE}"), encoding="utf-8")
        latency = _wait_for(lambda: NEW_TITLE in _get(page)[1], timeout=20)
        assert latency is not None, f"the edit never appeared:\n{log.read_text()}"
        print(f"edit visible after {latency:.2f}s (sample playbook)")

        retro.write_text(
            original.replace(OLD_TITLE, f"### L1 {NEW_TITLE}").replace(
                "  outcome: lost\n", "  outcome: lsot\n"
            ),
            encoding="utf-8",
        )
        diagnostic = f"{RETRO}:10: error: deal.outcome: unknown outcome 'lsot'"
        assert _wait_for(lambda: "the last good build" in log.read_text(), timeout=20) is not None, (
            log.read_text()
        )
        assert diagnostic in log.read_text()
        time.sleep(1.5)  # long enough for MkDocs to have rebuilt, had anything been written
        status, html = _get(page)
        assert status == 200 and NEW_TITLE in html  # the last good build


def test_serve_refuses_a_busy_port_before_building(tmp_path):
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-c", LAUNCH, "-C", str(root), "serve", "--port", str(port)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (root / "build").exists()  # nothing generated


def test_serve_with_errors_at_start_lists_them_and_serves_nothing(tmp_path):
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    retro = root / RETRO
    retro.write_text(retro.read_text(encoding="utf-8").replace("outcome: lost", "outcome: lsot"), "utf-8")
    result = subprocess.run(
        [sys.executable, "-c", LAUNCH, "-C", str(root), "serve", "--port", str(_free_port())],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"{RETRO}:10: error: deal.outcome: unknown outcome 'lsot'" in result.stderr
    assert "nothing to serve yet" in result.stderr
    assert "last good build" not in result.stderr  # there is none yet


def test_a_retro_taken_from_the_audience_leaves_the_preview(tmp_path):
    """A dirty build never deletes a page: the retro made internal stayed readable in a public preview."""
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    retro = root / "retros/2023/2023-05-22-curlew.md"
    text = retro.read_text(encoding="utf-8")
    assert "visibility: public" in text
    with _serving(root, tmp_path / "serve.log", "--audience", "public") as base:
        page = base + "retros/2023-05-22-curlew/"
        assert _get(page)[0] == 200
        retro.write_text(text.replace("visibility: public", "visibility: internal"), encoding="utf-8")
        assert _wait_for(lambda: _get(page)[0] == 404, timeout=20) is not None, page
        gone = _wait_for(
            lambda: not any("curlew" in e["location"] for e in _search_entries(base)), timeout=30
        )
        assert gone is not None, "the retro is still in the preview's search index"


def test_search_and_tags_stay_complete_and_current_after_edits(tmp_path):
    """Material's search index lost every entry when a dirty build re-rendered the home page with other
    pages, and kept stale ones; the tags page never showed a new tag."""
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    newest = root / "retros/2026/2026-05-27-avocet.md"
    older = root / "retros/2023/2023-02-14-plover.md"
    newest_text, older_text = newest.read_text(encoding="utf-8"), older.read_text(encoding="utf-8")
    with _serving(root, tmp_path / "serve.log") as base:
        before = _search_entries(base)
        assert len(before) > 100
        newest.write_text(
            newest_text.replace('title: "Lost a ferry', 'title: "Zebracode: lost a ferry', 1),
            encoding="utf-8",
        )
        older.write_text(
            older_text.replace(
                "tags: [reference, phased-pricing, telematics]", "tags: [reference, quokkatag]"
            ).replace("## Summary\n", "## Summary\n\nWombatphrase in the summary.\n", 1),
            encoding="utf-8",
        )

        def current() -> bool:
            texts = [e["title"] + " " + e["text"] for e in _search_entries(base)]
            return any("Zebracode" in t for t in texts) and any("Wombatphrase" in t for t in texts)

        assert _wait_for(current, timeout=30, step=0.3) is not None, "the edits never reached search"
        assert _wait_for(lambda: "quokkatag" in _get(base + "tags/")[1], timeout=30) is not None
        after = _search_entries(base)
        locations = [e["location"] for e in after]
        assert len(locations) == len(set(locations)), "duplicated search entries"
        assert {e["location"].split("#")[0] for e in after} == {e["location"].split("#")[0] for e in before}
        assert not any(
            "Lost a ferry" in e["title"] for e in after if e["location"].startswith("retros/2026-05")
        )


def test_a_broken_mkdocs_yml_keeps_serving_the_last_good_preview(tmp_path):
    """MkDocs' own server printed tracebacks and held every request until mkdocs.yml was fixed."""
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    config = root / "mkdocs.yml"
    good = config.read_text(encoding="utf-8")
    log = tmp_path / "serve.log"
    with _serving(root, log) as base:
        config.write_text(
            good.replace("theme:\n  name: material", "theme:\n  name: materialx", 1), encoding="utf-8"
        )
        said = _wait_for(lambda: "the last good build" in log.read_text(), timeout=20)
        assert said is not None, log.read_text()
        time.sleep(3)  # a quick and a full build have had their chance to fail
        status, html = _get(base + "retros/")  # answered at once (urlopen gives up after 10 s)
        assert status == 200 and "Falcon" in html
        config.write_text(good, encoding="utf-8")
        retro = root / RETRO
        retro.write_text(
            retro.read_text(encoding="utf-8").replace(OLD_TITLE, f"### L1 {NEW_TITLE}"), encoding="utf-8"
        )
        page = base + "retros/2025-03-11-falcon/"
        assert _wait_for(lambda: NEW_TITLE in _get(page)[1], timeout=20) is not None, log.read_text()


def test_the_preview_writes_only_into_the_docs_folder_it_serves(tmp_path):
    """With mkdocs.yml gone, docs_dir fell back to docs/: the preview wrote the whole playbook there, into
    the project, and its advice to restart was wrong once the setting came back."""
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    config = root / "mkdocs.yml"
    good = config.read_text(encoding="utf-8")
    retro = root / RETRO
    original = retro.read_text(encoding="utf-8")
    log = tmp_path / "serve.log"
    page_of = "retros/2025-03-11-falcon/"
    with _serving(root, log) as base:
        config.unlink()
        assert _wait_for(lambda: "mkdocs.yml is missing" in log.read_text(), timeout=20) is not None
        config.write_text(good.replace("docs_dir: build/docs", "docs_dir: build/elsewhere"), "utf-8")
        assert _wait_for(lambda: "docs_dir is now" in log.read_text(), timeout=20) is not None
        retro.write_text(original.replace(OLD_TITLE, f"### L1 {NEW_TITLE}"), encoding="utf-8")
        time.sleep(3)  # the edit was regenerated, and would have been written, by now
        assert not (root / "docs").exists() and not (root / "build" / "elsewhere").exists()
        assert NEW_TITLE not in _get(base + page_of)[1]  # the last good build

        refused = log.read_text().count("docs_dir is now")
        config.write_text(good, encoding="utf-8")
        assert _wait_for(lambda: NEW_TITLE in _get(base + page_of)[1], timeout=20) is not None, log.read_text()
        # The same folder, spelled otherwise (or through a symlink), is no change.
        (root / "link").symlink_to(root / "build")
        config.write_text(good.replace("docs_dir: build/docs", "docs_dir: ./link/../build/docs/"), "utf-8")
        retro.write_text(original.replace(OLD_TITLE, "### L1 Spelled otherwise"), encoding="utf-8")
        assert _wait_for(lambda: "Spelled otherwise" in _get(base + page_of)[1], timeout=20) is not None
        config.write_text(good.replace("docs_dir: build/docs", "docs_dir: link/docs"), "utf-8")
        retro.write_text(original.replace(OLD_TITLE, "### L1 Through a symlink"), encoding="utf-8")
        assert _wait_for(lambda: "Through a symlink" in _get(base + page_of)[1], timeout=20) is not None
        time.sleep(1)
        accepted = log.read_text().count("docs_dir is now")
        # The symlink pointed elsewhere: another folder, though spelled as before.
        (root / "other").mkdir()
        (root / "link").unlink()
        (root / "link").symlink_to(root / "other")
        retro.write_text(original.replace(OLD_TITLE, "### L1 Elsewhere"), encoding="utf-8")
        assert _wait_for(lambda: log.read_text().count("docs_dir is now") > accepted, timeout=20) is not None
        assert not (root / "other" / "docs").exists()
        # A symlink loop: refused like any other folder, not a crash of the regeneration.
        (root / "loop").symlink_to(root / "loop")
        config.write_text(good.replace("docs_dir: build/docs", "docs_dir: loop/docs"), "utf-8")
        assert _wait_for(lambda: "docs_dir is now loop/docs" in log.read_text(), timeout=20) is not None
    output = log.read_text()
    assert "Restart playbookgen serve to preview the new folder" in output
    assert output.count("docs_dir is now") > refused == accepted, output  # not while it was the same
    assert "regeneration failed" not in output


MISSING = "Error reading page 'retros/gone.md': [Errno 2] No such file or directory"
THEME = "Config value 'theme': Unrecognised theme name: 'materialx'."


@pytest.mark.parametrize(
    ("outcomes", "reported"),
    [
        # a retro removed under it; then, nothing changed meanwhile, a problem that is real
        ([("changed", MISSING), ("quiet", THEME)], [THEME]),
        # a retro removed under it; the next build succeeds
        ([("changed", MISSING), ("quiet", None)], []),
        # steady editing during every build: from the second failure in a row, each is reported
        ([("changed", THEME), ("changed", THEME), ("changed", THEME), ("quiet", THEME)], [THEME] * 3),
    ],
)
def test_a_full_build_that_the_docs_changed_under_is_reported_only_if_the_next_fails_too(
    tmp_path, monkeypatch, outcomes, reported
):
    """A retro removed while the full build read the docs folder made it fail with "Error reading page
    ... No such file": reported as a failure, though the next build, due anyway, succeeds. Yet steady
    editing must not hide a problem that stays (an out-of-memory kill, a broken theme)."""
    from playbookgen import preview_server

    monkeypatch.setattr(preview_server, "FULL_BUILD_DELAY", 0.05)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    said: list[str] = []
    site = preview_server.PreviewSite(tmp_path / "mkdocs.yml", None, "127.0.0.1", 8000, said.append)
    script = list(outcomes)

    def build(folder: Path) -> tuple[float, str | None]:
        docs, problem = script.pop(0)
        if docs == "changed":
            site.changed({"retros/gone.md"})
        if problem is None:
            folder.mkdir()
            (folder / "index.html").write_text("<html></html>", encoding="utf-8")
        return 0.0, problem

    monkeypatch.setattr(site, "_full_build", build)
    try:
        site.refresher.start()
        site.changed()
        assert _wait_for(lambda: not script, timeout=10) is not None
        time.sleep(0.3)  # the last build's outcome is reported, or not
    finally:
        site.close()
    assert said == [f"full build of the preview failed, the last good build stays: {p}" for p in reported]


# Every page over 16 KB counts as large (the sample's stage and role pages): written after the small ones.
LARGE_FROM_16_KB = LAUNCH.replace(
    "from playbookgen.cli", "import playbookgen.serve as s; s.QUICK_PAGE_BYTES = 16384; from playbookgen.cli"
)


def _stale_pages(root: Path, sources: Path | None = None) -> list[str]:
    """Files of root's docs folder that differ from what the sources (default: root's own) generate."""
    from playbookgen import pipeline

    docs = root / "build" / "docs"
    expected = pipeline.generate(sources or root).files
    return [p for p, c in expected.items() if not (docs / p).is_file() or (docs / p).read_bytes() != c]


class _LargePagePreview(NamedTuple):
    root: Path
    retro: Path  # RETRO in root
    original: str  # its text as shipped
    log: Path
    base: str  # the preview's address


@contextlib.contextmanager
def _large_page_preview(tmp_path: Path, launch: str = LARGE_FROM_16_KB) -> Iterator[_LargePagePreview]:
    """The sample playbook previewed with every page over 16 KB counted as large, once its first full build
    is done; on leaving, Ctrl-C must stop it cleanly."""
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    retro = root / RETRO
    log = tmp_path / "serve.log"
    port = _free_port()
    server = _start(root, log, port, launch=launch)
    try:
        _answering(port)
        time.sleep(3.0)  # the watcher's first snapshot, and the first full build
        yield _LargePagePreview(root, retro, retro.read_text(encoding="utf-8"), log, f"http://127.0.0.1:{port}/")
    finally:
        code = _stop(server, signal.SIGINT)
    assert code == 0 and "Traceback" not in log.read_text(), log.read_text()


def test_saving_again_before_the_large_pages_are_written_loses_no_change(tmp_path):
    """At 1,000 retros, saving once a second made each save wait for the previous one's large pages
    (seconds of MkDocs rendering): the last save showed after 2.8-4.5 s. Large pages are now skipped when
    another save is already waiting, and written with it."""
    from playbookgen import pipeline

    with _large_page_preview(tmp_path) as preview:
        for i in range(6):
            preview.retro.write_text(
                preview.original.replace(OLD_TITLE, f"### L1 {NEW_TITLE} {i}"), encoding="utf-8"
            )
            time.sleep(0.4)
        final = f"{NEW_TITLE} 5"
        expected = pipeline.generate(preview.root).files
        large = sorted(
            p for p, c in expected.items() if p.endswith(".md") and len(c) > 16384 and final.encode() in c
        )
        assert large, "no large page shows the lesson: the test would not test anything"
        for path in ["retros/2025-03-11-falcon.md", *large]:
            url = preview.base + path.removesuffix(".md").removesuffix("index") + "/"
            shown = _wait_for(lambda url=url: final in _get(url)[1], timeout=30)
            assert shown is not None, f"{url} never showed the last save:\n{preview.log.read_text()}"
        assert "saved again meanwhile" in preview.log.read_text()  # the large pages of a save were skipped
        assert not _stale_pages(preview.root)


def test_a_save_with_errors_after_a_skipped_one_completes_the_last_good_build(tmp_path):
    """The large pages of a save were left to the next save, which had an error: the preview showed the
    edited retro but stages, roles and exports from before it, for as long as the error stayed."""
    last_good = copy_skeleton(tmp_path / "last-good", with_retros=True)
    with _large_page_preview(tmp_path) as preview:
        good = preview.original.replace(OLD_TITLE, f"### L1 {NEW_TITLE}")
        (last_good / RETRO).write_text(good, encoding="utf-8")
        preview.retro.write_text(good, encoding="utf-8")
        time.sleep(0.6)  # the edited retro's page is being shown; its large pages wait
        preview.retro.write_text(good.replace("  outcome: lost\n", "  outcome: lsot\n"), encoding="utf-8")
        assert _wait_for(lambda: "the last good build" in preview.log.read_text(), timeout=20) is not None
        assert "saved again meanwhile" in preview.log.read_text(), "no large page was skipped: nothing tested"
        current = _wait_for(lambda: not _stale_pages(preview.root, last_good), timeout=5)
        assert current is not None, _stale_pages(preview.root, last_good)


def test_a_save_whose_writing_fails_half_way_is_not_undone(tmp_path):
    """A save's large pages were left to the next save, which wrote its own small pages and then failed to
    write the rest (a full disk): the older save's pages were written back over the newer ones shown."""
    full = tmp_path / "disk-full"
    launch = LARGE_FROM_16_KB.replace(
        "from playbookgen.cli",
        "import os, sys as _sys; _write = s.write_tree; "
        "s.write_tree = lambda t, f: (_ for _ in ()).throw(OSError(28, 'No space left on device')) "
        f"if os.path.exists({str(full)!r}) and _sys._getframe(1).f_code.co_name == '_run' else _write(t, f); "
        "from playbookgen.cli",
    )
    with _large_page_preview(tmp_path, launch) as preview:
        preview.retro.write_text(preview.original.replace(OLD_TITLE, "### L1 Saved first"), encoding="utf-8")
        time.sleep(0.6)  # its page is being shown; its large pages wait
        full.touch()
        preview.retro.write_text(preview.original.replace(OLD_TITLE, "### L1 Saved second"), encoding="utf-8")
        assert _wait_for(lambda: "No space left on device" in preview.log.read_text(), timeout=20) is not None
        assert "saved again meanwhile" in preview.log.read_text(), "no large page was skipped: nothing tested"
        time.sleep(2)  # MkDocs has rebuilt whatever was written
        assert "Saved second" in _get(preview.base + "retros/2025-03-11-falcon/")[1]
        docs_page = preview.root / "build" / "docs" / "retros" / "2025-03-11-falcon.md"
        assert "Saved second" in docs_page.read_text(encoding="utf-8")


def test_a_preview_stopped_while_large_pages_wait_leaves_the_docs_folder_current(tmp_path):
    """Stopping the preview woke its worker with the flag that means "saved again": the large pages of the
    last save were skipped for a run that never came, and the docs folder stayed stale."""
    with _large_page_preview(tmp_path) as preview:
        preview.retro.write_text(preview.original.replace(OLD_TITLE, f"### L1 {NEW_TITLE}"), encoding="utf-8")
        written = _wait_for(lambda: "written first" in preview.log.read_text(), timeout=20, step=0.01)
        assert written is not None
    assert "saved again meanwhile" not in preview.log.read_text()
    assert not _stale_pages(preview.root)


def test_serve_refuses_port_zero(tmp_path):
    """Port 0 listens on a random port while the log printed :0, so no one could find the preview."""
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    result = subprocess.run(
        [sys.executable, "-c", LAUNCH, "-C", str(root), "serve", "--port", "0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "0 is not in the range 1<=x<=65535" in result.stderr


def test_a_page_taken_out_leaves_the_served_search_index_with_the_next_quick_build(tmp_path):
    """Between full builds, the served search index is the last full build's, less the pages taken out."""
    from playbookgen.preview_server import PreviewSite

    site = PreviewSite(tmp_path / "mkdocs.yml", None, "127.0.0.1", 8000, print)
    try:
        index = {
            "config": {"lang": ["en"]},
            "docs": [
                {"location": "retros/a/", "title": "A", "text": ""},
                {"location": "retros/a/#l1", "title": "A1", "text": ""},
                {"location": "retros/ab/", "title": "AB", "text": ""},
                {"location": "", "title": "Home", "text": ""},
            ],
        }
        kept = site._without(
            json.dumps(index).encode(), {"retros/a.md", "exports/lessons.csv"}, str(tmp_path)
        )
        assert [entry["location"] for entry in json.loads(kept)["docs"]] == ["retros/ab/", ""]
        assert site._without(b"unchanged", {"exports/lessons.csv"}, str(tmp_path)) == b"unchanged"
    finally:
        site.close()
    assert not site.folder.exists()


def _processes() -> dict[int, tuple[int, str, str]]:
    """Every process: pid -> (parent pid, state, command line), from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            found[int(entry.name)] = (int(fields[1]), fields[0], command)
    return found


def _full_builds_of(preview: int) -> list[int]:
    return [
        pid
        for pid, (parent, state, command) in _processes().items()
        if parent == preview and state != "Z" and "playbookgen.preview_server" in command
    ]


def _running(pid: int) -> bool:
    process = _processes().get(pid)
    return process is not None and process[1] != "Z"  # a zombie has ended; only its parent may reap it


def _edit_during_a_full_build(root: Path, server: subprocess.Popen, port: int) -> int:
    """Once the preview answers, edit a retro; the pid of the full build that the edit starts."""
    _answering(port)
    time.sleep(1.0)  # MkDocs' watcher takes its first snapshot of the docs folder after serving
    retro = root / RETRO
    retro.write_text(retro.read_text(encoding="utf-8").replace(OLD_TITLE, f"### L1 {NEW_TITLE}"), "utf-8")
    assert _wait_for(lambda: _full_builds_of(server.pid), timeout=30, step=0.02) is not None
    return _full_builds_of(server.pid)[0]


def _preview_folders(temp: Path) -> list[Path]:
    return sorted(temp.glob("playbookgen-serve-*"))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the full build's process in /proc")
@pytest.mark.parametrize("background", [False, True], ids=["terminal", "started-with-&-by-a-script"])
def test_a_killed_preview_stops_its_full_build_and_leaves_no_folder(tmp_path, background):
    """kill -9 cannot be caught: the full build ran on, building a site nobody would serve, and the
    preview's folder (up to 200 MB at 1,000 retros) stayed in the temporary folder. Started by a script
    with `&`, the build inherits an ignored SIGINT, which is how it is told to stop."""
    root, temp, port = copy_skeleton(tmp_path / "pb", with_retros=True), tmp_path / "tmp", _free_port()
    temp.mkdir()  # the previews' own temporary folder (TMPDIR)
    server = _start(root, tmp_path / "serve.log", port, temp=temp, background=background)
    try:
        child = _edit_during_a_full_build(root, server, port)
        assert len(_preview_folders(temp)) == 1
    finally:
        server.kill()
        server.wait()
    assert _wait_for(lambda: not _running(child), timeout=10) is not None, "the full build ran on"
    assert _wait_for(lambda: not _preview_folders(temp), timeout=5) is not None, _preview_folders(temp)


def test_a_new_preview_removes_a_killed_ones_folder_and_a_hang_up_stops_it_cleanly(tmp_path):
    root, temp, port = copy_skeleton(tmp_path / "pb", with_retros=True), tmp_path / "tmp", _free_port()
    temp.mkdir()  # the previews' own temporary folder (TMPDIR)
    killed = _start(root, tmp_path / "killed.log", port, temp=temp)
    try:
        _answering(port)
    finally:
        killed.kill()
        killed.wait()
    left = _preview_folders(temp)
    assert len(left) == 1  # what kill -9 leaves when no full build runs

    port = _free_port()
    log = tmp_path / "serve.log"
    server = _start(root, log, port, temp=temp)
    try:
        _answering(port)
        folders = _preview_folders(temp)
        assert left[0] not in folders and len(folders) == 1
    finally:
        code = _stop(server, signal.SIGHUP)  # the terminal was closed
    output = log.read_text()
    assert code == 0 and "serve: stopped" in output and "Traceback" not in output, output
    assert not _preview_folders(temp)


def test_a_preview_started_with_nohup_outlives_a_hang_up(tmp_path):
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    port = _free_port()
    log = tmp_path / "serve.log"
    server = _start(root, log, port, nohup=True)
    try:
        _answering(port)
        server.send_signal(signal.SIGHUP)
        time.sleep(1.5)
        assert server.poll() is None and _get(f"http://127.0.0.1:{port}/")[0] == 200, log.read_text()
    finally:
        code = _stop(server, signal.SIGINT)
    assert code == 0, log.read_text()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the full build's process in /proc")
def test_a_full_build_killed_from_outside_is_reported_and_the_preview_goes_on(tmp_path):
    """The kernel's out-of-memory killer ending a full build was taken for the preview stopping it."""
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    retro = root / RETRO
    text = retro.read_text(encoding="utf-8")
    log = tmp_path / "serve.log"
    with _serving(root, log) as base:
        server = next(
            p for p, (_, _, cmd) in _processes().items() if f"--port {base.split(':')[2][:-1]}" in cmd
        )
        retro.write_text(text.replace(OLD_TITLE, f"### L1 {NEW_TITLE}"), encoding="utf-8")
        assert _wait_for(lambda: _full_builds_of(server), timeout=30, step=0.02) is not None
        os.kill(_full_builds_of(server)[0], signal.SIGKILL)
        said = _wait_for(lambda: "ended by signal 9" in log.read_text(), timeout=10)
        assert said is not None, log.read_text()
        retro.write_text(text, encoding="utf-8")
        page = base + "retros/2025-03-11-falcon/"
        assert _wait_for(lambda: NEW_TITLE not in _get(page)[1], timeout=20) is not None


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the full build's process in /proc")
def test_a_stop_signal_reaching_preview_and_full_build_together_is_no_failure(tmp_path):
    """`pkill -f playbookgen` or systemd signal the whole group: the full build's end was reported as a
    failed build on the way out."""
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    log, port = tmp_path / "serve.log", _free_port()
    server = _start(root, log, port)
    try:
        os.kill(_edit_during_a_full_build(root, server, port), signal.SIGTERM)
    finally:
        code = _stop(server, signal.SIGTERM)
    output = log.read_text()
    assert code == 0 and "serve: stopped" in output and "failed" not in output, output


def test_a_preview_where_flock_fails_still_serves_and_cleans_up(tmp_path, monkeypatch):
    """On NFS, flock on a folder can fail: serve stopped with a traceback."""
    import fcntl

    from playbookgen import preview_folder, preview_server

    def refuse(*_args: object) -> None:
        raise OSError(9, "Bad file descriptor")

    monkeypatch.setattr(fcntl, "flock", refuse)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    site = preview_server.PreviewSite(tmp_path / "mkdocs.yml", None, "127.0.0.1", 8000, print)
    try:
        assert site.folder.is_dir() and not (site.folder / preview_folder.OWNED).exists()  # never swept
    finally:
        site.close()
    assert not site.folder.exists()
