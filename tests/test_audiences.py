"""Audiences and redaction: each build publishes only what its audience may see, and the leak check
catches what slips through, whatever the escaping."""

from __future__ import annotations

import gzip
import html
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from playbookgen import leaks
from playbookgen.audience import value_band
from playbookgen.cli import cli
from playbookgen.leaks import LeakScanner, scan_tree
from playbookgen.model import Money
from playbookgen.results import Forbidden
from tests.conftest import copy_skeleton

KINGFISHER = """\
---
title: "Kingfisher went dark after the reorg at Zephyrine"
date: 2025-01-10
visibility: team
deal:
  codename: Kingfisher
  account: Zephyrine Maritime
  account_aliases: [Zephyrine]
  outcome: no-decision
  value: 150000
team:
  - {name: Odalys Brennan, role: AE}
---

## Summary

Zephyrine reorganised procurement; Odalys lost her champion.

## Lessons

### L1 Multi-thread before a reorg lands

- stage: discovery
- roles: AE

Odalys had a single thread into Zephyrine Maritime and the thread was cut.
"""

HERON = """\
---
title: "Won Heron at Qorvath with a written POC plan"
date: 2025-03-11
visibility: internal
deal:
  codename: Heron
  account: Qorvath Logistics
  account_aliases: [Qorvath]
  outcome: won
  value: {amount: 420000, currency: EUR}
team:
  - {name: Priya Raman, role: AE}
  - {name: Tomás Ferreira, role: SE}
retro:
  facilitator: Aisha Kamara
---

## Summary

Qorvath's CFO signed after Priya and Tomás ran a written POC plan. We had learned from Zephyrine.

## Lessons

### L1 Write the POC plan down with the champion

- stage: POC
- roles: SE, AE
- result: worked

QORVATH LOGISTICS agreed three criteria in writing; Tomás sent them the same day.
"""

PLOVER = """\
---
title: "Lost Plover at Ulmbridge on price"
date: 2025-06-02
visibility: public
deal:
  codename: Plover
  account: Ulmbridge Foods
  account_aliases: [Ulmbridge]
  outcome: lost
  value: 90000
team:
  - {name: Fatima Al-Sayed, role: SE}
  - {name: Jonas Whitlock, role: AE}
---

## Summary

Fatima ran the demo for Ulmbridge; Jonas handled pricing.
<script>alert("pwned")</script>
<img src="x.png" onerror="alert(2)">
<iframe src="https://evil.example/"></iframe>
<style>body { display: none }</style>
<a href="javascript:alert(3)">click me</a>
<img src="data:image/png;base64,AAAA" alt="tracker">

<details><summary>Raw notes</summary>Press <kbd>Ctrl</kbd>+<kbd>K</kbd> to search.</details>

| Stage | Days |
|---|---:|
| Demo | 12 |

## Lessons

### L1 Anchor price on the pilot scope

- stage: proposal
- roles: AE
- objection: price
- result: missed

Jonas Whitlock quoted the full fleet first.

## Actions

- [ ] Fatima Al-Sayed: send the pilot template to Jonas
"""

SECRETS = ["Zephyrine", "Qorvath", "Ulmbridge"]


def _site_text(site: Path) -> str:
    """Every file of a built site, raw and HTML/JSON-unescaped, as one searchable string."""
    parts = []
    for path in sorted(site.rglob("*")):
        if path.is_file() and path.suffix in {".html", ".json", ".xml", ".js", ".txt"}:
            raw = path.read_text(encoding="utf-8", errors="replace")
            parts += [raw, html.unescape(raw)]
            if path.suffix == ".json":
                parts.append(html.unescape(json.dumps(json.loads(raw), ensure_ascii=False)))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def playbook_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_skeleton(tmp_path_factory.mktemp("audiences") / "playbook")
    for name, text in {"kingfisher.md": KINGFISHER, "heron.md": HERON, "plover.md": PLOVER}.items():
        (root / "retros" / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def sites(playbook_root: Path) -> dict[str, Path]:
    out = {}
    for audience in ("team", "internal", "public"):
        site = playbook_root / f"site-{audience}"
        result = CliRunner().invoke(cli, ["-C", str(playbook_root), "build", "--audience", audience,
                                          "--site-dir", str(site)])
        assert result.exit_code == 0, result.output
        assert "leak check passed" in result.stderr
        out[audience] = site
    return out


def test_team_build_shows_everything(sites):
    text = _site_text(sites["team"])
    for expected in ["Zephyrine Maritime", "Qorvath Logistics", "Ulmbridge Foods", "Odalys Brennan",
                     "420,000 EUR", "Fatima Al-Sayed", "Kingfisher went dark"]:
        assert expected in text, expected
    assert sorted(p.name for p in (sites["team"] / "retros").iterdir() if p.is_dir()) == ["heron", "kingfisher", "plover"]


def test_internal_build_has_no_account_and_no_trace_of_team_retros(sites):
    site = sites["internal"]
    text = _site_text(site).casefold()
    for secret in [*SECRETS, "Kingfisher", "Odalys", "Multi-thread before a reorg"]:
        assert secret.casefold() not in text, secret
    assert sorted(p.name for p in (site / "retros").iterdir() if p.is_dir()) == ["heron", "plover"]
    heron = (site / "retros/heron/index.html").read_text(encoding="utf-8")
    assert "Heron&rsquo;s CFO signed" in heron or "Heron's CFO signed" in heron  # the account became the codename
    assert "Heron agreed three criteria" in heron  # whole words, any case
    assert "We had learned from another customer" in heron  # accounts of unseen retros: a neutral phrase
    assert "We had learned from Kingfisher" not in text
    assert "250k–500k EUR (band)" in heron and "420,000" not in heron
    assert "Priya Raman" in heron  # people are shown to the internal audience
    home = (site / "index.html").read_text(encoding="utf-8")
    glance = home[home.index('id="at-a-glance"') :]
    glance = glance[: glance.index("<h2")]  # up to the next section
    counts = re.findall(r"\d+", re.sub(r"<[^>]+>", " ", glance))  # the summary line and the outcome cards
    # retros, lessons, won, lost, no decision, open, then the win rate's n = 2 closed and its threshold 5
    assert counts[:6] == ["2", "2", "1", "1", "0", "0"]  # no trace of Kingfisher
    assert "(n=2)" in glance


def test_public_build_shows_only_public_retros_without_people_or_values(sites):
    site = sites["public"]
    text = _site_text(site)
    for secret in [*SECRETS, "Fatima", "Al-Sayed", "Jonas", "Whitlock", "Priya", "Aisha", "Kingfisher",
                   "Heron", "90,000", "90000"]:
        assert secret.casefold() not in text.casefold(), secret
    assert sorted(p.name for p in (site / "retros").iterdir() if p.is_dir()) == ["plover"]
    plover = (site / "retros/plover/index.html").read_text(encoding="utf-8")
    assert "the sales engineer ran the demo for Plover" in plover
    assert "the sales engineer: send the pilot template to the account executive" in plover
    assert "<td>Value</td>" not in plover


def test_hostile_html_in_a_body_is_stripped_and_formatting_survives(sites):
    plover = (sites["team"] / "retros/plover/index.html").read_text(encoding="utf-8")
    content = plover[plover.index('<article'):plover.index('</article>')]
    for bad in ["<script", "alert(", "onerror", "<iframe", "<style", "javascript:", "data:image"]:
        assert bad not in content, bad
    assert "<details>" in content and "<kbd>Ctrl</kbd>" in content and "<table>" in content
    index = (sites["team"] / "search/search_index.json").read_text(encoding="utf-8")
    assert "pwned" not in index and "onerror" not in index


def test_check_warns_about_raw_html_that_will_be_stripped(playbook_root):
    result = CliRunner().invoke(cli, ["-C", str(playbook_root), "check"])
    lines = [line for line in result.stderr.splitlines() if "raw HTML" in line]
    script_line = PLOVER.splitlines().index('<script>alert("pwned")</script>') + 1
    assert any(line.startswith(f"retros/plover.md:{script_line}: warning: body: raw HTML '<script>'") for line in lines), lines
    assert any("onerror" in line and "event-handler" in line for line in lines)
    assert any("javascript:" in line for line in lines)
    assert not any("<details>" in line or "<kbd>" in line for line in lines)
    assert result.exit_code == 0
    strict = CliRunner().invoke(cli, ["-C", str(playbook_root), "check", "--strict"])
    assert strict.exit_code == 1


def test_leak_check_catches_a_planted_leak_in_the_search_index(sites, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(sites["internal"], site)
    index = site / "search/search_index.json"
    data = json.loads(index.read_text(encoding="utf-8"))
    data["docs"][0]["text"] += " signed by Qorv\u00e4th? no: " + html.escape("Tindall & Osei")
    data["docs"][1]["text"] += " Q" + "orvath's"  # the real name, JSON-encoded by json.dumps below
    index.write_text(json.dumps(data), encoding="utf-8")  # ensure_ascii: non-ASCII become \\uXXXX
    forbidden = [Forbidden("Qorvath", "account of Heron"), Forbidden("Tindall & Osei", "account of Kestrel")]
    leaks = scan_tree(site, forbidden)
    assert {(leak.path, leak.forbidden.text) for leak in leaks} == {
        ("search/search_index.json", "Qorvath"),
        ("search/search_index.json", "Tindall & Osei"),
    }


def test_leak_check_catches_a_planted_leak_in_the_sitemap(sites, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(sites["internal"], site)
    sitemap = site / "sitemap.xml"
    sitemap.write_text(sitemap.read_text(encoding="utf-8").replace(
        "</urlset>", "<url><loc>https://example.com/retros/zephyrine-maritime-2025/</loc></url></urlset>"),
        encoding="utf-8")
    leaks = scan_tree(site, [Forbidden("Zephyrine Maritime", "account of Kingfisher")])
    assert [(leak.path, leak.found) for leak in leaks] == [("sitemap.xml", "zephyrine-maritime")]


def test_a_leak_fails_the_build_naming_file_and_string(playbook_root, tmp_path):
    root = tmp_path / "playbook"
    shutil.copytree(playbook_root, root, ignore=shutil.ignore_patterns("site-*", "build"))
    (root / "pages").mkdir()
    (root / "pages/notes.md").write_text("# Notes\n\nRemember the Zephyrine deal.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "--audience", "internal"])
    assert result.exit_code == 1
    assert "site/notes/index.html: error: leak: 'Zephyrine' (account of Kingfisher)" in result.stderr
    assert "LEAK CHECK FAILED" in result.stderr


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("Signed by QORVATH yesterday", "QORVATH"),
        ("Signed by Qorvath&#39;s CFO", "Qorvath"),
        ('{"t": "Q\\u006frvath"}', "Qorvath"),
        ("/retros/qorvath-logistics/", "qorvath-logistics"),
        ("https://x/Tom%C3%A1s%20Ferreira", "Tomás Ferreira"),
        ("Tindall &amp; Osei", "Tindall & Osei"),
    ],
)
def test_scanner_sees_through_case_and_escaping(text, hit):
    scanner = LeakScanner([Forbidden("Qorvath Logistics", "a"), Forbidden("Qorvath", "b"),
                           Forbidden("Tomás Ferreira", "c"), Forbidden("Tindall & Osei", "d")])
    assert hit in [leak.found for leak in scanner.scan("f", text)]


def test_scanner_matches_whole_words_only():
    scanner = LeakScanner([Forbidden("Ana", "person")])
    assert scanner.scan("f", "bananas and Anagrams") == []
    assert [leak.found for leak in scanner.scan("f", "ask Ana.")] == ["Ana"]


@pytest.mark.parametrize(
    ("amount", "band"),
    [(420_000, "250k–500k EUR"), (10_000, "under 25k EUR"), (25_000, "25k–50k EUR"), (3_000_000, "1M+ EUR")],
)
def test_value_bands(amount, band):
    assert value_band(Money(amount, "EUR"), [25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000]) == band


def test_keep_going_builds_the_rest_and_exits_3(playbook_root, tmp_path):
    root = tmp_path / "playbook"
    shutil.copytree(playbook_root, root, ignore=shutil.ignore_patterns("site-*", "build"))
    (root / "retros/broken.md").write_text("no front matter here\n", encoding="utf-8")
    plain = CliRunner().invoke(cli, ["-C", str(root), "build"])
    assert plain.exit_code == 1 and not (root / "site").exists()
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "--keep-going", "--audience", "team"])
    assert result.exit_code == 3, result.output
    assert "skipped: retros/broken.md: 1 error(s), first: no front matter" in result.stderr
    assert (root / "site/retros/heron/index.html").is_file()


def test_keep_going_with_nothing_skipped_exits_0(playbook_root, tmp_path):
    root = tmp_path / "playbook"
    shutil.copytree(playbook_root, root, ignore=shutil.ignore_patterns("site-*", "build"))
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "--keep-going"])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def sample_sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    root = copy_skeleton(tmp_path_factory.mktemp("sample") / "playbook", with_retros=True)
    sites = {}
    for audience in ("internal", "public"):
        sites[audience] = root / f"site-{audience}"
        args = ["-C", str(root), "build", "--audience", audience, "--site-dir", str(sites[audience])]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert f"for the {audience} audience; leak check passed" in result.stderr
    return root, sites


def _sample_front_matter(root: Path) -> list[dict]:
    import yaml

    return [yaml.safe_load(p.read_text(encoding="utf-8").split("---\n")[1]) | {"_path": p}
            for p in sorted((root / "retros").rglob("*.md")) if p.name != "README.md"]


def test_sample_internal_build_names_no_account_and_no_team_retro(sample_sites):
    root, sites = sample_sites
    text = _site_text(sites["internal"]).casefold()
    retros = _sample_front_matter(root)
    for meta in retros:
        for name in [meta["deal"]["account"], *meta["deal"].get("account_aliases", [])]:
            assert name.casefold() not in text, name
        if meta.get("visibility") == "team":
            assert meta["title"].casefold() not in text and meta["deal"]["codename"].casefold() not in text
    assert sum(1 for meta in retros if meta.get("visibility") == "team") == 3


def test_sample_public_build_has_public_retros_only_and_no_people_or_values(sample_sites):
    root, sites = sample_sites
    site = sites["public"]
    text = _site_text(site).casefold()
    retros = _sample_front_matter(root)
    public = sorted(meta["_path"].stem for meta in retros if meta.get("visibility") == "public")
    assert sorted(p.name for p in (site / "retros").iterdir() if p.is_dir()) == public
    for meta in retros:
        people = [member["name"] for member in meta.get("team", [])] + [meta.get("retro", {}).get("facilitator")]
        for name in [meta["deal"]["account"], *meta["deal"].get("account_aliases", []), *filter(None, people)]:
            assert name.casefold() not in text, name
    assert "<td>value</td>" not in text


def test_leak_check_reports_every_file_that_repeats_a_leaking_line(tmp_path):
    """Lines already seen in a clean file are skipped, but a leaking line is found in every file."""
    site = tmp_path / "site"
    site.mkdir()
    header = "<header>Sales playbook</header>\n"
    (site / "a.html").write_text(header + "<p>clean page</p>\n", encoding="utf-8")
    (site / "b.html").write_text(header + "<p>signed with Qorvath</p>\n", encoding="utf-8")
    (site / "c.html").write_text(header + "<p>signed with Qorvath</p>\n", encoding="utf-8")
    (site / "d.html").write_text(header + "<p>signed with Q&#111;rvath</p>\n", encoding="utf-8")
    leaks = scan_tree(site, [Forbidden("Qorvath", "account of Heron")])
    assert [leak.path for leak in leaks] == ["b.html", "c.html", "d.html"]


def test_leak_check_decodes_each_string_of_a_json_file_with_percent_escapes(tmp_path):
    """A search index is one line; with a percent-escape somewhere it is searched string by string."""
    site = tmp_path / "site"
    (site / "search").mkdir(parents=True)
    docs = [{"location": "a/", "text": "URL encoding (%C3%A1)"}, {"location": "b/", "text": "by Q%6Frvath"},
            {"location": "c/", "text": "with Tindall &amp; Osei"}]
    (site / "search/search_index.json").write_text(json.dumps({"docs": docs}), encoding="utf-8")
    forbidden = [Forbidden("Qorvath", "account of Heron"), Forbidden("Tindall & Osei", "account of Kestrel")]
    found = {(leak.path, leak.found) for leak in scan_tree(site, forbidden)}
    assert found == {("search/search_index.json", "Qorvath"), ("search/search_index.json", "Tindall & Osei")}
    # A percent-escape hidden behind a JSON escape (\u0025 is '%') is decoded in that order, and reported.
    raw = '{"docs": [{"text": "URL encoding (%C3%A1)"}, {"text": "by Q\\u00256Frvath"}]}'
    (site / "search/search_index.json").write_text(raw, encoding="utf-8")
    assert [leak.found for leak in scan_tree(site, forbidden)] == ["Qorvath"]


def test_leak_check_refuses_a_site_it_cannot_read(tmp_path, monkeypatch):
    """A folder or file it cannot read is an error naming it: never a traceback, never a silent pass."""
    site = tmp_path / "site"
    (site / "locked").mkdir(parents=True)
    (site / "locked/page.html").write_text("<p>Qorvath</p>", encoding="utf-8")
    forbidden = [Forbidden("Qorvath", "account of Heron")]
    assert [leak.path for leak in scan_tree(site, forbidden)] == ["locked/page.html"]
    real = leaks.os.scandir

    def scandir(path: str):  # what a folder with mode 000 does (root, running the tests, may read it)
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(leaks.os, "scandir", scandir)
    with pytest.raises(leaks.UnreadableSite) as caught:
        scan_tree(site, forbidden)
    assert (caught.value.path, caught.value.reason) == ("locked/", "Permission denied")
    monkeypatch.undo()
    good = gzip.compress(b"<urlset></urlset>")
    for broken in (good[:12], good[:10] + b"\xff" * (len(good) - 10)):  # cut short (EOFError), bad deflate (zlib)
        (site / "sitemap.xml.gz").write_bytes(broken)
        with pytest.raises(leaks.UnreadableSite) as caught:
            scan_tree(site, forbidden)
        assert caught.value.path == "sitemap.xml.gz"


def test_an_unreadable_site_fails_the_build_with_its_path(playbook_root, tmp_path, monkeypatch):
    root = tmp_path / "playbook"
    shutil.copytree(playbook_root, root, ignore=shutil.ignore_patterns("site-*", "build"))

    def unreadable(folder: Path) -> list[str]:
        raise leaks.UnreadableSite("search/", "Permission denied")

    monkeypatch.setattr(leaks, "_files", unreadable)
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "--audience", "internal"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert "site/search/: error: leak check: cannot read it (Permission denied), so the site could not be " \
        "checked; do not publish site/" in result.stderr
    assert "leak check passed" not in result.stderr
