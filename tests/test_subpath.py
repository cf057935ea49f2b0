"""A site deployed under a sub-path (https://example.com/sales/playbook/) keeps every link, asset and search."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from playbookgen.cli import cli
from tests.conftest import copy_skeleton

SITE_URL = "https://example.com/sales/playbook/"
PREFIX = "/sales/playbook/"


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"href", "src"} and value:
                self.refs.append(value)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_skeleton(tmp_path_factory.mktemp("subpath") / "playbook", with_retros=True)
    config = root / "mkdocs.yml"
    config.write_text(f"site_url: {SITE_URL}\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(root), "build"])
    assert result.exit_code == 0, result.output
    return root / "site"


def _target(site: Path, page: Path, ref: str) -> Path | None:
    """The file a link lands on when the site is served at PREFIX, or None for external links."""
    parts = urlsplit(ref)
    if parts.scheme in {"http", "https"}:
        if not ref.startswith(SITE_URL):
            return None
        path = parts.path[len(PREFIX):]
        base = site
    elif parts.scheme or ref.startswith(("#", "mailto:", "data:")):
        return None
    elif parts.path.startswith("/"):
        assert parts.path.startswith(PREFIX), f"{page.name}: {ref} escapes the sub-path"
        path, base = parts.path[len(PREFIX):], site
    else:
        path, base = parts.path, page.parent
    target = (base / unquote(path)).resolve()
    return target / "index.html" if target.is_dir() else target


def test_every_link_and_asset_resolves_under_the_sub_path(site):
    broken = []
    for page in sorted(site.rglob("*.html")):
        parser = _Refs()
        parser.feed(page.read_text(encoding="utf-8"))
        for ref in parser.refs:
            target = _target(site, page, ref)
            if target is not None and not target.is_file():
                broken.append(f"{page.relative_to(site)} -> {ref}")
    assert broken == []


def test_404_page_uses_the_sub_path(site):
    page = (site / "404.html").read_text(encoding="utf-8")
    assert f'href="{PREFIX}assets/' in page or f'src="{PREFIX}assets/' in page
    assert 'href="/assets' not in page and 'src="/assets' not in page


def test_sitemap_and_canonical_urls_carry_the_sub_path(site):
    locations = re.findall(r"<loc>(.*?)</loc>", (site / "sitemap.xml").read_text(encoding="utf-8"))
    assert locations and all(loc.startswith(SITE_URL) for loc in locations)
    assert f'<link rel="canonical" href="{SITE_URL}stages/discovery/"' in (
        site / "stages/discovery/index.html"
    ).read_text(encoding="utf-8")


def test_search_is_found_relative_to_each_page(site):
    page = (site / "stages/discovery/index.html").read_text(encoding="utf-8")
    config = json.loads(re.search(r'<script id="__config" type="application/json">(.*?)</script>', page, re.S)[1])
    assert config["base"] == "../.."  # relative: works under any sub-path
    assert (site / "stages/discovery" / config["base"] / "search/search_index.json").resolve().is_file()
