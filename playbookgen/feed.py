"""An Atom feed of new retros and their lessons, built from the audience view (so it never leaks)."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from xml.etree.ElementTree import Element, SubElement, tostring

from playbookgen.group import Playbook

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 30


def atom_feed(playbook: Playbook, site_url: str | None, feed_path: str = "feed.xml") -> str:
    """The newest retros as Atom entries; links are absolute when mkdocs.yml sets site_url."""
    base = (site_url or "").rstrip("/") + "/" if site_url else ""
    feed = Element("feed", {"xmlns": ATOM})
    SubElement(feed, "title").text = playbook.config.title
    SubElement(feed, "subtitle").text = playbook.config.description
    SubElement(feed, "id").text = f"{base}{feed_path}" if base else "urn:playbookgen:feed"
    SubElement(feed, "link", {"rel": "self", "href": f"{base}{feed_path}"})
    SubElement(feed, "link", {"rel": "alternate", "href": base or "./"})
    newest = playbook.retros[0].date if playbook.retros else date(1970, 1, 1)
    SubElement(feed, "updated").text = _timestamp(newest)
    SubElement(SubElement(feed, "author"), "name").text = playbook.config.title
    for retro in playbook.retros[:FEED_SIZE]:
        entry = SubElement(feed, "entry")
        SubElement(entry, "title").text = retro.title
        SubElement(entry, "id").text = (
            f"{base}retros/{retro.id}/" if base else f"urn:playbookgen:retro:{retro.id}"
        )
        SubElement(entry, "link", {"rel": "alternate", "href": f"{base}retros/{retro.id}/"})
        SubElement(entry, "updated").text = _timestamp(retro.date)
        lessons = "; ".join(lesson.title for lesson in retro.lessons)
        SubElement(
            entry, "summary"
        ).text = f"{retro.deal.codename} ({retro.deal.outcome}). Lessons: {lessons}"
        for lesson in retro.lessons:
            SubElement(entry, "category", {"term": lesson.stage})
    return '<?xml version="1.0" encoding="utf-8"?>\n' + tostring(feed, encoding="unicode") + "\n"


def _timestamp(day: date) -> str:
    return datetime.combine(day, time(), tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")
