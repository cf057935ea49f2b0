"""playbookgen benchmark: how generate and build scale with the number of retros, against a floor.

    python benchmarks/run.py [--sizes 100,1000,5000] [--large] [--out FILE] [--head | --src DIR]
                             [--seed 7] [--workdir DIR] [--keep] [--skip-build] [--serve-max 1000]
    python benchmarks/run.py --from-json benchmarks/results.json [--out FILE] [--label TEXT]

For every size N it writes a synthetic corpus (benchmarks/corpus.py) and measures, each in a fresh
subprocess (wall time from the parent; peak memory = that process's ru_maxrss, from wait4):

- floor: benchmarks/floor.py reads every retro and parses its front matter with python-frontmatter,
  nothing else (best of 3);
- generate cold (empty docs folder) and warm (no change: must write nothing), each best of 3, and after
  editing the first lesson of one published retro (its page must be rewritten, and no page that does not
  show it);
- build: `playbookgen build --timings` as a whole, from an empty docs folder and site (best of 2);
- the MkDocs part alone: mkdocs_site.build_site on the already generated docs folder, timed in process,
  then (separately timed, same process) the load + validate that the leak check needs and the leak check
  itself;
- plain MkDocs: mkdocs' own build of the same docs folder with the same pruned navigation, without
  playbookgen's plugin or leak check;
- files written, site size, search index size per published lesson;
- serve (up to --serve-max retros): three retros edited one at a time, each one's page polled until the
  edit shows, then SIGINT.

It prints a table, evaluates the targets (reported, not enforced: the exit code is 0 unless a step
crashes) and writes the whole as Markdown to --out, with the raw figures beside it (.json). By default
the installed playbookgen (the working tree, for an editable install) is measured; --head measures the
last commit (a `git archive HEAD` copy), --src DIR any checkout. Corpora and sites are kept under
--workdir (default: a temp folder, removed at the end unless --keep).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PY = sys.executable
REPEATS = 3  # the floor, generate cold and generate warm: best of 3 (each cold run in a fresh docs folder)
BUILD_REPEATS = 2  # the whole build: best of 2 (a minute or more each at 5,000 retros)

TARGETS = {
    "throughput": "generate cold >= 30% of the floor's throughput at 1,000 and 5,000 retros",
    "memory": "peak memory < 300 MB at 5,000 retros (generate; build shown too)",
    "warm": "warm generate with no change writes 0 files and takes < 10% of cold",
    "edit": "after editing one retro, its page is rewritten, and no page that does not show that retro",
    "build_scaling": "build(5000) / build(1000) <= 5.5",
    "mkdocs_vs_plain": "the MkDocs part <= 1.5x plain MkDocs with pruned navigation on the same pages",
    "generator_overhead": "playbookgen adds <= 15% on top of the MkDocs part (within one build: its CPU "
    "outside MkDocs, over its MkDocs phase)",
    "serve": "serve: at 1,000 retros an edit to one retro is visible within 3 s; Ctrl-C exits cleanly",
    "search_linear": "search index grows linearly with lesson text (the marginal index bytes per added "
    "lesson-text byte between sizes stay within +-10% of each other; the fixed pages weigh on small sizes)",
}


# --------------------------------------------------------------------------------------------------------
# Children: each runs in a fresh interpreter and prints one JSON line on stdout.
# --------------------------------------------------------------------------------------------------------


def child_nav(root: Path) -> dict:
    """The navigation `playbookgen build` passes to MkDocs, without generating (which is slow at large N):
    render.navigation only reads the taxonomy; hand-written pages are appended as pipeline.generate does."""
    from types import SimpleNamespace

    from playbookgen import pipeline
    from playbookgen.render import navigation

    layout, _config, taxonomy, diagnostics = pipeline.load_settings(root)
    extra = [p for p in pipeline._hand_written(layout, diagnostics) if p.endswith(".md")]
    return {"nav": navigation(SimpleNamespace(taxonomy=taxonomy)) + extra}


def child_mkdocs(root: Path, nav_file: Path, site_dir: Path, plain: bool) -> dict:
    """The MkDocs part alone (or plain MkDocs), then, for the full variant, the leak check's inputs and the
    leak check itself; every phase timed separately."""
    import resource

    nav = json.loads(nav_file.read_text(encoding="utf-8"))
    t0, c0 = time.perf_counter(), time.process_time()
    if plain:
        from mkdocs.commands.build import build
        from mkdocs.config import load_config

        config = load_config(config_file=str(root / "mkdocs-plain.yml"), site_dir=str(site_dir))
        build(config)
        ok = True
    else:
        from playbookgen.mkdocs_site import build_site

        result = build_site(root / "mkdocs.yml", site_dir, nav)
        ok = result.ok
    t1, c1 = time.perf_counter(), time.process_time()
    out = {
        "ok": ok,
        "mkdocs_s": t1 - t0,
        "mkdocs_cpu_s": c1 - c0,
        "rss_after_mkdocs_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if not plain and ok:
        out.update(_leak_check(root, site_dir, t1, c1))
    return out


def _leak_check(root: Path, site_dir: Path, t1: float, c1: float) -> dict:
    """The leak check alone. Its forbidden strings come from the validated retros without redacting them
    (redaction is the slow part of generate at large N); the only difference from a real build is that
    excluded titles equal to a published title are compared before, not after, redaction."""
    from playbookgen import pipeline
    from playbookgen.audience import VISIBLE_TO, _forbidden
    from playbookgen.leaks import scan_tree

    checked = pipeline.check(root)
    audience = checked.config.default_audience
    retros = checked.playbook.retros if checked.playbook else []
    published = [r for r in retros if r.visibility in VISIBLE_TO[audience]]
    excluded = [r for r in retros if r.visibility not in VISIBLE_TO[audience]]
    forbidden = _forbidden(retros, excluded, published, audience)
    t2, c2 = time.perf_counter(), time.process_time()
    leaks = scan_tree(site_dir, forbidden)
    t3, c3 = time.perf_counter(), time.process_time()
    return {
        "check_inproc_s": t2 - t1,
        "check_inproc_cpu_s": c2 - c1,
        "leak_s": t3 - t2,
        "leak_cpu_s": c3 - c2,
        "leaks": len(leaks),
        "forbidden": len(forbidden),
    }


# --------------------------------------------------------------------------------------------------------
# Parent
# --------------------------------------------------------------------------------------------------------


class Runner:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log

    def run(self, args: list[str], label: str, cwd: Path | None = None) -> dict:
        """Run one measurement; wall time, peak RSS (MB) and return code, plus the child's JSON if any."""
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            t0 = time.perf_counter()
            # Never from the repository: `python -m` puts the working directory first on sys.path, so a
            # child started there would import the working tree instead of the code under measurement.
            proc = subprocess.Popen(args, stdout=out, stderr=err, env=self.env, cwd=cwd or self.log.parent)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
        with self.log.open("a", encoding="utf-8") as log:
            log.write(
                f"\n=== {label}: rc={proc.returncode} wall={wall:.2f}s rss={usage.ru_maxrss / 1024:.0f}MB\n"
            )
            log.write(f"$ {' '.join(map(str, args))}\n{stderr[-4000:]}\n")
        result = {
            "wall_s": wall,
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "user_s": usage.ru_utime,
            "sys_s": usage.ru_stime,
            "rss_mb": usage.ru_maxrss / 1024,
            "rc": proc.returncode,
            "stderr": stderr,
        }
        last = stdout.strip().splitlines()[-1:] if stdout.strip() else []
        if last and last[0].startswith("{"):
            result.update(json.loads(last[0]))
        if proc.returncode != 0:
            print(f"  ! {label} exited {proc.returncode}:\n{stderr[-2000:]}", file=sys.stderr)
        return result

    def child(self, name: str, *args: object, label: str) -> dict:
        return self.run([PY, str(Path(__file__).resolve()), f"_{name}", *map(str, args)], label)

    def cli(self, root: Path, *args: str, label: str) -> dict:
        return self.run([PY, "-m", "playbookgen", "-C", str(root), *args], label)


def measure_serve(
    root: Path, retro_ids: list[str], paths: list[Path], env: dict[str, str], log: Path
) -> dict:
    """Start `playbookgen serve` on a free port, edit retros one at a time and poll each one's page until
    the edit shows (at most 60 s each); then Ctrl-C (SIGINT) and check it exits cleanly."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = log.with_name(f"serve-{root.name}.txt")
    with out.open("w", encoding="utf-8") as stream:
        proc = subprocess.Popen(
            [PY, "-m", "playbookgen", "-C", str(root), "serve", "--port", str(port)],
            stdout=stream,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=root,  # not the repository: see Runner.run
            # As in a terminal: a runner started in the background (nohup, &) ignores SIGINT, and its
            # children would inherit that, so Ctrl-C could not be measured.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )

        def page(path: str) -> str | None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=60) as response:
                    return response.read().decode("utf-8", "replace")
            except OSError:
                return None

        t0 = time.perf_counter()
        while page("") is None and time.perf_counter() - t0 < 900 and proc.poll() is None:
            time.sleep(0.5)
        result: dict = {"ready_s": time.perf_counter() - t0, "edits_s": []}
        time.sleep(2)  # let the first build's watchers settle
        for k, (retro_id, path) in enumerate(zip(retro_ids, paths, strict=True)):
            marker = f"Serve benchmark edit {k} at {time.time_ns()}."
            path.write_text(
                path.read_text(encoding="utf-8").replace("## Lessons", f"{marker}\n\n## Lessons", 1),
                encoding="utf-8",
            )
            t1 = time.perf_counter()
            while time.perf_counter() - t1 < 60 and marker not in (page(f"retros/{retro_id}/") or ""):
                time.sleep(0.1)
            result["edits_s"].append(time.perf_counter() - t1)
            time.sleep(3)  # one edit at a time: the next starts after this one's rebuild settled
        proc.send_signal(signal.SIGINT)
        try:
            result["exit"] = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            result["exit"] = "killed after 60 s"
    result["traceback"] = "Traceback" in out.read_text(encoding="utf-8", errors="replace")
    return result


def best_of(runs: list[dict]) -> dict:
    """The run with the least CPU time, as for the floor: noise only ever adds time. Peak memory is the
    highest of all runs, and every run's CPU time is kept for the table."""
    best = dict(min(runs, key=lambda run: run["cpu_s"]))
    best["rss_mb"] = max(run["rss_mb"] for run in runs)
    best["runs_cpu_s"] = [run["cpu_s"] for run in runs]
    return best


def build_phases(stderr: str) -> dict[str, float]:
    """The CPU seconds per phase that `playbookgen build --timings` prints, measured in the build itself."""
    for line in stderr.splitlines():
        if line.startswith("timings (CPU s, this process): "):
            listed = line.split(": ", 1)[1].split("; ")[0]
            return {name: float(seconds) for name, seconds in (p.rsplit(" ", 1) for p in listed.split(", "))}
    return {}


def set_aside(path: Path, trash: Path) -> None:
    """Move a tree out of the way instead of deleting it: deleting hundreds of MB on a disk mounted with
    'discard' (as on this machine) makes creating files slow for a while afterwards, which would be
    charged to the next measurement. The trash goes when the run ends."""
    if path.exists():
        trash.mkdir(exist_ok=True)
        path.rename(trash / f"{path.name}-{time.monotonic_ns()}")


PROBE_FILES = 500  # the probes' files are deleted with the trash too: few, so they add little after-effect


def creation_probe(trash: Path) -> float:
    """CPU microseconds to create one small file here, now. On ext4 this is about ten times the usual
    figure for a minute or more after many files were deleted on the disk (the inode allocator steps over
    recently freed inodes one by one), which inflates the system time of every step that writes pages.
    The probe's files go to the trash: deleting them would cause what it measures."""
    folder = trash / f"probe-{time.monotonic_ns()}"
    folder.mkdir(parents=True)
    start = time.process_time()
    for i in range(PROBE_FILES):
        with open(folder / f"{i}.md", "wb") as handle:
            handle.write(b"probe\n" * 40)
    return 1e6 * (time.process_time() - start) / PROBE_FILES


def memory_probe() -> float | None:
    """The same probe on tmpfs (/dev/shm), where deletions leave no such after-effect: a reference for
    what creating a file costs on this machine right now (the lowest of three). None without /dev/shm."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or not os.access(shm, os.W_OK):
        return None
    with tempfile.TemporaryDirectory(dir=shm, prefix="playbookgen-probe-") as folder:
        return min(creation_probe(Path(folder)) for _ in range(3))


def settle(trash: Path, label: str, quiet: float | None, most: float = 180.0) -> list[float]:
    """Wait, probing every 10 s for at most `most` seconds, until creating a file costs at most 4x the
    same probe on tmpfs (a quiet ext4 disk costs 2-3x, the after-effect of deletions 20-50x) or at most
    1.5x `quiet` (the lowest probe of this run so far), or until it stops falling while below 10x tmpfs
    (a disk that is simply slower). Returns the probes. On a quiet disk nothing waits, but the first size
    probes twice, 10 s apart, when /dev/shm is missing."""
    reference = memory_probe()
    probes = [creation_probe(trash)]
    started = time.monotonic()
    while time.monotonic() - started < most:
        probe = probes[-1]
        if (reference is not None and probe <= 4 * reference) or (quiet is not None and probe <= 1.5 * quiet):
            break
        plateau = len(probes) > 1 and probe > 0.8 * probes[-2]
        if plateau and (reference is None or probe <= 10 * reference):
            break
        if len(probes) == 1:
            tmpfs = f", {reference:.0f} µs on tmpfs" if reference is not None else ""
            print(
                f"[{label}] creating a file costs {probe:.0f} µs of CPU here now{tmpfs}: the disk is still "
                f"busy with earlier deletions (an earlier run's clean-up, tests). Waiting up to {most:.0f} s "
                "for it to settle, probing every 10 s...",
                file=sys.stderr,
            )
        time.sleep(10)
        probes.append(creation_probe(trash))
    if len(probes) > 1:
        shown = " ".join(f"{p:.0f}" for p in probes)
        tmpfs = f" (tmpfs: {reference:.0f} µs)" if reference is not None else ""
        print(f"[{label}] waited for file creation to settle: {shown} µs{tmpfs}", file=sys.stderr)
    return probes


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime_ns) of every file: write_tree replaces a changed file, so both change."""
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def changed(before: dict, after: dict) -> list[str]:
    """Changed generated files; playbookgen's own dot-files (marker, run cache) are bookkeeping, not pages."""
    return sorted(
        k for k, v in after.items() if before.get(k) != v and not k.rsplit("/", 1)[-1].startswith(".")
    )


def plain_config(root: Path, nav: list) -> None:
    """mkdocs.yml without the playbookgen plugin, with playbookgen's pruned navigation."""
    text = (root / "mkdocs.yml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^\s*-\s*playbookgen\b.*\n", "", text)
    text = re.sub(r"(?m)^nav:.*\n(?:[ \t]+.*\n)*", "", text)
    text += (
        "\n# benchmark baseline: playbookgen's navigation, no playbookgen plugin\nnav: "
        + json.dumps(nav)
        + "\n"
    )
    (root / "mkdocs-plain.yml").write_text(text, encoding="utf-8")


def folder_stats(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []
    return len(files), sum(p.stat().st_size for p in files)


def bench_size(
    n: int,
    args: argparse.Namespace,
    runner: Runner,
    work: Path,
    repo: Path,
    save: Callable[[dict], None],
    quiet: float | None = None,
) -> dict:
    """Every measurement for one N; `save(r)` is called after each, so a long run leaves partial results.

    Order: the cheap and most asked-for numbers first (floor, generate cold, build and its parts), then
    warm and edit generates, which need a generated docs folder and leave it edited."""
    sys.path.insert(0, str(HERE))
    from corpus import write_corpus

    root = work / f"n{n}"
    if root.exists():
        shutil.rmtree(root)
    t0 = time.perf_counter()
    manifest = write_corpus(root, n, args.seed, repo)
    print(f"[{n}] corpus written in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    published = [m for m in manifest if m.visibility != "team"]
    r: dict = {
        "n": n,
        "load": os.getloadavg()[0],
        "retro_files": len(manifest),
        "lessons_all": sum(m.lessons for m in manifest),
        "published": len(published),
        "lessons": sum(m.lessons for m in published),
        "lesson_bytes_published": sum(m.lesson_bytes for m in published),
        "body_bytes_published": sum(m.body_bytes for m in published),
    }
    docs, site = root / "build" / "docs", root / "site"

    check = runner.cli(root, "check", label=f"check {n}")
    r["check_rc"] = check["rc"]
    r["check_summary"] = check["stderr"].strip().splitlines()[-1] if check["stderr"].strip() else ""

    floor = [PY, str(HERE / "floor.py"), str(root)]
    r["floor"] = best_of([runner.run(floor, label=f"floor {n}") for _ in range(REPEATS)])
    print(f"[{n}] floor {r['floor']['cpu_s']:.2f}s cpu", file=sys.stderr)

    r["settle_us"] = settle(work / ".trash", str(n), quiet)
    r["create_us"] = [r["settle_us"][-1]]
    colds = []
    for i in range(REPEATS):
        set_aside(root / "build", work / ".trash")
        empty = not any((work / "cache").glob("playbookgen/templates/*.cache"))
        colds.append(runner.cli(root, "generate", label=f"generate cold {n} #{i + 1}"))
        colds[-1]["template_cache_was_empty"] = empty
    r["gen_cold"] = best_of(colds)
    r["gen_cold"]["first_template_cache"] = colds[0]["template_cache_was_empty"]
    r["create_us"].append(creation_probe(work / ".trash"))
    r["gen_cold"]["written"] = len(changed({}, snapshot(docs)))  # pages and assets, not bookkeeping
    print(f"[{n}] generate cold {r['gen_cold']['cpu_s']:.1f}s cpu", file=sys.stderr)
    save(r)

    nav = runner.child("nav", root, label=f"nav {n}")
    nav_file = work / f"n{n}.nav.json"
    nav_file.write_text(json.dumps(nav.get("nav", [])), encoding="utf-8")
    plain_config(root, nav.get("nav", []))

    if not args.skip_build:
        builds = []
        for i in range(BUILD_REPEATS):
            set_aside(root / "build", work / ".trash")
            set_aside(site, work / ".trash")
            builds.append(runner.cli(root, "build", "--timings", label=f"build {n} #{i + 1}"))
            builds[-1]["phases"] = build_phases(builds[-1]["stderr"])
        r["build"] = best_of(builds)
        r["build"]["runs_overhead"] = [
            b["cpu_s"] / b["phases"]["MkDocs"] - 1 for b in builds if b["phases"].get("MkDocs")
        ]
        r["docs_files"], r["docs_bytes"] = folder_stats(docs)
        r["site_files"], r["site_bytes"] = folder_stats(site)
        index = site / "search" / "search_index.json"
        r["search_index_bytes"] = index.stat().st_size if index.is_file() else 0
        if index.is_file():
            r["search_entries"] = len(json.loads(index.read_text(encoding="utf-8")).get("docs", []))
        print(f"[{n}] build {r['build']['cpu_s']:.1f}s cpu", file=sys.stderr)
        save(r)

        for key, mode in (("mkdocs_part", "full"), ("plain", "plain")):
            out_site = work / f"n{n}-site-{mode}"
            set_aside(out_site, work / ".trash")
            r[key] = runner.child("mkdocs", root, nav_file, out_site, mode, label=f"mkdocs {mode} {n}")
            set_aside(out_site, work / ".trash")
            print(f"[{n}] mkdocs {mode} {r[key].get('mkdocs_cpu_s', float('nan')):.1f}s cpu", file=sys.stderr)
            save(r)
        if not args.keep:
            set_aside(site, work / ".trash")

    before = snapshot(docs)
    r["gen_warm"] = best_of(
        [runner.cli(root, "generate", label=f"generate warm {n} #{i + 1}") for i in range(REPEATS)]
    )
    r["gen_warm"]["written"] = len(changed(before, snapshot(docs)))  # by all the warm runs together
    print(f"[{n}] generate warm {r['gen_warm']['cpu_s']:.1f}s cpu", file=sys.stderr)
    save(r)

    # Edit the first lesson's first paragraph of one published retro (in the middle of the corpus).
    target = published[len(published) // 2]
    path = root / target.path
    text = path.read_text(encoding="utf-8")
    marker = "**What happened.** "
    path.write_text(
        text.replace(marker, marker + "Edited for the benchmark: the champion was on leave. ", 1),
        encoding="utf-8",
    )
    before = snapshot(docs)
    r["gen_edit"] = runner.cli(root, "generate", label=f"generate edit {n}")
    written = changed(before, snapshot(docs))
    link = re.compile(rf"(?<![\w-]){re.escape(target.id)}\.md\b")
    showing = sorted(
        p.relative_to(docs).as_posix()
        for p in docs.rglob("*.md")
        if p.stem == target.id or link.search(p.read_text(encoding="utf-8"))
    )
    r["gen_edit"].update(
        written=len(written),
        written_files=written,
        showing=len(showing),
        edited=target.id,
        unexpected=[w for w in written if w not in showing],
    )
    print(f"[{n}] edit: {len(written)} written, {len(showing)} pages show the retro", file=sys.stderr)
    save(r)

    if n <= args.serve_max:
        edited = published[len(published) // 5 :: max(1, len(published) // 4)][:3]
        r["serve"] = measure_serve(
            root, [m.id for m in edited], [root / m.path for m in edited], runner.env, runner.log
        )
        print(f"[{n}] serve: edits visible after {r['serve']['edits_s']}", file=sys.stderr)
        save(r)
    return r


# --------------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------------


def _s(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}" if value < 10 else (f"{value:.1f}" if value < 100 else f"{value:.0f}")


def cpu(r: dict, key: str) -> float:
    """CPU seconds (user + system) of a measurement: the metric the targets are judged on, since it is
    far less sensitive than wall time to other load on the machine."""
    m = r[key]
    return m["cpu_s"]


def overhead(r: dict) -> float:
    """What playbookgen adds to MkDocs within one build: (build CPU - its MkDocs phase) / its MkDocs phase.
    Both from the same process, so the noise of two separate 1-minute MkDocs runs does not enter."""
    mkdocs = r["build"]["phases"]["MkDocs"]
    return cpu(r, "build") / mkdocs - 1


def part(r: dict, which: str = "mkdocs_part") -> float:
    return r[which]["mkdocs_cpu_s"]


def table(results: list[dict]) -> list[str]:
    cols = ["measure"] + [f"N = {r['n']:,}" for r in results]
    rows: list[list[str]] = []

    def row(name: str, fn: Callable[[dict], str]) -> None:
        cells = []
        for r in results:
            try:
                cells.append(fn(r))
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("—")
        rows.append([name, *cells])

    def timed(key: str) -> Callable[[dict], str]:
        return lambda r: (
            f"{_s(r[key]['cpu_s'])} / {_s(r[key]['wall_s'])} (×{cpu(r, key) / cpu(r, 'floor'):.1f})"
        )

    row(
        "retro files / published / published lessons",
        lambda r: f"{r['retro_files']:,} / {r['published']:,} / {r['lessons']:,}",
    )
    row("load average (1 min) when the size started", lambda r: f"{r['load']:.2f}")
    row("`playbookgen check`", lambda r: r["check_summary"] or f"rc {r['check_rc']}")
    row(f"**floor**: read + python-frontmatter (best of {REPEATS})", timed("floor"))
    row("floor throughput (cpu)", lambda r: f"{r['n'] / cpu(r, 'floor'):,.0f} retros/s")
    row(f"generate cold (best of {REPEATS})", timed("gen_cold"))
    row("  every run (cpu)", lambda r: ", ".join(_s(c) for c in r["gen_cold"]["runs_cpu_s"]))
    row(
        "  first run: template code cache empty",
        lambda r: "yes" if r["gen_cold"].get("first_template_cache") else "no (filled by an earlier size)",
    )
    row(
        "generate cold throughput, % of floor (cpu)",
        lambda r: f"{100 * cpu(r, 'floor') / cpu(r, 'gen_cold'):.1f}%",
    )
    row(
        "  of which user / system cpu",
        lambda r: f"{_s(r['gen_cold']['user_s'])} / {_s(r['gen_cold']['sys_s'])}",
    )
    row(
        "  creating one file, probe before / after the cold runs (µs cpu)",
        lambda r: " / ".join(f"{us:.0f}" for us in r["create_us"]),
    )
    row(f"generate warm, no change (best of {REPEATS})", timed("gen_warm"))
    row(
        "  files written · warm / cold (cpu)",
        lambda r: f"{r['gen_warm']['written']} · {100 * cpu(r, 'gen_warm') / cpu(r, 'gen_cold'):.1f}%",
    )
    row("generate after editing one retro", timed("gen_edit"))
    row(
        "  files rewritten / pages showing the retro",
        lambda r: f"{r['gen_edit']['written']} / {r['gen_edit']['showing']}",
    )
    row(f"build, whole (best of {BUILD_REPEATS})", timed("build"))
    row(
        "  MkDocs part alone (in process)",
        lambda r: f"{_s(part(r))} / {_s(r['mkdocs_part']['mkdocs_s'])} (×{part(r) / cpu(r, 'floor'):.1f})",
    )
    row(
        "  plain MkDocs, same pages, pruned nav (in process)",
        lambda r: (
            f"{_s(part(r, 'plain'))} / {_s(r['plain']['mkdocs_s'])} (×{part(r, 'plain') / cpu(r, 'floor'):.1f})"
        ),
    )
    row("  MkDocs part / plain MkDocs (cpu)", lambda r: f"{part(r) / part(r, 'plain'):.2f}")
    row(
        "  build − MkDocs part: playbookgen's share (cpu)",
        lambda r: f"{_s(cpu(r, 'build') - part(r))} (+{100 * (cpu(r, 'build') / part(r) - 1):.0f}%)",
    )
    row(
        "  in the build itself: generate / MkDocs / leak check",
        lambda r: " / ".join(_s(r["build"]["phases"][k]) for k in ("generate", "MkDocs", "leak check")),
    )
    row(
        "  in the build itself: all but MkDocs (cpu)",
        lambda r: f"{_s(cpu(r, 'build') - r['build']['phases']['MkDocs'])} (+{100 * overhead(r):.1f}%)",
    )
    row(
        "  every build: cpu (all but MkDocs)",
        lambda r: ", ".join(
            f"{_s(c)} (+{100 * o:.1f}%)"
            for c, o in zip(r["build"]["runs_cpu_s"], r["build"]["runs_overhead"], strict=True)
        ),
    )
    row(
        "  of which leak check (in process)",
        lambda r: f"{_s(r['mkdocs_part']['leak_cpu_s'])} / {_s(r['mkdocs_part']['leak_s'])}",
    )
    row(
        "  load + validate alone (in process)",
        lambda r: f"{_s(r['mkdocs_part']['check_inproc_cpu_s'])} / {_s(r['mkdocs_part']['check_inproc_s'])}",
    )
    row(
        "serve: first page / an edit visible after (wall)",
        lambda r: f"{_s(r['serve']['ready_s'])} / {', '.join(_s(t) for t in r['serve']['edits_s'])} s",
    )
    row(
        "peak RSS: floor / generate cold / build",
        lambda r: (
            f"{r['floor']['rss_mb']:.0f} / {r['gen_cold']['rss_mb']:.0f} / {r['build']['rss_mb']:.0f} MB"
        ),
    )
    row(
        "peak RSS: MkDocs part / plain MkDocs",
        lambda r: (
            f"{r['mkdocs_part']['rss_after_mkdocs_mb']:.0f} / {r['plain']['rss_after_mkdocs_mb']:.0f} MB"
        ),
    )
    row(
        "files written: generate cold (docs) / build (site)",
        lambda r: f"{r['gen_cold']['written']:,} / {r['site_files']:,}",
    )
    row(
        "docs size / site size",
        lambda r: f"{r['docs_bytes'] / 2**20:.1f} / {r['site_bytes'] / 2**20:.0f} MiB",
    )
    row(
        "search index: size · per published lesson",
        lambda r: (
            f"{r['search_index_bytes'] / 2**20:.1f} MiB · {r['search_index_bytes'] / r['lessons'] / 1024:.2f} KiB"
        ),
    )
    row(
        "search index bytes per lesson-text byte · per body byte",
        lambda r: (
            f"{r['search_index_bytes'] / r['lesson_bytes_published']:.2f} · "
            f"{r['search_index_bytes'] / r['body_bytes_published']:.2f}"
        ),
    )
    widths = [max(len(c) for c in col) for col in zip(cols, *rows, strict=False)]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(cols, widths, strict=False)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines += [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row_, widths, strict=False)) + " |" for row_ in rows
    ]
    return lines


def evaluate(results: list[dict]) -> list[tuple[str, str, str]]:
    """(target, PASS/FAIL/n/a, evidence); times are CPU seconds, wall in the table."""
    by_n = {r["n"]: r for r in results}
    out = []

    def verdict(key: str, ok: bool | None, evidence: str) -> None:
        out.append((TARGETS[key], "n/a" if ok is None else ("PASS" if ok else "FAIL"), evidence))

    pcts = {n: 100 * cpu(by_n[n], "floor") / cpu(by_n[n], "gen_cold") for n in (1000, 5000) if n in by_n}
    verdict(
        "throughput",
        all(p >= 30 for p in pcts.values()) if pcts else None,
        ", ".join(f"{n:,}: {p:.1f}%" for n, p in pcts.items()),
    )
    if 5000 in by_n:
        r = by_n[5000]
        build_rss = r.get("build", {}).get("rss_mb")
        verdict(
            "memory",
            r["gen_cold"]["rss_mb"] < 300,
            f"generate {r['gen_cold']['rss_mb']:.0f} MB"
            + (f", build {build_rss:.0f} MB" if build_rss else ""),
        )
    else:
        verdict("memory", None, "5,000 not measured")
    warm = {
        r["n"]: (r["gen_warm"]["written"], cpu(r, "gen_warm") / cpu(r, "gen_cold"))
        for r in results
        if "gen_warm" in r
    }
    verdict(
        "warm",
        all(w == 0 and q < 0.10 for w, q in warm.values()) if warm else None,
        ", ".join(f"{n:,}: {w} written, {100 * q:.1f}% of cold" for n, (w, q) in warm.items()),
    )
    edits = {r["n"]: r["gen_edit"] for r in results if "gen_edit" in r}
    own_page = {n: f"retros/{e['edited']}.md" in e["written_files"] for n, e in edits.items()}
    verdict(
        "edit",
        all(not e["unexpected"] and own_page[n] for n, e in edits.items()) if edits else None,
        ", ".join(
            f"{n:,}: {e['written']} rewritten, {e['showing']} show it, {len(e['unexpected'])} others"
            + ("" if own_page[n] else ", its own page not rewritten")
            + (
                f" ({', '.join(e['unexpected'][:4])}{'…' if len(e['unexpected']) > 4 else ''})"
                if e["unexpected"]
                else ""
            )
            for n, e in edits.items()
        ),
    )
    built = {
        n: r
        for n, r in by_n.items()
        if "cpu_s" in r.get("build", {}) and "mkdocs_cpu_s" in r.get("mkdocs_part", {})
    }
    if all("cpu_s" in by_n.get(n, {}).get("build", {}) for n in (1000, 5000)):
        q = cpu(by_n[5000], "build") / cpu(by_n[1000], "build")
        qw = by_n[5000]["build"]["wall_s"] / by_n[1000]["build"]["wall_s"]
        verdict("build_scaling", q <= 5.5, f"{q:.2f} (wall {qw:.2f})")
    else:
        verdict("build_scaling", None, "needs 1,000 and 5,000")
    ratios = {n: part(r) / part(r, "plain") for n, r in built.items() if "mkdocs_cpu_s" in r.get("plain", {})}
    verdict(
        "mkdocs_vs_plain",
        all(q <= 1.5 for q in ratios.values()) if ratios else None,
        ", ".join(f"{n:,}: {q:.2f}x" for n, q in ratios.items()),
    )
    over = {n: overhead(r) for n, r in built.items() if r["build"].get("phases", {}).get("MkDocs")}
    big = {n: o for n, o in over.items() if n >= 1000} or over
    verdict(
        "generator_overhead",
        all(o <= 0.15 for o in big.values()) if big else None,
        ", ".join(f"{n:,}: +{100 * o:.1f}%" for n, o in over.items())
        + (" (judged at >= 1,000)" if len(big) < len(over) else ""),
    )
    served = {n: r["serve"] for n, r in by_n.items() if "serve" in r}
    verdict(
        "serve",
        all(max(s["edits_s"]) <= 3 and s["exit"] == 0 and not s["traceback"] for s in served.values())
        if 1000 in served
        else None,
        ", ".join(
            f"{n:,}: edits visible after {', '.join(f'{t:.1f}' for t in s['edits_s'])} s, "
            f"exit {s['exit']}{', traceback' if s['traceback'] else ''}"
            for n, s in served.items()
        )
        or "not measured",
    )
    sizes = sorted(n for n, r in built.items() if r.get("search_index_bytes"))
    marginal = {
        f"{a:,}->{b:,}": (built[b]["search_index_bytes"] - built[a]["search_index_bytes"])
        / (built[b]["lesson_bytes_published"] - built[a]["lesson_bytes_published"])
        for a, b in itertools.pairwise(sizes)
    }
    if len(marginal) >= 2:
        spread = max(marginal.values()) / min(marginal.values())
        verdict(
            "search_linear",
            spread <= 1.10,
            ", ".join(f"{k}: {q:.2f}" for k, q in marginal.items()) + f" (max/min {spread:.2f})",
        )
    elif marginal:
        verdict(
            "search_linear",
            None,
            "needs three sizes: " + ", ".join(f"{k}: {q:.2f}" for k, q in marginal.items()),
        )
    else:
        verdict("search_linear", None, "needs two sizes")
    return out


def _git(*args: str) -> str:
    """The stripped output of a git command in the repository ('' when it fails)."""
    return subprocess.run(
        ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False
    ).stdout.strip()


def machine(code: str) -> list[str]:
    def version(pkg: str) -> str:
        try:
            from importlib.metadata import version as v

            return v(pkg)
        except Exception:
            return "?"

    try:
        commit = _git("log", "-1", "--format=%h %cs")
        dirty = _git("status", "--porcelain", "--", "playbookgen")
    except OSError:
        commit, dirty = "?", ""
    return [
        f"- date: {dt.datetime.now().astimezone().isoformat(timespec='minutes')}",
        f"- machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"{platform.processor() or platform.machine()}",
        f"- Python {platform.python_version()} ({PY}); MkDocs {version('mkdocs')}, Material {version('mkdocs-material')}, "
        f"python-frontmatter {version('python-frontmatter')}, PyYAML {version('PyYAML')}",
        f"- load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"- code measured: {code}; repository HEAD {commit}"
        + (" (working tree has uncommitted changes in playbookgen/)" if dirty and "HEAD" not in code else ""),
    ]


def about_run(results: list[dict], code: str, seed: int, elapsed: float) -> list[str]:
    """The header lines of a run's table: machine, versions, code, sizes. Kept in the run's JSON, so a table
    re-rendered from it later (--from-json) still describes the run that was measured."""
    sizes = ", ".join(str(r["n"]) for r in results)
    return [*machine(code), f"- sizes {sizes}, seed {seed}; whole run {elapsed / 60:.1f} min"]


def markdown(results: list[dict], about: list[str], out: Path) -> str:
    guide = os.path.relpath(HERE / "README.md", out.resolve().parent)
    lines = [
        "# playbookgen benchmark results",
        "",
        f"Written by `python benchmarks/run.py` (see [README.md]({guide}) for what is measured and how).",
        "",
        *about,
        "",
    ]
    lines += [
        "## Results",
        "",
        "Times are `cpu s / wall s`: CPU (user + system) and wall seconds of a fresh subprocess (interpreter "
        "start and imports included), or of one phase for rows marked *in process*. ×N is the CPU ratio to "
        "the floor of the same size. Targets are judged on CPU time, which other load on the machine "
        "disturbs far less than wall time. System time is the exception: on ext4, creating files costs "
        "about ten times as much for a minute or more after many files were deleted on the disk (tests, "
        "an earlier benchmark's clean-up), so the run probes the cost of creating one file before and "
        "after the cold runs of each size; a high probe means every step that writes pages paid it too.",
        "",
    ]
    lines += [*table(results), "", "## Targets", "", "| target | result | evidence |", "|---|---|---|"]
    lines += [f"| {t} | **{v}** | {e} |" for t, v, e in evaluate(results)]
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0].startswith("_"):  # a measurement child
        name, rest = argv[0][1:], argv[1:]
        if name == "nav":
            out = child_nav(Path(rest[0]))
        elif name == "mkdocs":
            out = child_mkdocs(Path(rest[0]), Path(rest[1]), Path(rest[2]), rest[3] == "plain")
        else:
            raise SystemExit(f"unknown child {name}")
        print(json.dumps(out))
        return

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="comma-separated retro counts")
    parser.add_argument("--large", action="store_true", help="add 10,000 retros")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where the Markdown table goes, its raw figures beside it as .json (default: "
        "benchmarks/results.md, the table the README links, for a run that can judge every target: sizes "
        "1,000 and 5,000, with the build and serve; otherwise benchmarks/out/results.md, which git ignores)",
    )
    parser.add_argument("--seed", type=int, default=7)
    code = parser.add_mutually_exclusive_group()
    code.add_argument("--head", action="store_true", help="measure the last commit (git archive HEAD)")
    code.add_argument(
        "--src", type=Path, help="measure this playbookgen checkout instead of the installed one"
    )
    parser.add_argument("--workdir", type=Path, help="where corpora and sites go (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep corpora and sites")
    parser.add_argument("--skip-build", action="store_true", help="only the floor and generate measurements")
    parser.add_argument(
        "--serve-max",
        type=int,
        default=1000,
        help="measure `playbookgen serve` (edit a retro, wait for its page) up to this size (0: never)",
    )
    parser.add_argument(
        "--from-json",
        type=Path,
        help="only write the table of an earlier run again, from its results.json (to --out; default: the "
        ".md beside it)",
    )
    parser.add_argument(
        "--label",
        default=None,
        help="with --from-json, for a results.json written before runs recorded it: what code was measured",
    )
    args = parser.parse_args(argv)
    if args.from_json:
        rerender(args.from_json, args.out or args.from_json.with_suffix(".md"), args.label)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()] + ([10_000] if args.large else [])
    every_target = {1000, 5000} <= set(sizes) and not args.skip_build and args.serve_max >= 1000
    out: Path = args.out or (HERE / "results.md" if every_target else HERE / "out" / "results.md")
    try:  # fail now, not after minutes of measuring
        out.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(out.parent, os.W_OK):
            raise PermissionError(f"cannot write in {out.parent}")
        for file in (out, out.with_suffix(".json")):
            if file.is_dir() or (file.exists() and not os.access(file, os.W_OK)):
                raise PermissionError(f"{file} is a folder or read-only")
    except OSError as exc:
        raise SystemExit(f"cannot write the results to {out}: {exc}") from None

    work = args.workdir or Path(tempfile.mkdtemp(prefix="playbookgen-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    finished = False
    try:
        measure(args, sizes, out, work)
        finished = True
    except (KeyboardInterrupt, SystemExit):
        finished = True  # stopped on purpose, or with its reason said: nothing to look into
        raise
    finally:
        if finished:
            shutil.rmtree(work / ".trash", ignore_errors=True)
            if not args.keep and not args.workdir:
                shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"the run did not finish: its work folder stays, with its log: {work}", file=sys.stderr)


def measure(args: argparse.Namespace, sizes: list[int], out: Path, work: Path) -> None:
    """Every size, into `work`; the table (and its raw figures) saved to `out` after each step."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env["XDG_CACHE_HOME"] = str(work / "cache")  # the compiled-template cache starts empty, and stays here
    repo = REPO
    label = "installed playbookgen (working tree of this repository)"
    if args.head:
        repo = work / "head"
        shutil.rmtree(repo, ignore_errors=True)
        repo.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", "HEAD"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(repo)], input=archive, check=True)
        head = _git("log", "-1", "--format=%h %s")
        label = f"HEAD (git archive of commit {head})"
    elif args.src:
        repo = args.src.resolve()
        label = f"checkout {repo}"
    if repo != REPO:
        env["PYTHONPATH"] = str(repo)  # before site-packages, so it wins over the editable install
        subprocess.run([PY, "-m", "compileall", "-q", str(repo / "playbookgen")], env=env, check=False)
    runner = Runner(env, work / "log.txt")
    print(f"workdir {work} (log: {runner.log})", file=sys.stderr)
    runner.cli(REPO, "--version", label="warm-up")
    imported = subprocess.run(
        [PY, "-c", "import playbookgen; print(playbookgen.__file__)"],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(imported).resolve().is_relative_to(repo.resolve()):
        raise SystemExit(f"the children import playbookgen from {imported}, not from {repo}: stopping")
    label += f"; imported from {Path(imported).parent}"

    started = time.perf_counter()
    results: list[dict] = []
    text = ""

    def save(current: dict) -> None:
        nonlocal text
        current["elapsed_s"] = time.perf_counter() - started
        done = results + ([current] if current not in results else [])
        about = about_run(done, label, args.seed, time.perf_counter() - started)
        raw = json.dumps({"about": about, "results": done}, indent=1, default=str)
        (work / "results.json").write_text(raw, encoding="utf-8")
        text = markdown(done, about, out)
        out.write_text(text, encoding="utf-8")
        out.with_suffix(".json").write_text(raw, encoding="utf-8")  # the table's raw data, beside it

    for n in sizes:
        probes = [us for r in results for us in r["settle_us"] + r["create_us"]]
        results.append(bench_size(n, args, runner, work, repo, save, min(probes, default=None)))
        save(results[-1])
    print(text)
    print(f"written to {out} and {out.with_suffix('.json').name}", file=sys.stderr)


def rerender(source: Path, out: Path, label: str | None) -> None:
    """Write the table of an earlier run again, from the results.json written beside its table."""
    data = json.loads(source.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        results, about = data["results"], data["about"]
    else:  # written before runs recorded their header
        results = data
        about = [
            f"- re-rendered from {source.name}, which does not record the machine, date or versions of the "
            "run",
            f"- code measured: {label or 'see the run log'}",
            f"- sizes {', '.join(str(r['n']) for r in results)}",
        ]
    text = markdown(results, about, out)
    out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
