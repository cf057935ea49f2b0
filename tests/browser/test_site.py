"""The playbook as readers see it: the sample site in headless Chromium, served from 127.0.0.1.

Navigation, search (at the root and under a sub-path), links, network requests, console errors, the
legibility of the badges in both colour schemes, and the screenshots in docs/screenshots/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest

from .conftest import Server, Visit, open_visit

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"

# A lesson each site publishes, and a phrase from its first paragraph (kept out of group pages' index).
TEAM_LESSON = ("2023-11-09-wren", "l1", "Send the security pack before the security team asks",
               "pre-filled SIG Lite and our standard DPA")
INTERNAL_LESSON = ("2025-03-11-falcon", "l1", "Trade the POC for access to the economic buyer",
                   "already scheduled Lumaroute's final presentation")
PAGE_OF_EACH_KIND = ["stages/", "stages/discovery/", "roles/", "roles/sales-engineer/", "objections/",
                     "objections/authority/", "retros/", "retros/2025-03-11-falcon/", "tags/"]


def heading(page: Any) -> str:
    return page.locator("article h1").first.inner_text().replace("¶", "").strip()


def follow_nav(visit: Visit, tab: str, entry: str) -> None:
    """Click a navigation tab, then an entry of the section's sidebar, as a reader would."""
    page = visit.page
    page.locator(".md-tabs__link", has_text=re.compile(rf"^\s*{re.escape(tab)}\s*$")).click()
    page.wait_for_url(re.compile(rf"/{tab.lower()}/$"))
    assert heading(page) == tab
    sidebar = page.locator(".md-sidebar--primary .md-nav__link", has_text=re.compile(rf"^\s*{re.escape(entry)}\s*$"))
    sidebar.first.click()
    page.wait_for_function("title => document.querySelector('article h1')?.textContent.replace('¶', '').trim() === title", arg=entry)


def test_navigation_leads_to_a_stage_a_role_and_an_objection(visit):
    visit.open()
    assert heading(visit.page) == "Beacon sales playbook"
    follow_nav(visit, "Stages", "Discovery")
    assert visit.page.url.endswith("/stages/discovery/")
    assert visit.page.locator("#checklist").is_visible()
    follow_nav(visit, "Roles", "Sales Engineer")
    assert visit.page.url.endswith("/roles/sales-engineer/")
    follow_nav(visit, "Objections", "Authority / decision process")
    assert visit.page.url.endswith("/objections/authority/")
    assert visit.page.locator(".admonition.success").first.is_visible()  # it leads with what worked
    visit.assert_clean()


def search_and_open(visit: Visit, lesson: tuple[str, str, str, str]) -> None:
    """Type a phrase from the lesson into the search box, find the lesson, click it, land on its heading."""
    retro, anchor, title, phrase = lesson
    page = visit.page
    page.locator("input.md-search__input").click()
    page.locator("input.md-search__input").press_sequentially(phrase, delay=20)
    result = page.locator(f'a.md-search-result__link[href*="retros/{retro}/"][href$="#{anchor}"]')
    result.first.wait_for(state="attached")
    if not result.first.is_visible():  # Material folds a page's further sections into "N more on this page"
        item = page.locator(".md-search-result__item", has=result.first)
        item.locator("details.md-search-result__more > summary").click()
    result.first.wait_for(state="visible")
    assert title in result.first.inner_text()
    result.first.click()
    page.wait_for_url(re.compile(rf"/retros/{retro}/.*#{anchor}$"))
    target = page.locator(f"h3#{anchor}")
    target.wait_for(state="visible")
    page.wait_for_function(  # the heading is scrolled into the viewport
        "id => { const r = document.getElementById(id).getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }",
        arg=anchor,
    )
    assert urlsplit(page.url).fragment == anchor
    assert title in target.inner_text()


def test_search_finds_a_lesson_and_lands_on_its_anchor(visit):
    visit.open()
    search_and_open(visit, TEAM_LESSON)
    assert urlsplit(visit.page.url).path == f"/retros/{TEAM_LESSON[0]}/"
    visit.assert_clean()


def test_search_works_under_a_sub_path(browser, sub_path_site: Server):
    visit = open_visit(browser, sub_path_site)
    try:
        visit.open()
        assert heading(visit.page) == "Beacon sales playbook"
        search_and_open(visit, INTERNAL_LESSON)
        assert urlsplit(visit.page.url).path == f"/sales/playbook/retros/{INTERNAL_LESSON[0]}/"
        assert all(urlsplit(url).path.startswith("/sales/playbook/") for url in visit.requests
                   if not url.startswith("data:"))
        visit.assert_clean()
    finally:
        visit.page.context.close()


def _links(page: Any) -> list[str]:
    return page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")


def test_every_link_on_the_home_page_and_a_page_of_each_kind_resolves(visit):
    local = visit.server.origin + "/"
    checked: dict[str, bool] = {}
    missing_anchors = []
    for path in ["", *PAGE_OF_EACH_KIND]:
        visit.open(path, wait_until="domcontentloaded")
        for link in _links(visit.page):
            if not link.startswith(local):
                continue  # external (the "Made with Material" footer): not followed, and never fetched
            url, fragment = urldefrag(link)
            if url not in checked:
                response = visit.page.request.get(url)
                checked[url] = response.ok
                if response.ok and fragment and url.endswith("/"):
                    body = response.text()
                    if f'id="{fragment}"' not in body:
                        missing_anchors.append(link)
    assert [url for url, ok in checked.items() if not ok] == []
    assert missing_anchors == []
    assert len(checked) > 50


def test_no_request_leaves_the_local_server_and_the_console_stays_clean(visit):
    for path in ["", *PAGE_OF_EACH_KIND]:
        visit.open(path)
    search = visit.page.locator("input.md-search__input")
    search.click()  # search loads its worker and the index
    search.press_sequentially("security pack")
    visit.page.locator(".md-search-result__item").first.wait_for(state="visible")
    search.press("Escape")
    visit.page.locator("label.md-header__button[for^='__palette_']:visible").click()  # to dark mode
    visit.page.wait_for_selector("body[data-md-color-scheme='slate']")
    visit.open("stages/discovery/")
    assert any(url.endswith("search/search_index.json") for url in visit.requests)
    assert any(url.endswith("assets/playbookgen.css") for url in visit.requests)
    assert visit.outside() == []
    assert visit.failures == []
    assert visit.console_errors == []


CONTRAST = """() => {
  const rgb = s => s.match(/[\\d.]+/g).map(Number);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  return [...document.querySelectorAll('.pb-badge, .pb-badge a')].map(el => {
    const badge = el.closest('.pb-badge'); const style = getComputedStyle(el);
    const bg = rgb(getComputedStyle(badge).backgroundColor), fg = rgb(style.color);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    return {cls: badge.className, text: el.textContent.trim(), ratio: (hi + 0.05) / (lo + 0.05), alpha: bg[3] ?? 1};
  });
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_badges_are_legible_in_both_colour_schemes(browser, team_site, scheme):
    visit = open_visit(browser, team_site, scheme)
    try:
        seen: set[str] = set()
        for path in ["", "stages/discovery/", "objections/price/", "retros/2023-11-09-wren/"]:
            visit.open(path)
            expected = "slate" if scheme == "dark" else "default"
            assert visit.page.locator("body").get_attribute("data-md-color-scheme") == expected
            badges = visit.page.evaluate(CONTRAST)
            assert badges, path
            low = [b for b in badges if b["ratio"] < 4.5 or b["alpha"] != 1]
            assert low == [], f"{path}: badges under WCAG AA contrast (4.5:1)"
            seen.update(cls for b in badges for cls in b["cls"].split())
        assert {"pb-result--worked", "pb-result--missed", "pb-result--didnt-work", "pb-outcome--won",
                "pb-outcome--lost", "pb-outcome--no-decision", "pb-outcome--open", "pb-term"} <= seen
    finally:
        visit.page.context.close()


@pytest.mark.parametrize(
    ("name", "path", "scheme", "anchor"),
    [
        ("home", "", "light", None),
        ("stage", "stages/discovery/", "light", None),
        ("objection", "objections/authority/", "light", None),
        ("stage-dark", "stages/discovery/", "dark", "#account-executive"),
    ],
)
def test_screenshots(browser, team_site, name, path, scheme, anchor):
    """docs/screenshots/<name>.png, 1280 pixels wide, for the README."""
    visit = open_visit(browser, team_site, scheme)
    try:
        visit.open(path)
        if anchor:
            visit.page.evaluate(  # scroll down only, so the "Back to top" button stays hidden
                "sel => window.scrollTo(0, document.querySelector(sel).getBoundingClientRect().top - 90)", anchor
            )
            visit.page.wait_for_timeout(600)  # let the header's title cross-fade finish
        visit.page.evaluate("document.fonts.ready")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        png = visit.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == 1280
        visit.assert_clean()
    finally:
        visit.page.context.close()
